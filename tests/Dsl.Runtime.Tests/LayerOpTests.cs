using static Dsl.Runtime.Tests.OpErrors;
using Dsl.Testing;
using Xunit;
using Inputs = System.Func<Dsl.Generator, System.Collections.Generic.Dictionary<string, Dsl.Tensor>>;

namespace Dsl.Runtime.Tests;

/// <summary>
/// Conv1d, batch norm, group norm, adaptive average pooling and attention: forward against
/// torch.nn.functional (attention against its definition in torch ops, since 1.13 has no
/// F.scaled_dot_product_attention), gradients against torch.autograd, Float64 at 1e-10.
/// </summary>
public sealed class LayerCatalog : OpCatalog
{
    private const double Rtol = 1e-10, Atol = 1e-12;

    private static Tensor D(Generator g, params long[] shape) => Tensor.Randn(new Shape(shape), g, DType.Float64);

    private static Tensor? Get(IReadOnlyDictionary<string, Tensor> inputs, string name) => inputs.TryGetValue(name, out var t) ? t : null;

    /// <summary>Adds an upstream gradient g shaped like <paramref name="forward"/>'s result.</summary>
    private static Inputs WithGrad(Inputs inputs, Func<Dictionary<string, Tensor>, Tensor> forward) => g =>
    {
        var values = inputs(g);
        using (var output = forward(values)) values["g"] = D(g, output.Shape.ToArray());
        return values;
    };

    private static string Autograd(string forward, string wrt)
    {
        var requires = string.Join("; ", wrt.Split(',', StringSplitOptions.TrimEntries).Select(n => $"{n}.requires_grad_()"));
        return $"{requires}\nresult = torch.autograd.grad({forward}, ({wrt},), g)";
    }

    private static string Wrt(params (bool Wanted, string Name)[] names) =>
        string.Join(", ", names.Where(n => n.Wanted).Select(n => n.Name));

    // ---- conv1d --------------------------------------------------------------------------------

    private static Inputs ConvInputs(long[] input, long[] weight) => g => new() { ["x"] = D(g, input), ["w"] = D(g, weight), ["b"] = D(g, weight[0]) };

    private static OpCase Conv1d(string name, string torchArgs, long[] input, long[] weight, long stride = 1, long padding = 0, long dilation = 1,
        long groups = 1, bool bias = true) => new(
        name, $"F.conv1d(x, w, {(bias ? "b" : "None")}{torchArgs})", ConvInputs(input, weight),
        i => Ops.Conv1d(i["x"], i["w"], bias ? i["b"] : null, stride, padding, dilation, groups),
        (i, o) => Kernels.Conv1d(i["x"], i["w"], bias ? i["b"] : null, stride, padding, dilation, groups, o), Rtol, Atol);

    private static OpCase Conv1dBackward(string name, string torchArgs, long[] input, long[] weight, long stride = 1, long padding = 0,
        long dilation = 1, long groups = 1, bool inputGrad = true, bool weightGrad = true, bool biasGrad = true) => new(
        name, Autograd($"F.conv1d(x, w, b{torchArgs})", Wrt((inputGrad, "x"), (weightGrad, "w"), (biasGrad, "b"))),
        WithGrad(ConvInputs(input, weight), i => Ops.Conv1d(i["x"], i["w"], i["b"], stride, padding, dilation, groups)),
        i =>
        {
            var (gi, gw, gb) = Ops.Conv1dBackward(i["g"], i["x"], i["w"], stride, padding, dilation, groups, inputGrad, weightGrad, biasGrad);
            return MultiOutput.Flatten(gi, gw, gb);
        },
        (i, o) =>
        {
            var (gi, gw, gb) = Ops.Conv1dBackward(i["g"], i["x"], i["w"], stride, padding, dilation, groups, inputGrad, weightGrad, biasGrad);
            MultiOutput.Run(o, [gi, gw, gb], b => Kernels.Conv1dBackward(i["g"], i["x"], i["w"], stride, padding, dilation, groups, b[0], b[1], b[2]));
        }, Rtol, Atol);

