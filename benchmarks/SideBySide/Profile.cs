using System.Diagnostics;
using Dsl;

namespace SideBySide;

/// <summary>
/// Section 3: where each configuration's generated step goes, by phase: the generated ComputeGradients
/// (forward and backward) and ApplyUpdate (the fused Adam loop over every parameter), timed back to back in
/// one loop, against the GEMM-only floor (MLPs only) and the update's memory-traffic floor. Per-kernel shares come from
/// `benchmarks/run.sh profile` (perf over this section).
/// </summary>
internal static class PhaseProfile
{
    public static void Run(Options options, IEnumerable<string> only)
    {
        var bandwidth = StepComparison.CopyBandwidth();
        Console.WriteLine("## Where the generated step goes, by phase");
        Console.WriteLine();
        Console.WriteLine($"Threads: intra-op {Threading.IntraOpThreads}, BLAS {Threading.BlasThreads}. Copy bandwidth (1 thread) {bandwidth / 1e9:F1} GB/s. "
            + "Gradients = the generated ComputeGradients; update = ApplyUpdate; both timed in one loop (medians and minima over every call).");
        Console.WriteLine();
        Console.WriteLine("| config | TrainStep median (min) µs | ComputeGradients median (min) µs | GEMM floor median (min) µs | gradients minus GEMMs (min) µs | ApplyUpdate median (min) µs | Adam traffic floor µs | update / floor (min) |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var spec in StepConfig.Select(only))
        {
            var name = spec.Name;
            using var config = new StepConfig(spec);
            using var floor = spec.MlpLayers is null ? null : new GemmFloor(config); // MLPs only
            var estimate = Measure.Estimate(() => config.Step(), 10);
            var count = Measure.CountFor(options.RoundMs * 1000, estimate, 5, 2000);
            var buffer = new double[count];
            var step = new Samples();
            var gradients = new Samples();
            var update = new Samples();
            var gemm = new Samples();
            Measure.Calls(() => config.Step(), count, new Samples(), buffer);
            for (var round = 0; round < options.Rounds * options.ProfileRepeat; round++)
            {
                Measure.Calls(() => config.Step(), count, step, buffer);
                for (var i = 0; i < count; i++)
                {
                    var t0 = Stopwatch.GetTimestamp();
                    config.Gradients();
                    var t1 = Stopwatch.GetTimestamp();
                    config.Update();
                    var t2 = Stopwatch.GetTimestamp();
                    gradients.Add((t1 - t0) * 1e6 / Stopwatch.Frequency);
                    update.Add((t2 - t1) * 1e6 / Stopwatch.Frequency);
                }
                if (floor is not null) Measure.Calls(floor.Run, count, gemm, buffer);
            }
            var traffic = config.ParameterCount * 28.0 / bandwidth * 1e6;
            var gemmColumns = floor is null ? "(not an MLP) | " : $"{gemm.Median:F0} ({gemm.Min:F0}) | {gradients.Min - gemm.Min:F0}";
            Console.WriteLine($"| {name} | {step.Median:F0} ({step.Min:F0}) | {gradients.Median:F0} ({gradients.Min:F0}) | {gemmColumns} | "
                + $"{update.Median:F0} ({update.Min:F0}) | {traffic:F0} | {update.Min / traffic:F2} |");
        }
        Console.WriteLine();
    }

    /// <summary>Only the TrainStep of each named configuration, for <paramref name="seconds"/> after a warm-up: what a sampling profiler should see.</summary>
    public static void Loop(IEnumerable<string> only, double seconds)
    {
        foreach (var spec in StepConfig.Select(only))
        {
            var name = spec.Name;
            using var config = new StepConfig(spec);
            var watch = Stopwatch.StartNew();
            while (watch.Elapsed.TotalSeconds < 3) config.Step(); // every method at its final JIT tier
            watch.Restart();
            long steps = 0;
            Console.WriteLine($"loop {name}: TrainStep for {seconds} s (start marker for the profiler: {DateTime.UtcNow:HH:mm:ss.fff})");
            while (watch.Elapsed.TotalSeconds < seconds)
            {
                config.Step();
                steps++;
            }
            Console.WriteLine($"loop {name}: {steps} steps, {watch.Elapsed.TotalMilliseconds * 1000 / steps:F0} µs each on average");
        }
    }
}
