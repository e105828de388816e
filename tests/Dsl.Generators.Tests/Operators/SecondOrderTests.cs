using Dsl.Generators.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Dsl.Generators.Tests.Operators;

/// <summary>
/// Second derivatives of the nn ops and losses: each case is a gradient penalty,
/// loss = inner + Σ (∂inner/∂X)², where inner applies the op to trainable parameters and X is one of
/// them, so the generated step differentiates the op's backward. Checked two ways in float64: against
/// torch's double backward (torch.autograd.grad with create_graph=True) at a relative error of 1e-10,
/// and against central finite differences of the penalty, whose ∂inner/∂X comes from a second
/// experiment with inner as its loss (a first derivative, itself checked against torch by the op tests).
/// </summary>
public sealed class SecondOrderTests(SecondOrderResults results, ITestOutputHelper output) : IClassFixture<SecondOrderResults>
{
    public static TheoryData<string> CaseNames => new(SecondOrderCases.All.Select(c => c.Name));

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void PenaltyGradientsMatchTorchDoubleBackward(string name)
    {
        var result = results.Get(name);
        var report = CrossCheckResults.Compare(result.Ours, result.Torch!, LanguageOpCases.Exact);
        output.WriteLine(report.Summary);
        Assert.True(report.Mismatches.Count == 0, name + ":\n" + string.Join("\n", report.Mismatches));
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void PenaltyGradientsMatchFiniteDifferences(string name)
    {
        var c = SecondOrderCases.All.Single(x => x.Name == name);
        var run = GeneratorHarness.Run(c.Source);
        Assert.True(run.Diagnostics.IsEmpty, string.Join("; ", run.Diagnostics));
        var assembly = GeneratorHarness.Load(run.Output);
        dynamic experiment = Activator.CreateInstance(assembly.GetType("Demo." + c.Name, throwOnError: true)!)!;
        var innerType = assembly.GetType("Demo." + c.Name + "Inner", throwOnError: true)!;
        dynamic inner = Activator.CreateInstance(innerType)!;
        experiment.Initialize(c.Seed, DType.Float64);
        inner.Initialize(c.Seed, DType.Float64);
        using var generator = new Generator(c.Seed + 1000);
        var inputs = c.Inputs(generator);
        var parameters = (IReadOnlyList<(string Name, Tensor Value)>)experiment.Parameters;
        var innerParameters = (IReadOnlyList<(string Name, Tensor Value)>)inner.Parameters;
        var innerLoss = innerType.GetMethod("Loss")!;

        // inner (eagerly, in float64) + Σ (∂inner/∂X)², with ∂inner/∂X the inner experiment's generated gradient.
        double Penalized()
        {
            for (var i = 0; i < parameters.Count; i++) innerParameters[i].Value.CopyFrom<double>(parameters[i].Value.ToArray<double>());
            GradientCheck.ComputeGradients(inner, inputs);
            var gradient = ((IReadOnlyList<(string Name, Tensor Value)>)inner.Gradients).Single(g => g.Name == "Net." + c.Wrt).Value.ToArray<double>();
            using var value = (Tensor)innerLoss.Invoke((object)inner, inputs)!;
            return value.Item() + gradient.Sum(v => v * v);
        }

        try
        {
            GradientCheck.AgainstFiniteDifferences((object)experiment, inputs, loss: Penalized);
        }
        finally
        {
            foreach (var input in inputs.OfType<Tensor>()) input.Dispose();
        }
    }

    [Fact]
    public void EveryCaseHasAUniqueName() =>
        Assert.Equal(SecondOrderCases.All.Count, SecondOrderCases.All.Select(c => c.Name).Distinct().Count());
}

/// <summary>Runs every second-order case's generated code, then the torch references in one python process.</summary>
public sealed class SecondOrderResults() : CrossCheckResults(SecondOrderCases.All.Select(c => c.CrossCheck));

/// <summary>
/// A gradient-penalty case: a model <c>{Name}Model</c> holding <paramref name="Parameters"/>, an experiment
/// <c>{Name}</c> whose loss is inner + Σ Grad(inner, Net.{Wrt})², and an experiment <c>{Name}Inner</c>
/// whose loss is inner alone. <paramref name="TorchInner"/> is inner in torch (parameters as <c>Net_X</c>).
/// </summary>
public sealed record SecondOrderCase(string Name, string Parameters, string LossParameters, string Inner, string Wrt,
    Func<Generator, object[]> Inputs, string TorchInner, ulong Seed = 1)
{
    public string Source => $$"""
        [Model]
        public partial class {{Name}}Model
        {
            {{Parameters}}

            public Tensor Forward([Shape(1)] Tensor x) => x;
        }

        [Experiment]
        public partial class {{Name}}
        {
            public {{Name}}Model Net = new();

            [Loss]
            public Tensor Loss({{LossParameters}}) => {{Inner}} + Sum(Square(Grad({{Inner}}, Net.{{Wrt}})));
        }

        [Experiment]
        public partial class {{Name}}Inner
        {
            public {{Name}}Model Net = new();

            [Loss]
            public Tensor Loss({{LossParameters}}) => {{Inner}};
        }
        """;

    public CrossCheckCase CrossCheck => new(Name, Source, "Demo." + Name, Seed, Inputs, $$"""
        inner = {{TorchInner}}
        (_gw,) = torch.autograd.grad(inner, Net_{{Wrt}}, create_graph=True)
        loss = inner + (_gw ** 2).sum()
        """, LanguageOpCases.Exact, Eager: false);

    public override string ToString() => Name;
}

public static class SecondOrderCases
{
    private static Tensor Randn(Generator g, params long[] shape) => Tensor.Randn(shape, g, DType.Float64);

