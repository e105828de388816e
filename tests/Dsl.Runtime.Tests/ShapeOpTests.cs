using Dsl.Testing;
using Xunit;
using Inputs = System.Func<Dsl.Generator, System.Collections.Generic.Dictionary<string, Dsl.Tensor>>;

namespace Dsl.Runtime.Tests;

public sealed class ShapeCatalog : OpCatalog
{
    private static Inputs X(params long[] shape) => g => new() { ["x"] = Tensor.Randn(shape, g) };

    // x of shape xShape and an Int64 index of shape indexShape with values in [0, high).
    private static Inputs XIndex(long[] xShape, long[] indexShape, long high) =>
        g => new() { ["x"] = Tensor.Randn(xShape, g), ["idx"] = Tensor.RandInt(0, high, indexShape, g) };

    // self, an index and src of the index's shape, for scatter_add.
    private static Inputs Scatter(long[] selfShape, long[] indexShape, long high) =>
        g => new()
        {
            ["s"] = Tensor.Randn(selfShape, g),
            ["idx"] = Tensor.RandInt(0, high, indexShape, g),
            ["src"] = Tensor.Randn(indexShape, g),
        };

    private static Inputs Labels(long[] shape, long classes) => g => new() { ["y"] = Tensor.RandInt(0, classes, shape, g) };

    private static Inputs Several(params long[][] shapes) => g =>
    {
        var inputs = new Dictionary<string, Tensor>();
        for (var i = 0; i < shapes.Length; i++) inputs[((char)('a' + i)).ToString()] = Tensor.Randn(shapes[i], g);
        return inputs;
    };

    // A view of x: no output form.
    private static OpCase View(string name, string torch, Inputs inputs, Func<Tensor, Tensor> eager) =>
        new(name, torch, inputs, i => eager(i["x"]));

