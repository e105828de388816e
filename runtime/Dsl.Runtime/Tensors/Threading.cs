using System.Globalization;
using System.Runtime.InteropServices;
using Dsl.Native;

namespace Dsl;

/// <summary>
/// How many threads libtorch uses: its intra-op pool (OpenMP; parallel elementwise ops and
/// reductions) and OpenBLAS's own pthreads (matrix products). The two pools do not know about each
/// other, so on a small machine they oversubscribe the cores when both are large.
/// <para>
/// A default is applied once, when the native library is loaded (before the first tensor exists):
/// <see cref="DefaultIntraOpThreads"/> intra-op thread and <see cref="DefaultBlasThreads"/> BLAS
/// threads, chosen by measurement (docs/benchmarks.md, section "Threads"). Each count can be set
/// by an environment variable read at that moment: <c>DSL_NUM_THREADS</c> (intra-op) and
/// <c>DSL_BLAS_THREADS</c>. When the variable is absent but the library's own variable is set
/// (<c>OMP_NUM_THREADS</c>, <c>OPENBLAS_NUM_THREADS</c>), that setting is left alone.
/// </para>
/// </summary>
public static class Threading
{
    /// <summary>Environment variable with the intra-op thread count applied at load.</summary>
    public const string IntraOpVariable = "DSL_NUM_THREADS";

    /// <summary>Environment variable with the BLAS thread count applied at load.</summary>
    public const string BlasVariable = "DSL_BLAS_THREADS";

    /// <summary>
    /// One intra-op thread: on 2 cores a second OpenMP thread made small and medium ops slower, not
    /// faster, once OpenBLAS was also running threads (see docs/benchmarks.md).
    /// </summary>
    public const int DefaultIntraOpThreads = 1;

    /// <summary>BLAS threads by default: every core the process may use (large GEMMs scale with them).</summary>
    public static int DefaultBlasThreads => Environment.ProcessorCount;

    /// <summary>Environment variable with the <see cref="BlasSplitMinimum"/> applied at load (multiply-adds).</summary>
    public const string BlasSplitVariable = "DSL_BLAS_SPLIT_MINIMUM";

    /// <summary>
    /// 2²⁰ multiply-adds (a 102³ product): smaller products run on one BLAS thread, larger ones use a second core as
    /// <see cref="BlasSplitMode"/> says. Below it a product takes a few tens of microseconds on one core, too little
    /// for a second thread to win back the cost of handing it work (docs/benchmarks.md, "Products split in chunks").
    /// With <see cref="Dsl.BlasSplitMode.OpenBlas"/> the minimum that kept small products safe under load was 2²⁷
    /// (<see cref="BlasChunkMaximum"/>): set it to that to restore the behaviour before chunks existed.
    /// </summary>
    public const long DefaultBlasSplitMinimum = 1L << 20;

    /// <summary>
    /// 2²⁷ multiply-adds (a 512³ product): from here products run on OpenBLAS's own <see cref="BlasThreads"/> in
    /// either mode. Their own time dwarfs the wait for a descheduled thread, so OpenBLAS's split stays safe under load
    /// (docs/benchmarks.md, "Thread settings under load"), and its threads share the packed operands, which chunks
    /// do not.
    /// </summary>
    public const long BlasChunkMaximum = 1L << 27;

    /// <summary>Environment variable with the <see cref="BlasSplitMode"/> applied at load: <c>chunks</c> or <c>openblas</c>.</summary>
    public const string BlasSplitModeVariable = "DSL_BLAS_SPLIT";

    /// <summary>Chunks: the second core helps without the caller ever waiting for it to wake.</summary>
    public const BlasSplitMode DefaultBlasSplitMode = BlasSplitMode.Chunks;

    /// <summary>
    /// How a float32 product of at least <see cref="BlasSplitMinimum"/> and below <see cref="BlasChunkMaximum"/>
    /// multiply-adds uses a second core (see <see cref="Dsl.BlasSplitMode"/>). Chunks apply to 2-D operands
    /// (mm, addmm, linear, matmul of matrices) when Dsl sets the BLAS count to 2 or more; other products in that
    /// range run on one BLAS thread in chunk mode.
    /// </summary>
    public static BlasSplitMode BlasSplitMode
    {
        get
        {
            Status.Check(NativeMethods.dsl_get_blas_split_mode(out var mode), "get_blas_split_mode");
            return (BlasSplitMode)mode;
        }
        set
        {
            if (!Enum.IsDefined(value)) throw new ArgumentOutOfRangeException(nameof(value), value, "Unknown BLAS split mode.");
            Status.Check(NativeMethods.dsl_set_blas_split_mode((int)value), "set_blas_split_mode");
        }
    }

