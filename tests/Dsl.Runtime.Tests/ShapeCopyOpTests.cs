using static Dsl.Runtime.Tests.OpErrors;
using Dsl.Testing;
using Xunit;
using Inputs = System.Func<Dsl.Generator, System.Collections.Generic.Dictionary<string, Dsl.Tensor>>;

namespace Dsl.Runtime.Tests;

/// <summary>
/// The copying shape kernels (the generated step holds buffers, not views), their backward scatters
/// against torch.autograd, and matmul with transposed operands, against PyTorch.
/// </summary>
public sealed class ShapeCopyCatalog : OpCatalog
{
    private const double Rtol = 1e-10, Atol = 1e-12;

    private static Tensor D(Generator g, params long[] shape) => Tensor.Randn(new Shape(shape), g, DType.Float64);

    private static Inputs X(params long[] shape) => g => new() { ["x"] = D(g, shape) };

    /// <summary>x and an upstream gradient g shaped like the forward result.</summary>
    private static Inputs XG(long[] x, long[] g) => gen => new() { ["x"] = D(gen, x), ["g"] = D(gen, g) };

    /// <summary>PyTorch's gradient of <paramref name="forward"/> with respect to x, upstream g.</summary>
    private static string Autograd(string forward) => $"x.requires_grad_()\nresult = torch.autograd.grad({forward}, (x,), g)[0]";

    /// <summary>A forward copy checked through its eager view and its kernel into a buffer.</summary>
    private static OpCase Copy(string name, string torch, Inputs inputs, Func<Tensor, Tensor> view, Action<Tensor, Tensor> into) =>
        new(name, torch, inputs, i => view(i["x"]), (i, o) => into(i["x"], o), Rtol, Atol);

    /// <summary>A backward scatter: the eager form fills a zero buffer of x's shape, the kernel form a poisoned one.</summary>
    private static OpCase Scatter(string name, string forward, Inputs inputs, Action<IReadOnlyDictionary<string, Tensor>, Tensor> kernel) =>
        new(name, Autograd(forward), inputs,
            i => { var o = Tensor.ZerosLike(i["x"]); kernel(i, o); return o; },
            (i, o) => { Kernels.Fill(o, double.NaN); kernel(i, o); }, Rtol, Atol);

    private static Inputs Operands(long[] a, long[] b) => g => new() { ["a"] = D(g, a), ["b"] = D(g, b) };

    private static OpCase MatMulT(string name, string torch, long[] a, long[] b, bool ta, bool tb) =>
        new(name, torch, Operands(a, b),
            i =>
            {
                using var at = ta ? Ops.Transpose(i["a"], -2, -1) : null;
                using var bt = tb ? Ops.Transpose(i["b"], -2, -1) : null;
                return Ops.MatMul(at ?? i["a"], bt ?? i["b"]);
            },
            (i, o) => Kernels.MatMul(i["a"], i["b"], o, ta, tb), Rtol, Atol);

    private static Tensor Index(params long[] values) => Tensor.FromArray(values);

