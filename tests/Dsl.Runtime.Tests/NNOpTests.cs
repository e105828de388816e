using Dsl.Testing;
using Xunit;

namespace Dsl.Runtime.Tests;

/// <summary>Forward nn ops against torch.nn.functional on the same inputs.</summary>
public sealed class NNCatalog : OpCatalog
{
    private static Tensor Targets(Generator g, long classes, long count) => Tensor.RandInt(0, classes, [count], g);

    // Targets with ignored entries (-100) and one equal to the custom ignore index 2.
    private static Tensor TargetsWithIgnored() => Tensor.FromArray(new long[] { 0, -100, 3, 2, -100, 1 });

    private static Dictionary<string, Tensor> X(Generator g, params long[] shape) => new() { ["x"] = Tensor.Randn(new Shape(shape), g) };

    private static Dictionary<string, Tensor> Nll(Generator g) =>
        new() { ["x"] = Tensor.Randn([6, 5], g), ["t"] = Targets(g, 5, 6), ["w"] = Tensor.Rand([5], g) + 0.5 };

    private static Dictionary<string, Tensor> NllIgnored(Generator g) =>
        new() { ["x"] = Tensor.Randn([6, 5], g), ["t"] = TargetsWithIgnored(), ["w"] = Tensor.Rand([5], g) + 0.5 };

    private static Dictionary<string, Tensor> Pair(Generator g) => new() { ["a"] = Tensor.Randn([3, 4], g), ["b"] = Tensor.Randn([3, 4], g) };

    private static Dictionary<string, Tensor> Bce(Generator g) => new()
    {
        ["x"] = Tensor.Randn([4, 3], g) * 2,
        ["t"] = Tensor.Rand([4, 3], g),
        ["w"] = Tensor.Rand([3], g) + 0.5,
        ["pw"] = Tensor.Rand([3], g) * 3,
    };

    private static Func<Generator, Dictionary<string, Tensor>> Conv(long[] input, long[] weight, bool bias = true) => g =>
    {
        var inputs = new Dictionary<string, Tensor> { ["x"] = Tensor.Randn(new Shape(input), g), ["w"] = Tensor.Randn(new Shape(weight), g) };
        if (bias) inputs["b"] = Tensor.Randn([weight[0]], g);
        return inputs;
    };

    private static Dictionary<string, Tensor> Norm(Generator g) => new()
    {
        ["x"] = Tensor.Randn([2, 3, 5], g) * 3 + 1,
        ["w"] = Tensor.Randn([5], g),
        ["b"] = Tensor.Randn([5], g),
    };

    private static Tensor? Get(IReadOnlyDictionary<string, Tensor> inputs, string name) => inputs.TryGetValue(name, out var t) ? t : null;

    private static OpCase Softmax(string name, long[] shape, long dim, bool log) => new(
        name,
        $"F.{(log ? "log_softmax" : "softmax")}(x, dim={dim})",
        g => X(g, shape),
        i => log ? Ops.LogSoftmax(i["x"], dim) : Ops.Softmax(i["x"], dim),
        (i, o) => { if (log) Kernels.LogSoftmax(i["x"], dim, o); else Kernels.Softmax(i["x"], dim, o); });

    private static OpCase NllLoss(string name, string torchArgs, Func<Generator, Dictionary<string, Tensor>> inputs, Reduction reduction,
        bool weighted = false, long ignoreIndex = -100) => new(
        name,
        $"F.nll_loss(x, t{torchArgs})",
        inputs,
        i => Ops.NllLoss(i["x"], i["t"], reduction, weighted ? i["w"] : null, ignoreIndex),
        (i, o) => Kernels.NllLoss(i["x"], i["t"], reduction, weighted ? i["w"] : null, ignoreIndex, o, null));

    private static OpCase CrossEntropy(string name, string torchArgs, Func<Generator, Dictionary<string, Tensor>> inputs, Reduction reduction,
        bool weighted = false, long ignoreIndex = -100) => new(
        name,
        $"F.cross_entropy(x, t{torchArgs})",
        inputs,
        i => Ops.CrossEntropy(i["x"], i["t"], reduction, weighted ? i["w"] : null, ignoreIndex),
        (i, o) => Kernels.CrossEntropy(i["x"], i["t"], reduction, weighted ? i["w"] : null, ignoreIndex, o));