    /// <summary>Products run in chunks since load, and chunks of them that the helper thread ran; for tests and benchmarks.</summary>
    internal static (long Products, long HelperChunks) GemmChunkCounts
    {
        get
        {
            Status.Check(NativeMethods.dsl_get_gemm_chunk_counts(out var products, out var helperChunks), "get_gemm_chunk_counts");
            return (products, helperChunks);
        }
    }

    public static long BlasSplitMinimum
    {
        get
        {
            Status.Check(NativeMethods.dsl_get_blas_split_minimum(out var minimum), "get_blas_split_minimum");
            return minimum;
        }
        set
        {
            if (value < 0) throw new ArgumentOutOfRangeException(nameof(value), value, "The BLAS split minimum must be 0 or more multiply-adds.");
            Status.Check(NativeMethods.dsl_set_blas_split_minimum(value), "set_blas_split_minimum");
        }
    }

    /// <summary>The count OpenBLAS runs its next product with (the last product's choice); for tests.</summary>
    internal static int BlasThreadsInUse
    {
        get
        {
            Status.Check(NativeMethods.dsl_get_blas_threads_in_use(out var count), "get_blas_threads_in_use");
            return count;
        }
    }

    private static int s_defaultsApplied;

    /// <summary>
    /// Sets both pools. A count of 0 or less leaves that pool as it is. The intra-op count is
    /// libtorch's global setting, but OpenMP keeps a copy per thread: threads that already ran a
    /// parallel op keep their old count, so configure at start-up, before the work begins (or from
    /// the thread that does the work).
    /// </summary>
    /// <returns>Whether the BLAS count could be set (false when no OpenBLAS is loaded or <paramref name="blas"/> was not positive).</returns>
    public static bool Configure(int intraOp, int blas)
    {
        Status.Check(NativeMethods.dsl_set_num_threads(intraOp, blas, out var blasSet), "set_num_threads");
        return blasSet != 0;
    }

    /// <summary>libtorch's intra-op thread count as the calling thread sees it.</summary>
    public static int IntraOpThreads
    {
        get
        {
            Status.Check(NativeMethods.dsl_get_num_threads(out var intraOp, out _), "get_num_threads");
            return intraOp;
        }
    }

    /// <summary>OpenBLAS's thread count, or -1 when libtorch does not use OpenBLAS.</summary>
    public static int BlasThreads
    {
        get
        {
            Status.Check(NativeMethods.dsl_get_num_threads(out _, out var blas), "get_num_threads");
            return blas;
        }
    }

    /// <summary>Whether OpenBLAS is loaded, so that its thread count can be read and set.</summary>
    public static bool BlasConfigurable => BlasThreads > 0;

    /// <summary>What the defaults resolved to at load: counts (0 = left alone) and where each came from.</summary>
    public static ThreadSettings? AppliedDefaults { get; private set; }

    /// <summary>
    /// The settings the environment asks for: the DSL_* variables, else "leave alone" when the
    /// library's own variable is set, else the measured defaults. Does not apply them.
    /// </summary>
    public static ThreadSettings ResolveDefaults(Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        var (intraOp, intraOpSource) = Resolve(environment, IntraOpVariable, "OMP_NUM_THREADS", DefaultIntraOpThreads);
        var (blas, blasSource) = Resolve(environment, BlasVariable, "OPENBLAS_NUM_THREADS", DefaultBlasThreads);
        return new ThreadSettings(intraOp, blas, intraOpSource, blasSource);
    }

