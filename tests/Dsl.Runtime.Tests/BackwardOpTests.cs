using Dsl.Testing;
using Xunit;

namespace Dsl.Runtime.Tests;

/// <summary>
/// Each backward helper against torch.autograd.grad of the corresponding forward op, on the same
/// Float64 inputs and the same upstream gradient <c>g</c>.
/// </summary>
public sealed class BackwardCatalog : OpCatalog
{
    private const double Rtol = 1e-10, Atol = 1e-12;

    private static Tensor D(Generator g, params long[] shape) => Tensor.Randn(new Shape(shape), g, DType.Float64);

    /// <summary>A Float64 upstream gradient shaped like the result of <paramref name="forward"/> on the inputs.</summary>
    private static Func<Generator, Dictionary<string, Tensor>> WithGrad(Func<Generator, Dictionary<string, Tensor>> inputs,
        Func<Dictionary<string, Tensor>, Tensor> forward) => g =>
    {
        var values = inputs(g);
        using (var output = forward(values)) values["g"] = D(g, output.Shape.ToArray());
        return values;
    };

    /// <summary>
    /// PyTorch's gradient of <paramref name="forward"/> with respect to <paramref name="wrt"/>
    /// (comma-separated), upstream g: the one gradient, or with <paramref name="tuple"/> the tuple
    /// of them (flattened, as <see cref="MultiOutput.Flatten"/> does with ours).
    /// </summary>
    private static string Autograd(string forward, string wrt, bool tuple = false)
    {
        var names = wrt.Split(',', StringSplitOptions.TrimEntries);
        var requires = string.Join("; ", names.Select(n => $"{n}.requires_grad_()"));
        return $"{requires}\nresult = torch.autograd.grad({forward}, ({wrt},), g){(tuple ? "" : "[0]")}";
    }

    // ---- activations ---------------------------------------------------------------------------

    private static Dictionary<string, Tensor> XG(Generator g) => new() { ["x"] = D(g, 3, 4), ["g"] = D(g, 3, 4) };

    private static OpCase Activation(string name, string forward, Func<Tensor, Tensor, Tensor> eager, Action<Tensor, Tensor, Tensor> into) => new(
        name, Autograd(forward, "x"), XG, i => eager(i["g"], i["x"]), (i, o) => into(i["g"], i["x"], o), Rtol, Atol);

    /// <summary>Activations whose gradient is computed from the forward output y.</summary>
    private static OpCase FromOutput(string name, string forward, Func<Tensor, Tensor> f, Func<Tensor, Tensor, Tensor> eager,
        Action<Tensor, Tensor, Tensor> into) => new(
        name, Autograd(forward, "x"), XG,
        i => { using var y = f(i["x"]); return eager(i["g"], y); },
        (i, o) => { using var y = f(i["x"]); into(i["g"], y, o); }, Rtol, Atol);

    private static OpCase Softmax(string name, long[] shape, long dim, bool log) => new(
        name, Autograd($"F.{(log ? "log_softmax" : "softmax")}(x, dim={dim})", "x"),
        g => new() { ["x"] = D(g, shape), ["g"] = D(g, shape) },
        i =>
        {
            using var y = log ? Ops.LogSoftmax(i["x"], dim) : Ops.Softmax(i["x"], dim);
            return log ? Ops.LogSoftmaxBackward(i["g"], y, dim) : Ops.SoftmaxBackward(i["g"], y, dim);
        },
        (i, o) =>
        {
            using var y = log ? Ops.LogSoftmax(i["x"], dim) : Ops.Softmax(i["x"], dim);
            if (log) Kernels.LogSoftmaxBackward(i["g"], y, dim, o); else Kernels.SoftmaxBackward(i["g"], y, dim, o);
        }, Rtol, Atol);

    // ---- losses --------------------------------------------------------------------------------

