using Dsl.Generators.Tests.Infrastructure;

namespace Dsl.Generators.Tests;

/// <summary>
/// [Step] experiments: Grad(loss, model), several update rules applied in order, Frozen(model),
/// and plain tensor updates of parameters (Hebbian, moving averages, EMA targets), checked against
/// references computed eagerly in float64.
/// </summary>
public sealed class CustomStepTests
{
    private const string Affine = """
        [Model]
        public partial class Affine
        {
            [Dim] public int In, Out;
            [Param(nameof(In), nameof(Out))] public Tensor W;
            [Param(nameof(Out))] public Tensor B;

            public Tensor Forward([Shape("Batch", nameof(In))] Tensor x) => Tanh(MatMul(x, W) + B);
        }
        """;

    /// <summary>A critic learns to predict y from the player's output; then the player minimizes the (frozen) critic's score.</summary>
    internal const string TwoPlayers = Affine + """

        [Experiment]
        public partial class TwoPlayers
        {
            public Affine Player = new() { In = 3, Out = 2 };
            public Affine Critic = new() { In = 2, Out = 1 };
            public Sgd PlayerOptimizer = new() { LearningRate = 0.3 };
            public Sgd CriticOptimizer = new() { LearningRate = 0.2 };

            [Step]
            public Tensor Step([Shape("Batch", 3)] Tensor x, [Shape("Batch", 1)] Tensor y)
            {
                var criticLoss = MseLoss(Critic.Forward(NoGrad(Player.Forward(x))), y);
                CriticOptimizer.Apply(Critic, Grad(criticLoss, Critic));
                var playerLoss = Mean(Frozen(Critic).Forward(Player.Forward(x)));
                PlayerOptimizer.Apply(Player, Grad(playerLoss, Player));
                return criticLoss + playerLoss;
            }

            public Tensor CriticLoss(Tensor x, Tensor y) => MseLoss(Critic.Forward(Player.Forward(x)), y);

            public Tensor PlayerLoss(Tensor x) => Mean(Critic.Forward(Player.Forward(x)));
        }
        """;

    /// <summary>No gradients at all: a Hebbian rule, a running statistic in a frozen parameter, and an EMA copy.</summary>
    internal const string Plastic = """
        [Model]
        public partial class Hebb
        {
            [Param(4, 3)] public Tensor W;
            [Param(3, Frozen = true), Init(Init.Zeros)] public Tensor Running;

            public Tensor Forward([Shape("Batch", 4)] Tensor x) => MatMul(x, W);
        }

        [Experiment]
        public partial class Plastic
        {
            public Hebb Net = new();
            public Hebb Target = new();
            public double Eta = 0.05, Decay = 0.9;

            [Step]
            public Tensor Step([Shape("Batch", 4)] Tensor x)
            {
                var y = Net.Forward(x);
                Net.W += Eta * MatMul(Transpose(x), y);
                Net.Running = Decay * Net.Running + (1 - Decay) * Mean(y);
                Target.W = Decay * Target.W + (1 - Decay) * Net.W;
                return Mean(Square(y));
            }
        }
        """;