    private static (int Count, string Source) Resolve(Func<string, string?> environment, string ours, string library, int fallback)
    {
        var text = environment(ours);
        if (!string.IsNullOrWhiteSpace(text))
        {
            if (int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var count) && count > 0)
            {
                return (count, ours);
            }
            throw new DslException($"{ours} must be a positive whole number of threads, but it is \"{text}\".");
        }
        if (!string.IsNullOrWhiteSpace(environment(library))) return (0, library);
        return (fallback, "default");
    }

    /// <summary>
    /// Applies <see cref="ResolveDefaults"/> once per process. Runs from the library resolver right
    /// after libdsl_native.so is loaded, through the library's export (a P/Invoke there would
    /// re-enter the resolver). A bad variable is reported on stderr instead of failing the load.
    /// </summary>
    internal static unsafe void ApplyDefaults(IntPtr library)
    {
        if (Interlocked.Exchange(ref s_defaultsApplied, 1) == 1) return;
        ThreadSettings settings;
        try
        {
            settings = ResolveDefaults();
        }
        catch (DslException e)
        {
            Console.Error.WriteLine($"Dsl: {e.Message} Using the defaults.");
            settings = ResolveDefaults(name => name is IntraOpVariable or BlasVariable ? null : Environment.GetEnvironmentVariable(name));
        }
        if (!NativeLibrary.TryGetExport(library, "dsl_set_num_threads", out var export)) return;
        var setNumThreads = (delegate* unmanaged<int, int, int*, int>)export;
        int blasSet;
        if (setNumThreads(settings.IntraOp, settings.Blas, &blasSet) == 0) AppliedDefaults = settings;
        var split = Environment.GetEnvironmentVariable(BlasSplitVariable);
        if (!string.IsNullOrWhiteSpace(split) && NativeLibrary.TryGetExport(library, "dsl_set_blas_split_minimum", out var setSplit))
        {
            if (long.TryParse(split, NumberStyles.Integer, CultureInfo.InvariantCulture, out var minimum) && minimum >= 0)
            {
                ((delegate* unmanaged<long, int>)setSplit)(minimum);
            }
            else
            {
                Console.Error.WriteLine($"Dsl: {BlasSplitVariable} must be 0 or more multiply-adds, but it is \"{split}\". Using {DefaultBlasSplitMinimum}.");
            }
        }
        var modeText = Environment.GetEnvironmentVariable(BlasSplitModeVariable);
        if (!string.IsNullOrWhiteSpace(modeText) && NativeLibrary.TryGetExport(library, "dsl_set_blas_split_mode", out var setMode))
        {
            if (TryParseSplitMode(modeText, out var mode))
            {
                ((delegate* unmanaged<int, int>)setMode)((int)mode);
            }
            else
            {
                Console.Error.WriteLine($"Dsl: {BlasSplitModeVariable} must be \"chunks\" or \"openblas\", but it is \"{modeText}\". Using {DefaultBlasSplitMode}.");
            }
        }
    }

    /// <summary>Reads <c>chunks</c> or <c>openblas</c> (any case, surrounding spaces ignored), as <see cref="BlasSplitModeVariable"/> takes it.</summary>
    public static bool TryParseSplitMode(string? text, out BlasSplitMode mode)
    {
        switch (text?.Trim().ToLowerInvariant())
        {
            case "chunks": mode = BlasSplitMode.Chunks; return true;
            case "openblas": mode = BlasSplitMode.OpenBlas; return true;
            default: mode = DefaultBlasSplitMode; return false;
        }
    }
}

/// <summary>
/// How a matrix product from <see cref="Threading.BlasSplitMinimum"/> up uses a second core. Under
/// <see cref="Threading.BlasChunkMaximum"/> it matters: OpenBLAS's split makes the caller wait for a second thread
/// that a busy machine may not run for milliseconds; chunks never wait for a thread that has not started.
/// </summary>
public enum BlasSplitMode
{
    /// <summary>
    /// Dsl's own split: the product is cut into a few chunks along its larger output dimension; the calling thread
    /// and one helper thread take chunks from a shared counter, each running one single-threaded BLAS call. A chunk
    /// nobody has claimed is the caller's, so a helper that has not woken costs nothing.
    /// </summary>
    Chunks = 0,

    /// <summary>OpenBLAS's own threads split the product (its pool of <see cref="Threading.BlasThreads"/>).</summary>
    OpenBlas = 1,
}

/// <summary>Thread counts for the two pools (0 = left as the library set it) and where each came from.</summary>
public sealed record ThreadSettings(int IntraOp, int Blas, string IntraOpSource, string BlasSource);
