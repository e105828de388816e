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

        // ---- convolutions (backwards linear in both operands), pooling, attention ----
        new("Conv2dSecondOrder", "[Param(2, 3, 7, 6)] public Tensor X; [Param(4, 3, 3, 3)] public Tensor W; [Param(4)] public Tensor B;", "[Shape(2, 4, 4, 3)] Tensor c",
            "Sum(Square(Conv2d(Net.X, Net.W, Net.B, stride: 2, padding: 1)) * c)", "X", g => [Randn(g, 2, 4, 4, 3)],
            "((F.conv2d(Net_X, Net_W, Net_B, stride=2, padding=1) ** 2) * c).sum()"),
        new("Conv2dWeightSecondOrder", "[Param(2, 3, 7, 6)] public Tensor X; [Param(4, 3, 3, 2)] public Tensor W; [Param(4)] public Tensor B;", "[Shape(2, 4, 4, 5)] Tensor c",
            "Sum(Square(Conv2d(Net.X, Net.W, Net.B, stride: [2, 1], padding: [1, 0])) * c)", "W", g => [Randn(g, 2, 4, 4, 5)],
            "((F.conv2d(Net_X, Net_W, Net_B, stride=(2, 1), padding=(1, 0)) ** 2) * c).sum()"),
        new("Conv2dGroupsDilationSecondOrder", "[Param(2, 4, 8, 8)] public Tensor X; [Param(6, 2, 3, 3)] public Tensor W;", "[Shape(2, 6, 4, 4)] Tensor c",
            "Sum(Square(Conv2d(Net.X, Net.W, dilation: 2, groups: 2)) * c)", "X", g => [Randn(g, 2, 6, 4, 4)],
            "((F.conv2d(Net_X, Net_W, dilation=2, groups=2) ** 2) * c).sum()"),
        new("Conv1dWeightSecondOrder", "[Param(2, 3, 10)] public Tensor X; [Param(5, 3, 3)] public Tensor W; [Param(5)] public Tensor B;", "[Shape(2, 5, 5)] Tensor c",
            "Sum(Square(Conv1d(Net.X, Net.W, Net.B, stride: 2, padding: 1)) * c)", "W", g => [Randn(g, 2, 5, 5)],
            "((F.conv1d(Net_X, Net_W, Net_B, stride=2, padding=1) ** 2) * c).sum()"),
        new("MaxPool2dSecondOrder", "[Param(2, 3, 6, 5)] public Tensor X;", "[Shape(2, 3, 3, 2)] Tensor c",
            "Sum(Square(MaxPool2d(Net.X, 2)) * c)", "X", g => [Randn(g, 2, 3, 3, 2)],
            "((F.max_pool2d(Net_X, 2) ** 2) * c).sum()"),
        new("MaxPool2dPaddedCeilSecondOrder", "[Param(2, 3, 6, 5)] public Tensor X;", "[Shape(2, 3, 4, 3)] Tensor c",
            "Sum(Square(MaxPool2d(Net.X, 2, stride: 2, padding: 1, ceilMode: true)) * c)", "X", g => [Randn(g, 2, 3, 4, 3)],
            "((F.max_pool2d(Net_X, 2, stride=2, padding=1, ceil_mode=True) ** 2) * c).sum()"),
        // Overlapping windows: a position may be the maximum of several windows.
        new("MaxPool2dOverlappingSecondOrder", "[Param(2, 3, 7, 6)] public Tensor X;", "[Shape(2, 3, 3, 2)] Tensor c",
            "Sum(Square(MaxPool2d(Net.X, 3, stride: 2)) * c)", "X", g => [Randn(g, 2, 3, 3, 2)],
            "((F.max_pool2d(Net_X, 3, stride=2) ** 2) * c).sum()"),
        new("MaxPool2dDilatedStrideOneSecondOrder", "[Param(1, 2, 6, 6)] public Tensor X;", "[Shape(1, 2, 4, 4)] Tensor c",
            "Sum(Square(MaxPool2d(Net.X, 3, stride: 1, padding: 1, dilation: 2)) * c)", "X", g => [Randn(g, 1, 2, 4, 4)],
            "((F.max_pool2d(Net_X, 3, stride=1, padding=1, dilation=2) ** 2) * c).sum()"),
        new("AdaptiveAvgPool2dSecondOrder", "[Param(2, 3, 7, 5)] public Tensor X;", "[Shape(2, 3, 3, 2)] Tensor c",
            "Sum(Square(AdaptiveAvgPool2d(Net.X, [3, 2])) * c)", "X", g => [Randn(g, 2, 3, 3, 2)],
            "((F.adaptive_avg_pool2d(Net_X, [3, 2]) ** 2) * c).sum()"),
        new("AttentionQuerySecondOrder", "[Param(2, 3, 4, 5)] public Tensor Q; [Param(2, 3, 4, 5)] public Tensor K; [Param(2, 3, 4, 5)] public Tensor V;",
            "[Shape(2, 3, 4, 5)] Tensor c", "Sum(Square(ScaledDotProductAttention(Net.Q, Net.K, Net.V)) * c)", "Q", g => [Randn(g, 2, 3, 4, 5)],
            "(((torch.softmax(Net_Q @ Net_K.transpose(-2, -1) / math.sqrt(5), -1) @ Net_V) ** 2) * c).sum()"),
        new("AttentionKeySecondOrder", "[Param(2, 3, 5)] public Tensor Q; [Param(2, 4, 5)] public Tensor K; [Param(2, 4, 6)] public Tensor V;",
            "[Shape(2, 3, 6)] Tensor c", "Sum(Square(ScaledDotProductAttention(Net.Q, Net.K, Net.V, scale: 0.5)) * c)", "K", g => [Randn(g, 2, 3, 6)],
            "(((torch.softmax(Net_Q @ Net_K.transpose(-2, -1) * 0.5, -1) @ Net_V) ** 2) * c).sum()"),
        new("AttentionValueSecondOrder", "[Param(2, 3, 5)] public Tensor Q; [Param(2, 4, 5)] public Tensor K; [Param(2, 4, 6)] public Tensor V;",
            "[Shape(2, 3, 6)] Tensor c", "Sum(Square(ScaledDotProductAttention(Net.Q, Net.K, Net.V)) * c)", "V", g => [Randn(g, 2, 3, 6)],
            "(((torch.softmax(Net_Q @ Net_K.transpose(-2, -1) / math.sqrt(5), -1) @ Net_V) ** 2) * c).sum()"),
        new("AttentionCausalSecondOrder", "[Param(2, 3, 4, 5)] public Tensor Q; [Param(2, 3, 4, 5)] public Tensor K; [Param(2, 3, 4, 5)] public Tensor V;",
            "[Shape(2, 3, 4, 5)] Tensor c", "Sum(Square(ScaledDotProductAttention(Net.Q, Net.K, Net.V, causal: true)) * c)", "K", g => [Randn(g, 2, 3, 4, 5)],
            """
            (((torch.softmax((Net_Q @ Net_K.transpose(-2, -1) / math.sqrt(5)).masked_fill(torch.ones(4, 4, dtype=torch.bool).triu(1), float('-inf')), -1) @ Net_V) ** 2) * c).sum()
            """),
        new("AttentionCausalRectangularSecondOrder", "[Param(2, 3, 5)] public Tensor Q; [Param(2, 4, 5)] public Tensor K; [Param(2, 4, 6)] public Tensor V;",
            "[Shape(2, 3, 6)] Tensor c", "Sum(Square(ScaledDotProductAttention(Net.Q, Net.K, Net.V, causal: true, scale: 0.5)) * c)", "Q", g => [Randn(g, 2, 3, 6)],
            "(((torch.softmax((Net_Q @ Net_K.transpose(-2, -1) * 0.5).masked_fill(torch.ones(3, 4, dtype=torch.bool).triu(1), float('-inf')), -1) @ Net_V) ** 2) * c).sum()"),
        // ---- slices with a step (their backward's derivative is the slice again) ----
        new("SliceStepSecondOrder", "[Param(7, 4)] public Tensor W;", "[Shape(3, 4)] Tensor c, [Shape(7, 2)] Tensor d",
            "Sum(Square(Slice(Net.W, 0, 1, 6, 2)) * c) + Sum(Tanh(Slice(Net.W, 1, -3, step: 2)) * d)", "W", g => [Randn(g, 3, 4), Randn(g, 7, 2)],
            "((Net_W[1:6:2] ** 2) * c).sum() + (torch.tanh(Net_W[:, -3::2]) * d).sum()"),
        new("SliceStepColumnsSecondOrder", "[Param(2, 9)] public Tensor W;", "[Shape(2, 3)] Tensor c",
            "Sum(Square(Slice(Net.W, 1, 0, 9, 3)) * c)", "W", g => [Randn(g, 2, 3)],
            "((Net_W[:, 0:9:3] ** 2) * c).sum()"),

        // ---- losses: the backward differentiated through the loss composed of elementwise ops ----
        new("CrossEntropyWeightedSmoothedSecondOrder", "[Param(7, 4)] public Tensor Z;", "[Shape(7)] Tensor targets, [Shape(4)] Tensor w, [Shape(7, 4)] Tensor c",
            "CrossEntropy(Net.Z * c, targets, weight: w, ignoreIndex: 1, labelSmoothing: 0.2)", "Z", g => [Labels(g, 4, 7), Positive(g, 4), Randn(g, 7, 4)],
            "F.cross_entropy(Net_Z * c, targets, weight=w, ignore_index=1, label_smoothing=0.2)"),
        new("CrossEntropyWeightedSumSecondOrder", "[Param(5, 3)] public Tensor Z;", "[Shape(5)] Tensor targets, [Shape(3)] Tensor w",
            "CrossEntropy(Net.Z, targets, reduction: Reduction.Sum, weight: w, labelSmoothing: 0.3)", "Z", g => [Labels(g, 3, 5), Positive(g, 3)],
            "F.cross_entropy(Net_Z, targets, reduction='sum', weight=w, label_smoothing=0.3)"),
        new("CrossEntropyNoneSecondOrder", "[Param(5, 3)] public Tensor Z;", "[Shape(5)] Tensor targets, [Shape(5)] Tensor d",
            "Sum(Square(CrossEntropy(Net.Z, targets, Reduction.None)) * d)", "Z", g => [Labels(g, 3, 5), Randn(g, 5)],
            "((F.cross_entropy(Net_Z, targets, reduction='none') ** 2) * d).sum()"),
        new("CrossEntropyPerPositionSecondOrder", "[Param(2, 3, 4)] public Tensor Z;", "[Shape(2, 4)] Tensor targets, [Shape(2, 3, 4)] Tensor c",
            "CrossEntropy(Net.Z * c, targets)", "Z", g => [Labels(g, 3, 2, 4), Randn(g, 2, 3, 4)],
            "F.cross_entropy(Net_Z * c, targets)"),
        new("CrossEntropyPerPixelWeightedSmoothedSecondOrder", "[Param(2, 4, 2, 3)] public Tensor Z;", "[Shape(2, 2, 3)] Tensor targets, [Shape(4)] Tensor w, [Shape(2, 4, 2, 3)] Tensor c",
            "CrossEntropy(Net.Z * c, targets, weight: w, ignoreIndex: 1, labelSmoothing: 0.2)", "Z", g => [Labels(g, 4, 2, 2, 3), Positive(g, 4), Randn(g, 2, 4, 2, 3)],
            "F.cross_entropy(Net_Z * c, targets, weight=w, ignore_index=1, label_smoothing=0.2)"),
        new("BinaryCrossEntropyWithLogitsSecondOrder", "[Param(4, 5)] public Tensor Z;", "[Shape(4, 5)] Tensor t, [Shape(4, 5)] Tensor c",
            "BinaryCrossEntropyWithLogits(Net.Z * c, t)", "Z", g => [Positive(g, 4, 5), Randn(g, 4, 5)],
            "F.binary_cross_entropy_with_logits(Net_Z * c, t)"),
        new("BinaryCrossEntropyWithLogitsWeightedSecondOrder", "[Param(4, 5)] public Tensor Z;", "[Shape(4, 5)] Tensor t, [Shape(4, 1)] Tensor w, [Shape(5)] Tensor pw",
            "BinaryCrossEntropyWithLogits(Net.Z, t, Reduction.Sum, w, pw)", "Z", g => [Positive(g, 4, 5), Positive(g, 4, 1), Positive(g, 5)],
            "F.binary_cross_entropy_with_logits(Net_Z, t, reduction='sum', weight=w, pos_weight=pw)"),
        new("BinaryCrossEntropyWithLogitsNoneSecondOrder", "[Param(3, 4)] public Tensor Z;", "[Shape(3, 4)] Tensor t, [Shape(3, 4)] Tensor c",
            "Sum(Square(BinaryCrossEntropyWithLogits(Net.Z, t, Reduction.None)) * c)", "Z", g => [Positive(g, 3, 4), Randn(g, 3, 4)],
            "((F.binary_cross_entropy_with_logits(Net_Z, t, reduction='none') ** 2) * c).sum()"),
        // L1 and Huber are piecewise: random values keep clear of the kinks.
        new("L1LossSecondOrder", "[Param(3, 4)] public Tensor P; [Param(3, 4)] public Tensor T;", "[Shape(3, 4)] Tensor c",
            "L1Loss(Square(Net.P) * c, Net.T)", "P", g => [Randn(g, 3, 4)], "F.l1_loss(Net_P ** 2 * c, Net_T)"),
        new("L1LossTargetSecondOrder", "[Param(2, 3, 4)] public Tensor P; [Param(2, 3, 4)] public Tensor T;", "[Shape(2, 3, 4)] Tensor c",
            "Sum(Square(L1Loss(Net.P, Net.T, Reduction.None)) * c)", "T", g => [Randn(g, 2, 3, 4)],
            "((F.l1_loss(Net_P, Net_T, reduction='none') ** 2) * c).sum()"),
        new("HuberLossSecondOrder", "[Param(4, 5)] public Tensor P; [Param(4, 5)] public Tensor T;", "[Shape(4, 5)] Tensor c",
            "HuberLoss(Square(Net.P) * c, Net.T, Reduction.Sum, delta: 0.7)", "P", g => [Randn(g, 4, 5)], "F.huber_loss(Net_P ** 2 * c, Net_T, reduction='sum', delta=0.7)"),
        new("HuberLossMeanTargetSecondOrder", "[Param(3, 5)] public Tensor P; [Param(3, 5)] public Tensor T;", "[Shape(3, 5)] Tensor c",
            "HuberLoss(Tanh(Net.P), Square(Net.T) * c)", "T", g => [Randn(g, 3, 5)], "F.huber_loss(torch.tanh(Net_P), Net_T ** 2 * c)"),
        new("KlDivSecondOrder", "[Param(3, 4)] public Tensor P; [Param(3, 4)] public Tensor T;", "[Shape(3, 4)] Tensor c",
            "KlDiv(LogSoftmax(Net.P * c, 1), Square(Net.T), Reduction.Sum)", "P", g => [Randn(g, 3, 4)], "F.kl_div(torch.log_softmax(Net_P * c, 1), Net_T ** 2, reduction='sum')"),
        new("KlDivTargetSecondOrder", "[Param(3, 4)] public Tensor P; [Param(3, 4)] public Tensor T;", "[Shape(3, 4)] Tensor c",
            "KlDiv(LogSoftmax(Net.P, 1), Square(Net.T * c))", "T", g => [Randn(g, 3, 4)], "F.kl_div(torch.log_softmax(Net_P, 1), (Net_T * c) ** 2)"),
        new("KlDivLogTargetSecondOrder", "[Param(3, 4)] public Tensor P; [Param(3, 4)] public Tensor T;", "[Shape(3, 4)] Tensor c",
            "Sum(KlDiv(Net.P, Net.T, Reduction.None, logTarget: true) * c)", "T", g => [Randn(g, 3, 4)],
            "(F.kl_div(Net_P, Net_T, reduction='none', log_target=True) * c).sum()"),
    ];
}
