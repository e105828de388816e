using Xunit;

namespace Dsl.Runtime.Tests;

// Thread counts are process-wide, so these tests share one collection and restore what they change.
[Collection(nameof(ThreadingTests))]
public sealed class ThreadingTests
{
    private static Func<string, string?> Environment(params (string Name, string Value)[] variables) =>
        name => variables.FirstOrDefault(v => v.Name == name).Value;

    [Fact]
    public void Defaults_were_applied_when_the_library_loaded()
    {
        using (Tensor.Zeros([1])) { } // make sure the library is loaded
        var applied = Threading.AppliedDefaults;
        Assert.NotNull(applied);
        Assert.Equal(Threading.ResolveDefaults(), applied);
    }

    [Fact]
    public void OpenBlas_is_the_blas_and_its_threads_can_be_set()
    {
        // Debian's libtorch links libblas.so.3; with libopenblas0-pthread that is OpenBLAS, found by dlsym.
        Assert.True(Threading.BlasConfigurable,
            "libtorch does not use OpenBLAS here: install libopenblas0-pthread (the reference BLAS is ~30x slower).");
        var (intraOp, blas) = (Threading.IntraOpThreads, Threading.BlasThreads);
        try
        {
            Assert.True(Threading.Configure(1, 1));
            Assert.Equal(1, Threading.IntraOpThreads);
            Assert.Equal(1, Threading.BlasThreads);
            Assert.True(Threading.Configure(2, 2));
            Assert.Equal(2, Threading.IntraOpThreads);
            Assert.Equal(2, Threading.BlasThreads);
            Assert.False(Threading.Configure(0, 0)); // leaves both alone
            Assert.Equal(2, Threading.IntraOpThreads);
            Assert.Equal(2, Threading.BlasThreads);
        }
        finally
        {
            Threading.Configure(intraOp, blas);
        }
    }

    [Fact]
    public void In_openblas_mode_small_products_run_on_one_blas_thread_and_large_ones_on_the_configured_count()
    {
        var (intraOp, blas, minimum, mode) = (Threading.IntraOpThreads, Threading.BlasThreads, Threading.BlasSplitMinimum, Threading.BlasSplitMode);
        using var a = Tensor.Ones([16, 16]);
        using var b = Tensor.Ones([16, 16]);
        using var output = Tensor.Empty([16, 16]);
        try
        {
            Assert.True(Threading.Configure(1, 2));
            Assert.Equal(Threading.DefaultBlasSplitMinimum, minimum);
            Assert.Equal(Threading.DefaultBlasSplitMode, mode);
            Threading.BlasSplitMode = BlasSplitMode.OpenBlas;

            Kernels.Mm(a, b, output); // 16·16·16 = 4,096 multiply-adds, far below 2^20
            Assert.Equal(1, Threading.BlasThreadsInUse);
            Assert.Equal(2, Threading.BlasThreads); // still the configured count

            Threading.BlasSplitMinimum = 4096; // now this product is large enough to split
            Kernels.Mm(a, b, output);
            Assert.Equal(2, Threading.BlasThreadsInUse);

            Threading.BlasSplitMinimum = 4097;
            using var sum = Tensor.Empty([16, 16]);
            Kernels.Addmm(output, a, b, sum); // 16 (bias) + 16
            Assert.Equal(1, Threading.BlasThreadsInUse);
            Assert.Equal(32f, sum.AsSpan<float>()[0]);
        }
        finally
        {
            Threading.BlasSplitMode = mode;
            Threading.BlasSplitMinimum = minimum;
            Threading.Configure(intraOp, blas);
        }
    }

    [Fact]
    public void In_chunk_mode_products_below_the_chunk_maximum_keep_one_blas_thread()
    {
        var (intraOp, blas, minimum) = (Threading.IntraOpThreads, Threading.BlasThreads, Threading.BlasSplitMinimum);
        using var a = Tensor.Ones([16, 16]);
        using var b = Tensor.Ones([16, 16]);
        using var output = Tensor.Empty([16, 16]);
        try
        {
            Assert.True(Threading.Configure(1, 2));
            Assert.Equal(BlasSplitMode.Chunks, Threading.BlasSplitMode);
            Threading.BlasSplitMinimum = 0; // every product may split, but below 2^27 only in chunks
            Kernels.Mm(a, b, output); // too small for 2 chunks: one thread, ATen's route
            Assert.Equal(1, Threading.BlasThreadsInUse);
            Assert.Equal(16f, output.AsSpan<float>()[0]);
        }
        finally
        {
            Threading.BlasSplitMinimum = minimum;
            Threading.Configure(intraOp, blas);
        }
    }

    [Fact]
    public void A_negative_split_minimum_is_refused()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => Threading.BlasSplitMinimum = -1);
        Assert.Contains("0 or more multiply-adds", error.Message);
    }

    [Fact]
    public void Environment_variables_override_the_defaults()
    {
        var settings = Threading.ResolveDefaults(Environment(("DSL_NUM_THREADS", "2"), ("DSL_BLAS_THREADS", "3")));
        Assert.Equal(new ThreadSettings(2, 3, "DSL_NUM_THREADS", "DSL_BLAS_THREADS"), settings);
    }

    [Fact]
    public void Without_variables_the_measured_defaults_apply()
    {
        var settings = Threading.ResolveDefaults(Environment());
        Assert.Equal(new ThreadSettings(Threading.DefaultIntraOpThreads, Threading.DefaultBlasThreads, "default", "default"), settings);
    }

    [Fact]
    public void The_libraries_own_variables_are_respected()
    {
        var settings = Threading.ResolveDefaults(Environment(("OMP_NUM_THREADS", "4"), ("OPENBLAS_NUM_THREADS", "1")));
        Assert.Equal(new ThreadSettings(0, 0, "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS"), settings);

        var ours = Threading.ResolveDefaults(Environment(("OMP_NUM_THREADS", "4"), ("DSL_NUM_THREADS", "1")));
        Assert.Equal((1, "DSL_NUM_THREADS"), (ours.IntraOp, ours.IntraOpSource));
    }

    [Theory]
    [InlineData("zero", "0")]
    [InlineData("negative", "-2")]
    [InlineData("text", "many")]
    public void A_bad_variable_is_an_error_that_names_it(string _, string value)
    {
        var error = Assert.Throws<DslException>(() => Threading.ResolveDefaults(Environment(("DSL_BLAS_THREADS", value))));
        Assert.Contains("DSL_BLAS_THREADS", error.Message);
        Assert.Contains(value, error.Message);
    }
}