    private static OpCase Mse(string name, Reduction reduction, string torchReduction) => new(
        name, $"F.mse_loss(a, b, reduction='{torchReduction}')", Pair,
        i => Ops.MseLoss(i["a"], i["b"], reduction), (i, o) => Kernels.MseLoss(i["a"], i["b"], reduction, o));

    private static OpCase BceWithLogits(string name, string torchArgs, Reduction reduction, bool weighted = false, bool posWeighted = false) => new(
        name, $"F.binary_cross_entropy_with_logits(x, t{torchArgs})", Bce,
        i => Ops.BinaryCrossEntropyWithLogits(i["x"], i["t"], reduction, weighted ? i["w"] : null, posWeighted ? i["pw"] : null),
        (i, o) => Kernels.BinaryCrossEntropyWithLogits(i["x"], i["t"], reduction, weighted ? i["w"] : null, posWeighted ? i["pw"] : null, o));

    private static OpCase Conv2d(string name, string torchArgs, long[] input, long[] weight, Size2 stride, Size2 padding, Size2 dilation,
        long groups = 1, bool bias = true) => new(
        name, $"F.conv2d(x, w, {(bias ? "b" : "None")}{torchArgs})", Conv(input, weight, bias),
        i => Ops.Conv2d(i["x"], i["w"], Get(i, "b"), stride, padding, dilation, groups),
        (i, o) => Kernels.Conv2d(i["x"], i["w"], Get(i, "b"), stride, padding, dilation, groups, o),
        Rtol: 1e-4, Atol: 1e-5);

    private static OpCase MaxPoolWithIndices(string name, string torchArgs, long[] shape, Size2 kernel, Size2? stride, Size2 padding, Size2 dilation,
        bool ceilMode = false) => new(
        name, $"F.max_pool2d(x, {torchArgs}, return_indices=True)", g => X(g, shape),
        i =>
        {
            var (output, indices) = Ops.MaxPool2dWithIndices(i["x"], kernel, stride, padding, dilation, ceilMode);
            return MultiOutput.Flatten(output, indices);
        },
        (i, o) =>
        {
            var (output, indices) = Ops.MaxPool2dWithIndices(i["x"], kernel, stride, padding, dilation, ceilMode);
            MultiOutput.Run(o, [output, indices], b => Kernels.MaxPool2dWithIndices(i["x"], kernel, stride, padding, dilation, ceilMode, b[0]!, b[1]!));
        });

    private static OpCase AvgPool(string name, string torchArgs, long[] shape, Size2 kernel, Size2? stride, Size2 padding, bool ceilMode = false,
        bool countIncludePad = true, long? divisorOverride = null) => new(
        name, $"F.avg_pool2d(x, {torchArgs})", g => X(g, shape),
        i => Ops.AvgPool2d(i["x"], kernel, stride, padding, ceilMode, countIncludePad, divisorOverride),
        (i, o) => Kernels.AvgPool2d(i["x"], kernel, stride, padding, ceilMode, countIncludePad, divisorOverride, o));

