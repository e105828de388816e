using Dsl.Testing;
using Xunit;

namespace Dsl.Runtime.Tests;

public sealed class LinalgCatalog : OpCatalog
{
    // Sums of k products in float32: PyTorch and we call the same BLAS, but blocking may differ.
    private const double Rtol = 1e-4, Atol = 1e-5;

    private static Func<Generator, Dictionary<string, Tensor>> Inputs(params (string Name, long[] Shape)[] specs) => g =>
    {
        var inputs = new Dictionary<string, Tensor>();
        foreach (var (name, shape) in specs) inputs[name] = Tensor.Randn(shape, g);
        return inputs;
    };

    private static OpCase Pair(string name, string torch, long[] a, long[] b,
        Func<Tensor, Tensor, Tensor> eager, Action<Tensor, Tensor, Tensor> into) =>
        new(name, torch, Inputs(("a", a), ("b", b)), i => eager(i["a"], i["b"]), (i, o) => into(i["a"], i["b"], o), Rtol, Atol);

    public override IEnumerable<OpCase> Cases =>
    [
        Pair("matmul-2d", "a @ b", [3, 4], [4, 5], Ops.MatMul, Kernels.MatMul),
        Pair("matmul-vector-vector", "a @ b", [6], [6], Ops.MatMul, Kernels.MatMul),
        Pair("matmul-vector-matrix", "a @ b", [4], [4, 3], Ops.MatMul, Kernels.MatMul),
        Pair("matmul-matrix-vector", "a @ b", [3, 4], [4], Ops.MatMul, Kernels.MatMul),
        Pair("matmul-batch-matrix", "a @ b", [2, 3, 4], [4, 5], Ops.MatMul, Kernels.MatMul),
        Pair("matmul-matrix-batch", "a @ b", [3, 4], [2, 4, 5], Ops.MatMul, Kernels.MatMul),
        Pair("matmul-broadcast-batch", "a @ b", [2, 1, 3, 4], [5, 4, 2], Ops.MatMul, Kernels.MatMul),
        Pair("matmul-batch-vector", "a @ b", [2, 3, 4], [4], Ops.MatMul, Kernels.MatMul),

        Pair("mm", "a @ b", [3, 4], [4, 5], (a, b) => Ops.Mm(a, b), (a, b, o) => Kernels.Mm(a, b, o)),
        Pair("mm-transpose-a", "a.t() @ b", [4, 3], [4, 5],
            (a, b) => Ops.Mm(a, b, transposeA: true), (a, b, o) => Kernels.Mm(a, b, o, transposeA: true)),
        Pair("mm-transpose-b", "a @ b.t()", [3, 4], [5, 4],
            (a, b) => Ops.Mm(a, b, transposeB: true), (a, b, o) => Kernels.Mm(a, b, o, transposeB: true)),
        Pair("mm-transpose-both", "a.t() @ b.t()", [4, 3], [5, 4],
            (a, b) => Ops.Mm(a, b, true, true), (a, b, o) => Kernels.Mm(a, b, o, true, true)),
        Pair("mm-large", "a @ b", [70, 130], [130, 90], (a, b) => Ops.Mm(a, b), (a, b, o) => Kernels.Mm(a, b, o)),
        new("mm-float64", "a @ b",
            g => new() { ["a"] = Tensor.Randn([5, 6], g, DType.Float64), ["b"] = Tensor.Randn([6, 7], g, DType.Float64) },
            i => Ops.Mm(i["a"], i["b"]), (i, o) => Kernels.Mm(i["a"], i["b"], o), Rtol: 1e-12, Atol: 1e-12),

        Pair("bmm", "torch.bmm(a, b)", [2, 3, 4], [2, 4, 5], (a, b) => Ops.Bmm(a, b), (a, b, o) => Kernels.Bmm(a, b, o)),
        Pair("bmm-transpose-a", "torch.bmm(a.transpose(1, 2), b)", [2, 4, 3], [2, 4, 5],
            (a, b) => Ops.Bmm(a, b, transposeA: true), (a, b, o) => Kernels.Bmm(a, b, o, transposeA: true)),
        Pair("bmm-transpose-b", "torch.bmm(a, b.transpose(1, 2))", [2, 3, 4], [2, 5, 4],
            (a, b) => Ops.Bmm(a, b, transposeB: true), (a, b, o) => Kernels.Bmm(a, b, o, transposeB: true)),
        Pair("bmm-transpose-both", "torch.bmm(a.transpose(1, 2), b.transpose(1, 2))", [3, 4, 2], [3, 5, 4],
            (a, b) => Ops.Bmm(a, b, true, true), (a, b, o) => Kernels.Bmm(a, b, o, true, true)),

        new("addmm", "torch.addmm(c, a, b)", Inputs(("c", [5]), ("a", [3, 4]), ("b", [4, 5])),
            i => Ops.Addmm(i["c"], i["a"], i["b"]), (i, o) => Kernels.Addmm(i["c"], i["a"], i["b"], o), Rtol, Atol),
        new("addmm-beta-alpha", "torch.addmm(c, a, b, beta=0.5, alpha=-2.0)", Inputs(("c", [3, 5]), ("a", [3, 4]), ("b", [4, 5])),
            i => Ops.Addmm(i["c"], i["a"], i["b"], beta: 0.5, alpha: -2),
            (i, o) => Kernels.Addmm(i["c"], i["a"], i["b"], o, beta: 0.5, alpha: -2), Rtol, Atol),
        new("addmm-transpose-both", "torch.addmm(c, a.t(), b.t(), alpha=3.0)", Inputs(("c", [1, 5]), ("a", [4, 3]), ("b", [5, 4])),
            i => Ops.Addmm(i["c"], i["a"], i["b"], alpha: 3, transposeA: true, transposeB: true),
            (i, o) => Kernels.Addmm(i["c"], i["a"], i["b"], o, alpha: 3, transposeA: true, transposeB: true), Rtol, Atol),
        new("addmm-beta-zero-ignores-nan", "torch.addmm(c * math.nan, a, b, beta=0.0)", Inputs(("c", [3, 5]), ("a", [3, 4]), ("b", [4, 5])),
            i => { using var nan = i["c"] * double.NaN; return Ops.Addmm(nan, i["a"], i["b"], beta: 0); },
            (i, o) => { using var nan = i["c"] * double.NaN; Kernels.Addmm(nan, i["a"], i["b"], o, beta: 0); }, Rtol, Atol),

        new("linear", "F.linear(x, w, b)", Inputs(("x", [6, 4]), ("w", [3, 4]), ("b", [3])),
            i => Ops.Linear(i["x"], i["w"], i["b"]), (i, o) => Kernels.Linear(i["x"], i["w"], i["b"], o), Rtol, Atol),
        new("linear-no-bias", "F.linear(x, w)", Inputs(("x", [6, 4]), ("w", [3, 4])),
            i => Ops.Linear(i["x"], i["w"]), (i, o) => Kernels.Linear(i["x"], i["w"], null, o), Rtol, Atol),
        new("linear-3d", "F.linear(x, w, b)", Inputs(("x", [2, 5, 4]), ("w", [3, 4]), ("b", [3])),
            i => Ops.Linear(i["x"], i["w"], i["b"]), (i, o) => Kernels.Linear(i["x"], i["w"], i["b"], o), Rtol, Atol),
    ];
}

