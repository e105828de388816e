using System.Globalization;
using System.Reflection;
using System.Text;
using Dsl.Generators.Tests.Infrastructure;
using Dsl.Testing;
using Xunit.Abstractions;

namespace Dsl.Generators.Tests;

/// <summary>
/// Generated gradients against PyTorch's autograd. Each case is an experiment declared in the DSL,
/// compiled by the generator in memory, initialized in float64 from a seed and run for one
/// <c>ComputeGradients</c> on seeded inputs. The same parameter values and inputs go to PyTorch,
/// where the case's forward pass is written by hand with torch ops; <c>torch.autograd.grad</c> of the
/// loss with respect to every trainable parameter must agree with the generated gradient to a
/// relative error below 1e-5 (float64 gives ~1e-15).
/// </summary>
/// <remarks>
/// Starting python with torch takes seconds, so <see cref="CrossCheckResults"/> runs the C# side of
/// every case and then evaluates all PyTorch references in one process.
/// </remarks>
public sealed class TorchCrossCheckTests(CrossCheckResults results, ITestOutputHelper output) : IClassFixture<CrossCheckResults>
{
    public static TheoryData<string> CaseNames => new(CrossCheckCases.All.Select(c => c.Name));

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void GradientsMatchPyTorch(string name)
    {
        var result = results.Get(name);
        var report = CrossCheckResults.Compare(result.Ours, result.Torch!);
        output.WriteLine(report.Summary);
        Assert.True(report.Mismatches.Count == 0, name + ":\n" + string.Join("\n", report.Mismatches));
    }

    /// <summary>
    /// A comparison that cannot fail proves nothing: the deep MLP's gradients against a torch forward
    /// with one activation changed (tanh for sigmoid in the first layer) must be reported as different.
    /// </summary>
    [Fact]
    public void AWrongTorchForwardIsReportedAsAMismatch()
    {
        var result = results.Get(CrossCheckCases.BrokenControl.Name);
        var report = CrossCheckResults.Compare(result.Ours, result.Torch!);
        output.WriteLine(report.Summary);
        Assert.NotEmpty(report.Mismatches);
    }

    [Fact]
    public void EveryCaseHasItsOwnExperimentAndAtLeastTenRun()
    {
        Assert.True(CrossCheckCases.All.Count >= 10);
        Assert.Equal(CrossCheckCases.All.Count, CrossCheckCases.All.Select(c => c.Name).Distinct().Count());
    }
}

/// <summary>One experiment to check: DSL source, the experiment's type, its inputs, and the same loss written in PyTorch.</summary>
/// <param name="Inputs">The arguments of <c>Loss</c>/<c>ComputeGradients</c> in order (tensors in float64 or int64 labels, or numbers).</param>
/// <param name="TorchForward">
/// Python statements that assign <c>loss</c>. They see the Loss's parameters by name, every model parameter
/// by path with <c>_</c> for <c>.</c> (<c>Net_Encoder_W</c>, requiring grad), and every number field of the
/// experiment and its models the same way (<c>WeightDecay</c>, <c>Net_Epsilon</c>).
/// </param>
/// <param name="Tolerance">Relative error allowed per parameter gradient (the language's op checks ask 1e-10 in float64).</param>
/// <param name="Eager">Whether the [Loss] also runs eagerly (not when it takes Grad, which only the generator expands).</param>
public sealed record CrossCheckCase(string Name, string Source, string Experiment, ulong Seed, Func<Generator, object[]> Inputs, string TorchForward,
    double Tolerance = CrossCheckResults.Tolerance, bool Eager = true)
{
    public override string ToString() => Name;
}

/// <summary>What the generated code computed for one case, as plain arrays (the tensors are disposed).</summary>
public sealed record GeneratedGradients(
    double EagerLoss,
    float GeneratedLoss,
    IReadOnlyList<(string Name, long[] Shape, double[] Values)> Gradients);

/// <summary>Runs every case's generated code, then all PyTorch references in one python process.</summary>
public class CrossCheckResults
{
    /// <summary>Relative error allowed per parameter gradient: max |ours - torch| / max |torch|.</summary>
    public const double Tolerance = 1e-5;

    private readonly Dictionary<string, (GeneratedGradients Ours, TorchValue? Torch, Exception? Error)> _results = new();

    public CrossCheckResults()
        : this(CrossCheckCases.All.Append(CrossCheckCases.BrokenControl))
    {
    }