    // ---- batch norm ----------------------------------------------------------------------------

    private static Inputs BatchNormInputs(long[] shape) => g =>
    {
        var channels = shape[1];
        return new()
        {
            ["x"] = D(g, shape) * 2 + 0.5,
            ["w"] = D(g, channels),
            ["b"] = D(g, channels),
            ["rm"] = D(g, channels),
            ["rv"] = Tensor.Rand([channels], g, DType.Float64) + 0.5,
        };
    };

    // The torch side: the output, the statistics the forward used, and the running statistics after it.
    private static string BatchNormTorch(bool training, bool affine, double momentum, double eps)
    {
        var args = $"x, rm, rv, {(affine ? "w, b" : "None, None")}, training={(training ? "True" : "False")}, momentum={momentum}, eps={eps}";
        var stats = training
            ? $"x.mean(dims), 1 / torch.sqrt(x.var(dims, unbiased=False) + {eps})"
            : $"rm.clone(), 1 / torch.sqrt(rv + {eps})";
        return $"dims = [0] + list(range(2, x.dim()))\nstats = ({stats})\ny = F.batch_norm({args})\nresult = (y, stats[0], stats[1], rm, rv)";
    }

    private static OpCase BatchNorm(string name, long[] shape, bool training, bool affine = true, double momentum = 0.1, double eps = 1e-5) => new(
        name, BatchNormTorch(training, affine, momentum, eps), BatchNormInputs(shape),
        i =>
        {
            // Each form updates its own copy of the running statistics.
            var rm = i["rm"].Clone();
            var rv = i["rv"].Clone();
            var (output, mean, invstd) = Ops.BatchNormForward(i["x"], rm, rv, affine ? i["w"] : null, affine ? i["b"] : null, training, momentum, eps);
            return MultiOutput.Flatten(output, mean, invstd, rm, rv);
        },
        (i, o) =>
        {
            var rm = i["rm"].Clone();
            var rv = i["rv"].Clone();
            var output = MultiOutput.Poisoned(i["x"]);
            var mean = MultiOutput.Poisoned(i["rm"]);
            var invstd = MultiOutput.Poisoned(i["rm"]);
            Kernels.BatchNorm(i["x"], rm, rv, affine ? i["w"] : null, affine ? i["b"] : null, training, momentum, eps, output, mean, invstd);
            MultiOutput.Into(o, output, mean, invstd, rm, rv);
        }, Rtol, Atol);

    private static OpCase BatchNormBackward(string name, long[] shape, bool training, bool affine = true, bool inputGrad = true,
        bool weightGrad = true, bool biasGrad = true)
    {
        weightGrad &= affine;
        return new(
            name,
            Autograd($"F.batch_norm(x, rm, rv, {(affine ? "w" : "None")}, b, training={(training ? "True" : "False")})",
                Wrt((inputGrad, "x"), (weightGrad, "w"), (biasGrad, "b"))),
            WithGrad(BatchNormInputs(shape), i => i["x"].Clone()),
            i =>
            {
                using var rm = i["rm"].Clone();
                using var rv = i["rv"].Clone();
                var w = affine ? i["w"] : null;
                var (output, mean, invstd) = Ops.BatchNormForward(i["x"], rm, rv, w, i["b"], training);
                using (output)
                using (mean)
                using (invstd)
                {
                    var (gi, gw, gb) = Ops.BatchNormBackward(i["g"], i["x"], w, rm, rv, mean, invstd, training, 1e-5, inputGrad, weightGrad, biasGrad);
                    return MultiOutput.Flatten(gi, gw, gb);
                }
            },
            (i, o) =>
            {
                using var rm = i["rm"].Clone();
                using var rv = i["rv"].Clone();
                var w = affine ? i["w"] : null;
                using var output = Tensor.EmptyLike(i["x"]);
                using var mean = Tensor.EmptyLike(rm);
                using var invstd = Tensor.EmptyLike(rm);
                Kernels.BatchNorm(i["x"], rm, rv, w, i["b"], training, 0.1, 1e-5, output, mean, invstd);
                var like = new Tensor?[] { inputGrad ? Tensor.EmptyLike(i["x"]) : null, weightGrad ? Tensor.EmptyLike(rm) : null, biasGrad ? Tensor.EmptyLike(rm) : null };
                MultiOutput.Run(o, like, b => Kernels.BatchNormBackward(i["g"], i["x"], w, rm, rv, mean, invstd, training, 1e-5, b[0], b[1], b[2]));
            }, Rtol, Atol);
    }