public sealed class LinalgOpTests(TorchCaseFixture<LinalgCatalog> torch) : IClassFixture<TorchCaseFixture<LinalgCatalog>>
{
    public static TheoryData<string> Names => TorchCaseFixture<LinalgCatalog>.Names();

    [Theory]
    [MemberData(nameof(Names))]
    public void Matches_pytorch(string name) => torch.Check(name);

    private static Tensor Ones(params long[] shape) => Tensor.Ones(shape);

    private static DslException Fails(Action action, string operation, params string[] fragments)
    {
        var error = Assert.Throws<DslException>(action);
        Assert.Equal(operation, error.Operation);
        foreach (var fragment in fragments) Assert.Contains(fragment, error.Message);
        // The process carries on: a correct product still works after the failure.
        using var a = Ones(2, 2);
        using var product = Ops.Mm(a, a);
        Assert.Equal([2.0f, 2, 2, 2], product.ToArray<float>());
        return error;
    }

    [Fact]
    public void Mm_with_mismatched_inner_dimensions_names_both_shapes()
    {
        using var a = Ones(2, 3);
        using var b = Ones(4, 5);
        using var output = Ones(2, 5);
        Fails(() => Ops.Mm(a, b).Dispose(), "mm", "[2, 3]", "[4, 5]", "3 != 4");
        Fails(() => Kernels.Mm(a, b, output), "mm", "[2, 3]", "[4, 5]");
    }