    private static Tensor Labels(Generator g, long classes, params long[] shape) => Tensor.RandInt(0, classes, shape, g);

    private static Tensor Positive(Generator g, params long[] shape)
    {
        using var u = Tensor.Rand(shape, g, DType.Float64);
        return Ops.Add(u, 0.5);
    }

    public static IReadOnlyList<SecondOrderCase> All { get; } =
    [
        // ---- normalizations: the backward differentiated through the normalization composed of reductions ----
        new("LayerNormSecondOrder", "[Param(3, 4, 5)] public Tensor X; [Param(5)] public Tensor G; [Param(5)] public Tensor B;", "[Shape(3, 4, 5)] Tensor c",
            "Sum(Square(LayerNorm(Net.X, [5], Net.G, Net.B)) * c)", "X", g => [Randn(g, 3, 4, 5)],
            "((F.layer_norm(Net_X, [5], Net_G, Net_B) ** 2) * c).sum()"),
        new("LayerNormWeightSecondOrder", "[Param(3, 4, 5)] public Tensor X; [Param(4, 5)] public Tensor G;", "[Shape(3, 4, 5)] Tensor c",
            "Sum(Square(LayerNorm(Net.X, [4, 5], Net.G, eps: 0.01)) * c)", "G", g => [Randn(g, 3, 4, 5)],
            "((F.layer_norm(Net_X, [4, 5], Net_G, eps=0.01) ** 2) * c).sum()"),
        new("GroupNormSecondOrder", "[Param(2, 6, 3, 3)] public Tensor X; [Param(6)] public Tensor G; [Param(6)] public Tensor B;", "[Shape(2, 6, 3, 3)] Tensor c",
            "Sum(Square(GroupNorm(Net.X, 3, Net.G, Net.B)) * c)", "X", g => [Randn(g, 2, 6, 3, 3)],
            "((F.group_norm(Net_X, 3, Net_G, Net_B) ** 2) * c).sum()"),
        new("GroupNormWeightSecondOrder", "[Param(2, 4, 5)] public Tensor X; [Param(4)] public Tensor G;", "[Shape(2, 4, 5)] Tensor c",
            "Sum(Square(GroupNorm(Net.X, 2, Net.G)) * c)", "G", g => [Randn(g, 2, 4, 5)],
            "((F.group_norm(Net_X, 2, Net_G) ** 2) * c).sum()"),
        new("BatchNormTrainingSecondOrder",
            "[Param(4, 3, 2, 2)] public Tensor X; [Param(3, Frozen = true), Init(Init.Zeros)] public Tensor RunningMean; [Param(3, Frozen = true), Init(Init.Ones)] public Tensor RunningVar; [Param(3)] public Tensor G; [Param(3)] public Tensor B;",
            "[Shape(4, 3, 2, 2)] Tensor c", "Sum(Square(BatchNorm(Net.X, Net.RunningMean, Net.RunningVar, Net.G, Net.B, training: true)) * c)", "X",
            g => [Randn(g, 4, 3, 2, 2)],
            "((F.batch_norm(Net_X, Net_RunningMean.clone(), Net_RunningVar.clone(), Net_G, Net_B, training=True) ** 2) * c).sum()"),
        new("BatchNorm2dWeightSecondOrder",
            "[Param(5, 3)] public Tensor X; [Param(3, Frozen = true), Init(Init.Zeros)] public Tensor RunningMean; [Param(3, Frozen = true), Init(Init.Ones)] public Tensor RunningVar; [Param(3)] public Tensor G;",
            "[Shape(5, 3)] Tensor c", "Sum(Square(BatchNorm(Net.X, Net.RunningMean, Net.RunningVar, Net.G, training: true, eps: 0.001)) * c)", "G",
            g => [Randn(g, 5, 3)],
            "((F.batch_norm(Net_X, Net_RunningMean.clone(), Net_RunningVar.clone(), Net_G, training=True, eps=0.001) ** 2) * c).sum()"),
        new("BatchNormEvaluationSecondOrder",
            "[Param(4, 3, 2)] public Tensor X; [Param(3, Frozen = true)] public Tensor RunningMean; [Param(3, Frozen = true), Init(Init.Ones)] public Tensor RunningVar; [Param(3)] public Tensor G; [Param(3)] public Tensor B;",
            "[Shape(4, 3, 2)] Tensor c", "Sum(Square(BatchNorm(Net.X, Net.RunningMean, Net.RunningVar, Net.G, Net.B, training: false)) * c)", "X",
            g => [Randn(g, 4, 3, 2)],
            "((F.batch_norm(Net_X, Net_RunningMean, Net_RunningVar, Net_G, Net_B, training=False) ** 2) * c).sum()"),
    ];
}
