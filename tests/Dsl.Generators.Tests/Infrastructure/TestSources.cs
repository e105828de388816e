namespace Dsl.Generators.Tests.Infrastructure;

/// <summary>Wraps declaration snippets into compilation units, and the declarations the tests share.</summary>
internal static class TestSources
{
    /// <summary>A full file: the usings a user writes, a namespace, then the snippet.</summary>
    public static string File(string snippet, string @namespace = "Demo") =>
        "using Dsl;\nusing static Dsl.Ops;\n\nnamespace " + @namespace + ";\n\n" + snippet.Trim() + "\n";

    /// <summary>The MLP of DESIGN.md section 2.</summary>
    public const string Mlp = """
        [Model]
        public partial class Mlp
        {
            [Dim] public int Inputs, Hidden, Classes;

            [Param(nameof(Inputs), nameof(Hidden))]  public Tensor W1;
            [Param(nameof(Hidden))]                  public Tensor B1;
            [Param(nameof(Hidden), nameof(Classes))] public Tensor W2;
            [Param(nameof(Classes))]                 public Tensor B2;

            public Tensor Forward([Shape("Batch", nameof(Inputs))] Tensor x)
                => MatMul(Relu(MatMul(x, W1) + B1), W2) + B2;
        }
        """;

    /// <summary>DESIGN.md's DigitClassifier with plain SGD (no update rule field).</summary>
    public const string DigitClassifierSgd = """
        [Experiment]
        public partial class DigitClassifier
        {
            public Mlp Net = new() { Inputs = 784, Hidden = 256, Classes = 10 };
            public double LearningRate = 0.1;

            [Loss]
            public Tensor Loss([Shape("Batch", 784)] Tensor images, [Shape("Batch")] Tensor labels)
                => CrossEntropy(Net.Forward(images), labels);
        }
        """;

    /// <summary>Adam of DESIGN.md section 2, written in the DSL.</summary>
    public const string Adam = """
        [UpdateRule]
        public partial class Adam
        {
            public float LearningRate = 1e-3f, Beta1 = 0.9f, Beta2 = 0.999f, Epsilon = 1e-8f;
            [State] Tensor m = null!, v = null!;

            [Update]
            void Update(Tensor param, Tensor grad, long step)
            {
                m = Beta1 * m + (1 - Beta1) * grad;
                v = Beta2 * v + (1 - Beta2) * Square(grad);
                param -= LearningRate * (m / (1 - Pow(Beta1, step))) / (Sqrt(v / (1 - Pow(Beta2, step))) + Epsilon);
            }
        }
        """;

    /// <summary>DESIGN.md's DigitClassifier with the Adam update rule.</summary>
    public const string DigitClassifierAdam = """
        [Experiment]
        public partial class DigitClassifier
        {
            public Mlp Net = new() { Inputs = 784, Hidden = 256, Classes = 10 };
            public Adam Optimizer = new() { LearningRate = 1e-3f };

            [Loss]
            public Tensor Loss([Shape("Batch", 784)] Tensor images, [Shape("Batch")] Tensor labels)
                => CrossEntropy(Net.Forward(images), labels);
        }
        """;

    /// <summary>A model made of sub-models, with locals, tanh and sigmoid, and an MSE loss.</summary>
    public const string Composed = """
        [Model]
        public partial class Dense
        {
            [Dim] public int In, Out;

            [Param(nameof(In), nameof(Out))] public Tensor W;
            [Param(nameof(Out))]             public Tensor B;

            public Tensor Forward([Shape("N", nameof(In))] Tensor x) => MatMul(x, W) + B;
        }

        [Model]
        public partial class AutoEncoder
        {
            [Dim] public int Features, Code;

            public Dense Encoder = new() { In = 8, Out = 3 };
            public Dense Decoder = new() { In = 3, Out = 8 };

            public Tensor Forward([Shape("Batch", nameof(Features))] Tensor x)
            {
                var code = Tanh(Encoder.Forward(x));
                var reconstruction = Sigmoid(Decoder.Forward(code));
                return reconstruction;
            }
        }

        [Experiment]
        public partial class Compression
        {
            public AutoEncoder Net = new() { Features = 8, Code = 3 };
            public double LearningRate = 0.5;

            [Loss]
            public Tensor Loss([Shape("Batch", 8)] Tensor x) => MseLoss(Net.Forward(x), x);
        }
        """;
}