    private static Func<Generator, Dictionary<string, Tensor>> Classes(Reduction reduction, long[]? targets = null, bool perPosition = false) => g => perPosition
        ? new()
        {
            // [N, C, d1, d2] scores, a target per position.
            ["x"] = D(g, 2, 5, 3, 2),
            ["t"] = Tensor.RandInt(0, 5, [2, 3, 2], g),
            ["w"] = Tensor.Rand([5], g, DType.Float64) + 0.5,
            ["g"] = reduction == Reduction.None ? D(g, 2, 3, 2) : D(g),
        }
        : new()
        {
            ["x"] = D(g, 6, 5),
            ["t"] = targets is null ? Tensor.RandInt(0, 5, [6], g) : Tensor.FromArray(targets),
            ["w"] = Tensor.Rand([5], g, DType.Float64) + 0.5,
            ["g"] = reduction == Reduction.None ? D(g, 6) : D(g),
        };

    private static OpCase NllLoss(string name, string torchArgs, Reduction reduction, bool weighted = false, long ignoreIndex = -100,
        long[]? targets = null, bool perPosition = false) => new(
        name, Autograd($"F.nll_loss(x, t{torchArgs})", "x"), Classes(reduction, targets, perPosition),
        i =>
        {
            var w = weighted ? i["w"] : null;
            var (loss, totalWeight) = Ops.NllLossForward(i["x"], i["t"], reduction, w, ignoreIndex);
            using (loss)
            using (totalWeight)
            {
                return Ops.NllLossBackward(i["g"], i["x"], i["t"], totalWeight, reduction, w, ignoreIndex);
            }
        },
        (i, o) =>
        {
            var w = weighted ? i["w"] : null;
            using var loss = Tensor.Empty([0], DType.Float64);
            using var totalWeight = Tensor.Empty([], DType.Float64);
            Kernels.NllLoss(i["x"], i["t"], reduction, w, ignoreIndex, loss, totalWeight);
            Kernels.NllLossBackward(i["g"], i["x"], i["t"], totalWeight, reduction, w, ignoreIndex, o);
        }, Rtol, Atol);

    private static Dictionary<string, Tensor> Regression(Generator g, Reduction reduction) => new()
    {
        ["x"] = D(g, 3, 4) * 2,
        ["t"] = Tensor.Rand([3, 4], g, DType.Float64),
        ["w"] = Tensor.Rand([4], g, DType.Float64) + 0.5,
        ["pw"] = Tensor.Rand([4], g, DType.Float64) * 3,
        ["g"] = reduction == Reduction.None ? D(g, 3, 4) : D(g),
    };

    private static OpCase Mse(string name, Reduction reduction, string torchReduction) => new(
        name, Autograd($"F.mse_loss(x, t, reduction='{torchReduction}')", "x"), g => Regression(g, reduction),
        i => Ops.MseLossBackward(i["g"], i["x"], i["t"], reduction),
        (i, o) => Kernels.MseLossBackward(i["g"], i["x"], i["t"], reduction, o), Rtol, Atol);

    private static OpCase Bce(string name, string torchArgs, Reduction reduction, bool weighted = false) => new(
        name, Autograd($"F.binary_cross_entropy_with_logits(x, t{torchArgs})", "x"), g => Regression(g, reduction),
        i => Ops.BinaryCrossEntropyWithLogitsBackward(i["g"], i["x"], i["t"], reduction, weighted ? i["w"] : null, weighted ? i["pw"] : null),
        (i, o) => Kernels.BinaryCrossEntropyWithLogitsBackward(i["g"], i["x"], i["t"], reduction, weighted ? i["w"] : null,
            weighted ? i["pw"] : null, o), Rtol, Atol);

    // ---- convolution and pooling ---------------------------------------------------------------

    private static OpCase Conv2d(string name, string torchArgs, long[] input, long[] weight, Size2 stride, Size2 padding, Size2 dilation,
        long groups = 1, bool inputGrad = true, bool weightGrad = true, bool biasGrad = true)
    {
        var wrt = string.Join(", ", new[] { inputGrad ? "x" : null, weightGrad ? "w" : null, biasGrad ? "b" : null }.Where(n => n is not null));
        return new(
            name, Autograd($"F.conv2d(x, w, b{torchArgs})", wrt, tuple: true),
            WithGrad(g => new() { ["x"] = D(g, input), ["w"] = D(g, weight), ["b"] = D(g, weight[0]) },
                i => Ops.Conv2d(i["x"], i["w"], i["b"], stride, padding, dilation, groups)),
            i =>
            {
                var (gi, gw, gb) = Ops.Conv2dBackward(i["g"], i["x"], i["w"], stride, padding, dilation, groups, inputGrad, weightGrad, biasGrad);
                return MultiOutput.Flatten(gi, gw, gb);
            },
            (i, o) =>
            {
                var (gi, gw, gb) = Ops.Conv2dBackward(i["g"], i["x"], i["w"], stride, padding, dilation, groups, inputGrad, weightGrad, biasGrad);
                MultiOutput.Run(o, [gi, gw, gb], b => Kernels.Conv2dBackward(i["g"], i["x"], i["w"], stride, padding, dilation, groups, b[0], b[1], b[2]));
            }, Rtol, Atol);
    }