    public override IEnumerable<OpCase> Cases =>
    [
        // views
        View("reshape", "x.reshape(4, 6)", X(2, 3, 4), x => Ops.Reshape(x, [4, 6])),
        View("reshape-params", "x.reshape(2, 12)", X(2, 3, 4), x => Ops.Reshape(x, 2, 12)),
        View("reshape-inferred", "x.reshape(-1, 4)", X(2, 3, 4), x => x.Reshape(-1, 4)),
        View("reshape-to-shape", "x.reshape(3, 8)", X(2, 3, 4), x => { using var like = Tensor.Zeros([3, 8]); return x.Reshape(like.Shape); }),
        View("reshape-of-transposed", "x.t().reshape(-1)", X(3, 4), x => { using var t = x.T; return t.Reshape(-1); }),
        View("view", "x.view(6, 4)", X(2, 3, 4), x => x.View(6, 4)),
        View("transpose", "x.transpose(0, 2)", X(2, 3, 4), x => Ops.Transpose(x, 0, 2)),
        View("transpose-negative-dims", "x.transpose(-1, -2)", X(2, 3, 4), x => x.Transpose(-1, -2)),
        View("t", "x.T", X(3, 5), x => x.T),
        View("permute", "x.permute(2, 0, 1)", X(2, 3, 4), x => Ops.Permute(x, 2, 0, 1)),
        View("permute-negative-dims", "x.permute(-1, 0, -2)", X(2, 3, 4), x => x.Permute(-1, 0, -2)),
        View("expand", "x.expand(2, 3, 4)", X(3, 1), x => Ops.Expand(x, 2, 3, 4)),
        View("expand-keep-size", "x.expand(-1, 5)", X(3, 1), x => x.Expand(-1, 5)),
        View("slice", "x[:, 1:3]", X(4, 5), x => Ops.Slice(x, 1, 1, 3)),
        View("slice-step", "x[:, ::2]", X(4, 5), x => x.Slice(1, 0, step: 2)),
        View("slice-negative-start", "x[-2:]", X(4, 5), x => x.Slice(0, -2)),
        View("slice-end-clamped", "x[:, 1:100]", X(4, 5), x => x.Slice(-1, 1, 100)),
        View("narrow", "x.narrow(1, 1, 2)", X(4, 5), x => Ops.Narrow(x, 1, 1, 2)),
        View("narrow-negative-dim", "x.narrow(-1, 0, 3)", X(4, 5), x => x.Narrow(-1, 0, 3)),
        View("flatten", "x.flatten()", X(2, 3, 4), x => Ops.Flatten(x)),
        View("flatten-from", "x.flatten(1)", X(2, 3, 4), x => x.Flatten(1)),
        View("flatten-range", "x.flatten(0, -2)", X(2, 3, 4), x => x.Flatten(0, -2)),
        View("squeeze", "x.squeeze()", X(2, 1, 3, 1), x => Ops.Squeeze(x)),
        View("squeeze-dim", "x.squeeze(1)", X(2, 1, 3, 1), x => x.Squeeze(1)),
        View("squeeze-negative-dim", "x.squeeze(-1)", X(2, 1, 3, 1), x => x.Squeeze(-1)),
        View("squeeze-dim-not-one", "x.squeeze(0)", X(2, 1, 3, 1), x => x.Squeeze(0)),
        View("unsqueeze", "x.unsqueeze(0)", X(2, 3), x => Ops.Unsqueeze(x, 0)),
        View("unsqueeze-negative-dim", "x.unsqueeze(-1)", X(2, 3), x => x.Unsqueeze(-1)),

        // indexing
        new("index-select", "torch.index_select(x, 1, idx)", XIndex([4, 5], [3], 5),
            i => Ops.IndexSelect(i["x"], 1, i["idx"]), (i, o) => Kernels.IndexSelect(i["x"], 1, i["idx"], o)),
        new("index-select-repeated-rows", "torch.index_select(x, 0, idx)", XIndex([4, 5], [9], 4),
            i => Ops.IndexSelect(i["x"], 0, i["idx"]), (i, o) => Kernels.IndexSelect(i["x"], 0, i["idx"], o)),
        new("index-select-negative-dim", "torch.index_select(x, -1, idx)", XIndex([2, 3, 4], [2], 4),
            i => Ops.IndexSelect(i["x"], -1, i["idx"]), (i, o) => Kernels.IndexSelect(i["x"], -1, i["idx"], o)),
        new("gather", "torch.gather(x, 1, idx)", XIndex([3, 4], [3, 2], 4),
            i => Ops.Gather(i["x"], 1, i["idx"]), (i, o) => Kernels.Gather(i["x"], 1, i["idx"], o)),
        new("gather-dim0", "torch.gather(x, 0, idx)", XIndex([3, 4], [5, 4], 3),
            i => Ops.Gather(i["x"], 0, i["idx"]), (i, o) => Kernels.Gather(i["x"], 0, i["idx"], o)),
        new("gather-negative-dim", "torch.gather(x, -1, idx)", XIndex([2, 3, 4], [2, 3, 1], 4),
            i => Ops.Gather(i["x"], -1, i["idx"]), (i, o) => Kernels.Gather(i["x"], -1, i["idx"], o)),
        new("scatter-add", "torch.scatter_add(s, 1, idx, src)", Scatter([3, 5], [3, 4], 5),
            i => Ops.ScatterAdd(i["s"], 1, i["idx"], i["src"]), (i, o) => Kernels.ScatterAdd(i["s"], 1, i["idx"], i["src"], o)),
        new("scatter-add-dim0-repeats", "torch.scatter_add(s, 0, idx, src)", Scatter([2, 3], [6, 3], 2),
            i => Ops.ScatterAdd(i["s"], 0, i["idx"], i["src"]), (i, o) => Kernels.ScatterAdd(i["s"], 0, i["idx"], i["src"], o)),
        new("scatter-add-in-place", "s.clone().scatter_add_(-1, idx, src)", Scatter([3, 5], [3, 7], 5),
            i =>
            {
                var result = i["s"].Clone();
                Kernels.ScatterAddInPlace(result, -1, i["idx"], i["src"]);
                return result;
            }),
        new("one-hot", "F.one_hot(y, 4)", Labels([6], 4),
            i => Ops.OneHot(i["y"], 4), (i, o) => Kernels.OneHot(i["y"], o)),
        new("one-hot-inferred-classes", "F.one_hot(y)", Labels([2, 5], 7), i => Ops.OneHot(i["y"])),
        new("one-hot-float", "F.one_hot(y, 5).float()", Labels([2, 3], 5),
            i => Ops.OneHot(i["y"], 5, DType.Float32), (i, o) => Kernels.OneHot(i["y"], o)),
        new("one-hot-float-inferred-classes", "F.one_hot(y).double()", Labels([8], 3), i => Ops.OneHot(i["y"], dtype: DType.Float64)),

        // joining
        new("cat", "torch.cat([a, b], 1)", Several([2, 3], [2, 4]),
            i => Ops.Cat([i["a"], i["b"]], 1), (i, o) => Kernels.Cat([i["a"], i["b"]], 1, o)),
        new("cat-three-dim0", "torch.cat([a, b, c])", Several([1, 3], [2, 3], [4, 3]),
            i => Ops.Cat([i["a"], i["b"], i["c"]]), (i, o) => Kernels.Cat([i["a"], i["b"], i["c"]], 0, o)),
        new("cat-negative-dim", "torch.cat([a, b], -1)", Several([2, 2, 1], [2, 2, 3]),
            i => Ops.Cat([i["a"], i["b"]], -1), (i, o) => Kernels.Cat([i["a"], i["b"]], -1, o)),
        new("stack", "torch.stack([a, b, c], 1)", Several([2, 3], [2, 3], [2, 3]),
            i => Ops.Stack([i["a"], i["b"], i["c"]], 1), (i, o) => Kernels.Stack([i["a"], i["b"], i["c"]], 1, o)),
        new("stack-negative-dim", "torch.stack([a, b], -1)", Several([2, 3], [2, 3]),
            i => Ops.Stack([i["a"], i["b"]], -1), (i, o) => Kernels.Stack([i["a"], i["b"]], -1, o)),
    ];
}

