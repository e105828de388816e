namespace Dsl.Testing;

/// <summary>Counts the managed bytes a piece of code allocates, for the Kernels' allocation-free promise.</summary>
public static class Allocations
{
    /// <summary>
    /// Bytes allocated on this thread by <paramref name="repetitions"/> runs of <paramref name="run"/>,
    /// after one warm-up run (first calls JIT-compile and initialize; the counter's own first read allocates).
    /// Collection expressions of constants such as <c>[0, 2]</c> become arrays in Debug builds, so
    /// pass dims lists made outside <paramref name="run"/>.
    /// </summary>
    public static long Measure(Action run, int repetitions = 10)
    {
        run();
        GC.GetAllocatedBytesForCurrentThread();
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < repetitions; i++) run();
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }
}