    // ---- group norm ----------------------------------------------------------------------------

    private static Inputs GroupNormInputs(long[] shape) => g => new()
    {
        ["x"] = D(g, shape) * 3 - 1,
        ["w"] = D(g, shape[1]),
        ["b"] = D(g, shape[1]),
    };

    private static OpCase GroupNorm(string name, long[] shape, long groups, bool affine = true, double eps = 1e-5) => new(
        name, $"F.group_norm(x, {groups}, {(affine ? "w, b" : "None, None")}, eps={eps})", GroupNormInputs(shape),
        i => Ops.GroupNorm(i["x"], groups, affine ? i["w"] : null, affine ? i["b"] : null, eps),
        (i, o) => Kernels.GroupNorm(i["x"], groups, affine ? i["w"] : null, affine ? i["b"] : null, eps, o, null, null), Rtol, Atol);

    private static OpCase GroupNormBackward(string name, long[] shape, long groups, bool affine = true) => new(
        name, Autograd($"F.group_norm(x, {groups}, {(affine ? "w" : "torch.ones_like(b)")}, b)", affine ? "x, w, b" : "x, b"),
        WithGrad(GroupNormInputs(shape), i => i["x"].Clone()),
        i =>
        {
            var w = affine ? i["w"] : null;
            var (output, mean, rstd) = Ops.GroupNormForward(i["x"], groups, w, i["b"]);
            using (output)
            using (mean)
            using (rstd)
            {
                var (gi, gw, gb) = Ops.GroupNormBackward(i["g"], i["x"], mean, rstd, groups, w, weightGrad: affine);
                return MultiOutput.Flatten(gi, gw, gb);
            }
        },
        (i, o) =>
        {
            var w = affine ? i["w"] : null;
            using var output = Tensor.EmptyLike(i["x"]);
            using var mean = Tensor.Empty([0], DType.Float64);
            using var rstd = Tensor.Empty([0], DType.Float64);
            Kernels.GroupNorm(i["x"], groups, w, i["b"], 1e-5, output, mean, rstd);
            var like = new Tensor?[] { Tensor.EmptyLike(i["x"]), affine ? Tensor.EmptyLike(i["b"]) : null, Tensor.EmptyLike(i["b"]) };
            MultiOutput.Run(o, like, b => Kernels.GroupNormBackward(i["g"], i["x"], mean, rstd, groups, w, b[0], b[1], b[2]));
        }, Rtol, Atol);

    // ---- adaptive average pooling --------------------------------------------------------------

    private static OpCase AdaptivePool(string name, long[] shape, Size2 size) => new(
        name, $"F.adaptive_avg_pool2d(x, ({size.Height}, {size.Width}))", g => new() { ["x"] = D(g, shape) },
        i => Ops.AdaptiveAvgPool2d(i["x"], size), (i, o) => Kernels.AdaptiveAvgPool2d(i["x"], size, o), Rtol, Atol);

    private static OpCase AdaptivePoolBackward(string name, long[] shape, Size2 size) => new(
        name, Autograd($"F.adaptive_avg_pool2d(x, ({size.Height}, {size.Width}))", "x") + "[0]",
        WithGrad(g => new() { ["x"] = D(g, shape) }, i => Ops.AdaptiveAvgPool2d(i["x"], size)),
        i => Ops.AdaptiveAvgPool2dBackward(i["g"], i["x"]),
        (i, o) => { Kernels.Fill(o, double.NaN); Kernels.AdaptiveAvgPool2dBackward(i["g"], i["x"], o); }, Rtol, Atol);

