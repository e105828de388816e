using Dsl.Generators.Tests.Infrastructure;
using Dsl.Testing;

namespace Dsl.Generators.Tests.Operators;

/// <summary>
/// The random ops (docs/DSL.md, "Randomness") through generated steps: their shapes, Dropout's gradient
/// (with the mask fixed by drawing from the same generator state twice) against finite differences and
/// against torch, and its second derivative.
/// </summary>
public sealed class RandomOpTests
{
    private const string Source = """
        [Model]
        public partial class Layer
        {
            [Param(3, 4)] public Tensor W;

            public Tensor Forward([Shape("Batch", 3)] Tensor x) => MatMul(x, W);
        }

        [Experiment]
        public partial class Dropped
        {
            public Layer Net = new();

            [Loss]
            public Tensor Loss([Shape("Batch", 3)] Tensor x) => Sum(Square(Dropout(Tanh(Net.Forward(x)), 0.4)));
        }

        [Experiment]
        public partial class DroppedEagerly
        {
            public Layer Net = new();

            [Loss]
            public Tensor Loss([Shape("Batch", 3)] Tensor x) => Sum(Square(Dropout(Tanh(Net.Forward(x)), 0.4, training: true)));
        }

        [Experiment]
        public partial class Shapes
        {
            public Layer Net = new();

            [Loss]
            public Tensor Loss([Shape("Batch", 3)] Tensor x)
            {
                var a = Randn(2, 5);
                var b = Rand([x.Size(0), 4]);
                var c = RandnLike(x);
                var d = Bernoulli(Sigmoid(x));
                var e = Bernoulli(x, 0.5);
                var f = RandInt(0, 7, [x.Size(0)]);
                return Sum(a) + Sum(Net.Forward(x) * b) + Sum(c * d * e) + Sum(f);
            }
        }

        [Experiment]
        public partial class FieldRate
        {
            public Layer Net = new();
            public double Rate = 0.2;

            [Loss]
            public Tensor Loss([Shape("Batch", 3)] Tensor x) => Sum(Square(Dropout(Net.Forward(x), Rate)));
        }

        [Experiment]
        public partial class NoisyStep
        {
            public Layer Net = new();
            public Sgd Optimizer = new() { LearningRate = 0.1 };

            [Step]
            public Tensor Step([Shape("Batch", 3)] Tensor x)
            {
                var loss = Mean(Square(Net.Forward(x + 0.1 * RandnLike(x))));
                Optimizer.Apply(Net, Grad(loss, Net));
                return loss;
            }
        }

        [Experiment]
        public partial class Penalized
        {
            public Layer Net = new();

            [Loss]
            public Tensor Loss([Shape("Batch", 3)] Tensor x)
            {
                var y = Sum(Square(Dropout(Net.Forward(x), 0.25)));
                return Sum(Square(Grad(y, x)));
            }
        }
        """;

    private static readonly Lazy<System.Reflection.Assembly> Compiled = new(() =>
    {
        var run = GeneratorHarness.Run(Source);
        Assert.True(run.Diagnostics.IsEmpty, string.Join("; ", run.Diagnostics));
        return GeneratorHarness.Load(run.Output);
    });

    private static dynamic Create(string name)
    {
        dynamic experiment = Activator.CreateInstance(Compiled.Value.GetType("Demo." + name, throwOnError: true)!)!;
        experiment.Initialize(3UL, DType.Float64);
        return experiment;
    }

    private static Generator RandomOf(dynamic experiment) => ((IExperiment)experiment).RandomGenerator!;

    [Fact]
    public void EachDrawHasItsShapeAndRange()
    {
        var run = GeneratorHarness.Run(Source);
        var text = string.Join("\n", run.Output.SyntaxTrees.Select(t => t.ToString()));
        // Shapes as the summary of the generated step states them: x.Size(0) is the loss's run-time size Batch.
        Assert.Contains("a = N(0, 1) draws, [2, 5]   [2, 5]", text);
        Assert.Contains("b = U[0, 1) draws, [Batch, 4]   [Batch, 4]", text);
        Assert.Contains("c = N(0, 1) draws, shape of x   [Batch, 3]", text);
        Assert.Contains("d = Bernoulli(sigmoid1) draws   [Batch, 3]", text);
        Assert.Contains("e = Bernoulli(0.5) draws, shape of x   [Batch, 3]", text);
        Assert.Contains("f = integers in [0, 7) drawn, [Batch]   [Batch]", text);

        dynamic experiment = Create("Shapes");
        using var x = Tensor.Randn([6, 3], new Generator(1), DType.Float64);
        var first = (float)experiment.ComputeGradients(x);
        Assert.NotEqual(first, (float)experiment.ComputeGradients(x));   // new draws every step
        RandomOf(experiment).Reseed(8);
        var again = (float)experiment.ComputeGradients(x);
        RandomOf(experiment).Reseed(8);
        Assert.Equal(again, (float)experiment.ComputeGradients(x));      // the same state draws the same numbers
    }

