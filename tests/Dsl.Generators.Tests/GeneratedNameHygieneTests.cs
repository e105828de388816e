using Dsl.Generators.Tests.Infrastructure;
using Microsoft.CodeAnalysis;

namespace Dsl.Generators.Tests;

/// <summary>
/// Generated names never meet the user's (docs/ARCHITECTURE-generator.md, "Generated names"): each
/// declaration below once made the generated file fail to compile. Each test compiles the generated
/// code, asserts no error lies in a .g.cs file, then loads it and trains a step.
/// </summary>
public sealed class GeneratedNameHygieneTests
{
    private const string Model = """
        [Model]
        public partial class Mlp
        {
            [Dim] public int Inputs, Hidden, Classes;

            [Param(nameof(Inputs), nameof(Hidden))]  public Tensor W1;
            [Param(nameof(Hidden))]                  public Tensor B1;
            [Param(nameof(Hidden), nameof(Classes))] public Tensor W2;

            public Tensor Forward([Shape("Batch", nameof(Inputs))] Tensor x) => MatMul(Relu(MatMul(x, W1) + B1), W2);
        }
        """;

    /// <summary>An experiment around <see cref="Model"/> with <paramref name="members"/> and the loss written as given.</summary>
    private static string Experiment(string loss, string members = "", string model = "Net") => Model + $$"""

        [Experiment]
        public partial class Classifier
        {
            public Mlp {{model}} = new() { Inputs = 4, Hidden = 8, Classes = 3 };
            public double LearningRate = 0.1;
        {{members}}
            [Loss]
            {{loss}}
        }
        """;

    [Fact]
    public void ALossParameterNamedBatchBesideAShapeNamedBatch()
    {
        // The size local of the "batch" [Shape] name was 'batch' too: CS0841/CS0136 in the .g.cs.
        var loss = Train(Experiment("""public Tensor Loss([Shape("batch", 4)] Tensor batch, [Shape("batch")] Tensor labels) => CrossEntropy(Net.Forward(batch), labels);"""));
        Assert.True(float.IsFinite(loss));
    }

    [Fact]
    public void ALossParameterNamedLearningRateFactor()
    {
        // TrainStep's own 'double learningRateFactor' met the user's parameter (CS0100).
        var run = Generate(Experiment("""public Tensor Loss([Shape("Batch", 4)] Tensor x, [Shape("Batch")] Tensor learningRateFactor) => CrossEntropy(Net.Forward(x), learningRateFactor);"""));
        Assert.Contains("public float TrainStep(global::Dsl.Tensor x, global::Dsl.Tensor learningRateFactor, double __learningRateFactor = 1d)", run.Source("Demo.Classifier.g.cs"));
        Assert.True(float.IsFinite(TrainOnce(run)));
    }

    [Fact]
    public void ALossParameterNamedWithAKeyword()
    {
        // '@class' was emitted as 'class'.
        var run = Generate(Experiment("""public Tensor Loss([Shape("Batch", 4)] Tensor x, [Shape("Batch")] Tensor @class) => CrossEntropy(Net.Forward(x), @class);"""));
        Assert.Contains("global::Dsl.Tensor @class", run.Source("Demo.Classifier.g.cs"));
        Assert.True(float.IsFinite(TrainOnce(run)));
    }

    [Theory]
    [InlineData("private int _step;")]
    [InlineData("private int _batch;")]
    [InlineData("private int _matMul1;")]
    [InlineData("private void Prepare(Tensor x, Tensor labels) { }")]
    [InlineData("private int __predictMatMul1, generator, dtype, parameters, loss;")]
    public void ExperimentMembersNamedLikeWhatTheGeneratorWrote(string member)
    {
        // Fields the step generated were _step, _batch, _matMul1 (CS0102); its private methods Prepare, ... (CS0111).
        var loss = Train(Experiment("""public Tensor Loss([Shape("Batch", 4)] Tensor x, [Shape("Batch")] Tensor labels) => CrossEntropy(Net.Forward(x), labels);""",
            "    " + member + "\n"));
        Assert.True(float.IsFinite(loss));
    }

