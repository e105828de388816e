using Dsl;

namespace SideBySide;

/// <summary>
/// Section 2: each configuration's generated step under each (intra-op, BLAS) thread setting, idle and with one
/// core kept busy by a competing process the harness starts and stops (a shell busy loop). Settings change at run
/// time through Threading.Configure on the thread that runs the steps (OpenMP keeps its count per thread). Each
/// round measures every setting idle, then starts the busy process and measures every setting again.
/// PyTorch's step (its default here: set_num_threads(1), OpenBLAS's own pool) is measured the same way for reference.
/// </summary>
internal static class ThreadComparison
{
    public static void Run(Options options, PythonTwin python, string scratch)
    {
        // (intra-op, BLAS, split minimum, mode): products below the split minimum (m·k·n) run on one BLAS thread
        // (Threading.BlasSplitMinimum); from it up to 2^27 they run in chunks on Dsl's helper thread (Chunks) or on
        // OpenBLAS's threads (OpenBlas). 0 = every product that can split splits. (1, 2, 2^27, OpenBlas) was the
        // default before chunks; (1, 2, 0, OpenBlas) the default before the split minimum.
        var defaults = (Threading.IntraOpThreads, Threading.BlasThreads, Threading.BlasSplitMinimum, Threading.BlasSplitMode);
        var settings = new List<(int IntraOp, int Blas, long Split, BlasSplitMode Mode)> { defaults };
        foreach (var setting in new[]
                 {
                     (1, 2, Threading.DefaultBlasSplitMinimum, BlasSplitMode.Chunks), (1, 2, Threading.BlasChunkMaximum, BlasSplitMode.OpenBlas),
                     (1, 2, 0L, BlasSplitMode.OpenBlas), (1, 1, 0L, BlasSplitMode.OpenBlas), (2, 1, 0L, BlasSplitMode.OpenBlas),
                     (2, 2, 0L, BlasSplitMode.OpenBlas), (2, 2, Threading.BlasChunkMaximum, BlasSplitMode.OpenBlas),
                 })
        {
            if (!settings.Contains(setting)) settings.Add(setting);
        }
        Console.WriteLine("## Thread settings, idle and with one core busy");
        Console.WriteLine();
        Console.WriteLine($"Generated step per (intra-op, BLAS, split minimum, split mode) setting; default here = {Label(defaults)} ({Threading.AppliedDefaults?.IntraOpSource}/{Threading.AppliedDefaults?.BlasSource}). "
            + $"{options.ThreadRounds} rounds; 'busy' = a /bin/sh busy loop holds one core while the setting is measured.");
        Console.WriteLine();
        Console.WriteLine("| config | setting (intra-op, BLAS, split minimum, mode) | idle median µs | idle min µs | busy median µs | busy min µs | busy/idle (median) |");
        Console.WriteLine("|---|---|---:|---:|---:|---:|---:|");
        foreach (var spec in StepConfig.Select(options.Configs))
        {
            using var config = new StepConfig(spec);
            var name = spec.Name;
            var path = Path.Combine(scratch, $"{name}.safetensors");
            config.Save(path);
            python.Load(name, path);
            var estimate = Measure.Estimate(() => config.Step(), 10);
            var count = Measure.CountFor(options.RoundMs * 1000 / 2, estimate, 5, 1000);
            var budget = options.RoundMs * 1000.0;
            var idle = settings.ToDictionary(s => s, _ => new Samples());
            var busy = settings.ToDictionary(s => s, _ => new Samples());
            var torchIdle = new Samples();
            var torchBusy = new Samples();
            for (var round = 0; round < options.ThreadRounds; round++)
            {
                foreach (var loaded in new[] { false, true })
                {
                    using var competitor = loaded ? new BusyCore() : null;
                    foreach (var setting in settings)
                    {
                        Restore(setting);
                        MeasureBudget.Calls(() => config.Step(), Math.Max(2, count / 5), budget / 5, new Samples()); // settle
                        MeasureBudget.Calls(() => config.Step(), count, budget, loaded ? busy[setting] : idle[setting]);
                    }
                    Restore(defaults);
                    (loaded ? torchBusy : torchIdle).AddRange(python.Steps(count, budget));
                }
            }
            foreach (var setting in settings)
            {
                var label = setting == defaults ? $"{Label(setting)} default" : Label(setting);
                Row(name, label, idle[setting], busy[setting]);
            }
            Row(name, $"PyTorch eager (set_num_threads({python.Threads}))", torchIdle, torchBusy);
        }
        Restore(defaults);
        Console.WriteLine();
    }

    private static void Restore((int IntraOp, int Blas, long Split, BlasSplitMode Mode) setting)
    {
        Threading.Configure(setting.IntraOp, setting.Blas);
        Threading.BlasSplitMinimum = setting.Split;
        Threading.BlasSplitMode = setting.Mode;
    }

    private static string Label((int IntraOp, int Blas, long Split, BlasSplitMode Mode) setting) =>
        $"({setting.IntraOp}, {setting.Blas}, {(setting.Split == 0 ? "0" : $"2^{Math.Log2(setting.Split):F0}")}, {(setting.Mode == BlasSplitMode.Chunks ? "chunks" : "openblas")})";

    private static void Row(string config, string setting, Samples idle, Samples busy) =>
        Console.WriteLine($"| {config} | {setting} | {idle.Median:F0} | {idle.Min:F0} | {busy.Median:F0} | {busy.Min:F0} | {busy.Median / idle.Median:F2}x |");
}