    [Fact]
    public void DropoutReadsARunTimeRateAndRandomOpsDrawInACustomStep()
    {
        var run = GeneratorHarness.Run(Source);
        var text = string.Join("\n", run.Output.SyntaxTrees.Select(t => t.ToString()));
        Assert.Contains("global::Dsl.Kernels.Dropout(__netOutput, Rate, __random, __dropped1, __dropped1Mask);", text);

        dynamic rate = Create("FieldRate");
        using var x = Tensor.Randn([4, 3], new Generator(5), DType.Float64);
        rate.Rate = 1.5;
        var refused = Assert.Throws<DslException>(() => (float)rate.ComputeGradients(x));
        Assert.Contains("p must be in [0, 1]", refused.Message);

        // A [Step]: two experiments seeded alike take the same noisy steps; the same weights with other noise differ.
        float[] Losses(ulong seed, ulong? noise = null)
        {
            dynamic step = Activator.CreateInstance(Compiled.Value.GetType("Demo.NoisyStep", throwOnError: true)!)!;
            step.Initialize(seed, DType.Float64);
            if (noise is { } reseed) RandomOf(step).Reseed(reseed);
            return Enumerable.Range(0, 3).Select(_ => (float)step.TrainStep(x)).ToArray();
        }
        Assert.Equal(Losses(4), Losses(4));
        Assert.Equal(Losses(4, 98), Losses(4, 98));
        Assert.NotEqual(Losses(4, 99), Losses(4, 98));
    }

    /// <summary>The generated gradient of a parameter, as float64 values.</summary>
    private static double[] Gradient(dynamic experiment, string name) =>
        ((IReadOnlyList<(string Name, Tensor Value)>)experiment.Gradients).Single(g => g.Name == name).Value.ToArray<double>();

    [Fact]
    public void DropoutGradientMatchesFiniteDifferencesWithTheMaskFixed()
    {
        // The eager loss drops with training: true from libtorch's global generator, the step from its own; both
        // run the same kernel, so seeding both alike fixes one mask for the step and every finite difference.
        dynamic experiment = Create("DroppedEagerly");
        using var x = Tensor.Randn([5, 3], new Generator(2), DType.Float64);
        RandomOf(experiment).Reseed(77);
        var eager = ((object)experiment).GetType().GetMethod("Loss")!;
        Func<double> loss = () =>
        {
            Generator.ManualSeed(77);
            using var value = (Tensor)eager.Invoke((object)experiment, [x])!;
            return value.Item();
        };
        GradientCheck.AgainstFiniteDifferences(experiment, new object[] { x }, loss: loss);
    }

    [Fact]
    public void DropoutGradientsOfFirstAndSecondOrderMatchTorchWithTheSameMask()
    {
        const ulong seed = 77;
        dynamic dropped = Create("Dropped");
        dynamic penalized = Create("Penalized");
        using var x = Tensor.Randn([5, 3], new Generator(2), DType.Float64);
        RandomOf(dropped).Reseed(seed);
        dropped.ComputeGradients(x);
        RandomOf(penalized).Reseed(seed);
        penalized.ComputeGradients(x);

        // Our mask, drawn by the same kernel from the same state, passed to torch explicitly.
        using var ones = Tensor.Ones([5, 4], DType.Float64);
        var (_, mask4) = Ops.DropoutWithMask(ones, 0.4, new Generator(seed));
        var (_, mask25) = Ops.DropoutWithMask(ones, 0.25, new Generator(seed));
        using (mask4)
        using (mask25)
        {
            var inputs = new Dictionary<string, Tensor>
            {
                ["x"] = x, ["W1"] = ((IReadOnlyList<(string Name, Tensor Value)>)dropped.Parameters)[0].Value,
                ["W2"] = ((IReadOnlyList<(string Name, Tensor Value)>)penalized.Parameters)[0].Value, ["m4"] = mask4, ["m25"] = mask25,
            };
            var torch = TorchReference.Evaluate([
                ("W = W1.clone().requires_grad_(True)\nloss = (torch.tanh(x @ W) * m4 / 0.6).square().sum()\nresult = torch.autograd.grad(loss, W)[0]", inputs),
                ("W = W2.clone().requires_grad_(True)\nxs = x.clone().requires_grad_(True)\ny = ((xs @ W) * m25 / 0.75).square().sum()\n"
                    + "gx = torch.autograd.grad(y, xs, create_graph=True)[0]\nresult = torch.autograd.grad(gx.square().sum(), W)[0]", inputs),
                // Whether torch's own bernoulli_ draws our mask from the same seed (the same libtorch build here).
                ("torch.manual_seed(77)\nresult = torch.empty(5, 4, dtype=torch.float64).bernoulli_(0.6)", new Dictionary<string, Tensor>()),
            ]);
            AssertClose(torch[0].Values, Gradient(dropped, "Net.W"));
            AssertClose(torch[1].Values, Gradient(penalized, "Net.W"));
            Assert.Equal(torch[2].Values, mask4.ToArray<double>());
        }
    }

    private static void AssertClose(double[] expected, double[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-10 * Math.Max(1, Math.Abs(expected[i])), $"[{i}]: torch {expected[i]:R}, generated {actual[i]:R}");
        }
    }
}
