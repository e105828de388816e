using static Dsl.Runtime.Tests.OpErrors;
using Dsl.Testing;
using Xunit;
using Inputs = System.Func<Dsl.Generator, System.Collections.Generic.Dictionary<string, Dsl.Tensor>>;

namespace Dsl.Runtime.Tests;

/// <summary>
/// Min, Amin, Norm (with its gradient), Einsum, and the L1, Huber and KL-divergence losses with
/// their gradients: forward against torch, gradients against torch.autograd; Float64 at 1e-10.
/// </summary>
public sealed class LossCatalog : OpCatalog
{
    private const double Rtol = 1e-10, Atol = 1e-12;

    private static Tensor D(Generator g, params long[] shape) => Tensor.Randn(new Shape(shape), g, DType.Float64);

    private static Inputs X(params long[] shape) => g => new() { ["x"] = D(g, shape) };

    private static Inputs WithGrad(Inputs inputs, Func<Dictionary<string, Tensor>, Tensor> forward) => g =>
    {
        var values = inputs(g);
        using (var output = forward(values)) values["g"] = D(g, output.Shape.ToArray());
        return values;
    };

    private static string Autograd(string forward, string wrt = "x") =>
        $"{wrt}.requires_grad_()\nresult = torch.autograd.grad({forward}, ({wrt},), g)[0]";

    private static string Py(double value) =>
        double.IsPositiveInfinity(value) ? "math.inf" : double.IsNegativeInfinity(value) ? "-math.inf"
        : value.ToString("R", System.Globalization.CultureInfo.InvariantCulture);

    private static string Dims(long[] dims) => dims.Length == 0 ? "None" : $"({string.Join(", ", dims)},)";

    private static string TorchReduction(Reduction reduction) => reduction switch
    {
        Reduction.None => "none",
        Reduction.Sum => "sum",
        _ => "mean",
    };

    // ---- min, amin -----------------------------------------------------------------------------

    private static OpCase MinDim(string name, long dim, bool keepdim) => new(
        name, $"torch.min(x, {dim}, keepdim={(keepdim ? "True" : "False")})", X(3, 4, 5),
        i =>
        {
            var (values, indices) = Ops.Min(i["x"], dim, keepdim);
            return MultiOutput.Flatten(values, indices);
        },
        (i, o) =>
        {
            var (values, indices) = Ops.Min(i["x"], dim, keepdim);
            MultiOutput.Run(o, [values, indices], b => Kernels.Min(i["x"], dim, keepdim, b[0]!, b[1]!));
        }, Rtol, Atol);

    private static OpCase Amin(string name, long[] dims, bool keepdim) => new(
        name, $"torch.amin(x, dim={(dims.Length == 0 ? "(0, 1, 2)" : Dims(dims))}, keepdim={(keepdim ? "True" : "False")})", X(3, 4, 5),
        i => Ops.Amin(i["x"], dims, keepdim), (i, o) => Kernels.Amin(i["x"], dims, keepdim, o), Rtol, Atol);

    // ---- norm ----------------------------------------------------------------------------------

    private static string TorchNorm(double p, long[] dims, bool keepdim) =>
        $"torch.linalg.vector_norm(x, {Py(p)}, dim={Dims(dims)}, keepdim={(keepdim ? "True" : "False")})";

    private static OpCase Norm(string name, double p, long[] dims, bool keepdim = false, Inputs? inputs = null) => new(
        name, TorchNorm(p, dims, keepdim), inputs ?? X(3, 4, 5),
        i => Ops.Norm(i["x"], p, dims, keepdim), (i, o) => Kernels.Norm(i["x"], p, dims, keepdim, o), Rtol, Atol);

    private static OpCase NormBackward(string name, double p, long[] dims, bool keepdim = false, Inputs? inputs = null) => new(
        name, Autograd(TorchNorm(p, dims, keepdim)),
        WithGrad(inputs ?? X(3, 4, 5), i => Ops.Norm(i["x"], p, dims, keepdim)),
        i => { using var n = Ops.Norm(i["x"], p, dims, keepdim); return Ops.NormBackward(i["g"], i["x"], n, p, dims, keepdim); },
        (i, o) => { using var n = Ops.Norm(i["x"], p, dims, keepdim); Kernels.NormBackward(i["g"], i["x"], n, p, dims, keepdim, o); }, Rtol, Atol);

