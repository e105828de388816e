using Xunit;

namespace Dsl.Runtime.Tests;

// Products split in chunks between the caller and the helper thread (runtime/native/src/gemm_split.cpp) must equal
// the unsplit product: each case runs once in chunks and once on ATen's route (OpenBLAS split mode, one BLAS thread).
// Thread settings are process-wide, so these tests share ThreadingTests' collection and restore what they change.
[Collection(nameof(ThreadingTests))]
public sealed class GemmSplitTests
{
    // Each output element is one k-long float32 dot product in both routes; only the blocking order may differ.
    private const float Rtol = 1e-5f, Atol = 1e-4f;

    public static TheoryData<string, int, int, int, bool, bool> Products => new()
    {
        // name, m, k, n, transpose a, transpose b
        { "square, rows", 128, 128, 128, false, false },
        { "odd sizes, rows", 131, 97, 83, false, false },
        { "odd sizes, a transposed", 131, 97, 83, true, false },
        { "odd sizes, b transposed", 131, 97, 83, false, true },
        { "odd sizes, both transposed", 131, 97, 83, true, true },
        { "odd sizes, columns", 83, 97, 131, false, false },
        { "columns, a transposed", 83, 97, 131, true, false },
        { "columns, b transposed", 83, 97, 131, false, true },
        { "columns, both transposed", 83, 97, 131, true, true },
        { "m smaller than a chunk", 5, 400, 700, false, false },
        { "m smaller than a chunk, transposed", 5, 400, 700, true, true },
        { "n smaller than a chunk", 700, 400, 5, false, false },
        { "n smaller than a chunk, transposed", 700, 400, 5, true, true },
        { "one row", 1, 1024, 1100, false, false },
        { "one row, b transposed", 1, 1024, 1100, false, true },
        { "one column, a transposed", 1100, 1024, 1, true, false },
        { "mlp-s layer 1 forward", 32, 784, 64, false, false },
        { "mlp-m weight gradient", 784, 128, 256, true, false },
        { "mlp-m input gradient", 128, 256, 784, false, true },
    };

    [Theory]
    [MemberData(nameof(Products))]
    public void Mm_in_chunks_equals_the_unsplit_product(string _, int m, int k, int n, bool transposeA, bool transposeB)
    {
        using var generator = new Generator(11);
        using var a = Tensor.Randn(transposeA ? new long[] { k, m } : new long[] { m, k }, generator);
        using var b = Tensor.Randn(transposeB ? new long[] { n, k } : new long[] { k, n }, generator);
        using var chunked = Tensor.Empty([m, n]);
        using var expected = Tensor.Empty([m, n]);
        var chunks = InChunks(() => Kernels.Mm(a, b, chunked, transposeA, transposeB));
        Unsplit(() => Kernels.Mm(a, b, expected, transposeA, transposeB));
        Assert.True(chunks > 0, "the product did not run in chunks");
        AssertClose(expected, chunked);

        using var allocated = InChunksResult(() => Ops.Mm(a, b, transposeA, transposeB));
        AssertClose(expected, allocated);
    }

    [Theory]
    [InlineData("bias row, beta 1 alpha 1", 1.0, 1.0, false)]
    [InlineData("bias row, beta 0.5 alpha -2", 0.5, -2.0, false)]
    [InlineData("bias ignored, beta 0", 0.0, 1.5, false)]
    [InlineData("full bias, beta 2 alpha 0.25", 2.0, 0.25, true)]
    public void Addmm_in_chunks_equals_the_unsplit_product(string _, double beta, double alpha, bool fullBias)
    {
        const int m = 131, k = 97, n = 150;
        using var generator = new Generator(12);
        using var a = Tensor.Randn([k, m], generator);
        using var b = Tensor.Randn([k, n], generator);
        using var bias = Tensor.Randn(fullBias ? new long[] { m, n } : new long[] { n }, generator);
        using var chunked = Tensor.Empty([m, n]);
        using var expected = Tensor.Empty([m, n]);
        var chunks = InChunks(() => Kernels.Addmm(bias, a, b, chunked, beta, alpha, transposeA: true));
        Unsplit(() => Kernels.Addmm(bias, a, b, expected, beta, alpha, transposeA: true));
        Assert.True(chunks > 0, "the product did not run in chunks");
        AssertClose(expected, chunked);

        using var allocated = InChunksResult(() => Ops.Addmm(bias, a, b, beta, alpha, transposeA: true));
        AssertClose(expected, allocated);
    }