    private static OpCase MaxPool(string name, string torchArgs, long[] shape, Size2 kernel, Size2? stride, Size2 padding, Size2 dilation,
        bool ceilMode = false) => new(
        name, Autograd($"F.max_pool2d(x, {torchArgs})", "x"),
        WithGrad(g => new() { ["x"] = D(g, shape) }, i => Ops.MaxPool2d(i["x"], kernel, stride, padding, dilation, ceilMode)),
        i =>
        {
            var (output, indices) = Ops.MaxPool2dWithIndices(i["x"], kernel, stride, padding, dilation, ceilMode);
            using (output)
            using (indices)
            {
                return Ops.MaxPool2dWithIndicesBackward(i["g"], i["x"], indices, kernel, stride, padding, dilation, ceilMode);
            }
        },
        (i, o) =>
        {
            using var output = Tensor.Empty([0], DType.Float64);
            using var indices = Tensor.Empty([0], DType.Int64);
            Kernels.MaxPool2dWithIndices(i["x"], kernel, stride, padding, dilation, ceilMode, output, indices);
            Kernels.MaxPool2dWithIndicesBackward(i["g"], i["x"], indices, kernel, stride, padding, dilation, ceilMode, o);
        }, Rtol, Atol);

    private static OpCase AvgPool(string name, string torchArgs, long[] shape, Size2 kernel, Size2? stride, Size2 padding, bool ceilMode = false,
        bool countIncludePad = true, long? divisorOverride = null) => new(
        name, Autograd($"F.avg_pool2d(x, {torchArgs})", "x"),
        WithGrad(g => new() { ["x"] = D(g, shape) }, i => Ops.AvgPool2d(i["x"], kernel, stride, padding, ceilMode, countIncludePad, divisorOverride)),
        i => Ops.AvgPool2dBackward(i["g"], i["x"], kernel, stride, padding, ceilMode, countIncludePad, divisorOverride),
        (i, o) => Kernels.AvgPool2dBackward(i["g"], i["x"], kernel, stride, padding, ceilMode, countIncludePad, divisorOverride, o), Rtol, Atol);

    // ---- layer norm and embedding --------------------------------------------------------------

    private static OpCase LayerNorm(string name, long[] input, long[] normalized, bool affine, bool inputGrad = true, bool weightGrad = true,
        bool biasGrad = true)
    {
        var shape = string.Join(", ", normalized);
        var wrt = string.Join(", ", new[] { inputGrad ? "x" : null, affine && weightGrad ? "w" : null, affine && biasGrad ? "b" : null }
            .Where(n => n is not null));
        return new(
            name, Autograd($"F.layer_norm(x, [{shape}], {(affine ? "w, b" : "None, None")})", wrt, tuple: true),
            g => new()
            {
                ["x"] = D(g, input) * 2 + 0.5,
                ["w"] = D(g, normalized),
                ["b"] = D(g, normalized),
                ["g"] = D(g, input),
            },
            i =>
            {
                (Tensor? w, Tensor? b) = affine ? (i["w"], i["b"]) : (null, null);
                var (output, mean, rstd) = Ops.LayerNormForward(i["x"], normalized, w, b);
                using (output)
                using (mean)
                using (rstd)
                {
                    var (gi, gw, gb) = Ops.LayerNormBackward(i["g"], i["x"], normalized, mean, rstd, w, b, inputGrad, weightGrad, biasGrad);
                    return MultiOutput.Flatten(gi, gw, gb);
                }
            },
            (i, o) =>
            {
                (Tensor? w, Tensor? b) = affine ? (i["w"], i["b"]) : (null, null);
                using var output = Tensor.EmptyLike(i["x"]);
                using var mean = Tensor.Empty([0], DType.Float64);
                using var rstd = Tensor.Empty([0], DType.Float64);
                Kernels.LayerNorm(i["x"], normalized, w, b, 1e-5, output, mean, rstd);
                var like = new Tensor?[]
                {
                    inputGrad ? Tensor.EmptyLike(i["x"]) : null,
                    affine && weightGrad ? Tensor.EmptyLike(i["w"]) : null,
                    affine && biasGrad ? Tensor.EmptyLike(i["b"]) : null,
                };
                MultiOutput.Run(o, like, buffers => Kernels.LayerNormBackward(i["g"], i["x"], normalized, mean, rstd, w, b, buffers[0], buffers[1], buffers[2]));
            }, Rtol, Atol);
    }

