using Dsl.Generators.Tests.Infrastructure;
using Microsoft.CodeAnalysis;

namespace Dsl.Generators.Tests.Operators;

/// <summary>
/// Misuse of the nn layers and losses: a compile-time diagnostic (message and the text it points at)
/// where the shapes are known, and a run-time error naming the op and the shapes where they are not.
/// </summary>
public sealed class NNDiagnosticTests
{
    /// <summary>The only diagnostic of an experiment whose model holds <paramref name="parameters"/> and whose [Loss] returns <paramref name="loss"/>.</summary>
    private static (Diagnostic Diagnostic, string Text) Single(string parameters, string lossParameters, string loss)
    {
        var run = GeneratorHarness.Run($$"""
            [Model]
            public partial class Layers
            {
                {{parameters}}

                public Tensor Forward([Shape(1)] Tensor x) => x;
            }

            [Experiment]
            public partial class Misuse
            {
                public Layers Net = new();

                [Loss]
                public Tensor Loss({{lossParameters}}) => {{loss}};
            }
            """);
        var diagnostic = Assert.Single(run.Diagnostics);
        var tree = run.Input.SyntaxTrees.Single(t => t.FilePath == diagnostic.Location.GetLineSpan().Path);
        return (diagnostic, tree.GetText().ToString(diagnostic.Location.SourceSpan));
    }

