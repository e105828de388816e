// The side-by-side benchmark (docs/benchmarks.md, "Side by side with PyTorch"):
//
//   benchmarks/run.sh side-by-side [--quick] [SECTION...]
//   dotnet benchmarks/SideBySide/bin/Release/net10.0/SideBySide.dll [--quick] [--rounds N] [--round-ms MS]
//       [--python PATH] [steps] [rules] [threads] [profile] [loop [--seconds S]] [gemm-threads] [cnn-kernels] [CONFIG...]
//
// CONFIG: mlp-s, mlp-m, mlp-l, cnn-s, cnn-lenet, transformer (Configs.cs); naming some limits steps, threads,
// profile and loop to them (default: all). With no section it runs steps, rules and threads. `loop` only runs CONFIG's TrainStep for S seconds
// (default 5), for a sampling profiler (`benchmarks/run.sh profile`). The PyTorch side is benchmarks/side_by_side.py,
// run by Debian's /usr/bin/python3 (torch 1.13) unless --python or $SIDE_BY_SIDE_PYTHON names another.
// Exit code 1 when the two sides' losses after 20 steps differ by more than the stated tolerance.
using System.Globalization;
using Dsl;
using SideBySide;

CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
var options = Options.Parse(args);
var started = DateTime.UtcNow;
Console.WriteLine($"# Side by side, {started:yyyy-MM-dd HH:mm} UTC");
Console.WriteLine();
Console.WriteLine($"{Environment.ProcessorCount} cores, load average before: {Measure.LoadAverage()}; .NET {Environment.Version}; "
    + $"threads at load: intra-op {Threading.IntraOpThreads}, BLAS {Threading.BlasThreads}");
Console.WriteLine();

var scratch = Directory.CreateTempSubdirectory("side-by-side-").FullName;
try
{
    if (options.Sections.Contains("profile")) PhaseProfile.Run(options, options.Configs);
    if (options.Sections.Contains("gemm-threads")) GemmThreads.Run(options);
    if (options.Sections.Contains("cnn-kernels")) CnnKernels.Run(options);
    if (options.Sections.Contains("loop")) PhaseProfile.Loop(options.Configs, options.LoopSeconds);
    var needsPython = options.Sections.Any(s => s is "steps" or "rules" or "threads");
    if (needsPython)
    {
        using var python = new PythonTwin(options.Python, options.Script);
        if (options.Sections.Contains("steps")) StepComparison.Run(options, python, scratch);
        if (options.Sections.Contains("rules")) RuleComparison.Run(options, python, scratch);
        if (options.Sections.Contains("threads")) ThreadComparison.Run(options, python, scratch);
        Console.WriteLine($"Peak RSS: Dsl (this process) {Measure.PeakRssKib() / 1024.0:F0} MiB, PyTorch (its process) {python.PeakRssKib() / 1024.0:F0} MiB.");
    }
    else
    {
        Console.WriteLine($"Peak RSS: Dsl (this process) {Measure.PeakRssKib() / 1024.0:F0} MiB.");
    }
}
finally
{
    Directory.Delete(scratch, recursive: true);
}
Console.WriteLine($"Load average after: {Measure.LoadAverage()}; {(DateTime.UtcNow - started).TotalSeconds:F0} s.");
return Checks.Failures == 0 ? 0 : 1;

namespace SideBySide
{
    internal sealed record Options(IReadOnlySet<string> Sections, IReadOnlyList<string> Configs, bool Quick, int Rounds, int ThreadRounds,
        int RoundMs, int ProfileRepeat, double LoopSeconds, string Python, string Script)
    {
        public static Options Parse(string[] args)
        {
            var sections = new HashSet<string>();
            var configs = new List<string>();
            bool quick = false;
            int? rounds = null, roundMs = null;
            var loopSeconds = 5.0;
            var python = Environment.GetEnvironmentVariable("SIDE_BY_SIDE_PYTHON") is { Length: > 0 } p ? p : "/usr/bin/python3";
            for (var i = 0; i < args.Length; i++)
            {
                switch (args[i])
                {
                    case "--quick": quick = true; break;
                    case "--rounds": rounds = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                    case "--round-ms": roundMs = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                    case "--python": python = args[++i]; break;
                    case "--seconds": loopSeconds = double.Parse(args[++i], CultureInfo.InvariantCulture); break;
                    case "steps" or "rules" or "threads" or "profile" or "loop" or "gemm-threads" or "cnn-kernels": sections.Add(args[i]); break;
                    case var name when StepConfig.Names.Contains(name): configs.Add(name); break;
                    default:
                        throw new ArgumentException($"unknown argument '{args[i]}': expected --quick, --rounds N, --round-ms MS, --python PATH, "
                            + $"--seconds S, sections steps, rules, threads, gemm-threads, cnn-kernels, profile, loop, or configurations {string.Join(", ", StepConfig.Names)}");
                }
            }
            if (sections.Count == 0) sections.UnionWith(["steps", "rules", "threads"]);
            var script = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../side_by_side.py"));
            return new Options(sections, configs, quick, rounds ?? (quick ? 2 : 7), quick ? 1 : 3, roundMs ?? (quick ? 60 : 200),
                quick ? 1 : 3, loopSeconds, python, script);
        }
    }

    internal static class Checks
    {
        /// <summary>Checks that failed (the loss check); the exit code is 1 when any did.</summary>
        public static int Failures;
    }
}