    public override IEnumerable<OpCase> Cases =>
    [
        Copy("reshape", "x.reshape(4, 6)", X(2, 3, 4), x => Ops.Reshape(x, 4, 6), Kernels.Reshape),
        Copy("reshape-of-transposed", "x.t().reshape(2, 6)", X(3, 4), x => { using var t = x.T; return t.Reshape(2, 6); },
            (x, o) => { using var t = x.T; Kernels.Reshape(t, o); }),
        Copy("permute", "x.permute(2, 0, 1)", X(2, 3, 4), x => Ops.Permute(x, 2, 0, 1), (x, o) => Kernels.Permute(x, [2, 0, 1], o)),
        Copy("permute-negative-dims", "x.permute(-1, 0, -2)", X(2, 3, 4), x => Ops.Permute(x, -1, 0, -2), (x, o) => Kernels.Permute(x, [-1, 0, -2], o)),
        Copy("transpose", "x.transpose(0, 2)", X(2, 3, 4), x => Ops.Transpose(x, 0, 2), (x, o) => Kernels.Transpose(x, 0, 2, o)),
        Copy("transpose-last-two", "x.transpose(-1, -2)", X(2, 3, 4), x => Ops.Transpose(x), (x, o) => Kernels.Transpose(x, -1, -2, o)),
        Copy("expand", "x.expand(2, 3, 4)", X(3, 1), x => Ops.Expand(x, 2, 3, 4), Kernels.Expand),
        Copy("expand-middle", "x.expand(4, 5, 3)", X(4, 1, 3), x => Ops.Expand(x, 4, 5, 3), Kernels.Expand),
        Copy("narrow", "x.narrow(1, 1, 2)", X(4, 5), x => Ops.Narrow(x, 1, 1, 2), (x, o) => Kernels.Narrow(x, 1, 1, o)),
        Copy("narrow-negative-dim-and-start", "x.narrow(-1, -3, 2)", X(2, 4, 5), x => Ops.Narrow(x, -1, 2, 2), (x, o) => Kernels.Narrow(x, -1, -3, o)),
        Copy("slice-step", "x[:, 1::2]", X(4, 7), x => Ops.Slice(x, 1, 1, null, 2), (x, o) => Kernels.Slice(x, 1, 1, 2, o)),
        Copy("slice-negative-start-step-3", "x[-5::3]", X(6, 3), x => Ops.Slice(x, 0, -5, null, 3), (x, o) => Kernels.Slice(x, 0, -5, 3, o)),
        Copy("slice-step-1", "x[:, :, 2:4]", X(2, 3, 5), x => Ops.Slice(x, 2, 2, 4), (x, o) => Kernels.Slice(x, -1, 2, 1, o)),
        Copy("select", "x.select(1, 2)", X(3, 4, 5), x => Ops.Select(x, 1, 2), (x, o) => Kernels.Select(x, 1, 2, o)),
        Copy("select-negative-index", "x.select(0, -1)", X(3, 4), x => Ops.Select(x, 0, -1), (x, o) => Kernels.Select(x, 0, -1, o)),
        Copy("select-last-dim", "x[..., 0]", X(2, 3, 4), x => Ops.Select(x, -1, 0), (x, o) => Kernels.Select(x, -1, 0, o)),

        Scatter("narrow-backward", "x.narrow(1, 1, 2)", XG([4, 5], [4, 2]), (i, o) => Kernels.NarrowBackward(i["g"], 1, 1, o)),
        Scatter("narrow-backward-negative", "x.narrow(-1, -3, 2)", XG([2, 3, 5], [2, 3, 2]), (i, o) => Kernels.NarrowBackward(i["g"], -1, -3, o)),
        Scatter("slice-backward-step", "x[:, 1::2]", XG([4, 7], [4, 3]), (i, o) => Kernels.SliceBackward(i["g"], 1, 1, 2, o)),
        Scatter("slice-backward-negative-start", "x[-5::3]", XG([6, 3], [2, 3]), (i, o) => Kernels.SliceBackward(i["g"], 0, -5, 3, o)),
        Scatter("select-backward", "x.select(1, 2)", XG([3, 4, 5], [3, 5]), (i, o) => Kernels.SelectBackward(i["g"], 1, 2, o)),
        Scatter("select-backward-negative", "x.select(0, -1)", XG([3, 4], [4]), (i, o) => Kernels.SelectBackward(i["g"], 0, -1, o)),
        Scatter("index-select-backward-repeats", "torch.index_select(x, 1, idx)",
            g => new() { ["x"] = D(g, 3, 5), ["idx"] = Index(4, 0, 4, 2, 4), ["g"] = D(g, 3, 5) },
            (i, o) => Kernels.IndexSelectBackward(i["g"], 1, i["idx"], o)),
        Scatter("index-select-backward-dim0", "torch.index_select(x, 0, idx)",
            g => new() { ["x"] = D(g, 4, 2, 3), ["idx"] = Index(1, 1, 3), ["g"] = D(g, 3, 2, 3) },
            (i, o) => Kernels.IndexSelectBackward(i["g"], 0, i["idx"], o)),
        Scatter("gather-backward-repeats", "torch.gather(x, 1, idx)",
            g => new() { ["x"] = D(g, 3, 4), ["idx"] = Tensor.FromArray(new long[] { 0, 0, 3, 1, 1, 1, 2, 0, 2 }, 3, 3), ["g"] = D(g, 3, 3) },
            (i, o) => Kernels.GatherBackward(i["g"], 1, i["idx"], o)),
        Scatter("gather-backward-dim0", "torch.gather(x, 0, idx)",
            g => new() { ["x"] = D(g, 3, 2), ["idx"] = Tensor.FromArray(new long[] { 2, 0, 2, 0 }, 2, 2), ["g"] = D(g, 2, 2) },
            (i, o) => Kernels.GatherBackward(i["g"], 0, i["idx"], o)),

        MatMulT("matmul-2d-no-transpose", "a @ b", [3, 4], [4, 5], false, false),
        MatMulT("matmul-2d-transpose-a", "a.transpose(-2, -1) @ b", [4, 3], [4, 5], true, false),
        MatMulT("matmul-2d-transpose-both", "a.transpose(-2, -1) @ b.transpose(-2, -1)", [4, 3], [5, 4], true, true),
        MatMulT("matmul-3d-transpose-b", "a @ b.transpose(-2, -1)", [2, 3, 4], [2, 5, 4], false, true),
        MatMulT("matmul-4d-attention-scores", "a @ b.transpose(-2, -1)", [2, 3, 5, 4], [2, 3, 6, 4], false, true),
        MatMulT("matmul-4d-transpose-a", "a.transpose(-2, -1) @ b", [2, 3, 5, 4], [2, 3, 5, 6], true, false),
        MatMulT("matmul-broadcast-batch", "a.transpose(-2, -1) @ b", [2, 1, 4, 3], [5, 4, 6], true, false),
        MatMulT("matmul-batched-times-matrix", "a @ b.transpose(-2, -1)", [2, 3, 4], [6, 4], false, true),
    ];
}