    // ---- attention -----------------------------------------------------------------------------

    private static Inputs Qkv(long[] q, long[] k, long[] v) => g => new() { ["q"] = D(g, q), ["k"] = D(g, k), ["v"] = D(g, v) };

    // Attention by its definition in torch ops: the reference for ours.
    private static string AttentionTorch(bool causal, double? scale) =>
        $"s = (q @ k.transpose(-2, -1)) * {(scale is null ? "(1 / math.sqrt(q.shape[-1]))" : scale.Value.ToString("R", System.Globalization.CultureInfo.InvariantCulture))}\n" +
        (causal ? "s = s.masked_fill(torch.ones(q.shape[-2], k.shape[-2], dtype=torch.bool).triu(1), float('-inf'))\n" : "") +
        "p = torch.softmax(s, -1)\nattention = p @ v";

    private static OpCase Attention(string name, long[] q, long[] k, long[] v, bool causal, double? scale = null) => new(
        name, AttentionTorch(causal, scale) + "\nresult = (attention, p)", Qkv(q, k, v),
        i =>
        {
            var (output, probs) = Ops.ScaledDotProductAttentionForward(i["q"], i["k"], i["v"], causal, scale);
            return MultiOutput.Flatten(output, probs);
        },
        (i, o) =>
        {
            var (output, probs) = Ops.ScaledDotProductAttentionForward(i["q"], i["k"], i["v"], causal, scale);
            MultiOutput.Run(o, [output, probs], b => Kernels.ScaledDotProductAttention(i["q"], i["k"], i["v"], causal, scale, b[0]!, b[1]!));
        }, Rtol, Atol);

    private static OpCase AttentionBackward(string name, long[] q, long[] k, long[] v, bool causal, double? scale = null) => new(
        name, "q.requires_grad_(); k.requires_grad_(); v.requires_grad_()\n" + AttentionTorch(causal, scale) +
              "\nresult = torch.autograd.grad(attention, (q, k, v), g)",
        WithGrad(Qkv(q, k, v), i => Ops.ScaledDotProductAttention(i["q"], i["k"], i["v"], causal, scale)),
        i =>
        {
            var (output, probs) = Ops.ScaledDotProductAttentionForward(i["q"], i["k"], i["v"], causal, scale);
            using (output)
            using (probs)
            {
                var (gq, gk, gv) = Ops.ScaledDotProductAttentionBackward(i["g"], i["q"], i["k"], i["v"], probs, scale);
                return MultiOutput.Flatten(gq, gk, gv);
            }
        },
        (i, o) =>
        {
            using var output = Tensor.Empty([0], DType.Float64);
            using var probs = Tensor.Empty([0], DType.Float64);
            Kernels.ScaledDotProductAttention(i["q"], i["k"], i["v"], causal, scale, output, probs);
            var like = new Tensor?[] { Tensor.EmptyLike(i["q"]), Tensor.EmptyLike(i["k"]), Tensor.EmptyLike(i["v"]) };
            MultiOutput.Run(o, like, b => Kernels.ScaledDotProductAttentionBackward(i["g"], i["q"], i["k"], i["v"], probs, scale, b[0], b[1], b[2]));
        }, Rtol, Atol);

