using Dsl.Generators.Tests.Infrastructure;

namespace Dsl.Generators.Tests;

/// <summary>
/// NoGrad, frozen parameters, second derivatives (Grad inside a loss), user functions and loops:
/// the generated code compiled in memory, its gradients checked against central finite
/// differences in float64.
/// </summary>
public sealed class AutodiffFeatureTests
{
    private const string Gated = """
        [Model]
        public partial class Gated
        {
            [Param(3, 2)] public Tensor W;
            [Param(3, 2)] public Tensor V;
            [Param(2, Frozen = true)] public Tensor Shift;

            public Tensor Forward([Shape("Batch", 3)] Tensor x)
                => Tanh(MatMul(x, W)) * NoGrad(Sigmoid(MatMul(x, V))) + Shift;
        }

        [Experiment]
        public partial class GatedRegression
        {
            public Gated Net = new();
            public double LearningRate = 0.1;

            [Loss]
            public Tensor Loss([Shape("Batch", 3)] Tensor x, [Shape("Batch", 2)] Tensor y)
                => MseLoss(Net.Forward(x), y);
        }
        """;

    [Fact]
    public void NoGradStopsTheGradientAndFrozenParametersGetNone()
    {
        dynamic experiment = Create(Gated, "Demo.GatedRegression");
        experiment.Initialize(5UL, DType.Float64);
        using var g = new Generator(9);
        using var x = Tensor.Randn([4, 3], g, DType.Float64);
        using var y = Tensor.Randn([4, 2], g, DType.Float64);
        var inputs = new object[] { x, y };

        // V only reaches the loss through NoGrad and Shift is frozen: neither has a gradient.
        GradientCheck.ComputeGradients(experiment, inputs);
        var gradients = (IReadOnlyList<(string Name, Tensor Value)>)experiment.Gradients;
        Assert.Equal(["Net.W"], gradients.Select(p => p.Name));
        // W's gradient is that of the loss with the gate held constant (finite differences move only W).
        GradientCheck.AgainstFiniteDifferences((object)experiment, inputs, only: new[] { "Net.W" });

        var before = Values(experiment);
        experiment.TrainStep(x, y);
        var after = Values(experiment);
        Assert.NotEqual(before["Net.W"], after["Net.W"]);
        Assert.Equal(before["Net.V"], after["Net.V"]);
        Assert.Equal(before["Net.Shift"], after["Net.Shift"]);
    }

    private const string SelfGated = """
        [Model]
        public partial class SelfGate
        {
            [Param(3, 2)] public Tensor W;

            public Tensor Forward([Shape("Batch", 3)] Tensor x) => Tanh(MatMul(x, W)) * NoGrad(Sigmoid(MatMul(x, W)));
        }

        // The same function with the gate's copy of W as a separate frozen parameter: what NoGrad means.
        [Model]
        public partial class CopiedGate
        {
            [Param(3, 2)] public Tensor W;
            [Param(3, 2, Frozen = true)] public Tensor Copy;

            public Tensor Forward([Shape("Batch", 3)] Tensor x) => Tanh(MatMul(x, W)) * Sigmoid(MatMul(x, Copy));
        }

        [Experiment]
        public partial class SelfGated
        {
            public SelfGate Net = new();

            [Loss]
            public Tensor Loss([Shape("Batch", 3)] Tensor x, [Shape("Batch", 2)] Tensor y) => MseLoss(Net.Forward(x), y);
        }

        [Experiment]
        public partial class CopyGated
        {
            public CopiedGate Net = new();

            [Loss]
            public Tensor Loss([Shape("Batch", 3)] Tensor x, [Shape("Batch", 2)] Tensor y) => MseLoss(Net.Forward(x), y);
        }
        """;