    [Fact]
    public void ALossParameterNamedLikeTheModelField()
    {
        // A parameter 'Net' hides the model field 'Net': the step reads the model through this.Net.
        var run = Generate(Experiment("""public Tensor Loss([Shape("Batch", 4)] Tensor x, [Shape("Batch")] Tensor Net) => CrossEntropy(this.Net.Forward(x), Net);"""));
        Assert.Contains("this.Net.W1", run.Source("Demo.Classifier.g.cs"));
        Assert.True(float.IsFinite(TrainOnce(run)));
    }

    [Fact]
    public void AModelFieldNamedLikeInitializesParameters()
    {
        // Initialize(ulong seed, DType dtype) hides a model field named dtype: it is initialized through this.dtype.
        var loss = Train(Experiment("""public Tensor Loss([Shape("Batch", 4)] Tensor x, [Shape("Batch")] Tensor labels) => CrossEntropy(dtype.Forward(x), labels);""",
            model: "dtype"));
        Assert.True(float.IsFinite(loss));
    }

    [Fact]
    public void AnUpdateRuleWhoseNamesMeetTheLoopsOwn()
    {
        // The fused loop's own locals were i, block and <state>Values; a rule field 'step' is hidden by Update's parameter.
        const string Rule = """
            [UpdateRule]
            public partial class Odd
            {
                public float LearningRate = 0.1f, step = 1f;
                [State] Tensor block = null!, iValues = null!;

                [Update]
                void Update(Tensor i, Tensor @class, long t)
                {
                    block = 0.5f * block + @class;
                    iValues = iValues + Square(@class);
                    i -= LearningRate * step * block / (Sqrt(iValues) + 1);
                }
            }
            """;
        var source = Experiment("""public Tensor Loss([Shape("Batch", 4)] Tensor x, [Shape("Batch")] Tensor labels) => CrossEntropy(Net.Forward(x), labels);""",
            "    public Odd Optimizer = new();\n").Replace("public double LearningRate = 0.1;", "") + "\n" + Rule;
        var loss = Train(source);
        Assert.True(float.IsFinite(loss));
    }

    [Fact]
    public void ClassesNamedWithAKeyword()
    {
        // A model or experiment named '@int' was declared as 'partial class int' (CS1001), found by the compiling fuzzer.
        var source = Experiment("""public Tensor Loss([Shape("Batch", 4)] Tensor x, [Shape("Batch")] Tensor labels) => CrossEntropy(Net.Forward(x), labels);""")
            .Replace("class Mlp", "class @int").Replace("public Mlp Net", "public @int Net").Replace("class Classifier", "class @return");
        var run = Generate(source);
        Assert.Contains("partial class @return", run.Source("Demo.return.g.cs"));
        Assert.Contains("public @int()", run.Source("Demo.int.g.cs"));
        Assert.True(float.IsFinite(TrainOnce(run, "Demo.return")));
    }

    private static GeneratorRun Generate(string source)
    {
        var run = GeneratorHarness.Run(source);
        Assert.Empty(run.Diagnostics);
        var generatedErrors = run.CompilationErrors.Where(d => d.Location.SourceTree?.FilePath.EndsWith(".g.cs", StringComparison.Ordinal) == true).ToList();
        Assert.True(generatedErrors.Count == 0, "errors in generated files:\n" + string.Join("\n", generatedErrors));
        Assert.Empty(run.CompilationErrors);
        return run;
    }

    private static float Train(string source) => TrainOnce(Generate(source));

    /// <summary>Initializes the experiment and runs one TrainStep on a small batch, through Dsl.IExperiment.</summary>
    private static float TrainOnce(GeneratorRun run, string typeName = "Demo.Classifier")
    {
        var assembly = GeneratorHarness.Load(run.Output);
        var experiment = (IExperiment)Activator.CreateInstance(assembly.GetType(typeName, throwOnError: true)!)!;
        experiment.Initialize(3UL, DType.Float32);
        using var g = new Generator(5UL);
        using var x = Tensor.Randn([6, 4], g);
        using var labels = Tensor.FromArray(new long[] { 0, 1, 2, 0, 1, 2 }, 6);
        return experiment.TrainStep([x, labels], 1d);
    }
}
