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
    /// <remarks>
    /// The fewest bytes of up to three such measurements: code that allocates on every run shows in
    /// each, while the runtime may allocate once on the calling thread in the middle of one (a method
    /// reaching its tier-up count on a loaded machine: a warm loop step measured 5,984 bytes over 20
    /// runs once in a full CI run, and 0 in every other run, alone or in the suite).
    /// </remarks>
    public static long Measure(Action run, int repetitions = 10)
    {
        run();
        GC.GetAllocatedBytesForCurrentThread();
        var fewest = long.MaxValue;
        for (var attempt = 0; attempt < 3 && fewest > 0; attempt++)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            for (var i = 0; i < repetitions; i++) run();
            fewest = Math.Min(fewest, GC.GetAllocatedBytesForCurrentThread() - before);
        }
        return fewest;
    }
}