    [Fact]
    public void NoGradIsLikeAFrozenCopy()
    {
        var run = GeneratorHarness.Run(SelfGated);
        Assert.Empty(run.Diagnostics);
        var assembly = GeneratorHarness.Load(run.Output);
        dynamic detached = Activator.CreateInstance(assembly.GetType("Demo.SelfGated", throwOnError: true)!)!;
        dynamic copied = Activator.CreateInstance(assembly.GetType("Demo.CopyGated", throwOnError: true)!)!;
        detached.Initialize(2UL, DType.Float64);
        copied.Initialize(9UL, DType.Float64);
        var w = ((IReadOnlyList<(string Name, Tensor Value)>)detached.Parameters)[0].Value.ToArray<double>();
        foreach (var (_, value) in (IReadOnlyList<(string Name, Tensor Value)>)copied.Parameters) value.CopyFrom<double>(w);
        using var g = new Generator(3);
        using var x = Tensor.Randn([5, 3], g, DType.Float64);
        using var y = Tensor.Randn([5, 2], g, DType.Float64);

        // The copy's gradient for W is right by finite differences (the copy is frozen, so held fixed) ...
        GradientCheck.AgainstFiniteDifferences((object)copied, new object[] { x, y });
        var expected = ((IReadOnlyList<(string Name, Tensor Value)>)copied.Gradients).Single().Value.ToArray<double>();
        // ... and NoGrad's is the same: nothing flows through the gate.
        GradientCheck.ComputeGradients(detached, new object[] { x, y });
        var actual = ((IReadOnlyList<(string Name, Tensor Value)>)detached.Gradients).Single().Value.ToArray<double>();
        for (var i = 0; i < expected.Length; i++) Assert.Equal(expected[i], actual[i], 1e-12);
    }

    [Fact]
    public void NoGradSnapshot()
    {
        var run = GeneratorHarness.Run(Gated);
        Assert.Empty(run.Diagnostics);
        Snapshot.Verify(run, nameof(AutodiffFeatureTests));
    }

    private const string Penalized = """
        [Model]
        public partial class Dense
        {
            [Param(3, 2)] public Tensor W;
            [Param(2)] public Tensor B;

            public Tensor Forward([Shape("Batch", 3)] Tensor x) => Tanh(MatMul(x, W) + B);
        }

        [Experiment]
        public partial class Penalized
        {
            public Dense Net = new();
            public double Lambda = 0.3;
            public double LearningRate = 0.1;

            [Loss]
            public Tensor Loss([Shape("Batch", 3)] Tensor x, [Shape("Batch")] Tensor labels)
                => CrossEntropy(Net.Forward(x), labels) + Lambda * Sum(Square(Grad(Sum(Net.Forward(x)), x)));
        }
        """;

    private const string SmoothPenalty = """
        [Model]
        public partial class Gate
        {
            [Param(3, 2)] public Tensor W;
            [Param(2)] public Tensor B;

            public Tensor Forward([Shape("Batch", 3)] Tensor x) => Sigmoid(MatMul(x, W) + B);
        }

        [Experiment]
        public partial class SmoothPenalty
        {
            public Gate Net = new();

            [Loss]
            public Tensor Loss([Shape("Batch", 3)] Tensor x, [Shape("Batch", 2)] Tensor target)
            {
                var inputGradient = Grad(MseLoss(Net.Forward(x), target), x);
                return MseLoss(Net.Forward(x), target) + Mean(Square(inputGradient)) * 5;
            }
        }
        """;