    public override IEnumerable<OpCase> Cases =>
    [
        Softmax("softmax-dim1", [3, 4, 5], 1, log: false),
        Softmax("softmax-last", [3, 4, 5], -1, log: false),
        Softmax("log-softmax-dim0", [3, 4], 0, log: true),
        Softmax("log-softmax-last", [2, 3, 5], -1, log: true),

        NllLoss("nll-mean", "", Nll, Reduction.Mean),
        NllLoss("nll-sum", ", reduction='sum'", Nll, Reduction.Sum),
        NllLoss("nll-none", ", reduction='none'", Nll, Reduction.None),
        NllLoss("nll-weighted", ", weight=w", Nll, Reduction.Mean, weighted: true),
        NllLoss("nll-ignored", "", NllIgnored, Reduction.Mean),
        NllLoss("nll-ignore-index-2-weighted-sum", ", weight=w, ignore_index=2, reduction='sum'",
            g => new() { ["x"] = Tensor.Randn([6, 5], g), ["t"] = Tensor.FromArray(new long[] { 0, 4, 3, 2, 2, 1 }), ["w"] = Tensor.Rand([5], g) + 0.5 },
            Reduction.Sum, weighted: true, ignoreIndex: 2),
        // Classes on axis 1 of [N, C, d1, ...]: one target per position (nll_loss2d underneath).
        NllLoss("nll-per-position-none", ", reduction='none', weight=w, ignore_index=1",
            g => new() { ["x"] = Tensor.Randn([2, 5, 3, 4], g), ["t"] = Tensor.RandInt(0, 5, [2, 3, 4], g), ["w"] = Tensor.Rand([5], g) + 0.5 },
            Reduction.None, weighted: true, ignoreIndex: 1),
        NllLoss("nll-per-position-mean", ", weight=w",
            g => new() { ["x"] = Tensor.Randn([3, 4, 5], g), ["t"] = Tensor.RandInt(0, 4, [3, 5], g), ["w"] = Tensor.Rand([4], g) + 0.5 },
            Reduction.Mean, weighted: true),
        NllLoss("nll-unbatched", "", g => new() { ["x"] = Tensor.Randn([5], g), ["t"] = Tensor.Scalar(3, DType.Int64) }, Reduction.Mean),
        new("nll-forward-total-weight", "torch.ops.aten.nll_loss_forward(x, t, w, 1, -100)", NllIgnored,
            i =>
            {
                var (loss, totalWeight) = Ops.NllLossForward(i["x"], i["t"], Reduction.Mean, i["w"]);
                return MultiOutput.Flatten(loss, totalWeight);
            },
            (i, o) =>
            {
                var (loss, totalWeight) = Ops.NllLossForward(i["x"], i["t"], Reduction.Mean, i["w"]);
                MultiOutput.Run(o, [loss, totalWeight], b => Kernels.NllLoss(i["x"], i["t"], Reduction.Mean, i["w"], -100, b[0]!, b[1]!));
            }),

        CrossEntropy("cross-entropy", "", Nll, Reduction.Mean),
        CrossEntropy("cross-entropy-sum", ", reduction='sum'", Nll, Reduction.Sum),
        CrossEntropy("cross-entropy-none", ", reduction='none'", Nll, Reduction.None),
        CrossEntropy("cross-entropy-weighted", ", weight=w", Nll, Reduction.Mean, weighted: true),
        CrossEntropy("cross-entropy-ignored", "", NllIgnored, Reduction.Mean),
        CrossEntropy("cross-entropy-unbatched", "", g => new() { ["x"] = Tensor.Randn([5], g), ["t"] = Tensor.Scalar(1, DType.Int64) }, Reduction.Mean),

        Mse("mse-mean", Reduction.Mean, "mean"),
        Mse("mse-sum", Reduction.Sum, "sum"),
        Mse("mse-none", Reduction.None, "none"),

        BceWithLogits("bce-logits-mean", "", Reduction.Mean),
        BceWithLogits("bce-logits-sum", ", reduction='sum'", Reduction.Sum),
        BceWithLogits("bce-logits-none", ", reduction='none'", Reduction.None),
        BceWithLogits("bce-logits-weighted", ", weight=w, pos_weight=pw", Reduction.Mean, weighted: true, posWeighted: true),

        Conv2d("conv2d", "", [2, 3, 8, 8], [4, 3, 3, 3], 1, 0, 1),
        Conv2d("conv2d-stride-padding", ", stride=2, padding=1", [2, 3, 8, 8], [4, 3, 3, 3], 2, 1, 1),
        Conv2d("conv2d-rectangular", ", stride=(2, 1), padding=(1, 0), dilation=(1, 2)", [2, 3, 9, 8], [4, 3, 3, 2], (2, 1), (1, 0), (1, 2)),
        Conv2d("conv2d-groups-no-bias", ", groups=2", [2, 4, 6, 6], [6, 2, 3, 3], 1, 0, 1, groups: 2, bias: false),
        Conv2d("conv2d-unbatched", ", padding=1", [3, 7, 7], [2, 3, 3, 3], 1, 1, 1),

        MaxPoolWithIndices("max-pool2d-indices", "2", [2, 3, 6, 6], 2, null, 0, 1),
        MaxPoolWithIndices("max-pool2d-indices-stride-padding", "3, stride=2, padding=1", [2, 3, 7, 7], 3, 2, 1, 1),
        MaxPoolWithIndices("max-pool2d-indices-dilation-ceil", "2, stride=2, dilation=2, ceil_mode=True", [1, 2, 8, 7], 2, 2, 0, 2, ceilMode: true),
        new("max-pool2d", "F.max_pool2d(x, (3, 2), stride=(2, 1))", g => X(g, 2, 3, 7, 6),
            i => Ops.MaxPool2d(i["x"], (3, 2), (2, 1)),
            (i, o) => Kernels.MaxPool2d(i["x"], (3, 2), (2, 1), 0, 1, false, o)),

        AvgPool("avg-pool2d", "2", [2, 3, 6, 6], 2, null, 0),
        AvgPool("avg-pool2d-padding-excluded", "3, stride=2, padding=1, count_include_pad=False", [2, 3, 7, 7], 3, 2, 1, countIncludePad: false),
        AvgPool("avg-pool2d-ceil-divisor", "3, stride=2, ceil_mode=True, divisor_override=5", [1, 2, 8, 8], 3, 2, 0, ceilMode: true, divisorOverride: 5),

        new("layer-norm", "F.layer_norm(x, [5], w, b)", Norm,
            i => Ops.LayerNorm(i["x"], [5], i["w"], i["b"]),
            (i, o) => Kernels.LayerNorm(i["x"], [5], i["w"], i["b"], 1e-5, o, null, null)),
        new("layer-norm-plain-eps", "F.layer_norm(x, [3, 5], eps=1e-3)", Norm,
            i => Ops.LayerNorm(i["x"], [3, 5], eps: 1e-3),
            (i, o) => Kernels.LayerNorm(i["x"], [3, 5], null, null, 1e-3, o, null, null)),
        new("layer-norm-forward-statistics", "torch.native_layer_norm(x, [5], w, b, 1e-5)", Norm,
            i =>
            {
                var (output, mean, rstd) = Ops.LayerNormForward(i["x"], [5], i["w"], i["b"]);
                return MultiOutput.Flatten(output, mean, rstd);
            },
            (i, o) =>
            {
                var (output, mean, rstd) = Ops.LayerNormForward(i["x"], [5], i["w"], i["b"]);
                MultiOutput.Run(o, [output, mean, rstd], b => Kernels.LayerNorm(i["x"], [5], i["w"], i["b"], 1e-5, b[0]!, b[1], b[2]));
            }),

        new("embedding", "F.embedding(idx, w)",
            g => new() { ["w"] = Tensor.Randn([10, 4], g), ["idx"] = Tensor.RandInt(0, 10, [2, 3], g) },
            i => Ops.Embedding(i["w"], i["idx"]),
            (i, o) => Kernels.Embedding(i["w"], i["idx"], o)),
    ];
}