    [Fact]
    public void A_bias_that_does_not_broadcast_is_refused_even_with_beta_0()
    {
        using var generator = new Generator(17);
        using var a = Tensor.Randn([131, 97], generator);
        using var b = Tensor.Randn([97, 150], generator);
        using var bias = Tensor.Randn([7], generator);
        using var output = Tensor.Empty([131, 150]);
        InChunks(() => Assert.Throws<DslException>(() => Kernels.Addmm(bias, a, b, output, beta: 0)));
    }

    [Fact]
    public void Addmm_into_its_own_bias_accumulates_in_place()
    {
        const int m = 200, k = 64, n = 160;
        using var generator = new Generator(13);
        using var a = Tensor.Randn([m, k], generator);
        using var b = Tensor.Randn([n, k], generator);
        using var start = Tensor.Randn([m, n], generator);
        using var chunked = start.Clone();
        using var expected = start.Clone();
        var chunks = InChunks(() => Kernels.Addmm(chunked, a, b, chunked, 0.5, 2.0, transposeB: true));
        Unsplit(() => Kernels.Addmm(expected, a, b, expected, 0.5, 2.0, transposeB: true));
        Assert.True(chunks > 0, "the product did not run in chunks");
        AssertClose(expected, chunked);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Linear_in_chunks_equals_the_unsplit_product(bool withBias)
    {
        const int batch = 96, inFeatures = 300, outFeatures = 77;
        using var generator = new Generator(14);
        using var x = Tensor.Randn([batch, inFeatures], generator);
        using var weight = Tensor.Randn([outFeatures, inFeatures], generator);
        using var bias = Tensor.Randn([outFeatures], generator);
        using var chunked = Tensor.Empty([batch, outFeatures]);
        using var expected = Tensor.Empty([batch, outFeatures]);
        var chunks = InChunks(() => Kernels.Linear(x, weight, withBias ? bias : null, chunked));
        Unsplit(() => Kernels.Linear(x, weight, withBias ? bias : null, expected));
        Assert.True(chunks > 0, "the product did not run in chunks");
        AssertClose(expected, chunked);
    }

    [Fact]
    public void Matmul_of_transposed_matrices_in_chunks_equals_the_unsplit_product()
    {
        using var generator = new Generator(15);
        using var a = Tensor.Randn([97, 131], generator);
        using var b = Tensor.Randn([150, 97], generator);
        using var chunked = Tensor.Empty([131, 150]);
        using var expected = Tensor.Empty([131, 150]);
        var chunks = InChunks(() => Kernels.MatMul(a, b, chunked, transposeA: true, transposeB: true));
        Unsplit(() => Kernels.MatMul(a, b, expected, transposeA: true, transposeB: true));
        Assert.True(chunks > 0, "the product did not run in chunks");
        AssertClose(expected, chunked);
    }

    [Fact]
    public void The_helper_thread_takes_chunks_and_every_result_is_right()
    {
        // Whether the helper is awake for a given product is up to the scheduler; over many products it takes some.
        using var generator = new Generator(16);
        using var a = Tensor.Randn([256, 256], generator);
        using var b = Tensor.Randn([256, 256], generator);
        using var chunked = Tensor.Empty([256, 256]);
        using var expected = Tensor.Empty([256, 256]);
        Unsplit(() => Kernels.Mm(a, b, expected));
        var before = Threading.GemmChunkCounts.HelperChunks;
        var deadline = DateTime.UtcNow.AddSeconds(10);
        var products = 0;
        do
        {
            InChunks(() => Kernels.Mm(a, b, chunked));
            AssertClose(expected, chunked);
            products++;
        } while ((Threading.GemmChunkCounts.HelperChunks == before || products < 50) && DateTime.UtcNow < deadline);
        Assert.True(Threading.GemmChunkCounts.HelperChunks > before, $"the helper thread ran no chunk of {products} products");
    }

    [Fact]
    public void Products_from_the_chunk_maximum_up_run_on_openblas_threads()
    {
        var saved = Save();
        using var a = Tensor.Ones([512, 512]);
        using var b = Tensor.Ones([512, 512]);
        using var small = Tensor.Ones([128, 128]);
        using var output = Tensor.Empty([512, 512]);
        using var smallOutput = Tensor.Empty([128, 128]);
        try
        {
            Assert.True(Threading.Configure(1, 2));
            Threading.BlasSplitMode = BlasSplitMode.Chunks;
            Threading.BlasSplitMinimum = Threading.DefaultBlasSplitMinimum;
            Kernels.Mm(a, b, output); // 512³ = 2^27 multiply-adds
            Assert.Equal(2, Threading.BlasThreadsInUse);
            Assert.Equal(512f, output.AsSpan<float>()[0]);

            var before = Threading.GemmChunkCounts.Products;
            Kernels.Mm(small, small, smallOutput); // 128³ = 2^21: chunks, each on one BLAS thread
            Assert.Equal(1, Threading.BlasThreadsInUse);
            Assert.True(Threading.GemmChunkCounts.Products > before);
            Assert.Equal(128f, smallOutput.AsSpan<float>()[0]);
        }
        finally
        {
            Restore(saved);
        }
    }

    [Fact]
    public void An_unknown_split_mode_is_refused()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => Threading.BlasSplitMode = (BlasSplitMode)7);
        Assert.Contains("split mode", error.Message);
    }

    [Theory]
    [InlineData("chunks", true, BlasSplitMode.Chunks)]
    [InlineData(" OpenBLAS ", true, BlasSplitMode.OpenBlas)]
    [InlineData("threads", false, BlasSplitMode.Chunks)]
    [InlineData("", false, BlasSplitMode.Chunks)]
    public void The_split_mode_variable_reads_chunks_or_openblas(string text, bool valid, BlasSplitMode expected)
    {
        Assert.Equal(valid, Threading.TryParseSplitMode(text, out var mode));
        Assert.Equal(expected, mode);
    }

    private static (int IntraOp, int Blas, long Minimum, BlasSplitMode Mode) Save() =>
        (Threading.IntraOpThreads, Threading.BlasThreads, Threading.BlasSplitMinimum, Threading.BlasSplitMode);

    private static void Restore((int IntraOp, int Blas, long Minimum, BlasSplitMode Mode) saved)
    {
        Threading.BlasSplitMode = saved.Mode;
        Threading.BlasSplitMinimum = saved.Minimum;
        Threading.Configure(saved.IntraOp, saved.Blas);
    }

    // Runs the product in chunk mode with the split minimum at 0 (so the small test shapes qualify);
    // returns how many products ran in chunks meanwhile (other tests may add to it, never subtract).
    private static long InChunks(Action product)
    {
        var saved = Save();
        try
        {
            Threading.Configure(saved.IntraOp, 2);
            Threading.BlasSplitMode = BlasSplitMode.Chunks;
            Threading.BlasSplitMinimum = 0;
            var before = Threading.GemmChunkCounts.Products;
            product();
            return Threading.GemmChunkCounts.Products - before;
        }
        finally
        {
            Restore(saved);
        }
    }

    private static Tensor InChunksResult(Func<Tensor> product)
    {
        Tensor? result = null;
        var chunks = InChunks(() => result = product());
        Assert.True(chunks > 0, "the allocating form did not run in chunks");
        return result!;
    }

    // ATen's route, one BLAS thread: the reference.
    private static void Unsplit(Action product)
    {
        var saved = Save();
        try
        {
            Threading.Configure(saved.IntraOp, 1);
            Threading.BlasSplitMode = BlasSplitMode.OpenBlas;
            product();
        }
        finally
        {
            Restore(saved);
        }
    }

    private static void AssertClose(Tensor expected, Tensor actual)
    {
        Assert.Equal(expected.Shape.ToArray(), actual.Shape.ToArray());
        var e = expected.AsSpan<float>();
        var a = actual.AsSpan<float>();
        for (var i = 0; i < e.Length; i++)
        {
            if (!(Math.Abs(e[i] - a[i]) <= Atol + Rtol * Math.Abs(e[i])))
            {
                Assert.Fail($"element {i} (row {i / expected.Shape[-1]}, column {i % expected.Shape[-1]}): expected {e[i]}, got {a[i]}");
            }
        }
    }
}