    public override IEnumerable<OpCase> Cases =>
    [
        Conv1d("conv1d", "", [2, 3, 10], [4, 3, 3]),
        Conv1d("conv1d-stride-padding-dilation", ", stride=2, padding=1, dilation=2", [2, 3, 11], [4, 3, 3], 2, 1, 2),
        Conv1d("conv1d-groups-no-bias", ", groups=2", [2, 4, 9], [6, 2, 3], groups: 2, bias: false),
        Conv1d("conv1d-unbatched", ", padding=2", [3, 8], [5, 3, 4], padding: 2),
        Conv1dBackward("conv1d-backward", "", [2, 3, 10], [4, 3, 3]),
        Conv1dBackward("conv1d-backward-stride-padding-dilation", ", stride=2, padding=1, dilation=2", [2, 3, 11], [4, 3, 3], 2, 1, 2),
        Conv1dBackward("conv1d-backward-groups", ", groups=2, padding=1", [2, 4, 9], [6, 2, 3], padding: 1, groups: 2),
        Conv1dBackward("conv1d-backward-weight-only", ", stride=3", [2, 3, 12], [4, 3, 2], stride: 3, inputGrad: false, biasGrad: false),
        Conv1dBackward("conv1d-backward-unbatched", ", padding=2", [3, 8], [5, 3, 4], padding: 2),

        BatchNorm("batch-norm-train-2d", [6, 3], training: true),
        BatchNorm("batch-norm-train-4d", [4, 3, 5, 5], training: true),
        BatchNorm("batch-norm-train-3d-momentum-eps-no-affine", [3, 4, 7], training: true, affine: false, momentum: 0.3, eps: 1e-3),
        BatchNorm("batch-norm-eval-4d", [4, 3, 5, 5], training: false),
        BatchNorm("batch-norm-eval-2d-no-affine", [5, 2], training: false, affine: false),
        BatchNormBackward("batch-norm-backward-train-2d", [6, 3], training: true),
        BatchNormBackward("batch-norm-backward-train-4d", [4, 3, 5, 5], training: true),
        BatchNormBackward("batch-norm-backward-train-no-weight", [4, 3, 2, 2], training: true, affine: false),
        BatchNormBackward("batch-norm-backward-train-input-only", [4, 3, 5], training: true, weightGrad: false, biasGrad: false),
        BatchNormBackward("batch-norm-backward-eval-4d", [4, 3, 5, 5], training: false),
        BatchNormBackward("batch-norm-backward-eval-2d", [6, 3], training: false),

        GroupNorm("group-norm", [2, 4, 3, 3], 2),
        GroupNorm("group-norm-3d-no-affine-eps", [3, 6, 5], 3, affine: false, eps: 1e-3),
        GroupNorm("group-norm-one-group-per-channel", [2, 4, 5], 4),
        new("group-norm-forward-statistics", "torch.ops.aten.native_group_norm(x, w, b, 2, 4, 9, 2, 1e-5)", GroupNormInputs([2, 4, 3, 3]),
            i =>
            {
                var (output, mean, rstd) = Ops.GroupNormForward(i["x"], 2, i["w"], i["b"]);
                return MultiOutput.Flatten(output, mean, rstd);
            },
            (i, o) =>
            {
                var (output, mean, rstd) = Ops.GroupNormForward(i["x"], 2, i["w"], i["b"]);
                MultiOutput.Run(o, [output, mean, rstd], b => Kernels.GroupNorm(i["x"], 2, i["w"], i["b"], 1e-5, b[0]!, b[1], b[2]));
            }, Rtol, Atol),
        GroupNormBackward("group-norm-backward", [2, 4, 3, 3], 2),
        GroupNormBackward("group-norm-backward-no-weight", [3, 6, 5], 3, affine: false),

        AdaptivePool("adaptive-avg-pool2d", [2, 3, 7, 5], (3, 2)),
        AdaptivePool("adaptive-avg-pool2d-global", [2, 3, 6, 6], 1),
        AdaptivePool("adaptive-avg-pool2d-unbatched-upsampling", [3, 3, 2], (4, 4)),
        AdaptivePoolBackward("adaptive-avg-pool2d-backward", [2, 3, 7, 5], (3, 2)),
        AdaptivePoolBackward("adaptive-avg-pool2d-backward-global", [2, 3, 6, 6], 1),

        Attention("attention", [2, 5, 4], [2, 6, 4], [2, 6, 3], causal: false),
        Attention("attention-causal-4d", [2, 3, 5, 4], [2, 3, 5, 4], [2, 3, 5, 4], causal: true),
        Attention("attention-causal-longer-keys-scale", [1, 4, 3], [1, 6, 3], [1, 6, 2], causal: true, scale: 0.5),
        AttentionBackward("attention-backward", [2, 5, 4], [2, 6, 4], [2, 6, 3], causal: false),
        AttentionBackward("attention-backward-causal-4d", [2, 3, 5, 4], [2, 3, 5, 4], [2, 3, 5, 4], causal: true),
        AttentionBackward("attention-backward-causal-scale", [1, 4, 3], [1, 6, 3], [1, 6, 2], causal: true, scale: 0.5),
    ];
}