    protected CrossCheckResults(IEnumerable<CrossCheckCase> all)
    {
        var cases = all.ToList();
        var torchCases = new List<(string Expression, IReadOnlyDictionary<string, Tensor> Inputs)>();
        var ran = new List<(CrossCheckCase Case, GeneratedGradients Ours)>();
        var owned = new List<Tensor>();
        try
        {
            foreach (var c in cases)
            {
                _cases[c.Name] = c;
                try
                {
                    var (ours, expression, inputs) = Run(c);
                    owned.AddRange(inputs.Values);
                    torchCases.Add((expression, inputs));
                    ran.Add((c, ours));
                }
                catch (Exception e)
                {
                    _results[c.Name] = (new GeneratedGradients(double.NaN, float.NaN, []), null, e);
                }
            }
            var torch = TorchReference.Evaluate(torchCases);
            for (var i = 0; i < ran.Count; i++) _results[ran[i].Case.Name] = (ran[i].Ours, torch[i], null);
        }
        finally
        {
            foreach (var t in owned) t.Dispose();
        }
    }

    public IReadOnlyDictionary<string, CrossCheckCase> Cases => _cases;

    private readonly Dictionary<string, CrossCheckCase> _cases = new();

    public (GeneratedGradients Ours, TorchValue? Torch) Get(string name)
    {
        var (ours, torch, error) = _results[name];
        if (error is not null) throw new InvalidOperationException(name + " could not run: " + error.Message, error);
        return (ours, torch);
    }

    /// <summary>
    /// Compiles and runs the case, and writes the Python for it: inputs and parameters as tensor
    /// literals, numbers as Python numbers, then the case's forward, then the gradient request.
    /// </summary>
    private static (GeneratedGradients Ours, string Expression, Dictionary<string, Tensor> Inputs) Run(CrossCheckCase c)
    {
        var run = GeneratorHarness.Run(c.Source);
        if (!run.Diagnostics.IsEmpty) throw new InvalidOperationException("generator diagnostics: " + string.Join("; ", run.Diagnostics));
        var assembly = GeneratorHarness.Load(run.Output);
        var type = assembly.GetType(c.Experiment, throwOnError: true)!;
        var experiment = Activator.CreateInstance(type)!;
        type.GetMethod("Initialize", [typeof(ulong), typeof(DType)])!.Invoke(experiment, [c.Seed, DType.Float64]);

        using var generator = new Generator(c.Seed + 1000);
        var arguments = c.Inputs(generator);
        var lossMethod = type.GetMethod("Loss")!;
        var lossParameters = lossMethod.GetParameters();
        if (lossParameters.Length != arguments.Length) throw new InvalidOperationException("the case gives " + arguments.Length + " inputs; Loss takes " + lossParameters.Length);

        var generatedLoss = (float)type.GetMethod("ComputeGradients")!.Invoke(experiment, arguments)!;
        // A loss that takes Grad(...) runs only as generated code (Grad is expanded at compile time).
        var eagerLoss = double.NaN;
        if (c.Eager)
        {
            using var value = (Tensor)lossMethod.Invoke(experiment, arguments)!;
            eagerLoss = value.Item();
        }
        var gradients = ((IReadOnlyList<(string Name, Tensor Value)>)type.GetProperty("Gradients")!.GetValue(experiment)!)
            .Select(g => (g.Name, g.Value.Shape.Dims.ToArray(), g.Value.ToArray<double>())).ToList();

        var inputs = new Dictionary<string, Tensor>();
        var prologue = new StringBuilder();
        for (var i = 0; i < arguments.Length; i++)
        {
            switch (arguments[i])
            {
                case Tensor t:
                    inputs[lossParameters[i].Name!] = t;
                    break;
                default:
                    prologue.Append(lossParameters[i].Name).Append(" = ").AppendLine(PythonNumber(arguments[i]));
                    break;
            }
        }
        foreach (var (name, value) in (IReadOnlyList<(string Name, Tensor Value)>)type.GetProperty("Parameters")!.GetValue(experiment)!)
        {
            // A copy: the experiment keeps its parameters; the copies are disposed with the inputs.
            inputs[PythonName(name)] = value.Clone();
        }
        foreach (var name in gradients.Select(g => g.Name)) prologue.Append(PythonName(name)).AppendLine(".requires_grad_()");
        AppendNumberFields(prologue, experiment, "");

        var expression = prologue + c.TorchForward.Trim() + "\n" +
            "_parameters = [" + string.Join(", ", gradients.Select(g => PythonName(g.Name))) + "]\n" +
            "result = (loss,) + tuple(torch.autograd.grad(loss, _parameters))";
        return (new GeneratedGradients(eagerLoss, generatedLoss, gradients), expression, inputs);
    }

    /// <summary>Number fields of the experiment and, by path, of the models it holds.</summary>
    private static void AppendNumberFields(StringBuilder python, object instance, string prefix)
    {
        foreach (var field in instance.GetType().GetFields(BindingFlags.Public | BindingFlags.Instance))
        {
            var value = field.GetValue(instance);
            if (value is double or float or int or long)
            {
                python.Append(prefix).Append(field.Name).Append(" = ").AppendLine(PythonNumber(value));
            }
            else if (value is not null && field.FieldType.GetCustomAttributes().Any(a => a.GetType().Name == "ModelAttribute"))
            {
                AppendNumberFields(python, value, prefix + field.Name + "_");
            }
        }
    }