    [Fact]
    public void GradientPenaltyThroughTanhMatchesFiniteDifferencesOfTheClosedForm()
    {
        dynamic experiment = Create(Penalized, "Demo.Penalized");
        experiment.Initialize(21UL, DType.Float64);
        using var g = new Generator(8);
        using var x = Tensor.Randn([4, 3], g, DType.Float64);
        using var labels = Tensor.FromArray(new long[] { 0, 1, 1, 0 }, 4);
        var xs = x.ToArray<double>();
        var parameters = (IReadOnlyList<(string Name, Tensor Value)>)experiment.Parameters;

        // t = tanh(xW + b); d Σt / dx[n, i] = Σ_j (1 - t[n, j]²) W[i, j].
        double Closed()
        {
            var w = parameters[0].Value.ToArray<double>();
            var b = parameters[1].Value.ToArray<double>();
            double crossEntropy = 0, penalty = 0;
            long[] label = [0, 1, 1, 0];
            for (var n = 0; n < 4; n++)
            {
                var t = new double[2];
                for (var j = 0; j < 2; j++)
                {
                    var z = b[j];
                    for (var i = 0; i < 3; i++) z += xs[n * 3 + i] * w[i * 2 + j];
                    t[j] = Math.Tanh(z);
                }
                var max = Math.Max(t[0], t[1]);
                var logSum = max + Math.Log(Math.Exp(t[0] - max) + Math.Exp(t[1] - max));
                crossEntropy += logSum - t[label[n]];
                for (var i = 0; i < 3; i++)
                {
                    double dx = 0;
                    for (var j = 0; j < 2; j++) dx += (1 - t[j] * t[j]) * w[i * 2 + j];
                    penalty += dx * dx;
                }
            }
            return crossEntropy / 4 + 0.3 * penalty;
        }

        float loss = experiment.ComputeGradients(x, labels);
        Assert.Equal(Closed(), loss, 1e-5);
        GradientCheck.AgainstFiniteDifferences((object)experiment, new object[] { x, labels }, loss: (Func<double>)Closed);
    }

    [Fact]
    public void GradientPenaltyThroughSigmoidAndMseMatchesFiniteDifferencesOfTheClosedForm()
    {
        dynamic experiment = Create(SmoothPenalty, "Demo.SmoothPenalty");
        experiment.Initialize(4UL, DType.Float64);
        using var g = new Generator(2);
        using var x = Tensor.Randn([5, 3], g, DType.Float64);
        using var target = Tensor.Rand([5, 2], g, DType.Float64);
        var xs = x.ToArray<double>();
        var ts = target.ToArray<double>();
        var parameters = (IReadOnlyList<(string Name, Tensor Value)>)experiment.Parameters;

        // s = σ(xW + b), y = mean((s - t)²) over 10 elements; dy/dx[n, i] = Σ_j (2/10)(s - t)·s(1 - s)·W[i, j].
        double Closed()
        {
            var w = parameters[0].Value.ToArray<double>();
            var b = parameters[1].Value.ToArray<double>();
            double mse = 0, penalty = 0;
            for (var n = 0; n < 5; n++)
            {
                var s = new double[2];
                for (var j = 0; j < 2; j++)
                {
                    var z = b[j];
                    for (var i = 0; i < 3; i++) z += xs[n * 3 + i] * w[i * 2 + j];
                    s[j] = 1 / (1 + Math.Exp(-z));
                    mse += (s[j] - ts[n * 2 + j]) * (s[j] - ts[n * 2 + j]);
                }
                for (var i = 0; i < 3; i++)
                {
                    double dx = 0;
                    for (var j = 0; j < 2; j++) dx += 0.2 * (s[j] - ts[n * 2 + j]) * s[j] * (1 - s[j]) * w[i * 2 + j];
                    penalty += dx * dx;
                }
            }
            return mse / 10 + penalty / 15 * 5;
        }

        float loss = experiment.ComputeGradients(x, target);
        Assert.Equal(Closed(), loss, 1e-5);
        GradientCheck.AgainstFiniteDifferences((object)experiment, new object[] { x, target }, loss: (Func<double>)Closed);
    }