public sealed class LayerOpTests(TorchCaseFixture<LayerCatalog> torch) : IClassFixture<TorchCaseFixture<LayerCatalog>>
{
    public static TheoryData<string> Names => TorchCaseFixture<LayerCatalog>.Names();

    [Theory]
    [MemberData(nameof(Names))]
    public void Matches_pytorch(string name) => torch.Check(name);

    [Fact]
    public void Conv1d_with_mismatched_channels_or_rank_names_the_shapes()
    {
        using var x = Tensor.Randn([2, 5, 10]);
        using var w = Tensor.Randn([4, 3, 3]);
        Fails(() => Ops.Conv1d(x, w).Dispose(), "conv1d", "[4, 3, 3]", "expects 3 input channels", "[2, 5, 10] has 5");
        using var image = Tensor.Randn([2, 3, 8, 8]);
        Fails(() => Ops.Conv1d(image, w).Dispose(), "conv1d", "[N, C, L] or [C, L]", "[2, 3, 8, 8]");
        using var good = Tensor.Randn([2, 3, 10]);
        using var wrongGrad = Tensor.Randn([2, 4, 10]);
        using var gradInput = Tensor.Empty([2, 3, 10]);
        Fails(() => Kernels.Conv1dBackward(wrongGrad, good, w, 1, 0, 1, 1, gradInput, null, null), "conv1d_backward",
            "grad_output [2, 4, 10] does not match the convolution's output [2, 4, 8]");
    }

    [Fact]
    public void Batch_norm_misuse_says_what_was_expected()
    {
        using var x = Tensor.Randn([4, 3, 2, 2]);
        using var four = Tensor.Ones([4]);
        using var three = Tensor.Ones([3]);
        Fails(() => Ops.BatchNorm(x, three, three, four).Dispose(), "batch_norm", "weight [4] must be [3]", "[4, 3, 2, 2]");
        Fails(() => Ops.BatchNorm(x, null, null).Dispose(), "batch_norm", "evaluation", "running statistics");
        using var one = Tensor.Randn([1, 3]);
        Fails(() => Ops.BatchNorm(one, null, null, training: true).Dispose(), "batch_norm", "more than 1 value per channel", "[1, 3]");
        using var vector = Tensor.Randn([3]);
        Fails(() => Ops.BatchNorm(vector, three, three).Dispose(), "batch_norm", "[N, C] or [N, C, ...]");
    }

    [Fact]
    public void Group_norm_with_channels_that_do_not_split_into_groups_says_so()
    {
        using var x = Tensor.Randn([2, 6, 4]);
        Fails(() => Ops.GroupNorm(x, 4).Dispose(), "group_norm", "6 channels", "[2, 6, 4]", "4 groups");
    }

    [Fact]
    public void Attention_with_mismatched_operands_names_them()
    {
        using var q = Tensor.Randn([2, 5, 4]);
        using var k = Tensor.Randn([2, 6, 3]);
        using var v = Tensor.Randn([2, 6, 3]);
        Fails(() => Ops.ScaledDotProductAttention(q, k, v).Dispose(), "scaled_dot_product_attention", "[2, 5, 4]", "[2, 6, 3]", "feature size");
        using var k4 = Tensor.Randn([2, 6, 4]);
        using var shortV = Tensor.Randn([2, 5, 3]);
        Fails(() => Ops.ScaledDotProductAttention(q, k4, shortV).Dispose(), "scaled_dot_product_attention", "same sequence length");
        using var otherBatch = Tensor.Randn([3, 6, 4]);
        Fails(() => Ops.ScaledDotProductAttention(q, otherBatch, otherBatch).Dispose(), "scaled_dot_product_attention", "batch");
    }