    private static string PythonName(string path) => path.Replace('.', '_');

    private static string PythonNumber(object value) => value switch
    {
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        float f => ((double)f).ToString("R", CultureInfo.InvariantCulture),
        int i => i.ToString(CultureInfo.InvariantCulture),
        long l => l.ToString(CultureInfo.InvariantCulture),
        _ => throw new NotSupportedException(value.GetType().Name),
    };

    /// <summary>The result of comparing one case: a line per parameter, and what is out of tolerance.</summary>
    public sealed record Report(string Summary, IReadOnlyList<string> Mismatches);

    /// <summary>
    /// The torch result is (loss, grad of each trainable parameter in Gradients order), flattened.
    /// Per parameter: relative error max |ours - torch| / max |torch| below <see cref="Tolerance"/>, and no
    /// element off by more than <see cref="Tolerance"/> of itself plus 1e-9 of the largest.
    /// </summary>
    public static Report Compare(GeneratedGradients ours, TorchValue torch, double tolerance = Tolerance)
    {
        var summary = new StringBuilder();
        var mismatches = new List<string>();
        var torchLoss = torch.Values[0];
        summary.AppendLine($"loss: torch {torchLoss:R}, eager {ours.EagerLoss:R}, generated (float) {ours.GeneratedLoss:R}");
        if (!double.IsNaN(ours.EagerLoss) && !(Math.Abs(ours.EagerLoss - torchLoss) <= 1e-10 * Math.Max(1, Math.Abs(torchLoss))))
        {
            mismatches.Add($"loss: eager {ours.EagerLoss:R}, torch {torchLoss:R}");
        }
        if (!(Math.Abs(ours.GeneratedLoss - torchLoss) <= 1e-6 * Math.Max(1, Math.Abs(torchLoss))))
        {
            mismatches.Add($"loss: generated {ours.GeneratedLoss:R}, torch {torchLoss:R}");
        }
        var expectedCount = 1 + ours.Gradients.Sum(g => g.Values.Length);
        if (torch.Values.Length != expectedCount)
        {
            mismatches.Add($"torch returned {torch.Values.Length} values; expected the loss and {expectedCount - 1} gradient elements");
            return new Report(summary.ToString(), mismatches);
        }
        var offset = 1;
        foreach (var (name, shape, values) in ours.Gradients)
        {
            var reference = torch.Values.AsSpan(offset, values.Length);
            offset += values.Length;
            double largest = 0, worst = 0;
            var worstIndex = -1;
            foreach (var v in reference) largest = Math.Max(largest, Math.Abs(v));
            for (var i = 0; i < values.Length; i++)
            {
                var difference = Math.Abs(values[i] - reference[i]);
                if (!(difference <= worst)) (worst, worstIndex) = (difference, i);
                if (!(difference <= tolerance * Math.Abs(reference[i]) + 1e-9 * largest))
                {
                    if (mismatches.Count < 20) mismatches.Add($"d loss / d {name}[{i}]: generated {values[i]:R}, torch {reference[i]:R}");
                }
            }
            var relative = largest == 0 ? worst : worst / largest;
            summary.AppendLine($"{name} [{string.Join(", ", shape)}]: max |torch| {largest:G3}, relative error {relative:G3}");
            if (largest == 0) mismatches.Add($"d loss / d {name} is zero in torch: the case checks nothing for it");
            if (!(relative < tolerance)) mismatches.Add($"d loss / d {name}: relative error {relative:G3} (worst at [{worstIndex}])");
        }
        return new Report(summary.ToString(), mismatches);
    }
}

/// <summary>The experiments checked against PyTorch.</summary>
public static class CrossCheckCases
{
    private const string Dense = """
        [Model]
        public partial class Dense
        {
            [Dim] public int In, Out;

            [Param(nameof(In), nameof(Out))] public Tensor W;
            [Param(nameof(Out))]             public Tensor B;

            public Tensor Forward([Shape("N", nameof(In))] Tensor x) => MatMul(x, W) + B;
        }
        """;

    private static Tensor Randn(Generator g, params long[] shape) => Tensor.Randn(shape, g, DType.Float64);

    private static Tensor Scaled(Tensor t, double factor)
    {
        using (t) return t * factor;
    }

    private static Tensor Labels(Generator g, long classes, long count) => Tensor.RandInt(0, classes, [count], g);