    [Fact]
    public void GradientPenaltyOfTheCrossEntropyMatchesFiniteDifferencesOfTheClosedForm()
    {
        var source = Penalized.Replace("Grad(Sum(Net.Forward(x)), x)", "Grad(CrossEntropy(Net.Forward(x), labels), x)");
        dynamic experiment = Create(source, "Demo.Penalized");
        experiment.Initialize(23UL, DType.Float64);
        using var g = new Generator(10);
        using var x = Tensor.Randn([4, 3], g, DType.Float64);
        long[] label = [1, 0, 1, 1];
        using var labels = Tensor.FromArray(label, 4);
        var xs = x.ToArray<double>();
        var parameters = (IReadOnlyList<(string Name, Tensor Value)>)experiment.Parameters;

        // t = tanh(xW + b), s = softmax(t); d CE / dx[n, i] = Σ_j (s[n, j] - [j = label n]) / N · (1 - t[n, j]²) W[i, j].
        double Closed()
        {
            var w = parameters[0].Value.ToArray<double>();
            var b = parameters[1].Value.ToArray<double>();
            double crossEntropy = 0, penalty = 0;
            for (var n = 0; n < 4; n++)
            {
                var t = new double[2];
                for (var j = 0; j < 2; j++)
                {
                    var z = b[j];
                    for (var i = 0; i < 3; i++) z += xs[n * 3 + i] * w[i * 2 + j];
                    t[j] = Math.Tanh(z);
                }
                var max = Math.Max(t[0], t[1]);
                var logSum = max + Math.Log(Math.Exp(t[0] - max) + Math.Exp(t[1] - max));
                crossEntropy += logSum - t[label[n]];
                for (var i = 0; i < 3; i++)
                {
                    double dx = 0;
                    for (var j = 0; j < 2; j++) dx += (Math.Exp(t[j] - logSum) - (j == label[n] ? 1 : 0)) / 4 * (1 - t[j] * t[j]) * w[i * 2 + j];
                    penalty += dx * dx;
                }
            }
            return crossEntropy / 4 + 0.3 * penalty;
        }

        float loss = experiment.ComputeGradients(x, labels);
        Assert.Equal(Closed(), loss, 1e-5);
        GradientCheck.AgainstFiniteDifferences((object)experiment, new object[] { x, labels }, loss: (Func<double>)Closed);
    }

    private const string BiasPenalty = """
        [Model]
        public partial class ReluNet
        {
            [Param(3, 4)] public Tensor W;
            [Param(4)] public Tensor B;
            [Param(4, 2)] public Tensor V;

            public Tensor Forward([Shape("Batch", 3)] Tensor x) => MatMul(Relu(MatMul(x, W) + B), V);
        }

        [Experiment]
        public partial class BiasPenalty
        {
            public ReluNet Net = new();

            [Loss]
            public Tensor Loss([Shape("Batch", 3)] Tensor x, [Shape("Batch", 2)] Tensor y)
                => MseLoss(Net.Forward(x), y) + Sum(Square(Grad(Mean(Net.Forward(x)), Net.B))) * 2;
        }

        [Experiment]
        public partial class MeanOutput
        {
            public ReluNet Net = new();

            [Loss]
            public Tensor Loss([Shape("Batch", 3)] Tensor x) => Mean(Net.Forward(x));
        }
        """;

    /// <summary>
    /// Grad with respect to a parameter, through Relu, a broadcast bias and Mean. The reference
    /// penalty uses the generated first derivative of a second experiment (checked against finite
    /// differences elsewhere), evaluated at the same parameters, so no closed form is needed.
    /// </summary>
    [Fact]
    public void GradientPenaltyOnAParameterMatchesFiniteDifferences()
    {
        var run = GeneratorHarness.Run(BiasPenalty);
        Assert.Empty(run.Diagnostics);
        var assembly = GeneratorHarness.Load(run.Output);
        dynamic experiment = Activator.CreateInstance(assembly.GetType("Demo.BiasPenalty", throwOnError: true)!)!;
        dynamic reference = Activator.CreateInstance(assembly.GetType("Demo.MeanOutput", throwOnError: true)!)!;
        experiment.Initialize(31UL, DType.Float64);
        reference.Initialize(0UL, DType.Float64);
        using var g = new Generator(13);
        using var x = Tensor.Randn([6, 3], g, DType.Float64);
        using var y = Tensor.Randn([6, 2], g, DType.Float64);
        var parameters = (IReadOnlyList<(string Name, Tensor Value)>)experiment.Parameters;
        var referenceParameters = (IReadOnlyList<(string Name, Tensor Value)>)reference.Parameters;
        object net = experiment.Net;
        var forward = net.GetType().GetMethod("Forward")!;

        double Reference()
        {
            for (var i = 0; i < parameters.Count; i++) referenceParameters[i].Value.CopyFrom<double>(parameters[i].Value.ToArray<double>());
            reference.ComputeGradients(x);
            var dB = ((IReadOnlyList<(string Name, Tensor Value)>)reference.Gradients).Single(p => p.Name == "Net.B").Value.ToArray<double>();
            using var prediction = (Tensor)forward.Invoke(net, [x])!;
            using var mse = Ops.MseLoss(prediction, y);
            return mse.Item() + 2 * dB.Sum(v => v * v);
        }

        float loss = experiment.ComputeGradients(x, y);
        Assert.Equal(Reference(), loss, 1e-5);
        GradientCheck.AgainstFiniteDifferences((object)experiment, new object[] { x, y }, loss: (Func<double>)Reference);
    }