    private static OpCase Embedding(string name, string torchArgs, long paddingIdx = -1, bool scaleGradByFreq = false) => new(
        name, Autograd($"F.embedding(idx, w{torchArgs})", "w"),
        g => new()
        {
            ["w"] = D(g, 10, 4),
            ["idx"] = Tensor.FromArray(new long[] { 1, 2, 3, 2, 1, 7, 1, 9 }, 2, 4),
            ["g"] = D(g, 2, 4, 4),
        },
        i => Ops.EmbeddingBackward(i["g"], i["idx"], 10, paddingIdx, scaleGradByFreq),
        (i, o) => Kernels.EmbeddingBackward(i["g"], i["idx"], 10, paddingIdx, scaleGradByFreq, o), Rtol, Atol);

    public override IEnumerable<OpCase> Cases =>
    [
        Activation("relu", "torch.relu(x)", Ops.ReluBackward, Kernels.ReluBackward),
        FromOutput("relu-from-output", "torch.relu(x)", Ops.Relu, Ops.ReluBackward, Kernels.ReluBackward),
        Activation("threshold", "F.threshold(x, 0.3, 0.0)", (g, x) => Ops.ThresholdBackward(g, x, 0.3), (g, x, o) => Kernels.ThresholdBackward(g, x, 0.3, o)),
        Activation("gelu", "F.gelu(x)", (g, x) => Ops.GeluBackward(g, x), (g, x, o) => Kernels.GeluBackward(g, x, false, o)),
        Activation("gelu-tanh", "F.gelu(x, approximate='tanh')", (g, x) => Ops.GeluBackward(g, x, true), (g, x, o) => Kernels.GeluBackward(g, x, true, o)),
        Activation("silu", "F.silu(x)", Ops.SiluBackward, Kernels.SiluBackward),
        FromOutput("sigmoid", "torch.sigmoid(x)", Ops.Sigmoid, Ops.SigmoidBackward, Kernels.SigmoidBackward),
        FromOutput("tanh", "torch.tanh(x)", Ops.Tanh, Ops.TanhBackward, Kernels.TanhBackward),

        Softmax("softmax-dim1", [3, 4, 5], 1, log: false),
        Softmax("softmax-last", [3, 4, 5], -1, log: false),
        Softmax("log-softmax-dim1", [3, 4, 5], 1, log: true),
        Softmax("log-softmax-last", [4, 6], -1, log: true),

        NllLoss("nll-mean", "", Reduction.Mean),
        NllLoss("nll-sum", ", reduction='sum'", Reduction.Sum),
        NllLoss("nll-none", ", reduction='none'", Reduction.None),
        NllLoss("nll-weighted-ignored", ", weight=w", Reduction.Mean, weighted: true, targets: [0, -100, 3, 2, -100, 1]),
        NllLoss("nll-per-position-none", ", weight=w, ignore_index=3, reduction='none'", Reduction.None, weighted: true, ignoreIndex: 3, perPosition: true),
        NllLoss("nll-per-position-mean", ", weight=w", Reduction.Mean, weighted: true, perPosition: true),
        NllLoss("nll-ignore-index-2-sum", ", ignore_index=2, reduction='sum'", Reduction.Sum, ignoreIndex: 2, targets: [0, 4, 3, 2, 2, 1]),
        new("cross-entropy-chain", Autograd("F.cross_entropy(x, t, weight=w)", "x"), Classes(Reduction.Mean),
            i =>
            {
                // d/dlogits = log_softmax_backward(nll_loss_backward(g)), as generated code chains them.
                using var logProbs = Ops.LogSoftmax(i["x"], 1);
                var (loss, totalWeight) = Ops.NllLossForward(logProbs, i["t"], Reduction.Mean, i["w"]);
                using (loss)
                using (totalWeight)
                using (var gradLogProbs = Ops.NllLossBackward(i["g"], logProbs, i["t"], totalWeight, Reduction.Mean, i["w"]))
                {
                    return Ops.LogSoftmaxBackward(gradLogProbs, logProbs, 1);
                }
            }, Rtol: Rtol, Atol: Atol),

        Mse("mse-mean", Reduction.Mean, "mean"),
        Mse("mse-sum", Reduction.Sum, "sum"),
        Mse("mse-none", Reduction.None, "none"),

        Bce("bce-logits-mean", "", Reduction.Mean),
        Bce("bce-logits-sum", ", reduction='sum'", Reduction.Sum),
        Bce("bce-logits-none", ", reduction='none'", Reduction.None),
        Bce("bce-logits-weighted-mean", ", weight=w, pos_weight=pw", Reduction.Mean, weighted: true),
        Bce("bce-logits-weighted-none", ", weight=w, pos_weight=pw, reduction='none'", Reduction.None, weighted: true),

        new("dropout", Autograd("x * m / (1 - 0.3)", "x"),
            g =>
            {
                using var keep = Tensor.Rand([5, 6], g, DType.Float64);
                using var kept = Ops.Gt(keep, 0.3);
                return new() { ["x"] = D(g, 5, 6), ["m"] = kept.To(DType.Float64), ["g"] = D(g, 5, 6) };
            },
            i => Ops.DropoutBackward(i["g"], i["m"], 0.3), (i, o) => Kernels.DropoutBackward(i["g"], i["m"], 0.3, o), Rtol, Atol),

        Conv2d("conv2d", "", [2, 3, 6, 6], [4, 3, 3, 3], 1, 0, 1),
        Conv2d("conv2d-stride-padding", ", stride=2, padding=1", [2, 3, 8, 8], [4, 3, 3, 3], 2, 1, 1),
        Conv2d("conv2d-rectangular-dilation", ", stride=(2, 1), padding=(1, 0), dilation=(1, 2)", [2, 3, 9, 8], [4, 3, 3, 2], (2, 1), (1, 0), (1, 2)),
        Conv2d("conv2d-groups", ", groups=2, padding=1", [2, 4, 5, 5], [6, 2, 3, 3], 1, 1, 1, groups: 2),
        Conv2d("conv2d-input-grad-only", ", padding=1", [2, 3, 5, 5], [4, 3, 3, 3], 1, 1, 1, weightGrad: false, biasGrad: false),
        Conv2d("conv2d-weight-and-bias-only", ", stride=2", [2, 3, 7, 7], [4, 3, 3, 3], 2, 0, 1, inputGrad: false),
        Conv2d("conv2d-unbatched", ", padding=1", [3, 5, 5], [2, 3, 3, 3], 1, 1, 1),

        MaxPool("max-pool2d", "2", [2, 3, 6, 6], 2, null, 0, 1),
        MaxPool("max-pool2d-overlapping", "3, stride=2, padding=1", [2, 3, 7, 7], 3, 2, 1, 1),
        MaxPool("max-pool2d-dilation-ceil", "2, stride=2, dilation=2, ceil_mode=True", [1, 2, 8, 7], 2, 2, 0, 2, ceilMode: true),
        MaxPool("max-pool2d-rectangular", "(3, 2), stride=(2, 1)", [2, 2, 7, 6], (3, 2), (2, 1), 0, 1),

        AvgPool("avg-pool2d", "2", [2, 3, 6, 6], 2, null, 0),
        AvgPool("avg-pool2d-padding-included", "3, stride=2, padding=1", [2, 3, 7, 7], 3, 2, 1),
        AvgPool("avg-pool2d-padding-excluded", "3, stride=2, padding=1, count_include_pad=False", [2, 3, 7, 7], 3, 2, 1, countIncludePad: false),
        AvgPool("avg-pool2d-ceil-divisor", "3, stride=2, ceil_mode=True, divisor_override=5", [1, 2, 8, 8], 3, 2, 0, ceilMode: true, divisorOverride: 5),

        LayerNorm("layer-norm", [2, 3, 5], [5], affine: true),
        LayerNorm("layer-norm-no-affine", [2, 3, 5], [5], affine: false),
        LayerNorm("layer-norm-2d", [2, 3, 5], [3, 5], affine: true),
        LayerNorm("layer-norm-input-grad-only", [4, 6], [6], affine: true, weightGrad: false, biasGrad: false),
        LayerNorm("layer-norm-weight-grad-only", [4, 6], [6], affine: true, inputGrad: false, biasGrad: false),

        Embedding("embedding", ""),
        Embedding("embedding-padding-idx", ", padding_idx=2", paddingIdx: 2),
        Embedding("embedding-scale-grad-by-freq", ", scale_grad_by_freq=True", scaleGradByFreq: true),
    ];
}