    // A row of zeros (norm 0: gradient 0) and a row with tied largest magnitudes (∞-norm: shared).
    private static Dictionary<string, Tensor> Special(Generator g) => new()
    {
        ["x"] = Tensor.FromArray(new double[] { 0, 0, 0, 0, 1.5, -1.5, 0.25, 1, -0.5, 2, 0, -3 }, 3, 4),
    };

    // ---- einsum --------------------------------------------------------------------------------

    private static OpCase Einsum(string name, string equation, params long[][] shapes) => new(
        name, $"torch.einsum('{equation}', {string.Join(", ", shapes.Select((_, k) => $"t{k}"))})",
        g => shapes.Select((s, k) => (k, t: D(g, s))).ToDictionary(p => $"t{p.k}", p => p.t),
        i => Ops.Einsum(equation, Operands(i, shapes.Length)),
        (i, o) => Kernels.Einsum(equation, Operands(i, shapes.Length), o), Rtol, Atol);

    private static Tensor[] Operands(IReadOnlyDictionary<string, Tensor> inputs, int count) =>
        Enumerable.Range(0, count).Select(k => inputs[$"t{k}"]).ToArray();

    // ---- losses --------------------------------------------------------------------------------

    // Differences on both sides of the Huber delta; no exact ties (the L1 gradient at 0 is 0 in both).
    private static Dictionary<string, Tensor> Regression(Generator g) => new() { ["x"] = D(g, 3, 4) * 2, ["t"] = D(g, 3, 4) };

    private static Inputs RegressionWithGrad(Reduction reduction) => g =>
    {
        var values = Regression(g);
        values["g"] = reduction == Reduction.None ? D(g, 3, 4) : D(g);
        return values;
    };

    private static OpCase L1(string name, Reduction reduction) => new(
        name, $"F.l1_loss(x, t, reduction='{TorchReduction(reduction)}')", Regression,
        i => Ops.L1Loss(i["x"], i["t"], reduction), (i, o) => Kernels.L1Loss(i["x"], i["t"], reduction, o), Rtol, Atol);

    private static OpCase L1Backward(string name, Reduction reduction) => new(
        name, Autograd($"F.l1_loss(x, t, reduction='{TorchReduction(reduction)}')"), RegressionWithGrad(reduction),
        i => Ops.L1LossBackward(i["g"], i["x"], i["t"], reduction), (i, o) => Kernels.L1LossBackward(i["g"], i["x"], i["t"], reduction, o), Rtol, Atol);

    private static OpCase Huber(string name, Reduction reduction, double delta) => new(
        name, $"F.huber_loss(x, t, reduction='{TorchReduction(reduction)}', delta={Py(delta)})", Regression,
        i => Ops.HuberLoss(i["x"], i["t"], reduction, delta), (i, o) => Kernels.HuberLoss(i["x"], i["t"], reduction, delta, o), Rtol, Atol);

    private static OpCase HuberBackward(string name, Reduction reduction, double delta) => new(
        name, Autograd($"F.huber_loss(x, t, reduction='{TorchReduction(reduction)}', delta={Py(delta)})"), RegressionWithGrad(reduction),
        i => Ops.HuberLossBackward(i["g"], i["x"], i["t"], reduction, delta),
        (i, o) => Kernels.HuberLossBackward(i["g"], i["x"], i["t"], reduction, delta, o), Rtol, Atol);

    // input: log-probabilities; target: probabilities (with zeros unless for the target gradient) or log-probabilities.
    private static Inputs Distributions(Reduction reduction, bool logTarget, bool zeros) => g =>
    {
        using var logits = D(g, 4, 5);
        using var targetLogits = D(g, 4, 5);
        var target = logTarget ? Ops.LogSoftmax(targetLogits, 1) : Ops.Softmax(targetLogits, 1);
        if (zeros)
        {
            using var keep = Ops.Gt(targetLogits, -0.5);
            using var kept = target * keep.To(DType.Float64);
            target.Dispose();
            target = kept.Clone();
        }
        return new()
        {
            ["x"] = Ops.LogSoftmax(logits, 1),
            ["t"] = target,
            ["g"] = reduction == Reduction.None ? D(g, 4, 5) : D(g),
        };
    };

    private static string TorchKl(Reduction reduction, bool logTarget) =>
        $"F.kl_div(x, t, reduction='{TorchReduction(reduction)}', log_target={(logTarget ? "True" : "False")})";