public sealed class ShapeOpTests(TorchCaseFixture<ShapeCatalog> torch) : IClassFixture<TorchCaseFixture<ShapeCatalog>>
{
    public static TheoryData<string> Names => TorchCaseFixture<ShapeCatalog>.Names();

    [Theory]
    [MemberData(nameof(Names))]
    public void Matches_pytorch(string name) => torch.Check(name);

    // ---- views share storage -------------------------------------------------------------------

    public static TheoryData<string> WritableViews => new()
    {
        "reshape", "view", "transpose", "t", "permute", "slice", "narrow", "flatten", "squeeze", "unsqueeze",
    };

    private static Tensor MakeView(string kind, Tensor x) => kind switch
    {
        "reshape" => x.Reshape(3, 2),
        "view" => x.View(-1),
        "transpose" => x.Transpose(0, 1),
        "t" => x.T,
        "permute" => x.Permute(1, 0),
        "slice" => x.Slice(1, 0, step: 2),
        "narrow" => x.Narrow(0, 1, 1),
        "flatten" => x.Flatten(),
        "squeeze" => x.Squeeze(),
        "unsqueeze" => x.Unsqueeze(0),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    [Theory]
    [MemberData(nameof(WritableViews))]
    public void Writing_into_a_view_changes_the_tensor_it_views(string kind)
    {
        using var x = Tensor.Zeros([2, 3]);
        using var view = MakeView(kind, x);

        Kernels.Fill(view, 1);

        using var total = Ops.Sum(x);
        Assert.Equal(view.NumElements, (long)total.Item());
    }

    [Fact]
    public void Expand_repeats_without_copying()
    {
        using var x = Tensor.FromArray([1f, 2, 3], 3, 1);
        using var expanded = x.Expand(3, 4);

        Assert.Equal(x.DataPointer, expanded.DataPointer);
        Assert.Equal(new long[] { 1, 0 }, expanded.Strides);
    }

    [Fact]
    public void View_of_a_non_contiguous_tensor_fails_where_reshape_copies()
    {
        using var x = Tensor.Randn([3, 4]);
        using var transposed = x.T;

        Assert.Throws<DslException>(() => transposed.View(-1));
        using var reshaped = transposed.Reshape(-1);
        Assert.Equal([12L], reshaped.Shape.ToArray());
        Assert.True(reshaped.IsContiguous);
    }

    // ---- output forms --------------------------------------------------------------------------

    [Fact]
    public void Cat_takes_lists_longer_than_the_stack_buffer()
    {
        var parts = Enumerable.Range(0, 300).Select(i => Tensor.Full([1, 2], i)).ToArray();
        try
        {
            using var joined = Ops.Cat(parts);
            using var output = Tensor.Empty([300, 2]);
            Kernels.Cat(parts, 0, output);

            Assert.Equal([300L, 2], joined.Shape.ToArray());
            Assert.Equal(299f, joined.ToArray<float>()[^1]);
            Assert.Equal(joined.ToArray<float>(), output.ToArray<float>());
        }
        finally
        {
            foreach (var part in parts) part.Dispose();
        }
    }

    [Fact]
    public void Indexing_and_joining_kernels_allocate_no_managed_memory()
    {
        using var a = Tensor.Randn([2, 3]);
        using var b = Tensor.Randn([2, 3]);
        using var index = Tensor.FromArray([2L, 0], 2);
        using var catOutput = Tensor.Empty([4, 3]);
        using var stackOutput = Tensor.Empty([2, 2, 3]);
        using var selected = Tensor.Empty([2, 2]);
        using var gatherIndex = Tensor.FromArray([0L, 2, 1, 1], 2, 2);
        using var gathered = Tensor.Empty([2, 2]);
        using var scattered = Tensor.Zeros([2, 3]);
        using var oneHot = Tensor.Empty([2, 3]);

        var bytes = Allocations.Measure(() =>
        {
            Kernels.Cat([a, b], 0, catOutput);
            Kernels.Stack([a, b], 0, stackOutput);
            Kernels.IndexSelect(a, 1, index, selected);
            Kernels.Gather(a, 1, gatherIndex, gathered);
            Kernels.ScatterAddInPlace(scattered, 1, gatherIndex, gathered);
            Kernels.OneHot(index, oneHot);
        });

        Assert.Equal(0, bytes);
    }

    // ---- errors --------------------------------------------------------------------------------

    [Fact]
    public void Reshape_to_a_different_element_count_names_the_sizes()
    {
        using var x = Tensor.Randn([2, 3]);

        var error = Assert.Throws<DslException>(() => x.Reshape(4));

        Assert.Equal("reshape", error.Operation);
        Assert.Contains("[4]", error.Message);
        Assert.Contains("6", error.Message);
        Assert.Contains("[2, 3]", error.Message);
    }

    [Fact]
    public void Cat_of_mismatched_shapes_names_the_shapes()
    {
        using var a = Tensor.Randn([2, 3]);
        using var b = Tensor.Randn([3, 4]);
        using var output = Tensor.Empty([5, 3]);

        var eager = Assert.Throws<DslException>(() => Ops.Cat([a, b]));
        var into = Assert.Throws<DslException>(() => Kernels.Cat([a, b], 0, output));

        Assert.Equal("cat", eager.Operation);
        Assert.Contains("[2, 3]", eager.Message);
        Assert.Contains("[3, 4]", eager.Message);
        Assert.Contains("[3, 4]", into.Message);
        Assert.Contains("[5, 3]", into.Message);
    }

    [Fact]
    public void Stack_of_mismatched_shapes_names_the_shapes()
    {
        using var a = Tensor.Randn([2, 3]);
        using var b = Tensor.Randn([3, 2]);

        var error = Assert.Throws<DslException>(() => Ops.Stack([a, b], 1));

        Assert.Contains("[2, 3]", error.Message);
        Assert.Contains("[3, 2]", error.Message);
    }

    [Fact]
    public void Cat_of_no_tensors_fails()
    {
        Assert.Throws<DslException>(() => Ops.Cat([]));
    }

    [Fact]
    public void Bad_dims_fail_and_the_process_lives_on()
    {
        using var x = Tensor.Randn([2, 3]);
        using var index = Tensor.FromArray([0L, 5], 2);
        using var small = Tensor.FromArray([0L], 1, 1);

        Assert.Contains("out of range", Assert.Throws<DslException>(() => x.Transpose(0, 2)).Message);
        Assert.Contains("out of range", Assert.Throws<DslException>(() => x.Unsqueeze(4)).Message);
        Assert.Contains("out of range", Assert.Throws<DslException>(() => x.Squeeze(-3)).Message);
        Assert.Contains("out of range", Assert.Throws<DslException>(() => x.Slice(2, 0)).Message);
        Assert.Throws<DslException>(() => x.Permute(0));
        Assert.Throws<DslException>(() => x.Permute(0, 0));
        Assert.Throws<DslException>(() => x.Narrow(1, 2, 5));
        Assert.Throws<DslException>(() => x.Expand(4, 3));
        Assert.Throws<DslException>(() => x.Flatten(1, 0));
        Assert.Throws<DslException>(() => Ops.IndexSelect(x, 1, index));
        Assert.Throws<DslException>(() => Ops.Gather(x, 2, small));

        using var x3 = Tensor.Randn([2, 3, 4]);
        Assert.Contains("[2, 3, 4]", Assert.Throws<DslException>(() => x3.T).Message);

        using var fine = x.Transpose(0, 1);
        Assert.Equal([3L, 2], fine.Shape.ToArray());
    }

    [Fact]
    public void OneHot_of_labels_out_of_range_fails()
    {
        using var labels = Tensor.FromArray([0L, 3, 1], 3);
        using var negative = Tensor.FromArray([0L, -1], 2);
        using var output = Tensor.Empty([3, 3]);

        Assert.Throws<DslException>(() => Ops.OneHot(labels, 3));
        Assert.Throws<DslException>(() => Ops.OneHot(labels, 3, DType.Float32));
        Assert.Throws<DslException>(() => Ops.OneHot(negative, 3, DType.Float32));
        Assert.Throws<DslException>(() => Kernels.OneHot(labels, output));
    }
}