    public static IReadOnlyList<CrossCheckCase> All { get; } =
    [
        new("LinearRegressionMse", Dense + """
            [Experiment]
            public partial class LinearRegression
            {
                public Dense Net = new() { In = 5, Out = 2 };

                [Loss]
                public Tensor Loss([Shape("Batch", 5)] Tensor x, [Shape("Batch", 2)] Tensor y) => MseLoss(Net.Forward(x), y);
            }
            """, "Demo.LinearRegression", 1, g => [Randn(g, 7, 5), Randn(g, 7, 2)],
            """
            loss = F.mse_loss(x @ Net_W + Net_B, y)
            """),

        new("TwoLayerTanhMse", """
            [Model]
            public partial class TanhMlp
            {
                [Dim] public int Inputs, Hidden, Outputs;

                [Param(nameof(Inputs), nameof(Hidden))]  public Tensor W1;
                [Param(nameof(Hidden))]                  public Tensor B1;
                [Param(nameof(Hidden), nameof(Outputs))] public Tensor W2;
                [Param(nameof(Outputs))]                 public Tensor B2;

                public Tensor Forward([Shape("Batch", nameof(Inputs))] Tensor x)
                    => MatMul(Tanh(MatMul(x, W1) + B1), W2) + B2;
            }

            [Experiment]
            public partial class Fit
            {
                public TanhMlp Net = new() { Inputs = 3, Hidden = 8, Outputs = 2 };

                [Loss]
                public Tensor Loss([Shape("Batch", 3)] Tensor x, [Shape("Batch", 2)] Tensor y) => MseLoss(Net.Forward(x), y);
            }
            """, "Demo.Fit", 2, g => [Randn(g, 6, 3), Randn(g, 6, 2)],
            """
            h = torch.tanh(x @ Net_W1 + Net_B1)
            loss = F.mse_loss(h @ Net_W2 + Net_B2, y)
            """),

        new("ThreeLayerReluCrossEntropy", """
            [Model]
            public partial class ReluMlp
            {
                [Dim] public int Inputs, Hidden, Classes;

                [Param(nameof(Inputs), nameof(Hidden))]  public Tensor W1;
                [Param(nameof(Hidden))]                  public Tensor B1;
                [Param(nameof(Hidden), nameof(Hidden))]  public Tensor W2;
                [Param(nameof(Hidden))]                  public Tensor B2;
                [Param(nameof(Hidden), nameof(Classes))] public Tensor W3;
                [Param(nameof(Classes))]                 public Tensor B3;

                public Tensor Forward([Shape("Batch", nameof(Inputs))] Tensor x)
                {
                    var h1 = Relu(MatMul(x, W1) + B1);
                    var h2 = Relu(MatMul(h1, W2) + B2);
                    return MatMul(h2, W3) + B3;
                }
            }

            [Experiment]
            public partial class Classify
            {
                public ReluMlp Net = new() { Inputs = 6, Hidden = 10, Classes = 4 };

                [Loss]
                public Tensor Loss([Shape("Batch", 6)] Tensor x, [Shape("Batch")] Tensor labels) => CrossEntropy(Net.Forward(x), labels);
            }
            """, "Demo.Classify", 3, g => [Randn(g, 9, 6), Labels(g, 4, 9)],
            """
            h1 = torch.relu(x @ Net_W1 + Net_B1)
            h2 = torch.relu(h1 @ Net_W2 + Net_B2)
            loss = F.cross_entropy(h2 @ Net_W3 + Net_B3, labels)
            """),

        // Optimization/Fusion: a bias written first (B1 + x · W1) and a full [Batch, 3] addend (offset ⊙ B2)
        // fold into Addmm; the loss and dLogits come from one CrossEntropyWithGradient, here with ignored labels.
        new("FusedAddmmAndCrossEntropyWithIgnoredLabels", """
            [Model]
            public partial class BiasFirst
            {
                [Param(5, 6)] public Tensor W1;
                [Param(6)]    public Tensor B1;
                [Param(6, 3)] public Tensor W2;
                [Param(3)]    public Tensor B2;

                public Tensor Forward([Shape("Batch", 5)] Tensor x) => MatMul(Sigmoid(B1 + MatMul(x, W1)), W2);
            }

            [Experiment]
            public partial class FusedClassify
            {
                public BiasFirst Net = new();

                [Loss]
                public Tensor Loss([Shape("Batch", 5)] Tensor x, [Shape("Batch", 3)] Tensor offset, [Shape("Batch")] Tensor labels) =>
                    CrossEntropy(Net.Forward(x) + offset * Net.B2, labels);
            }
            """, "Demo.FusedClassify", 13, g => [Randn(g, 8, 5), Randn(g, 8, 3), Tensor.FromArray(new long[] { 1, -100, 0, 2, 2, -100, 1, 0 }, 8)],
            """
            h = torch.sigmoid(Net_B1 + x @ Net_W1)
            loss = F.cross_entropy(h @ Net_W2 + offset * Net_B2, labels)
            """),

        // DESIGN.md section 2 as written: the 784-256-10 MLP, the DigitClassifier with the Adam rule.
        new("DesignDigitClassifierWithAdam", TestSources.Mlp + TestSources.Adam + TestSources.DigitClassifierAdam,
            "Demo.DigitClassifier", 11, g => [Randn(g, 16, 784), Labels(g, 10, 16)],
            """
            h = torch.relu(images @ Net_W1 + Net_B1)
            loss = F.cross_entropy(h @ Net_W2 + Net_B2, labels)
            """),

        DeepMixed("DeepSigmoidTanhReluCrossEntropy", """
            h1 = torch.sigmoid(x @ Net_W1 + Net_B1)
            h2 = torch.tanh(h1 @ Net_W2 + Net_B2)
            h3 = torch.relu(h2 @ Net_W3 + Net_B3)
            loss = F.cross_entropy(h3 @ Net_W4 + Net_B4, labels)
            """),

        new("ComposedAutoEncoderSigmoidMse", Dense + """
            [Model]
            public partial class AutoEncoder
            {
                public Dense Encoder = new() { In = 6, Out = 3 };
                public Dense Decoder = new() { In = 3, Out = 6 };

                public Tensor Forward([Shape("Batch", 6)] Tensor x)
                {
                    var code = Tanh(Encoder.Forward(x));
                    return Sigmoid(Decoder.Forward(code));
                }
            }

            [Experiment]
            public partial class Compress
            {
                public AutoEncoder Net = new();

                [Loss]
                public Tensor Loss([Shape("Batch", 6)] Tensor x) => MseLoss(Net.Forward(x), x);
            }
            """, "Demo.Compress", 5, g => [Tensor.Rand([8, 6], g, DType.Float64)],
            """
            code = torch.tanh(x @ Net_Encoder_W + Net_Encoder_B)
            loss = F.mse_loss(torch.sigmoid(code @ Net_Decoder_W + Net_Decoder_B), x)
            """),

        new("ResidualFanOutCrossEntropy", """
            [Model]
            public partial class ResNet
            {
                [Dim] public int Inputs, Width, Classes;

                [Param(nameof(Inputs), nameof(Width))]  public Tensor WIn;
                [Param(nameof(Width))]                  public Tensor BIn;
                [Param(nameof(Width), nameof(Width))]   public Tensor WRes;
                [Param(nameof(Width))]                  public Tensor BRes;
                [Param(nameof(Width), nameof(Width))]   public Tensor WGate;
                [Param(nameof(Width), nameof(Classes))] public Tensor WOut;
                [Param(nameof(Classes))]                public Tensor BOut;

                public Tensor Forward([Shape("Batch", nameof(Inputs))] Tensor x)
                {
                    var h = Tanh(MatMul(x, WIn) + BIn);
                    var r = h + Relu(MatMul(h, WRes) + BRes);
                    var s = r + Sigmoid(MatMul(r, WGate)) * h;
                    return MatMul(s, WOut) + BOut;
                }
            }

            [Experiment]
            public partial class Residual
            {
                public ResNet Net = new() { Inputs = 4, Width = 7, Classes = 3 };

                [Loss]
                public Tensor Loss([Shape("Batch", 4)] Tensor x, [Shape("Batch")] Tensor labels) => CrossEntropy(Net.Forward(x), labels);
            }
            """, "Demo.Residual", 6, g => [Randn(g, 10, 4), Labels(g, 3, 10)],
            """
            h = torch.tanh(x @ Net_WIn + Net_BIn)
            r = h + torch.relu(h @ Net_WRes + Net_BRes)
            s = r + torch.sigmoid(r @ Net_WGate) * h
            loss = F.cross_entropy(s @ Net_WOut + Net_BOut, labels)
            """),

        new("NestedResidualBlocks", Dense + """
            [Model]
            public partial class Block
            {
                public Dense Inner = new() { In = 5, Out = 5 };

                public Tensor Forward([Shape("N", 5)] Tensor x) => x + Tanh(Inner.Forward(x));
            }

            [Model]
            public partial class Tower
            {
                public Dense Stem = new() { In = 3, Out = 5 };
                public Block First = new();
                public Block Second = new();
                public Dense Head = new() { In = 5, Out = 2 };

                public Tensor Forward([Shape("Batch", 3)] Tensor x) => Head.Forward(Second.Forward(First.Forward(Relu(Stem.Forward(x)))));
            }

            [Experiment]
            public partial class Stack
            {
                public Tower Net = new();

                [Loss]
                public Tensor Loss([Shape("Batch", 3)] Tensor x, [Shape("Batch", 2)] Tensor y) => MseLoss(Net.Forward(x), y);
            }
            """, "Demo.Stack", 7, g => [Randn(g, 6, 3), Randn(g, 6, 2)],
            """
            def dense(x, W, B): return x @ W + B
            h = torch.relu(dense(x, Net_Stem_W, Net_Stem_B))
            h = h + torch.tanh(dense(h, Net_First_Inner_W, Net_First_Inner_B))
            h = h + torch.tanh(dense(h, Net_Second_Inner_W, Net_Second_Inner_B))
            loss = F.mse_loss(dense(h, Net_Head_W, Net_Head_B), y)
            """),

        new("SharedWeightsAppliedTwice", Dense + """
            [Model]
            public partial class Recurrent
            {
                public Dense Cell = new() { In = 4, Out = 4 };
                public Dense Readout = new() { In = 4, Out = 3 };

                public Tensor Forward([Shape("Batch", 4)] Tensor x)
                {
                    var h1 = Tanh(Cell.Forward(x));
                    var h2 = Tanh(Cell.Forward(h1) + x);
                    return Readout.Forward(h2);
                }
            }

            [Experiment]
            public partial class Unrolled
            {
                public Recurrent Net = new();

                [Loss]
                public Tensor Loss([Shape("Batch", 4)] Tensor x, [Shape("Batch")] Tensor labels) => CrossEntropy(Net.Forward(x), labels);
            }
            """, "Demo.Unrolled", 8, g => [Randn(g, 5, 4), Labels(g, 3, 5)],
            """
            h1 = torch.tanh(x @ Net_Cell_W + Net_Cell_B)
            h2 = torch.tanh(h1 @ Net_Cell_W + Net_Cell_B + x)
            loss = F.cross_entropy(h2 @ Net_Readout_W + Net_Readout_B, labels)
            """),

        new("HyperparametersInTheLoss", """
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

            [Experiment]
            public partial class Regularized
            {
                public Mlp Net = new() { Inputs = 5, Hidden = 12, Classes = 4 };
                public double WeightDecay = 0.05;
                public float LabelWeight = 0.75f;

                [Loss]
                public Tensor Loss([Shape("Batch", 5)] Tensor x, [Shape("Batch")] Tensor labels, double temperature)
                    => LabelWeight * CrossEntropy(Net.Forward(x) / temperature, labels)
                       + WeightDecay * (Sum(Square(Net.W1)) + Sum(Square(Net.W2))) / 2;
            }
            """, "Demo.Regularized", 9, g => [Randn(g, 8, 5), Labels(g, 4, 8), 1.7],
            """
            logits = torch.relu(x @ Net_W1 + Net_B1) @ Net_W2 + Net_B2
            loss = LabelWeight * F.cross_entropy(logits / temperature, labels) \
                + WeightDecay * (Net_W1.square().sum() + Net_W2.square().sum()) / 2
            """),

        new("PoissonExpLog", Dense + """
            [Experiment]
            public partial class Counts
            {
                public Dense Net = new() { In = 4, Out = 3 };

                [Loss]
                public Tensor Loss([Shape("Batch", 4)] Tensor x, [Shape("Batch", 3)] Tensor counts)
                {
                    var rate = Exp(Net.Forward(x));
                    var softplus = Log(1 + Exp(Net.W));
                    return Mean(rate - counts * Log(rate + 0.001)) + 0.1 * Sum(softplus);
                }
            }
            """, "Demo.Counts", 10, g => [Scaled(Randn(g, 7, 4), 0.5), Tensor.RandInt(0, 5, [7, 3], g, DType.Float64)],
            """
            rate = torch.exp(x @ Net_W + Net_B)
            softplus = torch.log(1 + torch.exp(Net_W))
            loss = torch.mean(rate - counts * torch.log(rate + 0.001)) + 0.1 * torch.sum(softplus)
            """),

        new("RmsNormSqrtDiv", """
            [Model]
            public partial class Normalized
            {
                [Dim] public int In, Out;
                public double Epsilon = 1e-5;

                [Param(nameof(In), nameof(Out))] public Tensor W;
                [Param(nameof(Out))]             public Tensor B;
                [Param(nameof(Out))]             public Tensor Gain;

                public Tensor Forward([Shape("Batch", nameof(In))] Tensor x)
                {
                    var h = MatMul(x, W) + B;
                    var rms = Sqrt(Mean(Square(h)) + Epsilon);
                    var n = h / rms * Gain;
                    return n / (1 + Square(n));
                }
            }

            [Experiment]
            public partial class Normalize
            {
                public Normalized Net = new() { In = 4, Out = 6 };

                [Loss]
                public Tensor Loss([Shape("Batch", 4)] Tensor x, [Shape("Batch", 6)] Tensor y) => MseLoss(Net.Forward(x), y);
            }
            """, "Demo.Normalize", 11, g => [Randn(g, 5, 4), Randn(g, 5, 6)],
            """
            h = x @ Net_W + Net_B
            rms = torch.sqrt(torch.mean(torch.square(h)) + Net_Epsilon)
            n = h / rms * Net_Gain
            loss = F.mse_loss(n / (1 + torch.square(n)), y)
            """),

        new("BroadcastingBiasesAndNumberOperands", """
            [Model]
            public partial class Affine
            {
                [Dim] public int In, Out;
                public double Temperature = 2.5;

                [Param(nameof(In), nameof(Out))] public Tensor W;
                [Param(1, nameof(Out))]          public Tensor RowBias;
                [Param(1)]                       public Tensor Shift;
                [Param(nameof(Out))]             public Tensor Scale;

                public Tensor Forward([Shape("Batch", nameof(In))] Tensor x)
                {
                    var z = (MatMul(x, W) + RowBias) * Scale - Shift;
                    var gate = 1 - Sigmoid(z / Temperature);
                    return 2.0 / (1 + Exp(-z)) * gate + Neg(z) * 0.25;
                }
            }

            [Experiment]
            public partial class Broadcast
            {
                public Affine Net = new() { In = 3, Out = 4 };

                [Loss]
                public Tensor Loss([Shape("Batch", 3)] Tensor x, [Shape("Batch", 4)] Tensor y) => Sum(Square(Net.Forward(x) - y)) / 10;
            }
            """, "Demo.Broadcast", 12, g => [Randn(g, 6, 3), Randn(g, 6, 4)],
            """
            z = (x @ Net_W + Net_RowBias) * Net_Scale - Net_Shift
            gate = 1 - torch.sigmoid(z / Net_Temperature)
            loss = torch.sum(torch.square(2.0 / (1 + torch.exp(-z)) * gate + torch.neg(z) * 0.25 - y)) / 10
            """),

        new("FrozenParameterAndTwoUsesOfTheModel", """
            [Model]
            public partial class Projected
            {
                [Dim] public int In, Out;

                [Param(nameof(In), nameof(In), Frozen = true)] public Tensor Projection;
                [Param(nameof(In), nameof(Out))]                public Tensor W;
                [Param(nameof(Out))]                            public Tensor B;

                public Tensor Forward([Shape("Batch", nameof(In))] Tensor x) => Tanh(MatMul(MatMul(x, Projection), W) + B);
            }

            [Experiment]
            public partial class TwoInputs
            {
                public Projected Net = new() { In = 4, Out = 3 };

                [Loss]
                public Tensor Loss([Shape("Batch", 4)] Tensor a, [Shape("Batch", 3)] Tensor y, [Shape("Other", 4)] Tensor b)
                    => MseLoss(Net.Forward(a), y) - Mean(Net.Forward(b)) * 0.3;
            }
            """, "Demo.TwoInputs", 13, g => [Randn(g, 5, 4), Randn(g, 5, 3), Randn(g, 2, 4)],
            """
            def forward(x): return torch.tanh(x @ Net_Projection @ Net_W + Net_B)
            loss = F.mse_loss(forward(a), y) - torch.mean(forward(b)) * 0.3
            """),

        new("TwoModelFieldsOfOneTypeAndATwoInputForward", Dense + """
            [Model]
            public partial class Bilinear
            {
                [Dim] public int Features;

                [Param(nameof(Features), nameof(Features))] public Tensor W;

                public Tensor Forward([Shape("Batch", nameof(Features))] Tensor a, [Shape("Batch", nameof(Features))] Tensor b)
                    => Sum(MatMul(a, W) * b) / Sqrt(Sum(Square(W)) + 1);
            }

            [Experiment]
            public partial class Siamese
            {
                public Dense Left = new() { In = 4, Out = 3 };
                public Dense Right = new() { In = 5, Out = 3 };
                public Bilinear Score = new() { Features = 3 };

                [Loss]
                public Tensor Loss([Shape("Batch", 4)] Tensor x, [Shape("Batch", 5)] Tensor z)
                    => Square(Score.Forward(Tanh(Left.Forward(x)), Sigmoid(Right.Forward(z))) - 1);
            }
            """, "Demo.Siamese", 14, g => [Randn(g, 6, 4), Randn(g, 6, 5)],
            """
            a = torch.tanh(x @ Left_W + Left_B)
            b = torch.sigmoid(z @ Right_W + Right_B)
            score = torch.sum((a @ Score_W) * b) / torch.sqrt(torch.sum(torch.square(Score_W)) + 1)
            loss = torch.square(score - 1)
            """),

        new("LogisticScalarChains", """
            [Model]
            public partial class Logistic
            {
                [Dim] public int In;

                [Param(nameof(In), 1)] public Tensor W;
                [Param(1)]             public Tensor B;

                public Tensor Forward([Shape("Batch", nameof(In))] Tensor x)
                {
                    var z = MatMul(x, W) + B;
                    var h = z * 0.5 + Tanh(z);
                    return Sigmoid(h);
                }
            }

            [Experiment]
            public partial class Binary
            {
                public Logistic Net = new() { In = 3 };

                [Loss]
                public Tensor Loss([Shape("Batch", 3)] Tensor x, [Shape("Batch", 1)] Tensor y)
                {
                    var p = Net.Forward(x);
                    var nll = -Mean(y * Log(p) + (1 - y) * Log(1 - p));
                    return nll + Square(Sum(Net.W)) * 0.01 + Sqrt(Square(Mean(p)) + 1);
                }
            }
            """, "Demo.Binary", 15, g => [Randn(g, 8, 3), Tensor.RandInt(0, 2, [8, 1], g, DType.Float64)],
            """
            z = x @ Net_W + Net_B
            p = torch.sigmoid(z * 0.5 + torch.tanh(z))
            nll = -torch.mean(y * torch.log(p) + (1 - y) * torch.log(1 - p))
            loss = nll + torch.square(torch.sum(Net_W)) * 0.01 + torch.sqrt(torch.square(torch.mean(p)) + 1)
            """),

        // ---- conditions on run-time numbers: every branch of ConditionTests.WarmUp, at 1e-10 ----
        ConditionCase("ConditionWarmUpStepZero", ConditionTests.WarmUp, 0),
        ConditionCase("ConditionWarmUpStepThree", ConditionTests.WarmUp, 3),
        ConditionCase("ConditionWarmUpRobustOff", ConditionTests.WarmUp.Replace("Robust = 1", "Robust = 0"), 7),
        ConditionCase("ConditionWarmUpEarlyReturn", ConditionTests.WarmUp, 200),
    ];

