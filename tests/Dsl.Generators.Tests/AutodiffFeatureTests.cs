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
        GradientCheck.AgainstFiniteDifferences(experiment, inputs, only: new[] { "Net.W" });

        var before = Values(experiment);
        experiment.TrainStep(x, y);
        var after = Values(experiment);
        Assert.NotEqual(before["Net.W"], after["Net.W"]);
        Assert.Equal(before["Net.V"], after["Net.V"]);
        Assert.Equal(before["Net.Shift"], after["Net.Shift"]);
    }

    [Fact]
    public void NoGradSnapshot()
    {
        var run = GeneratorHarness.Run(Gated);
        Assert.Empty(run.Diagnostics);
        Snapshot.Verify(run, nameof(AutodiffFeatureTests));
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
