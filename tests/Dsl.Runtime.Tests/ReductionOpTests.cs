using Dsl.Testing;
using Xunit;
using Inputs = System.Func<Dsl.Generator, System.Collections.Generic.Dictionary<string, Dsl.Tensor>>;

namespace Dsl.Runtime.Tests;

public sealed class ReductionCatalog : OpCatalog
{
    private const double Float64Tolerance = 1e-12;

    private static Inputs X(params long[] shape) => g => new() { ["x"] = Tensor.Randn(shape, g) };
    private static Inputs X64(params long[] shape) => g => new() { ["x"] = Tensor.Randn(shape, g, DType.Float64) };

    // One input x; the eager call and the into-output call both see it.
    private static OpCase Case(string name, string torch, Inputs inputs, Func<Tensor, Tensor> eager, Action<Tensor, Tensor> into,
        double rtol = 1e-5, double atol = 1e-6) =>
        new(name, torch, inputs, i => eager(i["x"]), (i, o) => into(i["x"], o), rtol, atol);

    private static OpCase Float64Case(string name, string torch, Inputs inputs, Func<Tensor, Tensor> eager, Action<Tensor, Tensor> into) =>
        Case(name, torch, inputs, eager, into, Float64Tolerance, Float64Tolerance);

    public override IEnumerable<OpCase> Cases =>
    [
        // sum, mean
        Case("sum-all", "torch.sum(x)", X(3, 4, 5), Ops.Sum, Kernels.Sum),
        Case("sum-dim", "torch.sum(x, 1)", X(3, 4, 5), x => Ops.Sum(x, 1), (x, o) => Kernels.Sum(x, 1, false, o)),
        Case("sum-negative-dim", "torch.sum(x, -1)", X(3, 4, 5), x => Ops.Sum(x, -1), (x, o) => Kernels.Sum(x, -1, false, o)),
        Case("sum-dims-keepdim", "torch.sum(x, (0, 2), keepdim=True)", X(3, 4, 5),
            x => Ops.Sum(x, [0, 2], keepdim: true), (x, o) => Kernels.Sum(x, [0, 2], true, o)),
        Case("sum-all-keepdim", "torch.sum(x, (0, 1, 2), keepdim=True)", X(3, 4, 5),
            x => Ops.Sum(x, [], keepdim: true), (x, o) => Kernels.Sum(x, [], true, o)),
        Float64Case("sum-float64", "torch.sum(x, (-2, -1))", X64(6, 50, 40), x => Ops.Sum(x, [-2, -1]), (x, o) => Kernels.Sum(x, [-2, -1], false, o)),
        Case("mean-all", "torch.mean(x)", X(3, 4, 5), Ops.Mean, Kernels.Mean),
        Case("mean-dim-keepdim", "torch.mean(x, -2, keepdim=True)", X(3, 4, 5),
            x => Ops.Mean(x, -2, keepdim: true), (x, o) => Kernels.Mean(x, -2, true, o)),
        Case("mean-dims", "torch.mean(x, (0, -1))", X(3, 4, 5), x => Ops.Mean(x, [0, -1]), (x, o) => Kernels.Mean(x, [0, -1], false, o)),
        Float64Case("mean-float64", "torch.mean(x, 0)", X64(1000, 3), x => Ops.Mean(x, 0), (x, o) => Kernels.Mean(x, 0, false, o)),

        // max, amax, argmax
        Case("max-all", "torch.max(x)", X(3, 4, 5), Ops.Max, Kernels.Max),
        Case("max-dim", "torch.max(x, 1)", X(3, 4, 5), x => Flat(Ops.Max(x, 1)), (x, o) => MaxInto(x, 1, false, [3, 5], o)),
        Case("max-negative-dim-keepdim", "torch.max(x, -1, keepdim=True)", X(3, 4, 5),
            x => Flat(Ops.Max(x, -1, keepdim: true)), (x, o) => MaxInto(x, -1, true, [3, 4, 1], o)),
        Case("amax-dim", "torch.amax(x, 0)", X(3, 4, 5), x => Ops.Amax(x, 0), (x, o) => Kernels.Amax(x, 0, false, o)),
        Case("amax-dims-keepdim", "torch.amax(x, (-1, 0), keepdim=True)", X(3, 4, 5),
            x => Ops.Amax(x, [-1, 0], keepdim: true), (x, o) => Kernels.Amax(x, [-1, 0], true, o)),
        Case("amax-all", "torch.amax(x, (0, 1, 2))", X(3, 4, 5), x => Ops.Amax(x, []), (x, o) => Kernels.Amax(x, [], false, o)),
        Case("argmax-all", "torch.argmax(x)", X(3, 4, 5), Ops.Argmax, Kernels.Argmax),
        Case("argmax-dim", "torch.argmax(x, 1)", X(3, 4, 5), x => Ops.Argmax(x, 1), (x, o) => Kernels.Argmax(x, 1, false, o)),
        Case("argmax-negative-dim-keepdim", "torch.argmax(x, -1, keepdim=True)", X(3, 4, 5),
            x => Ops.Argmax(x, -1, keepdim: true), (x, o) => Kernels.Argmax(x, -1, true, o)),

        // logsumexp (stable at large magnitudes), var (biased, unbiased, any correction)
        Case("logsumexp-dim", "torch.logsumexp(x, 1)", X(3, 4, 5), x => Ops.LogSumExp(x, 1), (x, o) => Kernels.LogSumExp(x, 1, false, o)),
        Case("logsumexp-dims-keepdim", "torch.logsumexp(x, (0, -1), keepdim=True)", X(3, 4, 5),
            x => Ops.LogSumExp(x, [0, -1], keepdim: true), (x, o) => Kernels.LogSumExp(x, [0, -1], true, o)),
        Case("logsumexp-all", "torch.logsumexp(x, (0, 1, 2))", X(3, 4, 5), Ops.LogSumExp, Kernels.LogSumExp),
        Float64Case("logsumexp-large-float64", "torch.logsumexp(x * 1000, -1)", X64(4, 6),
            x => { using var big = x * 1000; return Ops.LogSumExp(big, -1); },
            (x, o) => { using var big = x * 1000; Kernels.LogSumExp(big, -1, false, o); }),
        Case("var-all", "torch.var(x)", X(3, 4, 5), x => Ops.Var(x), (x, o) => Kernels.Var(x, true, o)),
        Case("var-all-biased", "torch.var(x, unbiased=False)", X(3, 4, 5), x => Ops.Var(x, unbiased: false), (x, o) => Kernels.Var(x, false, o)),
        Case("var-dim", "torch.var(x, 1)", X(3, 4, 5), x => Ops.Var(x, 1), (x, o) => Kernels.Var(x, 1, true, false, o)),
        Case("var-dims-biased-keepdim", "torch.var(x, (0, -1), unbiased=False, keepdim=True)", X(3, 4, 5),
            x => Ops.Var(x, [0, -1], unbiased: false, keepdim: true), (x, o) => Kernels.Var(x, [0, -1], false, true, o)),
        Case("var-correction", "torch.var(x, (0, 2), correction=2)", X(3, 4, 5),
            x => Ops.Var(x, [0, 2], correction: 2), (x, o) => Kernels.Var(x, [0, 2], 2, false, o)),
        Float64Case("var-float64", "torch.var(x + 1e4, 0)", X64(500, 3),
            x => { using var shifted = x + 1e4; return Ops.Var(shifted, 0); },
            (x, o) => { using var shifted = x + 1e4; Kernels.Var(shifted, 0, true, false, o); }),

        // sum to shape: leading dims summed away, size-1 dims summed with keepdim
        SumTo("sum-to-leading", [4, 3], [3]),
        SumTo("sum-to-leading-and-keepdim", [2, 3, 4], [3, 1]),
        SumTo("sum-to-keepdim-only", [2, 3, 4], [1, 3, 1]),
        SumTo("sum-to-scalar", [2, 3, 4], []),
        SumTo("sum-to-one", [2, 3, 4], [1]),
        SumTo("sum-to-identity", [2, 3, 4], [2, 3, 4]),
        SumTo("sum-to-input-size-one", [5, 1, 4], [1, 4]),
        // The same thing stated as what it is: the gradient of b in y = x + b.
        new("sum-to-is-broadcast-gradient",
            """
            b = torch.zeros(3, 1, dtype=dy.dtype, requires_grad=True)
            y = torch.zeros(2, 3, 4, dtype=dy.dtype) + b
            result = torch.autograd.grad(y, b, grad_outputs=dy)[0]
            """,
            g => new() { ["dy"] = Tensor.Randn([2, 3, 4], g, DType.Float64) },
            i => Ops.SumToShape(i["dy"], [3, 1]),
            (i, o) => Kernels.SumToShape(i["dy"], o), Float64Tolerance, Float64Tolerance),
    ];