public sealed class BackwardOpTests(TorchCaseFixture<BackwardCatalog> torch) : IClassFixture<TorchCaseFixture<BackwardCatalog>>
{
    public static TheoryData<string> Names => TorchCaseFixture<BackwardCatalog>.Names();

    [Theory]
    [MemberData(nameof(Names))]
    public void Matches_pytorch_autograd(string name) => torch.Check(name);

    private static DslException Fails(Action call)
    {
        var error = Assert.Throws<DslException>(call);
        using var a = Tensor.Ones([3]);
        using var b = a * 2;
        Assert.Equal([2f, 2f, 2f], b.ToArray<float>());
        return error;
    }

    [Fact]
    public void Conv2d_backward_with_a_gradient_of_the_wrong_shape_names_the_expected_one()
    {
        using var x = Tensor.Randn([2, 3, 8, 8]);
        using var w = Tensor.Randn([4, 3, 3, 3]);
        using var g = Tensor.Randn([2, 4, 8, 8]);
        var error = Fails(() => Ops.Conv2dBackward(g, x, w));
        Assert.Equal("conv2d_backward", error.Operation);
        Assert.Contains("grad_output [2, 4, 8, 8] does not match the convolution's output [2, 4, 6, 6]", error.Message);

        using var wrongChannels = Tensor.Randn([4, 2, 3, 3]);
        using var gradInput = Tensor.Empty([2, 3, 8, 8]);
        Assert.Contains("input channels", Fails(() => Kernels.Conv2dBackward(g, x, wrongChannels, 1, 0, 1, 1, gradInput, null, null)).Message);
    }

