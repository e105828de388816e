using System.Diagnostics;

namespace SideBySide;

/// <summary>Per-call times in microseconds, and their median and minimum.</summary>
internal sealed class Samples
{
    private readonly List<double> _values = [];

    public int Count => _values.Count;

    public void Add(double microseconds) => _values.Add(microseconds);

    public void AddRange(IEnumerable<double> microseconds) => _values.AddRange(microseconds);

    public double Median
    {
        get
        {
            if (_values.Count == 0) return double.NaN;
            var sorted = _values.Order().ToArray();
            var half = sorted.Length / 2;
            return sorted.Length % 2 == 1 ? sorted[half] : (sorted[half - 1] + sorted[half]) / 2;
        }
    }

    public double Min => _values.Count == 0 ? double.NaN : _values.Min();
}

internal static class Measure
{
    private static readonly double TicksToMicroseconds = 1e6 / Stopwatch.Frequency;

    /// <summary>
    /// Times <paramref name="count"/> calls one by one into <paramref name="into"/>; returns the managed bytes the
    /// calling thread allocated over them (the timing itself allocates nothing: the buffer is preallocated).
    /// </summary>
    public static long Calls(Action action, int count, Samples into, double[] buffer)
    {
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < count; i++)
        {
            var start = Stopwatch.GetTimestamp();
            action();
            buffer[i] = (Stopwatch.GetTimestamp() - start) * TicksToMicroseconds;
        }
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        for (var i = 0; i < count; i++) into.Add(buffer[i]);
        return allocated;
    }

    /// <summary>How many calls of about <paramref name="microsecondsEach"/> fill <paramref name="targetMicroseconds"/>, within [min, max].</summary>
    public static int CountFor(double targetMicroseconds, double microsecondsEach, int min, int max) =>
        (int)Math.Clamp(targetMicroseconds / Math.Max(microsecondsEach, 1), min, max);

    /// <summary>Median time of a few calls, for sizing rounds.</summary>
    public static double Estimate(Action action, int calls)
    {
        var samples = new Samples();
        Calls(action, calls, samples, new double[calls]);
        return samples.Median;
    }

    /// <summary>This process's peak resident set (VmHWM) in KiB.</summary>
    public static long PeakRssKib()
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
            {
                return long.Parse(line["VmHWM:".Length..].Trim().Split(' ')[0]);
            }
        }
        return -1;
    }

    public static string LoadAverage() => string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
}

/// <summary>
/// A competing process that keeps one core busy (a shell busy loop), started and stopped by the
/// harness: the "another job holds a core" condition of the thread measurements.
/// </summary>
internal sealed class BusyCore : IDisposable
{
    private readonly Process _process;

    public BusyCore()
    {
        _process = Process.Start(new ProcessStartInfo("/bin/sh", ["-c", "while :; do :; done"]) { UseShellExecute = false })
            ?? throw new InvalidOperationException("could not start the busy-loop process /bin/sh");
        Thread.Sleep(50); // let it reach the loop and be scheduled
    }

    public void Dispose()
    {
        if (!_process.HasExited) _process.Kill();
        _process.WaitForExit();
        _process.Dispose();
    }
}

internal static class MeasureBudget
{
    /// <summary>Times calls one by one until <paramref name="maxCount"/> calls or <paramref name="budgetMicroseconds"/> have passed (at least 3 calls).</summary>
    public static void Calls(Action action, int maxCount, double budgetMicroseconds, Samples into)
    {
        var begin = System.Diagnostics.Stopwatch.GetTimestamp();
        for (var i = 0; i < maxCount; i++)
        {
            var start = System.Diagnostics.Stopwatch.GetTimestamp();
            action();
            var end = System.Diagnostics.Stopwatch.GetTimestamp();
            into.Add((end - start) * 1e6 / System.Diagnostics.Stopwatch.Frequency);
            if (i >= 2 && (end - begin) * 1e6 / System.Diagnostics.Stopwatch.Frequency > budgetMicroseconds) break;
        }
    }
}