    private static void AssertDiagnostic((Diagnostic Diagnostic, string Text) actual, string id, string message, string text)
    {
        Assert.Equal(id, actual.Diagnostic.Id);
        Assert.Equal(message, actual.Diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(text, actual.Text);
    }

    [Fact]
    public void Conv2dWantsA4dInput() => AssertDiagnostic(
        Single("[Param(2, 3, 8)] public Tensor X; [Param(4, 3, 3, 3)] public Tensor W;", "", "Sum(Conv2d(Net.X, Net.W))"),
        "DSL0103", "Conv2d needs an input [N, C, H, W]; Net.X is [2, 3, 8]", "Conv2d(Net.X, Net.W)");

    [Fact]
    public void Conv2dChannelsMustMatchTheWeight() => AssertDiagnostic(
        Single("[Param(2, 3, 8, 8)] public Tensor X; [Param(4, 2, 3, 3)] public Tensor W;", "", "Sum(Conv2d(Net.X, Net.W))"),
        "DSL0020", "Conv2d: the input 'Net.X' [2, 3, 8, 8] has 3 channels, but the weight 'Net.W' [4, 2, 3, 3] takes 2 per group × groups 1", "Conv2d(Net.X, Net.W)");

    [Fact]
    public void Conv2dNeedsConstantSpatialSizesWhereTheOutputChangesThem() => AssertDiagnostic(
        Single("[Param(4, 1, 3, 3)] public Tensor W;", "[Shape(\"Batch\", 1, \"Height\", 28)] Tensor images", "Sum(Conv2d(images, Net.W, stride: 2))"),
        "DSL0020", "Conv2d: needs constant spatial sizes for now (with stride 1 and padding (kernel - 1)·dilation / 2 a size known only at run time is kept), but axis 2 of 'images' [Batch, 1, Height, 28] is Height",
        "Conv2d(images, Net.W, stride: 2)");

    [Fact]
    public void Conv1dBiasMustHaveOneValuePerOutputChannel() => AssertDiagnostic(
        Single("[Param(2, 3, 9)] public Tensor X; [Param(4, 3, 3)] public Tensor W; [Param(5)] public Tensor B;", "", "Sum(Conv1d(Net.X, Net.W, Net.B))"),
        "DSL0020", "Conv1d: the bias 'Net.B' must be [4], but is [5]", "Conv1d(Net.X, Net.W, Net.B)");

    [Fact]
    public void MaxPool2dWindowLargerThanTheInput() => AssertDiagnostic(
        Single("[Param(1, 1, 3, 3)] public Tensor X;", "", "Sum(MaxPool2d(Net.X, 5))"),
        "DSL0020", "MaxPool2d: the window (5 with dilation) is larger than axis 2 of 'Net.X' [1, 1, 3, 3] plus padding 0", "MaxPool2d(Net.X, 5)");

    [Fact]
    public void AvgPool2dPaddingAtMostHalfTheKernel() => AssertDiagnostic(
        Single("[Param(1, 1, 6, 6)] public Tensor X;", "", "Sum(AvgPool2d(Net.X, 2, padding: 2))"),
        "DSL0020", "AvgPool2d: 'padding' 2 must be at most half the kernel size 2", "AvgPool2d(Net.X, 2, padding: 2)");

    [Fact]
    public void AdaptiveAvgPool2dTakesOneOrTwoSizes() => AssertDiagnostic(
        Single("[Param(1, 1, 6, 6)] public Tensor X;", "", "Sum(AdaptiveAvgPool2d(Net.X, [1, 2, 3]))"),
        "DSL0020", "AdaptiveAvgPool2d: 'outputSize' takes one constant integer or 2 (one per spatial axis), but 3 values were given", "AdaptiveAvgPool2d(Net.X, [1, 2, 3])");

    [Fact]
    public void LayerNormShapeMustBeTheTrailingAxes() => AssertDiagnostic(
        Single("[Param(3, 5)] public Tensor X;", "", "Sum(LayerNorm(Net.X, [4]))"),
        "DSL0020", "LayerNorm: 'normalizedShape' [4] must be the trailing axes of 'Net.X', which is [3, 5]", "LayerNorm(Net.X, [4])");

    [Fact]
    public void GroupNormChannelsMustSplitIntoGroups() => AssertDiagnostic(
        Single("[Param(2, 6, 4)] public Tensor X;", "", "Sum(GroupNorm(Net.X, 4))"),
        "DSL0020", "GroupNorm: the 6 channels of 'Net.X' [2, 6, 4] do not split into 4 groups", "GroupNorm(Net.X, 4)");

    [Fact]
    public void BatchNormRunningStatisticsHaveOneValuePerChannel() => AssertDiagnostic(
        Single("[Param(5, 3)] public Tensor X; [Param(4, Frozen = true)] public Tensor M; [Param(3, Frozen = true)] public Tensor V;", "",
            "Sum(BatchNorm(Net.X, Net.M, Net.V))"),
        "DSL0020", "BatchNorm: the running mean 'Net.M' must be [3], but is [4]", "BatchNorm(Net.X, Net.M, Net.V)");

    [Fact]
    public void EmbeddingWeightIsAMatrix() => AssertDiagnostic(
        Single("[Param(5, 3, 2)] public Tensor E;", "[Shape(4)] Tensor indices", "Sum(Embedding(Net.E, indices))"),
        "DSL0103", "Embedding needs a weight [num, dim]; Net.E is [5, 3, 2]", "Embedding(Net.E, indices)");

    [Fact]
    public void AttentionQueriesAndKeysShareTheirWidth() => AssertDiagnostic(
        Single("[Param(2, 3, 4)] public Tensor Q; [Param(2, 5, 6)] public Tensor K; [Param(2, 5, 6)] public Tensor V;", "",
            "Sum(ScaledDotProductAttention(Net.Q, Net.K, Net.V))"),
        "DSL0020", "ScaledDotProductAttention: needs q [..., Tq, D], k [..., Tk, D] and v [..., Tk, Dv] with the same leading axes, but 'Net.Q' is [2, 3, 4], 'Net.K' is [2, 5, 6] and 'Net.V' is [2, 5, 6]",
        "ScaledDotProductAttention(Net.Q, Net.K, Net.V)");

    [Fact]
    public void NllLossTargetsHaveOnePerExample() => AssertDiagnostic(
        Single("[Param(4, 5)] public Tensor S;", "[Shape(3)] Tensor targets", "NllLoss(Net.S, targets)"),
        "DSL0106", "NllLoss: the log-probabilities 'Net.S' is [4, 5] but the targets 'targets' is [3]", "NllLoss(Net.S, targets)");

    [Fact]
    public void CrossEntropyClassWeightsHaveOnePerClass() => AssertDiagnostic(
        Single("[Param(4, 5)] public Tensor Z;", "[Shape(4)] Tensor targets, [Shape(4)] Tensor w", "CrossEntropy(Net.Z, targets, weight: w)"),
        "DSL0020", "CrossEntropy: the class weight 'w' must be [5], but is [4]", "CrossEntropy(Net.Z, targets, weight: w)");

    [Fact]
    public void PerPositionTargetsHaveTheScoresShapeWithoutTheClassAxis() => AssertDiagnostic(
        Single("[Param(2, 3, 4)] public Tensor Z;", "[Shape(2, 3)] Tensor targets", "CrossEntropy(Net.Z, targets, labelSmoothing: 0.1)"),
        "DSL0106", "CrossEntropy: the logits 'Net.Z' is [2, 3, 4] but the targets 'targets' is [2, 3]", "CrossEntropy(Net.Z, targets, labelSmoothing: 0.1)");

    [Fact]
    public void PerPositionTargetsHaveOneAxisFewerThanTheScores() => AssertDiagnostic(
        Single("[Param(2, 3, 4)] public Tensor Z;", "[Shape(2)] Tensor targets", "CrossEntropy(Net.Z, targets)"),
        "DSL0103", "CrossEntropy needs 2-D labels [2, 4] of class indices (the logits' shape without its class axis 1); targets is [2]", "CrossEntropy(Net.Z, targets)");

    [Fact]
    public void BinaryCrossEntropyTargetsHaveTheLogitsShape() => AssertDiagnostic(
        Single("[Param(4, 5)] public Tensor Z;", "[Shape(4)] Tensor t", "BinaryCrossEntropyWithLogits(Net.Z, t)"),
        "DSL0020", "BinaryCrossEntropyWithLogits: the targets 't' must be [4, 5], but is [4]", "BinaryCrossEntropyWithLogits(Net.Z, t)");

    [Fact]
    public void HuberLossTargetHasTheInputShape() => AssertDiagnostic(
        Single("[Param(4, 5)] public Tensor P;", "[Shape(5, 4)] Tensor t", "HuberLoss(Net.P, t)"),
        "DSL0020", "HuberLoss: the target 't' must be [4, 5], but is [5, 4]", "HuberLoss(Net.P, t)");

    [Fact]
    public void HuberLossDeltaIsPositive() => AssertDiagnostic(
        Single("[Param(4, 5)] public Tensor P;", "[Shape(4, 5)] Tensor t", "HuberLoss(Net.P, t, delta: 0)"),
        "DSL0020", "HuberLoss: 'delta' must be positive, but is 0", "HuberLoss(Net.P, t, delta: 0)");

    [Fact]
    public void L1LossTargetHasTheInputShape() => AssertDiagnostic(
        Single("[Param(4, 5)] public Tensor P;", "[Shape(4)] Tensor t", "L1Loss(Net.P, t)"),
        "DSL0020", "L1Loss: the target 't' must be [4, 5], but is [4]", "L1Loss(Net.P, t)");

    [Fact]
    public void KlDivTargetHasTheInputShape() => AssertDiagnostic(
        Single("[Param(4, 5)] public Tensor P;", "[Shape(4, 1)] Tensor t", "KlDiv(Net.P, t)"),
        "DSL0020", "KlDiv: the target 't' must be [4, 5], but is [4, 1]", "KlDiv(Net.P, t)");

    [Fact]
    public void LabelSmoothingIsAFraction() => AssertDiagnostic(
        Single("[Param(4, 5)] public Tensor Z;", "[Shape(4)] Tensor targets", "CrossEntropy(Net.Z, targets, labelSmoothing: 1.5)"),
        "DSL0020", "CrossEntropy: 'labelSmoothing' must be in [0, 1] with a constant class count, but is 1.5 for 'Net.Z' [4, 5]",
        "CrossEntropy(Net.Z, targets, labelSmoothing: 1.5)");

    [Fact]
    public void AReductionIsNamedFromTheReductionEnum() => AssertDiagnostic(
        Single("[Param(4, 5)] public Tensor Z;", "[Shape(4)] Tensor targets", "CrossEntropy(Net.Z, targets, 2)"),
        "DSL0020", "CrossEntropy: 'reduction' must be Reduction.Mean, Reduction.Sum or Reduction.None, but is '2'", "2");

    /// <summary>
    /// With a channel count known only at run time GroupNorm cannot check its groups at compile time:
    /// the generated step throws, naming the op and the shape.
    /// </summary>
    [Fact]
    public void GroupNormWithRunTimeChannelsFailsAtRunTimeNamingTheOpAndTheShape()
    {
        var run = GeneratorHarness.Run("""
            [Model]
            public partial class Grouped
            {
                [Param(1)] public Tensor Scale;

                public Tensor Forward([Shape("Batch", "Channels", 4)] Tensor x) => GroupNorm(x, 4) * Scale;
            }

            [Experiment]
            public partial class GroupedFit
            {
                public Grouped Net = new();

                [Loss]
                public Tensor Loss([Shape("Batch", "Channels", 4)] Tensor x) => Sum(Net.Forward(x));
            }
            """);
        Assert.Empty(run.Diagnostics);
        var type = GeneratorHarness.Load(run.Output).GetType("Demo.GroupedFit", throwOnError: true)!;
        dynamic experiment = Activator.CreateInstance(type)!;
        experiment.Initialize(1UL, DType.Float64);
        using var generator = new Generator(2);
        using var fits = Tensor.Randn([2, 8, 4], generator, DType.Float64);
        experiment.ComputeGradients(fits);
        using var odd = Tensor.Randn([2, 6, 4], generator, DType.Float64);
        Exception error = Assert.ThrowsAny<Exception>(() => experiment.ComputeGradients(odd));
        Assert.Contains("group_norm", error.Message);
        Assert.Contains("[2, 6, 4]", error.Message);
    }
}