    [Fact]
    public void GradientPenaltySnapshot()
    {
        var run = GeneratorHarness.Run(Penalized);
        Assert.Empty(run.Diagnostics);
        Snapshot.Verify(run, nameof(AutodiffFeatureTests));
    }

    [Fact]
    public void EagerGradSaysItIsExpandedAtCompileTime()
    {
        using var x = Tensor.Zeros([2]);
        var error = Assert.Throws<NotSupportedException>(() => Ops.Grad(x, x));
        Assert.Equal("Grad is expanded by the generator at compile time", error.Message);
    }

    private const string UserFunctions = """
        public static class Activations
        {
            [Differentiable]
            public static Tensor Swish(Tensor x) => x * Sigmoid(x);

            [Differentiable]
            public static Tensor Gate(Tensor x, Tensor y)
            {
                var open = Swish(y);
                return x * open;
            }

            // Log(1 + eˣ), differentiated by the rule below instead of through its body.
            public static Tensor Softplus(Tensor x) => Log(Exp(x) + 1);

            [Derivative(nameof(Softplus))]
            public static Tensor SoftplusDerivative(Tensor x, Tensor gradOutput) => gradOutput * Sigmoid(x);
        }

        [Model]
        public partial class Smooth
        {
            [Param(3, 4)] public Tensor W;
            [Param(4, 2)] public Tensor V;

            public Tensor Forward([Shape("Batch", 3)] Tensor x)
            {
                var h = MatMul(x, W);
                return MatMul(Activations.Softplus(Activations.Gate(h, h * 0.5)), V);
            }
        }

        [Experiment]
        public partial class SmoothRegression
        {
            public Smooth Net = new();
            public double LearningRate = 0.1;

            [Loss]
            public Tensor Loss([Shape("Batch", 3)] Tensor x, [Shape("Batch", 2)] Tensor y) => MseLoss(Net.Forward(x), y);
        }
        """;

    [Fact]
    public void DifferentiableFunctionsAndACustomDerivativeRuleMatchFiniteDifferences()
    {
        dynamic experiment = Create(UserFunctions, "Demo.SmoothRegression");
        experiment.Initialize(3UL, DType.Float64);
        using var g = new Generator(12);
        using var x = Tensor.Randn([5, 3], g, DType.Float64);
        using var y = Tensor.Randn([5, 2], g, DType.Float64);
        GradientCheck.AgainstFiniteDifferences((object)experiment, new object[] { x, y });
        var gradients = (IReadOnlyList<(string Name, Tensor Value)>)experiment.Gradients;
        Assert.Equal(["Net.V", "Net.W"], gradients.Select(p => p.Name).OrderBy(n => n));
    }

    [Fact]
    public void CustomDerivativeRuleSnapshot()
    {
        var run = GeneratorHarness.Run(UserFunctions);
        Assert.Empty(run.Diagnostics);
        Snapshot.Verify(run, nameof(AutodiffFeatureTests));
    }

    private const string Recurrent = """
        [Model]
        public partial class Recurrent
        {
            public const int Steps = 3;

            [Param(4, 4)] public Tensor W;
            [Param(4)] public Tensor B;

            public Tensor Forward([Shape("Batch", 4)] Tensor x)
            {
                var h = x;
                for (var i = 0; i < Steps; i++)
                {
                    var scale = 1.0 / (i + 1);
                    h = Tanh(MatMul(h, W) + B) * scale + h;
                }
                for (var k = 1; k <= 2; k++) h += h * 0.1;
                return h;
            }
        }

        [Experiment]
        public partial class Unrolled
        {
            public Recurrent Net = new();
            public double LearningRate = 0.1;

            [Loss]
            public Tensor Loss([Shape("Batch", 4)] Tensor x, [Shape("Batch", 4)] Tensor y) => MseLoss(Net.Forward(x), y);
        }
        """;