    [Fact]
    public void TwoUpdateRulesApplyInOrderAndFrozenStopsTheCriticsGradient()
    {
        var run = GeneratorHarness.Run(TwoPlayers);
        Assert.Empty(run.Diagnostics);
        var assembly = GeneratorHarness.Load(run.Output);
        var type = assembly.GetType("Demo.TwoPlayers", throwOnError: true)!;
        dynamic reference = Activator.CreateInstance(type)!;
        dynamic generated = Activator.CreateInstance(type)!;
        reference.Initialize(5UL, DType.Float64);
        generated.Initialize(5UL, DType.Float64);
        using var g = new Generator(9);
        using var x = Tensor.Randn([6, 3], g, DType.Float64);
        using var y = Tensor.Randn([6, 1], g, DType.Float64);

        // Reference, eagerly: the critic steps on its loss, then the player steps on the updated critic's score.
        var parameters = ((IReadOnlyList<(string Name, Tensor Value)>)reference.Parameters).ToDictionary(p => p.Name, p => p.Value);
        double CriticLoss() { using var l = (Tensor)reference.CriticLoss(x, y); return l.Item(); }
        double PlayerLoss() { using var l = (Tensor)reference.PlayerLoss(x); return l.Item(); }
        var criticLoss = CriticLoss();
        foreach (var name in new[] { "Critic.W", "Critic.B" }) Descend(parameters, ["Critic.W", "Critic.B"], CriticLoss, 0.2, name);
        var playerLoss = PlayerLoss();
        Descend(parameters, ["Player.W", "Player.B"], PlayerLoss, 0.3, null);

        float loss = generated.TrainStep(x, y, 1d);
        Assert.Equal(criticLoss + playerLoss, loss, 1e-6);
        foreach (var (name, value) in (IReadOnlyList<(string Name, Tensor Value)>)generated.Parameters)
        {
            var expected = parameters[name].ToArray<double>();
            var actual = value.ToArray<double>();
            for (var i = 0; i < expected.Length; i++)
            {
                Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-7 + 1e-6 * Math.Abs(expected[i]),
                    $"{name}[{i}]: generated step {actual[i]:R}, reference {expected[i]:R}");
            }
        }
        Assert.Equal(1L, (long)generated.StepCount);
    }

    /// <summary>One SGD step on the named parameters, the gradient taken by central finite differences of <paramref name="loss"/> (all at once).</summary>
    private static void Descend(Dictionary<string, Tensor> parameters, string[] names, Func<double> loss, double learningRate, string? only)
    {
        if (only is not null && only != names[0]) return;
        var gradients = new Dictionary<string, double[]>();
        const double h = 1e-6;
        foreach (var name in names)
        {
            var tensor = parameters[name];
            var values = tensor.ToArray<double>();
            var gradient = new double[values.Length];
            for (var i = 0; i < values.Length; i++)
            {
                var original = values[i];
                values[i] = original + h;
                tensor.CopyFrom<double>(values);
                var plus = loss();
                values[i] = original - h;
                tensor.CopyFrom<double>(values);
                var minus = loss();
                values[i] = original;
                tensor.CopyFrom<double>(values);
                gradient[i] = (plus - minus) / (2 * h);
            }
            gradients[name] = gradient;
        }
        foreach (var name in names)
        {
            var values = parameters[name].ToArray<double>();
            for (var i = 0; i < values.Length; i++) values[i] -= learningRate * gradients[name][i];
            parameters[name].CopyFrom<double>(values);
        }
    }

    [Fact]
    public void PlainTensorUpdatesFollowTheStatementsInOrder()
    {
        var run = GeneratorHarness.Run(Plastic);
        Assert.Empty(run.Diagnostics);
        dynamic experiment = Activator.CreateInstance(GeneratorHarness.Load(run.Output).GetType("Demo.Plastic", throwOnError: true)!)!;
        experiment.Initialize(2UL, DType.Float64);
        var parameters = ((IReadOnlyList<(string Name, Tensor Value)>)experiment.Parameters).ToDictionary(p => p.Name, p => p.Value.ToArray<double>());
        using var g = new Generator(4);
        using var x = Tensor.Randn([5, 4], g, DType.Float64);
        var xs = x.ToArray<double>();

        // Reference by hand: y = x W; W' = W + η xᵀy; running' = d·running + (1 - d)·mean(y); T' = d·T + (1 - d)·W'.
        var w = parameters["Net.W"];
        var y = new double[5 * 3];
        for (var b = 0; b < 5; b++)
            for (var j = 0; j < 3; j++)
                for (var k = 0; k < 4; k++) y[b * 3 + j] += xs[b * 4 + k] * w[k * 3 + j];
        var w1 = (double[])w.Clone();
        for (var k = 0; k < 4; k++)
            for (var j = 0; j < 3; j++)
                for (var b = 0; b < 5; b++) w1[k * 3 + j] += 0.05 * xs[b * 4 + k] * y[b * 3 + j];
        var running = parameters["Net.Running"].Select(r => 0.9 * r + 0.1 * y.Average()).ToArray();
        var target = parameters["Target.W"].Select((t, i) => 0.9 * t + 0.1 * w1[i]).ToArray();
        var reported = y.Select(v => v * v).Average();

        float loss = experiment.TrainStep(x, 1d);
        var after = ((IReadOnlyList<(string Name, Tensor Value)>)experiment.Parameters).ToDictionary(p => p.Name, p => p.Value.ToArray<double>());
        Assert.Equal(reported, loss, 1e-6);
        TensorAssertions(w1, after["Net.W"], "Net.W");
        TensorAssertions(running, after["Net.Running"], "Net.Running");
        TensorAssertions(target, after["Target.W"], "Target.W");
        // Target.Running was never assigned: it keeps its initial zeros.
        Assert.All(after["Target.Running"], v => Assert.Equal(0.0, v));
    }

    private static void TensorAssertions(double[] expected, double[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-12 * (1 + Math.Abs(expected[i])), $"{what}[{i}]: {actual[i]:R}, expected {expected[i]:R}");
        }
    }

    [Fact]
    public void AStepApplyingAdamMatchesTheLossExperimentBitForBit()
    {
        const string Both = TestSources.Mlp + """

            [Experiment]
            public partial class WithLoss
            {
                public Mlp Net = new() { Inputs = 4, Hidden = 8, Classes = 3 };
                public Adam Optimizer = new() { LearningRate = 0.01 };

                [Loss]
                public Tensor Loss([Shape("Batch", 4)] Tensor x, [Shape("Batch")] Tensor labels) => CrossEntropy(Net.Forward(x), labels);
            }

            [Experiment]
            public partial class WithStep
            {
                public Mlp Net = new() { Inputs = 4, Hidden = 8, Classes = 3 };
                public Adam Optimizer = new() { LearningRate = 0.01 };

                [Step]
                public Tensor Step([Shape("Batch", 4)] Tensor x, [Shape("Batch")] Tensor labels)
                {
                    var loss = CrossEntropy(Net.Forward(x), labels);
                    Optimizer.Apply(Net, Grad(loss, Net));
                    return loss;
                }
            }
            """;
        var run = GeneratorHarness.Run(Both);
        Assert.Empty(run.Diagnostics);
        var assembly = GeneratorHarness.Load(run.Output);
        dynamic withLoss = Activator.CreateInstance(assembly.GetType("Demo.WithLoss", throwOnError: true)!)!;
        dynamic withStep = Activator.CreateInstance(assembly.GetType("Demo.WithStep", throwOnError: true)!)!;
        withLoss.Initialize(3UL, DType.Float32);
        withStep.Initialize(3UL, DType.Float32);
        using var g = new Generator(1);
        using var x = Tensor.Randn([10, 4], g);
        using var labels = Tensor.RandInt(0, 3, [10], g);
        for (var i = 0; i < 5; i++)
        {
            float a = withLoss.TrainStep(x, labels, 1d);
            float b = withStep.TrainStep(x, labels, 1d);
            Assert.Equal(a, b);
        }
        var left = (IReadOnlyList<(string Name, Tensor Value)>)withLoss.Parameters;
        var right = (IReadOnlyList<(string Name, Tensor Value)>)withStep.Parameters;
        for (var i = 0; i < left.Count; i++) Assert.Equal(left[i].Value.ToArray<float>(), right[i].Value.ToArray<float>());
    }

    [Fact]
    public void SteadyStateCustomStepAllocatesNoManagedMemory()
    {
        var run = GeneratorHarness.Run(TwoPlayers);
        dynamic experiment = Activator.CreateInstance(GeneratorHarness.Load(run.Output).GetType("Demo.TwoPlayers", throwOnError: true)!)!;
        experiment.Initialize(1UL, DType.Float32);
        using var g = new Generator(2);
        using var x = Tensor.Randn([8, 3], g);
        using var y = Tensor.Randn([8, 1], g);
        var step = (Func<Tensor, Tensor, double, float>)Delegate.CreateDelegate(typeof(Func<Tensor, Tensor, double, float>), (object)experiment,
            ((object)experiment).GetType().GetMethod("TrainStep")!);
        for (var i = 0; i < 5; i++) step(x, y, 1d);
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 20; i++) step(x, y, 1d);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void GradThroughAFrozenModelIsADiagnostic()
    {
        var run = GeneratorHarness.Run(Affine + """

            [Experiment]
            public partial class OnlyFrozen
            {
                public Affine Net = new() { In = 2, Out = 1 };
                public Sgd Optimizer = new();

                [Step]
                public Tensor Step([Shape("Batch", 2)] Tensor x)
                {
                    var loss = Mean(Frozen(Net).Forward(x));
                    Optimizer.Apply(Net, Grad(loss, Net));
                    return loss;
                }
            }
            """);
        var diagnostic = Assert.Single(run.Diagnostics);
        Assert.Equal("DSL0203", diagnostic.Id);
        Assert.Contains("does not depend on a trainable parameter of Net", diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
    }
}