public sealed class ShapeCopyOpTests(TorchCaseFixture<ShapeCopyCatalog> torch) : IClassFixture<TorchCaseFixture<ShapeCopyCatalog>>
{
    public static TheoryData<string> Names => TorchCaseFixture<ShapeCopyCatalog>.Names();

    [Theory]
    [MemberData(nameof(Names))]
    public void Matches_pytorch(string name) => torch.Check(name);

    [Fact]
    public void Copies_with_an_output_of_the_wrong_shape_name_both_shapes()
    {
        using var x = Tensor.Randn([2, 3, 4]);
        using var seven = Tensor.Empty([7]);
        Fails(() => Kernels.Reshape(x, seven), "reshape", "[2, 3, 4] has 24 elements", "[7] has 7");
        using var row = Tensor.Randn([3, 2]);
        using var wide = Tensor.Empty([4, 3, 5]);
        Fails(() => Kernels.Expand(row, wide), "expand", "[3, 2] does not broadcast", "[4, 3, 5]");
        using var tooLong = Tensor.Empty([2, 3, 3]);
        var narrow = Fails(() => Kernels.Narrow(x, 2, 2, tooLong), "narrow", "[2, 5)", "[2, 3, 4]");
        Assert.StartsWith("narrow: elements", narrow.Message); // the op is named once, not twice
        using var otherRows = Tensor.Empty([5, 3, 2]);
        Fails(() => Kernels.Narrow(x, 2, 0, otherRows), "narrow", "[5, 3, 2]", "on every dim except 2");
        using var selected = Tensor.Empty([2, 4]);
        Fails(() => Kernels.Select(x, 1, 3, selected), "select", "index 3 out of range");
        using var sliced = Tensor.Empty([2, 3, 3]);
        Fails(() => Kernels.Slice(x, 2, 1, 2, sliced), "slice", "3 elements from 1 with step 2", "[2, 3, 4]");
        Fails(() => Kernels.Slice(x, 2, 0, 0, sliced), "slice", "step must be positive");
    }

