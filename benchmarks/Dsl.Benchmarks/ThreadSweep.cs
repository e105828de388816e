using System.Diagnostics;
using System.Globalization;

namespace Dsl.Benchmarks;

/// <summary>
/// Times the same work under each (intra-op, BLAS) thread setting to choose <see cref="Threading"/>'s
/// defaults (docs/benchmarks.md, "Threads"). Each setting runs in a fresh process with
/// DSL_NUM_THREADS / DSL_BLAS_THREADS set, so it is applied at load exactly as a user applies it.
/// The processes run round-robin (1,1), (1,2), (2,1), (2,2), (1,1), ... for several rounds: on a
/// machine shared with other work, a burst of load then hits every setting alike instead of
/// whichever one BenchmarkDotNet happened to be running. Reported per setting: the best round's
/// median (least disturbed) and the median over rounds.
/// </summary>
internal static class ThreadSweep
{
    private static readonly (int IntraOp, int Blas)[] Settings = [(1, 1), (1, 2), (2, 1), (2, 2)];
    private static readonly string[] Workloads = ["mm 1024³ (ms)", "mm 8x8 (µs)", "MLP step (ms)"];

    public static int Run(int rounds)
    {
        Console.WriteLine($"Thread sweep: {rounds} rounds of {Settings.Length} settings; load before {LoadAverage()}");
        var results = Settings.ToDictionary(s => s, _ => new List<double[]>());
        for (var round = 0; round < rounds; round++)
        {
            foreach (var setting in Settings)
            {
                var values = RunChild(setting);
                results[setting].Add(values);
                Console.WriteLine($"  round {round + 1} intra-op {setting.IntraOp} BLAS {setting.Blas}: " +
                    string.Join(", ", Workloads.Select((w, i) => $"{w} {Format(values[i])}")));
            }
        }
        Console.WriteLine($"load after {LoadAverage()}");
        Console.WriteLine();
        Console.WriteLine("| intra-op | BLAS | " + string.Join(" | ", Workloads.Select(w => $"{w}, best / median")) + " | mm 1024³ GFLOP/s (best) |");
        Console.WriteLine("|---:|---:|" + string.Concat(Workloads.Select(_ => "---:|")) + "---:|");
        foreach (var setting in Settings)
        {
            var rows = results[setting];
            var cells = Workloads.Select((_, i) =>
            {
                var column = rows.Select(r => r[i]).Order().ToArray();
                return $"{Format(column[0])} / {Format(column[column.Length / 2])}";
            });
            var gflops = 2.0 * 1024 * 1024 * 1024 / (rows.Min(r => r[0]) * 1e6);
            Console.WriteLine($"| {setting.IntraOp} | {setting.Blas} | {string.Join(" | ", cells)} | {gflops:F0} |");
        }
        return 0;
    }

    /// <summary>The child's side: measure under the thread setting applied at load, print one line.</summary>
    public static int Measure()
    {
        using var generator = new Generator(5);
        using var big = Tensor.Randn([1024, 1024], generator);
        using var bigOutput = Tensor.Zeros([1024, 1024]);
        using var small = Tensor.Randn([8, 8], generator);
        using var smallOutput = Tensor.Zeros([8, 8]);
        using var mlp = new MlpStep(generator);

        var mm1024 = MedianMilliseconds(() => Kernels.Mm(big, big, bigOutput), calls: 1, samples: 15);
        var mm8 = MedianMilliseconds(() => Kernels.Mm(small, small, smallOutput), calls: 20_000, samples: 7) * 1000;
        var step = MedianMilliseconds(mlp.Run, calls: 20, samples: 7);
        Console.WriteLine(string.Join(' ', new[] { mm1024, mm8, step }.Select(v => v.ToString("R", CultureInfo.InvariantCulture))));
        Console.Error.WriteLine($"threads: intra-op {Threading.IntraOpThreads}, BLAS {Threading.BlasThreads} ({Threading.AppliedDefaults})");
        return 0;
    }

    private static double MedianMilliseconds(Action action, int calls, int samples)
    {
        for (var i = 0; i < Math.Max(3, calls / 10); i++) action();
        var times = new double[samples];
        for (var s = 0; s < samples; s++)
        {
            var start = Stopwatch.GetTimestamp();
            for (var i = 0; i < calls; i++) action();
            times[s] = Stopwatch.GetElapsedTime(start).TotalMilliseconds / calls;
        }
        Array.Sort(times);
        return times[samples / 2];
    }

    private static double[] RunChild((int IntraOp, int Blas) setting)
    {
        var self = Environment.ProcessPath!;
        var start = new ProcessStartInfo(self) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(self) == "dotnet") start.ArgumentList.Add(typeof(ThreadSweep).Assembly.Location);
        start.ArgumentList.Add("threads-child");
        start.Environment[Threading.IntraOpVariable] = setting.IntraOp.ToString(CultureInfo.InvariantCulture);
        start.Environment[Threading.BlasVariable] = setting.Blas.ToString(CultureInfo.InvariantCulture);
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        var expected = $"intra-op {setting.IntraOp}, BLAS {setting.Blas}";
        if (process.ExitCode != 0 || !stderr.Result.Contains(expected, StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"The child for {expected} failed or ran with other settings:\n{stdout}\n{stderr.Result}");
        }
        return stdout.Trim().Split(' ').Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray();
    }

    private static string Format(double value) => value.ToString(value < 10 ? "F3" : "F1", CultureInfo.InvariantCulture);

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";
}