    private static OpCase Kl(string name, Reduction reduction, bool logTarget = false) => new(
        name, TorchKl(reduction, logTarget), Distributions(reduction, logTarget, zeros: !logTarget),
        i => Ops.KlDiv(i["x"], i["t"], reduction, logTarget), (i, o) => Kernels.KlDiv(i["x"], i["t"], reduction, logTarget, o), Rtol, Atol);

    private static OpCase KlBackward(string name, Reduction reduction, bool logTarget = false) => new(
        name, Autograd(TorchKl(reduction, logTarget)), Distributions(reduction, logTarget, zeros: !logTarget),
        i => Ops.KlDivBackward(i["g"], i["x"], i["t"], reduction, logTarget),
        (i, o) => Kernels.KlDivBackward(i["g"], i["x"], i["t"], reduction, logTarget, o), Rtol, Atol);

    private static OpCase KlTargetBackward(string name, Reduction reduction, bool logTarget = false) => new(
        name, Autograd(TorchKl(reduction, logTarget), "t"), Distributions(reduction, logTarget, zeros: false),
        i => Ops.KlDivTargetBackward(i["g"], i["x"], i["t"], reduction, logTarget),
        (i, o) => Kernels.KlDivTargetBackward(i["g"], i["x"], i["t"], reduction, logTarget, o), Rtol, Atol);

    public override IEnumerable<OpCase> Cases =>
    [
        new("min-all", "torch.min(x)", X(3, 4, 5), i => Ops.Min(i["x"]), (i, o) => Kernels.Min(i["x"], o), Rtol, Atol),
        MinDim("min-dim", 1, keepdim: false),
        MinDim("min-dim-keepdim-negative", -1, keepdim: true),
        Amin("amin-dims-keepdim", [0, 2], keepdim: true),
        Amin("amin-one-dim", [-2], keepdim: false),
        Amin("amin-all", [], keepdim: false),

        Norm("norm-2-all", 2, []),
        Norm("norm-1-dim", 1, [1]),
        Norm("norm-3-dims-keepdim", 3, [0, 2], keepdim: true),
        Norm("norm-inf-last", double.PositiveInfinity, [-1]),
        Norm("norm-half", 0.5, [1]),
        Norm("norm-0", 0, [1], inputs: Special),
        NormBackward("norm-backward-2-all", 2, []),
        NormBackward("norm-backward-2-dim-keepdim", 2, [1], keepdim: true),
        NormBackward("norm-backward-1-dim", 1, [1]),
        NormBackward("norm-backward-3-dims", 3, [0, 2]),
        NormBackward("norm-backward-1.5-dim", 1.5, [-1]),
        NormBackward("norm-backward-half", 0.5, [1]),
        NormBackward("norm-backward-inf", double.PositiveInfinity, [-1]),
        NormBackward("norm-backward-2-zero-row", 2, [1], inputs: Special),
        NormBackward("norm-backward-3-zero-row", 3, [1], inputs: Special),
        NormBackward("norm-backward-inf-ties", double.PositiveInfinity, [1], inputs: Special),

        Einsum("einsum-batched-product", "bij,bjk->bik", [2, 3, 4], [2, 4, 5]),
        Einsum("einsum-attention-scores", "bhqd,bhkd->bhqk", [2, 3, 4, 5], [2, 3, 6, 5]),
        Einsum("einsum-diagonal", "ii->i", [4, 4]),
        Einsum("einsum-sum-all", "ij->", [3, 4]),
        Einsum("einsum-outer", "i,j->ij", [3], [4]),
        Einsum("einsum-three-operands", "ij,jk,kl->il", [2, 3], [3, 4], [4, 5]),

        L1("l1-mean", Reduction.Mean),
        L1("l1-sum", Reduction.Sum),
        L1("l1-none", Reduction.None),
        L1Backward("l1-backward-mean", Reduction.Mean),
        L1Backward("l1-backward-sum", Reduction.Sum),
        L1Backward("l1-backward-none", Reduction.None),

        Huber("huber-mean", Reduction.Mean, 1),
        Huber("huber-sum-delta", Reduction.Sum, 0.5),
        Huber("huber-none", Reduction.None, 1),
        HuberBackward("huber-backward-mean", Reduction.Mean, 1),
        HuberBackward("huber-backward-sum-delta", Reduction.Sum, 0.5),
        HuberBackward("huber-backward-none", Reduction.None, 1.5),

        Kl("kl-div-mean", Reduction.Mean),
        Kl("kl-div-sum", Reduction.Sum),
        Kl("kl-div-none", Reduction.None),
        Kl("kl-div-log-target", Reduction.Mean, logTarget: true),
        KlBackward("kl-div-backward-mean", Reduction.Mean),
        KlBackward("kl-div-backward-none", Reduction.None),
        KlBackward("kl-div-backward-log-target-sum", Reduction.Sum, logTarget: true),
        KlTargetBackward("kl-div-target-backward-mean", Reduction.Mean),
        KlTargetBackward("kl-div-target-backward-log-target-none", Reduction.None, logTarget: true),
    ];
}