    [Fact]
    public void ConstantLoopsAreUnrolledAndTheirGradientsMatchFiniteDifferences()
    {
        dynamic experiment = Create(Recurrent, "Demo.Unrolled");
        experiment.Initialize(6UL, DType.Float64);
        using var g = new Generator(1);
        using var x = Tensor.Randn([3, 4], g, DType.Float64);
        using var y = Tensor.Randn([3, 4], g, DType.Float64);
        GradientCheck.AgainstFiniteDifferences((object)experiment, new object[] { x, y });
        var gradients = (IReadOnlyList<(string Name, Tensor Value)>)experiment.Gradients;
        Assert.Equal(2, gradients.Count);
    }

    [Fact]
    public void UnrolledLoopSnapshot()
    {
        var run = GeneratorHarness.Run(Recurrent);
        Assert.Empty(run.Diagnostics);
        Snapshot.Verify(run, nameof(AutodiffFeatureTests));
    }

    [Theory]
    [InlineData("for (var i = 0; i < 65; i++) h = Tanh(h);", "65 iterations; loops are unrolled, up to 64 iterations and 4096 statements for now")]
    [InlineData("for (var i = 0; i <= Count; i++) h = Tanh(h);", "a loop must be 'for (var i = a; i < b; i++)' with constant a and b")]
    public void LoopsThatCannotBeUnrolledAreDiagnostics(string loop, string reason)
    {
        var run = GeneratorHarness.Run($$"""
            [Model]
            public partial class Looping
            {
                public int Count = 3;
                [Param(2, 2)] public Tensor W;

                public Tensor Forward([Shape("Batch", 2)] Tensor x)
                {
                    var h = MatMul(x, W);
                    {{loop}}
                    return h;
                }
            }
            """);
        var diagnostic = Assert.Single(run.Diagnostics);
        Assert.Equal("DSL0003", diagnostic.Id);
        Assert.Contains(reason, diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Theory]
    [InlineData("[Differentiable] public static Tensor F(Tensor x) => F(x) + 1;", "DSL0003", "Calling F inside itself")]
    [InlineData("public static Tensor F(Tensor x) => x; [Derivative(nameof(F))] public static Tensor Rule(Tensor g) => g;", "DSL0003",
        "a function with a [Derivative] rule takes one Tensor and returns one of its shape")]
    [InlineData("public static Tensor F(Tensor x) => x;", "DSL0004", "'Functions.F' is not a function the generator knows")]
    public void UserFunctionsOfTheWrongFormAreDiagnostics(string functions, string id, string message)
    {
        var run = GeneratorHarness.Run($$"""
            public static class Functions
            {
                {{functions}}
            }

            [Model]
            public partial class User
            {
                [Param(2, 2)] public Tensor W;

                public Tensor Forward([Shape("Batch", 2)] Tensor x) => Functions.F(MatMul(x, W));
            }
            """);
        var diagnostic = run.Diagnostics.First(d => d.Id.StartsWith("DSL", StringComparison.Ordinal));
        Assert.Equal(id, diagnostic.Id);
        Assert.Contains(message, diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
    }

    internal static Dictionary<string, double[]> Values(dynamic experiment) =>
        ((IReadOnlyList<(string Name, Tensor Value)>)experiment.Parameters).ToDictionary(p => p.Name, p => p.Value.ToArray<double>());

    internal static object Create(string source, string typeName)
    {
        var run = GeneratorHarness.Run(source);
        Assert.Empty(run.Diagnostics);
        Assert.Empty(run.CompilationErrors);
        var assembly = GeneratorHarness.Load(run.Output);
        return Activator.CreateInstance(assembly.GetType(typeName, throwOnError: true)!)!;
    }
}