public sealed class NNOpTests(TorchCaseFixture<NNCatalog> torch) : IClassFixture<TorchCaseFixture<NNCatalog>>
{
    public static TheoryData<string> Names => TorchCaseFixture<NNCatalog>.Names();

    [Theory]
    [MemberData(nameof(Names))]
    public void Matches_pytorch(string name) => torch.Check(name);

    // ---- dropout: random, so checked by its properties rather than against PyTorch's generator ----

    [Fact]
    public void Dropout_mask_is_zero_or_one_and_scales_the_kept_values()
    {
        const double p = 0.3;
        using var generator = new Generator(7);
        using var x = Tensor.Randn([100, 100], generator);
        var (output, mask) = Ops.DropoutWithMask(x, p, generator);
        using (output)
        using (mask)
        {
            Assert.Equal(x.Shape, mask.Shape);
            Assert.Equal(DType.Float32, mask.DType);
            var xs = x.ToArray<float>();
            var ms = mask.ToArray<float>();
            var ys = output.ToArray<float>();
            Assert.All(ms, m => Assert.True(m is 0f or 1f, $"mask value {m}"));
            for (var i = 0; i < xs.Length; i++)
            {
                Assert.Equal(xs[i] * ms[i] / (1 - p), ys[i], 1e-5);
            }
            var dropped = ms.Count(m => m == 0f) / (double)ms.Length;
            Assert.InRange(dropped, 0.27, 0.33);
        }
    }