    [Fact]
    public void Mm_mismatch_after_a_transpose_names_the_transposed_shape()
    {
        using var a = Ones(3, 2);
        using var b = Ones(4, 5);
        var error = Fails(() => Ops.Mm(a, b, transposeA: true).Dispose(), "mm", "a (transposed) is [2, 3]", "[4, 5]");
        Assert.Contains("[3, 2]", error.Message); // the operand as stored, listed by Status
    }

    [Fact]
    public void Mm_rejects_operands_that_are_not_matrices()
    {
        using var a = Ones(2, 3, 4);
        using var b = Ones(4, 5);
        Fails(() => Ops.Mm(a, b).Dispose(), "mm", "a must have 2 dimensions", "[2, 3, 4]");
    }

    [Fact]
    public void Bmm_with_mismatched_batches_or_inner_dimensions_names_both_shapes()
    {
        using var a = Ones(2, 3, 4);
        using var b = Ones(3, 4, 5);
        using var c = Ones(2, 6, 5);
        using var output = Ones(2, 3, 5);
        Fails(() => Ops.Bmm(a, b).Dispose(), "bmm", "batch sizes differ", "[2, 3, 4]", "[3, 4, 5]");
        Fails(() => Kernels.Bmm(a, c, output), "bmm", "inner dimensions differ", "[2, 3, 4]", "[2, 6, 5]");
    }

    [Fact]
    public void MatMul_with_mismatched_inner_dimensions_names_both_shapes()
    {
        using var a = Ones(2, 3);
        using var b = Ones(4, 5);
        using var batch = Ones(7, 2, 3);
        using var output = Ones(2, 5);
        Fails(() => Ops.MatMul(a, b).Dispose(), "matmul", "[2, 3]", "[4, 5]");
        Fails(() => Ops.MatMul(batch, b).Dispose(), "matmul", "[7, 2, 3]", "[4, 5]");
        Fails(() => Kernels.MatMul(a, b, output), "matmul", "[2, 3]", "[4, 5]");
    }

    [Fact]
    public void MatMul_with_batches_that_do_not_broadcast_fails()
    {
        using var a = Ones(2, 3, 4);
        using var b = Ones(3, 4, 5);
        Fails(() => Ops.MatMul(a, b).Dispose(), "matmul", "[2, 3, 4]", "[3, 4, 5]");
    }

    [Fact]
    public void Addmm_and_linear_with_mismatched_shapes_name_both_shapes()
    {
        using var bias = Ones(5);
        using var a = Ones(2, 3);
        using var b = Ones(4, 5);
        Fails(() => Ops.Addmm(bias, a, b).Dispose(), "addmm", "[2, 3]", "[4, 5]");

        using var x = Ones(8, 3);
        using var w = Ones(6, 4);
        using var output = Ones(8, 6);
        Fails(() => Ops.Linear(x, w).Dispose(), "linear", "[8, 3]", "[6, 4]");
        Fails(() => Kernels.Linear(x, w, null, output), "linear", "[8, 3]", "[6, 4]");
    }

    [Fact]
    public void Kernels_forms_allocate_no_managed_memory()
    {
        using var a = Ones(4, 3);
        using var b = Ones(3, 5);
        using var bias = Ones(5);
        using var output = Ones(4, 5);
        using var batchA = Ones(2, 4, 3);
        using var batchB = Ones(2, 3, 5);
        using var batchOutput = Ones(2, 4, 5);
        using var weight = Ones(5, 3);
        void Step()
        {
            Kernels.Mm(a, b, output);
            Kernels.Mm(a, weight, output, transposeB: true);
            Kernels.MatMul(a, b, output);
            Kernels.Bmm(batchA, batchB, batchOutput);
            Kernels.Addmm(bias, a, b, output, beta: 0.5, alpha: 2);
            Kernels.Linear(a, weight, bias, output);
            Kernels.Linear(a, weight, null, output);
        }
        Step(); // JIT and first-call work out of the way
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 100; i++) Step();
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void Transposed_operands_are_read_in_place_not_copied()
    {
        // A transposed operand must give the same numbers as an explicit contiguous transpose,
        // and the inputs must be left untouched.
        using var a = Tensor.FromArray(new float[] { 1, 2, 3, 4, 5, 6 }, 3, 2); // aᵀ = [[1, 3, 5], [2, 4, 6]]
        using var b = Tensor.FromArray(new float[] { 1, 0, 0, 1, 1, 1 }, 3, 2);
        using var product = Ops.Mm(a, b, transposeA: true);
        Assert.Equal([6f, 8, 8, 10], product.ToArray<float>());
        Assert.Equal([1f, 2, 3, 4, 5, 6], a.ToArray<float>());
    }
}
