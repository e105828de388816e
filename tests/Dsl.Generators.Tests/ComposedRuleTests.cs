using Dsl.Generators.Tests.Infrastructure;

namespace Dsl.Generators.Tests;

/// <summary>
/// Update rules that wrap another rule (<c>public IUpdateRule Inner</c>, <c>Inner.Apply(param, ĝ, step)</c> ending
/// the [Update] body): the generated rule (a snapshot), a user's filter around a user's rule against the composition
/// written out by hand, and the runtime's GrokfastEma around AdamW in an experiment: no allocation once warm,
/// both rules' state in checkpoints (a resumed run is bit-identical), the schedule's factor reaching the inner rule.
/// The diagnostics (DSL0309-DSL0312) are in DiagnosticTests; the float64 parity with torch.optim in
/// Dsl.Runtime.Tests' ComposedRuleParityTests.
/// </summary>
public sealed class ComposedRuleTests
{
    /// <summary>A filter (an EMA of the gradients added back) around any rule, and a plain rule of the user's to wrap.</summary>
    public const string Filtered = """
        [UpdateRule]
        public sealed partial class SlowBoost
        {
            public double Alpha = 0.5, Lambda = 3;
            public IUpdateRule Inner = new PlainStep();
            [State] Tensor h = null!;

            [Update]
            void Update(Tensor param, Tensor grad, long step)
            {
                var a = step == 1 ? 0 : Alpha;
                h = a * h + (1 - a) * grad;
                Inner.Apply(param, grad + Lambda * h, step);
            }
        }

        [UpdateRule]
        public sealed partial class PlainStep
        {
            public double LearningRate = 0.1;

            [Update]
            void Update(Tensor param, Tensor grad, long step)
            {
                param -= LearningRate * grad;
            }
        }
        """;

    [Fact]
    public void FilteredRuleSnapshot()
    {
        var run = GeneratorHarness.Run(Filtered);
        Assert.Empty(run.Diagnostics);
        Snapshot.Verify(run, nameof(ComposedRuleTests));
    }

    [Fact]
    public void AUsersFilterAroundAUsersRuleIsTheCompositionWrittenOut()
    {
        var run = GeneratorHarness.Run(Filtered);
        Assert.Empty(run.Diagnostics);
        var assembly = GeneratorHarness.Load(run.Output);
        var rule = (IUpdateRule)Activator.CreateInstance(assembly.GetType("Demo.SlowBoost", throwOnError: true)!)!;
        double[] start = [1.0, -2.0, 0.5, 4.0, -0.25];
        double[][] gradients = [[0.5, 1.0, -1.0, 2.0, 0.0], [0.25, -1.0, 3.0, 2.0, 1.0], [-0.5, 0.5, 0.5, -2.0, 4.0], [1.0, 1.0, 1.0, 1.0, 1.0]];
        double[] factors = [1.0, 0.5, 2.0, 0.0];
        using var parameter = Tensor.FromArray(start, 5);
        using var state = rule.CreateState(parameter);
        Assert.Equal(["h"], state.Names.Take(1));
        for (var k = 0; k < gradients.Length; k++)
        {
            using var gradient = Tensor.FromArray(gradients[k], 5);
            rule.Update(state, parameter, gradient, k + 1, factors[k]);
        }

        // By hand: h₁ = g₁, h ← 0.5 h + 0.5 g; θ ← θ - 0.1 · factor · (g + 3 h).
        var theta = (double[])start.Clone();
        var h = new double[5];
        for (var k = 0; k < gradients.Length; k++)
        {
            for (var i = 0; i < 5; i++)
            {
                h[i] = k == 0 ? gradients[k][i] : 0.5 * h[i] + 0.5 * gradients[k][i];
                theta[i] -= 0.1 * factors[k] * (gradients[k][i] + 3 * h[i]);
            }
        }
        Assert.Equal(theta, parameter.ToArray<double>());
        Assert.Equal(h, state[0].ToArray<double>());
    }

    /// <summary>The runtime's GrokfastEma around AdamW, on a small regression.</summary>
    private const string Experiment = """
        [Model]
        public partial class Affine
        {
            [Param(3, 2)] public Tensor W;
            [Param(2)] public Tensor B;

            public Tensor Forward([Shape("Batch", 3)] Tensor x) => MatMul(x, W) + B;
        }

        [Experiment]
        public partial class Slow
        {
            public Affine Net = new();
            public GrokfastEma Optimizer = new() { Alpha = 0.9, Lambda = 2, Inner = new AdamW { LearningRate = 0.05, WeightDecay = 0.1 } };

            [Loss]
            public Tensor Loss([Shape("Batch", 3)] Tensor x, [Shape("Batch", 2)] Tensor y) => MseLoss(Net.Forward(x), y);
        }
        """;