    /// <summary>ConditionTests.WarmUp at one step: PyTorch's side is the same branches written as Python conditions.</summary>
    private static CrossCheckCase ConditionCase(string name, string source, double step) => new(name, source, "Demo.WarmUp", 21,
        g => [Randn(g, 6, 4), Randn(g, 6, 3), step],
        """
        prediction = x @ Net_W + Net_B
        scale = (step + 1) / (Warmup + 1) if step < Warmup else 1.0
        if Robust > 0 and step >= 2:
            error = torch.abs(prediction - y)
        else:
            error = torch.square(prediction - y)
        penalty = torch.sum(torch.square(Net_W)) if step == 0 else 0.5 * torch.sum(torch.abs(Net_B))
        if step > 100:
            loss = torch.mean(error)
        else:
            loss = scale * torch.mean(error) + 0.1 * penalty
        """, Tolerance: 1e-10);

    /// <summary>The deep MLP against a torch forward that is wrong on purpose (tanh for sigmoid in the first layer).</summary>
    public static CrossCheckCase BrokenControl { get; } = DeepMixed("BrokenControl", """
        h1 = torch.tanh(x @ Net_W1 + Net_B1)
        h2 = torch.tanh(h1 @ Net_W2 + Net_B2)
        h3 = torch.relu(h2 @ Net_W3 + Net_B3)
        loss = F.cross_entropy(h3 @ Net_W4 + Net_B4, labels)
        """);