    private static OpCase SumTo(string name, long[] inputShape, long[] shape) =>
        new(name, $"x.sum_to_size(({string.Join("", shape.Select(d => $"{d}, "))}))", X64(inputShape),
            i => Ops.SumToShape(i["x"], shape),
            (i, o) => Kernels.SumToShape(i["x"], shape, o), Float64Tolerance, Float64Tolerance);

    // PyTorch's (values, indices) tuple comes back flattened into one list; ours is flattened the same way.
    private static Tensor Flat((Tensor Values, Tensor Indices) result)
    {
        using var values = result.Values;
        using var indices = result.Indices;
        return Flat(values, indices);
    }

    private static Tensor Flat(Tensor values, Tensor indices)
    {
        using var flatValues = values.Flatten();
        using var flatIndices = indices.Flatten();
        using var values64 = flatValues.To(DType.Float64);
        using var indices64 = flatIndices.To(DType.Float64);
        return Ops.Cat([values64, indices64]);
    }

    private static void MaxInto(Tensor x, long dim, bool keepdim, long[] shape, Tensor output)
    {
        using var values = Tensor.Empty(shape, x.DType);
        using var indices = Tensor.Empty(shape, DType.Int64);
        Kernels.Max(x, dim, keepdim, values, indices);
        using var flat = Flat(values, indices);
        Kernels.Copy(flat, output);
    }
}