    private static dynamic NewExperiment(System.Reflection.Assembly assembly, DType dtype = DType.Float32)
    {
        dynamic experiment = Activator.CreateInstance(assembly.GetType("Demo.Slow", throwOnError: true)!)!;
        experiment.Initialize(7UL, dtype);
        return experiment;
    }

    private static System.Reflection.Assembly CompileExperiment()
    {
        var run = GeneratorHarness.Run(Experiment);
        Assert.True(run.Diagnostics.IsEmpty, string.Join("; ", run.Diagnostics));
        return GeneratorHarness.Load(run.Output);
    }

    private static Dictionary<string, double[]> Values(IReadOnlyList<(string Name, Tensor Value)> named) =>
        named.ToDictionary(n => n.Name, n => n.Value.DType == DType.Float64 ? n.Value.ToArray<double>() : n.Value.ToArray<float>().Select(v => (double)v).ToArray());

    [Fact]
    public void WarmStepsOfAComposedRuleAllocateNoManagedMemory()
    {
        dynamic experiment = NewExperiment(CompileExperiment());
        using var g = new Generator(2);
        using var x = Tensor.Randn([8, 3], g);
        using var y = Tensor.Randn([8, 2], g);
        var step = (Func<Tensor, Tensor, double, float>)Delegate.CreateDelegate(typeof(Func<Tensor, Tensor, double, float>), (object)experiment,
            ((object)experiment).GetType().GetMethod("TrainStep")!);
        for (var i = 0; i < 5; i++) step(x, y, 1d);
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 20; i++) step(x, y, 1d);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void BothRulesStatesAreCheckpointedAndAResumedRunIsBitIdentical()
    {
        var assembly = CompileExperiment();
        using var g = new Generator(3);
        using var x = Tensor.Randn([8, 3], g, DType.Float64);
        using var y = Tensor.Randn([8, 2], g, DType.Float64);
        var path = Path.Combine(Path.GetTempPath(), "dsl-composed-" + Guid.NewGuid().ToString("N") + ".safetensors");
        try
        {
            dynamic straight = NewExperiment(assembly, DType.Float64);
            for (var i = 0; i < 10; i++) straight.TrainStep(x, y, 1d);

            dynamic first = NewExperiment(assembly, DType.Float64);
            for (var i = 0; i < 4; i++) first.TrainStep(x, y, 1d);
            first.Save(path);
            var saved = Values((IReadOnlyList<(string Name, Tensor Value)>)((IExperiment)first).UpdateState);
            Assert.Equal(["Optimizer/Net.B/Inner.m", "Optimizer/Net.B/Inner.v", "Optimizer/Net.B/h", "Optimizer/Net.W/Inner.m", "Optimizer/Net.W/Inner.v", "Optimizer/Net.W/h"],
                saved.Keys.Order(StringComparer.Ordinal));
            Assert.All(saved.Values, v => Assert.Contains(v, e => e != 0));

            dynamic resumed = NewExperiment(assembly, DType.Float64);   // other state, then the checkpoint's
            resumed.TrainStep(x, y, 1d);
            resumed.Restore(path);
            Assert.Equal(saved, Values((IReadOnlyList<(string Name, Tensor Value)>)((IExperiment)resumed).UpdateState));
            for (var i = 4; i < 10; i++) resumed.TrainStep(x, y, 1d);

            Assert.Equal(Values((IReadOnlyList<(string Name, Tensor Value)>)straight.Parameters), Values((IReadOnlyList<(string Name, Tensor Value)>)resumed.Parameters));
            Assert.Equal(Values((IReadOnlyList<(string Name, Tensor Value)>)((IExperiment)straight).UpdateState),
                Values((IReadOnlyList<(string Name, Tensor Value)>)((IExperiment)resumed).UpdateState));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void TheSchedulesFactorReachesTheInnerRule()
    {
        // A factor of 0 scales AdamW's learning rate (and so its decoupled weight decay) to 0: the parameters stay,
        // while the filter's state and AdamW's moments move on. Factor 1 moves them.
        dynamic experiment = NewExperiment(CompileExperiment(), DType.Float64);
        using var g = new Generator(4);
        using var x = Tensor.Randn([8, 3], g, DType.Float64);
        using var y = Tensor.Randn([8, 2], g, DType.Float64);
        var before = Values((IReadOnlyList<(string Name, Tensor Value)>)experiment.Parameters);
        experiment.TrainStep(x, y, 0d);
        Assert.Equal(before, Values((IReadOnlyList<(string Name, Tensor Value)>)experiment.Parameters));
        var state = Values((IReadOnlyList<(string Name, Tensor Value)>)((IExperiment)experiment).UpdateState);
        Assert.Contains(state["Optimizer/Net.W/h"], v => v != 0);
        Assert.Contains(state["Optimizer/Net.W/Inner.m"], v => v != 0);
        experiment.TrainStep(x, y, 1d);
        Assert.NotEqual(before["Net.W"], Values((IReadOnlyList<(string Name, Tensor Value)>)experiment.Parameters)["Net.W"]);
    }
}
