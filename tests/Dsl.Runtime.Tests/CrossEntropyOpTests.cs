using Dsl.Testing;
using Xunit;
using Inputs = System.Func<Dsl.Generator, System.Collections.Generic.Dictionary<string, Dsl.Tensor>>;

namespace Dsl.Runtime.Tests;

/// <summary>
/// Cross-entropy with [N, C, ...] logits, class weights, ignored targets and label smoothing, and its
/// gradient, against F.cross_entropy and torch.autograd; Float64 at 1e-10.
/// </summary>
public sealed class CrossEntropyCatalog : OpCatalog
{
    private const double Rtol = 1e-10, Atol = 1e-12;

    private static Tensor D(Generator g, params long[] shape) => Tensor.Randn(new Shape(shape), g, DType.Float64);

    // Logits [shape], targets (a fixed list with ignored -100 entries, or random), weights, and an upstream gradient.
    private static Inputs Case(long[] logits, long[]? targets, long[] targetShape, Reduction reduction) => g =>
    {
        var classes = logits.Length == 1 ? logits[0] : logits[1];
        return new()
        {
            ["x"] = D(g, logits) * 2,
            ["t"] = targets is null ? Tensor.RandInt(0, classes, new Shape(targetShape), g)
                : targetShape.Length == 0 ? Tensor.Scalar(targets[0], DType.Int64) : Tensor.FromArray(targets, targetShape),
            ["w"] = Tensor.Rand([classes], g, DType.Float64) + 0.5,
            ["g"] = reduction == Reduction.None ? D(g, targetShape) : D(g),
        };
    };

    private static string TorchArgs(Reduction reduction, bool weighted, double smoothing) =>
        $"reduction='{reduction.ToString().ToLowerInvariant()}'{(weighted ? ", weight=w" : "")}, label_smoothing={smoothing.ToString("R", System.Globalization.CultureInfo.InvariantCulture)}";

    private static IEnumerable<OpCase> Both(string name, long[] logits, long[]? targets, long[] targetShape, Reduction reduction, bool weighted,
        double smoothing)
    {
        var inputs = Case(logits, targets, targetShape, reduction);
        var args = TorchArgs(reduction, weighted, smoothing);
        yield return new(name, $"F.cross_entropy(x, t, {args})", inputs,
            i => Ops.CrossEntropy(i["x"], i["t"], reduction, weighted ? i["w"] : null, -100, smoothing),
            (i, o) => Kernels.CrossEntropy(i["x"], i["t"], reduction, weighted ? i["w"] : null, -100, smoothing, o), Rtol, Atol);
        yield return new(name + "-backward", $"x.requires_grad_()\nresult = torch.autograd.grad(F.cross_entropy(x, t, {args}), (x,), g)[0]", inputs,
            i => Ops.CrossEntropyBackward(i["g"], i["x"], i["t"], reduction, weighted ? i["w"] : null, -100, smoothing),
            (i, o) =>
            {
                Kernels.Fill(o, double.NaN);
                Kernels.CrossEntropyBackward(i["g"], i["x"], i["t"], reduction, weighted ? i["w"] : null, -100, smoothing, o);
            }, Rtol, Atol);
    }

    private static readonly long[] Ignored2d = [0, -100, 3, 2, -100, 1];
    private static readonly long[] Ignored3d = [0, 3, -100, 1, 1, 2, -100, -100, 0, 3, 2, 1];

    public override IEnumerable<OpCase> Cases =>
    [
        .. Both("ce-2d-mean", [6, 4], null, [6], Reduction.Mean, weighted: false, 0),
        .. Both("ce-2d-weighted-ignored-mean", [6, 4], Ignored2d, [6], Reduction.Mean, weighted: true, 0),
        .. Both("ce-2d-smoothing-ignored-mean", [6, 4], Ignored2d, [6], Reduction.Mean, weighted: false, 0.1),
        .. Both("ce-2d-smoothing-weighted-ignored-mean", [6, 4], Ignored2d, [6], Reduction.Mean, weighted: true, 0.2),
        .. Both("ce-2d-smoothing-weighted-sum", [6, 4], Ignored2d, [6], Reduction.Sum, weighted: true, 0.3),
        .. Both("ce-2d-smoothing-none", [6, 4], Ignored2d, [6], Reduction.None, weighted: true, 0.1),
        .. Both("ce-4d-mean", [2, 5, 3, 3], null, [2, 3, 3], Reduction.Mean, weighted: false, 0),
        .. Both("ce-4d-weighted-smoothing-mean", [2, 5, 3, 3], null, [2, 3, 3], Reduction.Mean, weighted: true, 0.1),
        .. Both("ce-3d-ignored-smoothing-none", [2, 4, 6], Ignored3d, [2, 6], Reduction.None, weighted: false, 0.25),
        .. Both("ce-3d-ignored-smoothing-mean", [2, 4, 6], Ignored3d, [2, 6], Reduction.Mean, weighted: false, 0.25),
        .. Both("ce-unbatched-smoothing", [5], [3], [], Reduction.Mean, weighted: true, 0.1),
    ];
}

public sealed class CrossEntropyOpTests(TorchCaseFixture<CrossEntropyCatalog> torch) : IClassFixture<TorchCaseFixture<CrossEntropyCatalog>>
{
    public static TheoryData<string> Names => TorchCaseFixture<CrossEntropyCatalog>.Names();

    [Theory]
    [MemberData(nameof(Names))]
    public void Matches_pytorch(string name) => torch.Check(name);

    [Fact]
    public void Targets_that_do_not_match_the_logits_and_bad_smoothing_are_rejected()
    {
        using var logits = Tensor.Randn([2, 5, 3, 3]);
        using var wrong = Tensor.Zeros([2, 3, 4], DType.Int64);
        var error = Assert.Throws<DslException>(() => Ops.CrossEntropy(logits, wrong).Dispose());
        Assert.Equal("cross_entropy", error.Operation);
        Assert.Contains("targets [2, 3, 4] do not match the logits [2, 5, 3, 3]", error.Message);

        using var labels = Tensor.Zeros([2, 3, 3], DType.Int64);
        Assert.Contains("label smoothing must be in [0, 1]", Assert.Throws<DslException>(() => Ops.CrossEntropy(logits, labels, labelSmoothing: 1.5).Dispose()).Message);
        using var weights = Tensor.Ones([4]);
        Assert.Contains("class weights [4] must be [5]", Assert.Throws<DslException>(() => Ops.CrossEntropy(logits, labels, weight: weights).Dispose()).Message);
        using var vector = Tensor.Ones([3]);
        var backward = Assert.Throws<DslException>(() => Ops.CrossEntropyBackward(vector, logits, labels).Dispose());
        Assert.Equal("cross_entropy_backward", backward.Operation);
        Assert.Contains("scalar gradient", backward.Message);
    }

    [Fact]
    public void Cross_entropy_kernels_allocate_no_managed_memory()
    {
        using var logits = Tensor.Randn([4, 5, 2, 2]);
        using var labels = Tensor.Zeros([4, 2, 2], DType.Int64);
        using var loss = Tensor.Empty([]);
        using var one = Tensor.Scalar(1);
        using var grad = Tensor.Empty([4, 5, 2, 2]);
        var bytes = Allocations.Measure(() =>
        {
            Kernels.CrossEntropy(logits, labels, Reduction.Mean, null, -100, 0.1, loss);
            Kernels.CrossEntropyBackward(one, logits, labels, Reduction.Mean, null, -100, 0.1, grad);
        });
        Assert.Equal(0, bytes);
    }
}