public sealed class LossOpTests(TorchCaseFixture<LossCatalog> torch) : IClassFixture<TorchCaseFixture<LossCatalog>>
{
    public static TheoryData<string> Names => TorchCaseFixture<LossCatalog>.Names();

    [Theory]
    [MemberData(nameof(Names))]
    public void Matches_pytorch(string name) => torch.Check(name);

    [Fact]
    public void Losses_need_equal_shapes_and_a_gradient_that_fits_the_reduction()
    {
        using var input = Tensor.Randn([4, 5]);
        using var row = Tensor.Randn([1, 5]);
        Fails(() => Ops.L1Loss(input, row).Dispose(), "l1_loss", "[4, 5]", "[1, 5]", "same shape");
        Fails(() => Ops.HuberLoss(input, row).Dispose(), "huber_loss", "same shape");
        Fails(() => Ops.KlDiv(input, row).Dispose(), "kl_div", "same shape");
        using var vector = Tensor.Randn([5]);
        Fails(() => Ops.L1LossBackward(vector, input, input, Reduction.None).Dispose(), "l1_loss_backward", "[5]", "[4, 5]");
        Fails(() => Ops.KlDivBackward(vector, input, input).Dispose(), "kl_div_backward", "scalar gradient", "[5]");
    }

    [Fact]
    public void Norm_with_a_bad_dim_and_its_gradient_of_the_wrong_shape_name_the_shapes()
    {
        using var x = Tensor.Randn([3, 4]);
        Fails(() => Ops.Norm(x, 2, [2]).Dispose(), "norm", "dim 2 is out of range", "[3, 4]");
        Fails(() => Ops.Norm(x, 2, [1, -1]).Dispose(), "norm", "twice");
        using var norm = Ops.Norm(x, 2, [1]);
        using var wrong = Tensor.Randn([4]);
        Fails(() => Ops.NormBackward(wrong, x, norm, 2, [1]).Dispose(), "norm_backward", "[4]", "[3, 4]");
    }

    [Fact]
    public void Einsum_with_a_bad_equation_fails_with_torch_s_reason()
    {
        using var a = Tensor.Randn([2, 3]);
        using var b = Tensor.Randn([4, 5]);
        var error = Fails(() => Ops.Einsum("ij,jk->ik", a, b).Dispose(), "einsum", "[2, 3]", "[4, 5]");
        Assert.Contains("subscript j", error.Message);
    }

    [Fact]
    public void Reduction_and_loss_kernels_allocate_no_managed_memory()
    {
        using var x = Tensor.Randn([8, 6]);
        using var t = Tensor.Randn([8, 6]);
        using var scalar = Tensor.Empty([]);
        using var one = Tensor.Scalar(1);
        using var rows = Tensor.Empty([8]);
        using var indices = Tensor.Empty([8], DType.Int64);
        using var grad = Tensor.Empty([8, 6]);
        using var product = Tensor.Empty([8, 8]);
        long[] lastDim = [1];

        var bytes = Allocations.Measure(() =>
        {
            Kernels.Min(x, scalar);
            Kernels.Min(x, 1, false, rows, indices);
            Kernels.Amin(x, lastDim, false, rows);
            Kernels.Norm(x, 2, lastDim, false, rows);
            Kernels.NormBackward(rows, x, rows, 2, lastDim, false, grad);
            Kernels.Einsum("ij,kj->ik", [x, t], product);
            Kernels.L1Loss(x, t, Reduction.Mean, scalar);
            Kernels.L1LossBackward(one, x, t, Reduction.Mean, grad);
            Kernels.HuberLoss(x, t, Reduction.Sum, 1, scalar);
            Kernels.HuberLossBackward(one, x, t, Reduction.Sum, 1, grad);
            Kernels.KlDiv(x, t, Reduction.Mean, true, scalar);
            Kernels.KlDivBackward(one, x, t, Reduction.Mean, true, grad);
            Kernels.KlDivTargetBackward(one, x, t, Reduction.Mean, true, grad);
        });

        Assert.Equal(0, bytes);
    }
}