public sealed class ReductionOpTests(TorchCaseFixture<ReductionCatalog> torch) : IClassFixture<TorchCaseFixture<ReductionCatalog>>
{
    public static TheoryData<string> Names => TorchCaseFixture<ReductionCatalog>.Names();

    [Theory]
    [MemberData(nameof(Names))]
    public void Matches_pytorch(string name) => torch.Check(name);

    // ---- SumToShape writes into the caller's memory --------------------------------------------

    [Fact]
    public void SumToShape_output_keeps_its_storage()
    {
        using var x = Tensor.FromArray([1f, 2, 3, 4, 5, 6], 2, 3);
        using var output = Tensor.Zeros([3]);
        var before = output.DataPointer;

        Kernels.SumToShape(x, [3], output);

        Assert.Equal(before, output.DataPointer);
        Assert.Equal([5f, 7, 9], output.ToArray<float>());
    }

    [Fact]
    public void SumToShape_writes_through_a_strided_view_of_a_larger_tensor()
    {
        // The output is column 1 of a [3, 2] tensor: shape [3, 1], strides [2, 1].
        using var parent = Tensor.Zeros([3, 2]);
        using var column = parent.Narrow(1, 1, 1);
        using var x = Tensor.Ones([4, 3, 5]);

        Kernels.SumToShape(x, column);

        Assert.Equal([0f, 20, 0, 20, 0, 20], parent.ToArray<float>());
    }

    [Fact]
    public void Reduction_kernels_allocate_no_managed_memory()
    {
        using var x = Tensor.Randn([2, 3, 4]);
        using var output = Tensor.Zeros([3, 1]);
        using var sums = Tensor.Zeros([3]);
        using var values = Tensor.Zeros([2, 4]);
        using var indices = Tensor.Zeros([2, 4], DType.Int64);
        long[] shape = [3, 1], dims = [0, 2];

        var bytes = Allocations.Measure(() =>
        {
            Kernels.SumToShape(x, shape, output);
            Kernels.SumToShape(x, output);
            Kernels.Sum(x, dims, false, sums);
            Kernels.Sum(x, 1, false, values);
            Kernels.Var(x, dims, 1, false, sums);
            Kernels.LogSumExp(x, dims, false, sums);
            Kernels.Max(x, 1, false, values, indices);
        });

        Assert.Equal(0, bytes);
    }

    // ---- errors --------------------------------------------------------------------------------

    [Fact]
    public void SumToShape_to_a_shape_that_does_not_broadcast_names_both_shapes()
    {
        using var x = Tensor.Randn([2, 3]);
        using var output = Tensor.Zeros([4]);

        var eager = Assert.Throws<DslException>(() => Ops.SumToShape(x, [4]));
        var into = Assert.Throws<DslException>(() => Kernels.SumToShape(x, output));
        var longer = Assert.Throws<DslException>(() => Ops.SumToShape(x, [1, 2, 3]));

        Assert.Contains("[4]", eager.Message);
        Assert.Contains("[2, 3]", eager.Message);
        Assert.Equal("sum_to_shape", eager.Operation);
        Assert.Contains("[2, 3]", into.Message);
        Assert.Equal([4L], output.Shape.ToArray());
        Assert.Contains("[1, 2, 3]", longer.Message);
    }

    [Fact]
    public void Reducing_over_a_dim_out_of_range_fails_and_the_process_lives_on()
    {
        using var x = Tensor.Randn([2, 3]);
        using var output = Tensor.Zeros([2]);

        Assert.Contains("out of range", Assert.Throws<DslException>(() => Ops.Sum(x, 2)).Message);
        Assert.Contains("out of range", Assert.Throws<DslException>(() => Ops.Mean(x, [0, -3])).Message);
        Assert.Contains("out of range", Assert.Throws<DslException>(() => Ops.Max(x, 5)).Message);
        Assert.Contains("out of range", Assert.Throws<DslException>(() => Ops.Argmax(x, -3)).Message);
        Assert.Contains("out of range", Assert.Throws<DslException>(() => Ops.LogSumExp(x, 2)).Message);
        Assert.Contains("out of range", Assert.Throws<DslException>(() => Ops.Var(x, 7)).Message);
        Assert.Contains("out of range", Assert.Throws<DslException>(() => Kernels.Amax(x, 3, false, output)).Message);

        using var sum = Ops.Sum(x, 1);
        Assert.Equal([2L], sum.Shape.ToArray());
    }

    [Fact]
    public void Max_of_an_empty_tensor_fails()
    {
        using var empty = Tensor.Zeros([0, 3]);

        Assert.Throws<DslException>(() => Ops.Max(empty));
    }
}