    [Fact]
    public void Backward_scatters_check_the_gradient_against_the_output()
    {
        using var output = Tensor.Empty([3, 4]);
        using var grad = Tensor.Randn([3, 2]);
        Fails(() => Kernels.NarrowBackward(grad, 1, 3, output), "narrow_backward", "[3, 2]", "[3, 4]");
        using var wrongGrad = Tensor.Randn([5]);
        Fails(() => Kernels.SelectBackward(wrongGrad, 0, 1, output), "select_backward", "[5]", "[3, 4]");
        using var index = Tensor.FromArray([0L, 1, 2]);
        Fails(() => Kernels.IndexSelectBackward(grad, 1, index, output), "index_select_backward", "[3, 2]", "the index has 3");
        using var gatherIndex = Tensor.Zeros([3, 3], DType.Int64);
        Fails(() => Kernels.GatherBackward(grad, 1, gatherIndex, output), "gather_backward", "[3, 2]", "[3, 3]");
    }

    [Fact]
    public void Matmul_with_transposes_names_the_transposed_shapes()
    {
        using var a = Tensor.Randn([2, 3, 4]);
        using var b = Tensor.Randn([2, 3, 4]);
        using var output = Tensor.Empty([2, 3, 3]);
        Fails(() => Kernels.MatMul(a, b, output, false, false), "matmul", "inner dimensions differ");
        Fails(() => Kernels.MatMul(a, b, output, true, true), "matmul", "a (transposed) is [2, 4, 3]", "b (transposed) is [2, 4, 3]");
        using var vector = Tensor.Randn([4]);
        Fails(() => Kernels.MatMul(a, vector, output, false, true), "matmul", "at least 2 dimensions");
    }

    [Fact]
    public void Shape_copy_kernels_allocate_no_managed_memory()
    {
        using var x = Tensor.Randn([2, 3, 4]);
        using var reshaped = Tensor.Empty([6, 4]);
        using var permuted = Tensor.Empty([4, 2, 3]);
        using var transposed = Tensor.Empty([4, 3, 2]);
        using var row = Tensor.Randn([1, 4]);
        using var expanded = Tensor.Empty([2, 3, 4]);
        using var narrowed = Tensor.Empty([2, 3, 2]);
        using var selected = Tensor.Empty([2, 4]);
        using var gradX = Tensor.Empty([2, 3, 4]);
        using var index = Tensor.FromArray([2L, 0, 2]);
        using var indexGrad = Tensor.Randn([2, 3, 3]);
        using var gatherIndex = Tensor.Zeros([2, 3, 4], DType.Int64);
        using var scores = Tensor.Empty([2, 3, 3]);
        long[] order = [2, 0, 1];

        var bytes = Allocations.Measure(() =>
        {
            Kernels.Reshape(x, reshaped);
            Kernels.Permute(x, order, permuted);
            Kernels.Transpose(x, 0, 2, transposed);
            Kernels.Expand(row, expanded);
            Kernels.Narrow(x, 2, 1, narrowed);
            Kernels.Select(x, 1, 0, selected);
            Kernels.NarrowBackward(narrowed, 2, 1, gradX);
            Kernels.SelectBackward(selected, 1, 0, gradX);
            Kernels.Slice(x, 2, 0, 2, narrowed);
            Kernels.SliceBackward(narrowed, 2, 1, 2, gradX);
            Kernels.IndexSelectBackward(indexGrad, 2, index, gradX);
            Kernels.GatherBackward(x, 2, gatherIndex, gradX);
            Kernels.MatMul(x, x, scores, false, true);
        });

        Assert.Equal(0, bytes);
    }
}