    private static CrossCheckCase DeepMixed(string name, string torch) => new(name, """
        [Model]
        public partial class DeepMlp
        {
            [Dim] public int Inputs, Hidden, Classes;

            [Param(nameof(Inputs), nameof(Hidden))]  public Tensor W1;
            [Param(nameof(Hidden))]                  public Tensor B1;
            [Param(nameof(Hidden), nameof(Hidden))]  public Tensor W2;
            [Param(nameof(Hidden))]                  public Tensor B2;
            [Param(nameof(Hidden), nameof(Hidden))]  public Tensor W3;
            [Param(nameof(Hidden))]                  public Tensor B3;
            [Param(nameof(Hidden), nameof(Classes))] public Tensor W4;
            [Param(nameof(Classes))]                 public Tensor B4;

            public Tensor Forward([Shape("Batch", nameof(Inputs))] Tensor x)
            {
                var h1 = Sigmoid(MatMul(x, W1) + B1);
                var h2 = Tanh(MatMul(h1, W2) + B2);
                var h3 = Relu(MatMul(h2, W3) + B3);
                return MatMul(h3, W4) + B4;
            }
        }

        [Experiment]
        public partial class Deep
        {
            public DeepMlp Net = new() { Inputs = 5, Hidden = 9, Classes = 5 };

            [Loss]
            public Tensor Loss([Shape("Batch", 5)] Tensor x, [Shape("Batch")] Tensor labels) => CrossEntropy(Net.Forward(x), labels);
        }
        """, "Demo.Deep", 4, g => [Randn(g, 11, 5), Labels(g, 5, 11)], torch);
}