    [Fact]
    public void Adaptive_pooling_rejects_a_bad_rank_and_a_mismatched_gradient()
    {
        using var x = Tensor.Randn([2, 3]);
        Fails(() => Ops.AdaptiveAvgPool2d(x, 1).Dispose(), "adaptive_avg_pool2d", "[N, C, H, W] or [C, H, W]", "[2, 3]");
        using var image = Tensor.Randn([2, 3, 4, 4]);
        using var grad = Tensor.Randn([2, 5, 2, 2]);
        Fails(() => Ops.AdaptiveAvgPool2dBackward(grad, image).Dispose(), "adaptive_avg_pool2d_backward", "[2, 5, 2, 2]", "[2, 3, 4, 4]");
    }

    [Fact]
    public void Layer_kernels_allocate_no_managed_memory()
    {
        using var generator = new Generator(1);
        using var x1 = Tensor.Randn([2, 3, 10], generator);
        using var w1 = Tensor.Randn([4, 3, 3], generator);
        using var b1 = Tensor.Randn([4], generator);
        using var conv = Tensor.Empty([2, 4, 8]);
        using var gradX1 = Tensor.Empty([2, 3, 10]);
        using var gradW1 = Tensor.Empty([4, 3, 3]);
        using var gradB1 = Tensor.Empty([4]);
        using var x = Tensor.Randn([4, 3, 5, 5], generator);
        using var weight = Tensor.Ones([3]);
        using var bias = Tensor.Zeros([3]);
        using var runningMean = Tensor.Zeros([3]);
        using var runningVar = Tensor.Ones([3]);
        using var normed = Tensor.Empty([4, 3, 5, 5]);
        using var saveMean = Tensor.Empty([3]);
        using var saveInvstd = Tensor.Empty([3]);
        using var gradX = Tensor.Empty([4, 3, 5, 5]);
        using var gradW = Tensor.Empty([3]);
        using var gradB = Tensor.Empty([3]);
        using var groupMean = Tensor.Empty([4, 3]);
        using var groupRstd = Tensor.Empty([4, 3]);
        using var pooled = Tensor.Empty([4, 3, 2, 2]);
        using var q = Tensor.Randn([2, 4, 6, 8], generator);
        using var attended = Tensor.Empty([2, 4, 6, 8]);
        using var probs = Tensor.Empty([2, 4, 6, 6]);
        using var gradQ = Tensor.Empty([2, 4, 6, 8]);
        using var gradK = Tensor.Empty([2, 4, 6, 8]);
        using var gradV = Tensor.Empty([2, 4, 6, 8]);
        Size2 pool = (2, 2);

        var bytes = Allocations.Measure(() =>
        {
            Kernels.Conv1d(x1, w1, b1, 1, 0, 1, 1, conv);
            Kernels.Conv1dBackward(conv, x1, w1, 1, 0, 1, 1, gradX1, gradW1, gradB1);
            Kernels.BatchNorm(x, runningMean, runningVar, weight, bias, true, 0.1, 1e-5, normed, saveMean, saveInvstd);
            Kernels.BatchNormBackward(normed, x, weight, runningMean, runningVar, saveMean, saveInvstd, true, 1e-5, gradX, gradW, gradB);
            Kernels.GroupNorm(x, 3, weight, bias, 1e-5, normed, groupMean, groupRstd);
            Kernels.GroupNormBackward(normed, x, groupMean, groupRstd, 3, weight, gradX, gradW, gradB);
            Kernels.AdaptiveAvgPool2d(x, pool, pooled);
            Kernels.AdaptiveAvgPool2dBackward(pooled, x, gradX);
            Kernels.ScaledDotProductAttention(q, q, q, true, null, attended, probs);
            Kernels.ScaledDotProductAttentionBackward(attended, q, q, q, probs, null, gradQ, gradK, gradV);
        });

        Assert.Equal(0, bytes);
    }
}