    [Fact]
    public void Layer_norm_backward_asked_for_a_weight_gradient_without_a_weight_says_so()
    {
        using var x = Tensor.Randn([4, 6]);
        var (output, mean, rstd) = Ops.LayerNormForward(x, [6]);
        using (output)
        using (mean)
        using (rstd)
        using (var gradWeight = Tensor.Empty([6]))
        {
            var error = Fails(() => Kernels.LayerNormBackward(x, x, [6], mean, rstd, null, null, null, gradWeight, null));
            Assert.Contains("weight gradient was asked for without a weight", error.Message);

            // The eager form just leaves out the gradients of absent parameters.
            var (gi, gw, gb) = Ops.LayerNormBackward(x, x, [6], mean, rstd);
            using (gi)
            {
                Assert.NotNull(gi);
                Assert.Null(gw);
                Assert.Null(gb);
            }
        }
    }

    [Fact]
    public void Loss_and_softmax_backward_with_mismatched_shapes_fail_cleanly()
    {
        using var input = Tensor.Randn([4, 5]);
        using var target = Tensor.Randn([4, 4]);
        using var scalar = Tensor.Scalar(1);
        var error = Fails(() => Ops.BinaryCrossEntropyWithLogitsBackward(scalar, input, target));
        Assert.Contains("[4, 5]", error.Message);
        Assert.Contains("[4, 4]", error.Message);
        Fails(() => Ops.MseLossBackward(scalar, input, target));

        using var y = Ops.Softmax(input, 1);
        Assert.Contains("[4, 4]", Fails(() => Ops.SoftmaxBackward(target, y, 1)).Message);
        Assert.Contains("p must be in [0, 1]", Fails(() => Ops.DropoutBackward(input, input, -0.5)).Message);
    }
}