    [Fact]
    public void Dropout_same_seed_gives_same_mask_and_other_seeds_differ()
    {
        using var x = Tensor.Ones([64, 32]);
        float[] MaskFor(ulong seed)
        {
            using var generator = new Generator(seed);
            var (output, mask) = Ops.DropoutWithMask(x, 0.5, generator);
            output.Dispose();
            using (mask) return mask.ToArray<float>();
        }
        Assert.Equal(MaskFor(42), MaskFor(42));
        Assert.NotEqual(MaskFor(42), MaskFor(43));
    }

    [Fact]
    public void Dropout_kernel_writes_into_buffers_with_a_bool_mask_and_matches_the_eager_form()
    {
        using var x = Tensor.Randn([8, 16], new Generator(3));
        using var output = Tensor.Full([8, 16], double.NaN);
        using var mask = Tensor.Zeros([8, 16], DType.Bool);
        using (var generator = new Generator(11)) Kernels.Dropout(x, 0.25, generator, output, mask);

        using var eagerGenerator = new Generator(11);
        var (eagerOutput, eagerMask) = Ops.DropoutWithMask(x, 0.25, eagerGenerator);
        using (eagerOutput)
        using (eagerMask)
        using (var maskAsFloat = mask.To(DType.Float32))
        {
            Assert.Equal(eagerMask.ToArray<float>(), maskAsFloat.ToArray<float>());
            Assert.Equal(eagerOutput.ToArray<float>(), output.ToArray<float>());
        }
    }

    [Fact]
    public void Dropout_with_p_zero_keeps_everything_and_p_one_drops_everything()
    {
        using var generator = new Generator(5);
        using var x = Tensor.Randn([10], generator);
        var (kept, allOnes) = Ops.DropoutWithMask(x, 0, generator);
        using (kept)
        using (allOnes)
        {
            Assert.Equal(x.ToArray<float>(), kept.ToArray<float>());
            Assert.All(allOnes.ToArray<float>(), m => Assert.Equal(1f, m));
        }
        var (dropped, allZeros) = Ops.DropoutWithMask(x, 1, generator);
        using (dropped)
        using (allZeros)
        {
            Assert.All(dropped.ToArray<float>(), v => Assert.Equal(0f, v));
            Assert.All(allZeros.ToArray<float>(), m => Assert.Equal(0f, m));
        }
    }

    // ---- the allocation-free face really allocates nothing managed -----------------------------

    [Fact]
    public void Kernels_forms_make_no_managed_allocations()
    {
        using var generator = new Generator(1);
        using var x = Tensor.Randn([2, 3, 8, 8], generator);
        using var w = Tensor.Randn([4, 3, 3, 3], generator);
        using var b = Tensor.Randn([4], generator);
        using var conv = Tensor.Empty([2, 4, 8, 8]);
        using var pooled = Tensor.Empty([2, 3, 4, 4]);
        using var indices = Tensor.Empty([2, 3, 4, 4], DType.Int64);
        using var normed = Tensor.Empty([2, 3, 8, 8]);
        using var mean = Tensor.Empty([2, 3, 1, 1]);
        using var rstd = Tensor.Empty([2, 3, 1, 1]);
        using var gradInput = Tensor.Empty([2, 3, 8, 8]);
        using var gradWeight = Tensor.Empty([4, 3, 3, 3]);
        using var gradBias = Tensor.Empty([4]);
        using var dropped = Tensor.Empty([2, 3, 8, 8]);
        using var mask = Tensor.Empty([2, 3, 8, 8]);
        using var logits = Tensor.Randn([6, 5], generator);
        using var labels = Tensor.RandInt(0, 5, [6], generator);
        using var loss = Tensor.Empty([]);
        using var totalWeight = Tensor.Empty([]);
        using var gradLogits = Tensor.Empty([6, 5]);
        using var one = Tensor.Scalar(1);
        // An array, not a collection expression at each call: unoptimized (Debug) code allocates for those.
        long[] planes = [8, 8];

        void Step()
        {
            Kernels.Conv2d(x, w, b, 1, 1, 1, 1, conv);
            Kernels.MaxPool2dWithIndices(x, 2, null, 0, 1, false, pooled, indices);
            Kernels.MaxPool2dWithIndicesBackward(pooled, x, indices, 2, null, 0, 1, false, gradInput);
            Kernels.LayerNorm(x, planes, null, null, 1e-5, normed, mean, rstd);
            Kernels.LayerNormBackward(normed, x, planes, mean, rstd, null, null, gradInput, null, null);
            Kernels.Conv2dBackward(conv, x, w, 1, 1, 1, 1, gradInput, gradWeight, gradBias);
            Kernels.Dropout(x, 0.5, generator, dropped, mask);
            Kernels.NllLoss(logits, labels, Reduction.Mean, null, -100, loss, totalWeight);
            Kernels.NllLossBackward(one, logits, labels, totalWeight, Reduction.Mean, null, -100, gradLogits);
            Kernels.CrossEntropy(logits, labels, Reduction.Mean, null, -100, loss);
            Kernels.Softmax(logits, 1, gradLogits);
        }

        // Warm up past tiered compilation; then every call must be free of managed allocations.
        for (var k = 0; k < 100; k++) Step();
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var k = 0; k < 20; k++) Step();
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    // ---- hyperparameter arguments ------------------------------------------------------------

    [Fact]
    public void Size2_converts_from_a_number_a_tuple_and_an_array()
    {
        Assert.Equal(new Size2(3, 3), (Size2)3);
        Assert.Equal(new Size2(1, 2), (Size2)(1, 2));
        Assert.Equal(new Size2(4, 5), (Size2)new long[] { 4, 5 });
        Assert.Equal(new Size2(6, 6), (Size2)new[] { 6 });
        Assert.Throws<ArgumentException>(() => (Size2)new long[] { 1, 2, 3 });

        // As optional arguments, PyTorch-style.
        using var x = Tensor.Randn([1, 2, 9, 8]);
        using var w = Tensor.Randn([3, 2, 3, 3]);
        using var y = Ops.Conv2d(x, w, stride: 2, padding: (1, 0));
        Assert.Equal(new Shape(1, 3, 5, 3), y.Shape);
        using var pooled = Ops.MaxPool2d(x, kernel: new[] { 3, 2 }, stride: (3, 2));
        Assert.Equal(new Shape(1, 2, 3, 4), pooled.Shape);
    }

    // ---- errors: a clear DslException, and the runtime carries on ----------------------------

    private static DslException Fails(Func<IDisposable?> call)
    {
        var error = Assert.Throws<DslException>(() => { call()?.Dispose(); });
        // The process and the runtime live on: a valid op still works.
        using var a = Tensor.Ones([2, 2]);
        using var sum = a + a;
        Assert.Equal([2f, 2f, 2f, 2f], sum.ToArray<float>());
        return error;
    }

    [Fact]
    public void Conv2d_with_a_channel_mismatch_names_both_shapes()
    {
        using var x = Tensor.Randn([2, 5, 8, 8]);
        using var w = Tensor.Randn([4, 3, 3, 3]);
        var error = Fails(() => Ops.Conv2d(x, w));
        Assert.Equal("conv2d", error.Operation);
        Assert.Contains("[2, 5, 8, 8]", error.Message);
        Assert.Contains("[4, 3, 3, 3]", error.Message);
        Assert.Contains("channels", error.Message);
        using var output = Tensor.Empty([2, 4, 6, 6]);
        Assert.Contains("[2, 5, 8, 8]", Fails(() => { Kernels.Conv2d(x, w, null, 1, 0, 1, 1, output); return null; }).Message);
    }

    [Fact]
    public void Cross_entropy_with_a_label_out_of_range_says_which_label_and_how_many_classes()
    {
        using var logits = Tensor.Randn([4, 5]);
        using var labels = Tensor.FromArray(new long[] { 0, 1, 7, 2 });
        var error = Fails(() => Ops.CrossEntropy(logits, labels));
        Assert.Contains("target 7 is out of range for 5 classes", error.Message);
        Assert.Contains("[4, 5]", error.Message);

        using var negative = Tensor.FromArray(new long[] { 0, -3, 1, 2 });
        Assert.Contains("target -3 is out of range", Fails(() => Ops.CrossEntropy(logits, negative)).Message);
        using var loss = Tensor.Empty([]);
        Assert.Contains("target 7", Fails(() => { Kernels.CrossEntropy(logits, labels, Reduction.Mean, null, -100, loss); return null; }).Message);
        Assert.Contains("target 7", Fails(() => Ops.NllLoss(logits, labels)).Message);
    }

    [Fact]
    public void Nll_loss_with_wrong_targets_explains_what_it_expected()
    {
        using var logProbs = Tensor.Randn([4, 5]);
        using var tooFew = Tensor.FromArray(new long[] { 0, 1, 2 });
        var error = Fails(() => Ops.NllLoss(logProbs, tooFew));
        Assert.Contains("[3]", error.Message);
        Assert.Contains("[4, 5]", error.Message);

        using var floats = Tensor.Zeros([4]);
        Assert.Contains("Int64", Fails(() => Ops.NllLoss(logProbs, floats)).Message);

        // [N, C, d1, ...] takes a target per position: the scores' shape without the class dim 1.
        using var image = Tensor.Randn([2, 5, 3, 3]);
        using var wrongPixels = Tensor.Zeros([2, 3, 4], DType.Int64);
        var pixelError = Fails(() => Ops.NllLoss(image, wrongPixels)).Message;
        Assert.Contains("targets [2, 3, 4] do not match the input [2, 5, 3, 3]", pixelError);
        Assert.Contains("without its class dim 1", pixelError);
        using var outOfRange = Tensor.Full([2, 3, 3], 5, DType.Int64);
        Assert.Contains("target 5 is out of range for 5 classes", Fails(() => Ops.NllLoss(image, outOfRange)).Message);

        using var labels = Tensor.FromArray(new long[] { 0, 1, 2, 3 });
        Assert.Contains("unknown reduction code 7", Fails(() => Ops.NllLoss(logProbs, labels, (Reduction)7)).Message);
    }

    [Fact]
    public void Losses_with_elementwise_targets_need_equal_shapes()
    {
        using var input = Tensor.Randn([4, 5]);
        using var row = Tensor.Randn([1, 5]);
        var error = Fails(() => Ops.MseLoss(input, row));
        Assert.Contains("[4, 5]", error.Message);
        Assert.Contains("[1, 5]", error.Message);
        Assert.Contains("same shape", Fails(() => Ops.BinaryCrossEntropyWithLogits(input, row)).Message);
    }

    [Fact]
    public void Pooling_layer_norm_embedding_and_dropout_reject_bad_arguments()
    {
        using var small = Tensor.Randn([1, 1, 2, 2]);
        Assert.Contains("too small", Fails(() => Ops.MaxPool2d(small, 3)).Message);
        Assert.Contains("[1, 1, 2, 2]", Fails(() => Ops.AvgPool2d(small, 3)).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => Ops.AvgPool2d(small, 1, divisorOverride: 0));

        using var x = Tensor.Randn([4, 5]);
        var error = Fails(() => Ops.LayerNorm(x, [6]));
        Assert.Contains("[6]", error.Message);
        Assert.Contains("[4, 5]", error.Message);

        using var table = Tensor.Randn([5, 3]);
        using var outOfRange = Tensor.FromArray(new long[] { 0, 1, 9 });
        Assert.Contains("index out of range", Fails(() => Ops.Embedding(table, outOfRange)).Message);

        Assert.Contains("p must be in [0, 1]", Fails(() => Ops.DropoutWithMask(x, 1.5).Output).Message);
    }
}


public sealed class MseLossIntoScalarTests
{
    [Fact]
    public void Mean_mse_into_a_scalar_buffer_keeps_the_buffer()
    {
        using var g = new Generator(3);
        using var p = Tensor.Randn([5, 3], g, DType.Float64);
        using var t = Tensor.Randn([5, 3], g, DType.Float64);
        using var loss = Tensor.Empty([], DType.Float64);
        var storage = loss.DataPointer;
        Kernels.MseLoss(p, t, Reduction.Mean, loss);
        Assert.Equal(Shape.Scalar, loss.Shape);
        Assert.Equal(storage, loss.DataPointer); // written in place, not reallocated
        using var diff = p - t;
        using var expected = Ops.Mean(Ops.Square(diff));
        Assert.Equal(expected.Item(), loss.Item(), 12);
    }
}
