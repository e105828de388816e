using System.Collections.Immutable;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Dsl.Generators;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

/// <summary>
/// How generator time grows with the size of one expression. One file declares a [Model] whose
/// Forward returns a sum of N distinct terms (each an op over tensors, left-nested the way C#
/// parses <c>a + b + c</c>) and an [Experiment] whose loss calls it; the generator runs alone,
/// in-process (CSharpGeneratorDriver), on a fresh compilation per repetition, and the table gives
/// the median time and the time per term.
///
///   dotnet run -c Release --project benchmarks/GeneratorTiming -- --terms 1000,2000,4000,8000,16000 [--repeats 5] [--timeout-s 120] [--warm-up-terms 8000]
///
/// The generator thread's CPU time (from /proc, 10 ms ticks) leaves out the wait for a core on a
/// loaded machine; the process CPU column adds the other threads (the background GC's, the JIT's).
/// GC pauses are the time every managed thread was stopped for a collection during the run.
/// A size that runs past the timeout is reported as such and the larger sizes are skipped.
/// The generator runs on a thread with a 1 MiB stack, so a recursive walk that would overflow the
/// stack of an ordinary thread pool / IDE thread shows up here as a crash rather than passing.
/// </summary>
internal static class SumScaling
{
    private static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest);

    public static void Run(string[] args)
    {
        var sizes = args[1].Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
        // Five repeats: the first run at a size larger than any before it also pays for the GC heap's
        // growth (fresh pages; at 16,000 terms ~1 s more than the runs after it), which the median leaves
        // out and the "first" column shows.
        var repeats = 5;
        var timeout = TimeSpan.FromSeconds(120);
        var stack = 1 << 20;
        // The warm-up runs a sum big enough for tiered compilation to finish with Roslyn's binder and
        // the generator (a compiler server or IDE is warm; 3 x 100 terms left most of Roslyn in its
        // instrumented tier, and a 16,000-term run then spent a third of its CPU in the JIT). 4 x 2,000
        // terms was still not enough: 1,000 terms then took 170-230 ms against 70-120 ms after
        // 4 x 8,000 terms or with DOTNET_TieredCompilation=0 (everything optimized from the start).
        var warmUpTerms = 8000;
        for (var i = 2; i < args.Length - 1; i++)
        {
            if (args[i] == "--repeats") repeats = int.Parse(args[i + 1], CultureInfo.InvariantCulture);
            if (args[i] == "--timeout-s") timeout = TimeSpan.FromSeconds(double.Parse(args[i + 1], CultureInfo.InvariantCulture));
            if (args[i] == "--warm-up-terms") warmUpTerms = int.Parse(args[i + 1], CultureInfo.InvariantCulture);
            if (args[i] == "--stack-kb") stack = int.Parse(args[i + 1], CultureInfo.InvariantCulture) * 1024;
        }
        var references = References();
        if (args.Length == 4 && args[2] == "--write-generated")
        {
            // Writes what the generator makes of the first size into a folder, to read.
            var run = CSharpGeneratorDriver.Create([new DslGenerator().AsSourceGenerator()], parseOptions: ParseOptions)
                .RunGenerators(Compilation(sizes[0], references)).GetRunResult();
            Directory.CreateDirectory(args[3]);
            foreach (var tree in run.GeneratedTrees) File.WriteAllText(Path.Combine(args[3], Path.GetFileName(tree.FilePath)), tree.GetText().ToString());
            return;
        }
        Console.WriteLine($"machine: {Environment.ProcessorCount} logical cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}, .NET {Environment.Version}, " +
                          $"load {File.ReadAllText("/proc/loadavg").Split(' ')[0]}");
        Console.WriteLine($"repeats: {repeats} (medians), warm-up 4 x {warmUpTerms} terms, generator thread stack {stack / 1024} KiB, timeout {timeout.TotalSeconds:F0} s per run");

        // Warm the JIT (see warmUpTerms), then let the tiered compiler's background thread drain.
        for (var i = 0; i < 4; i++) Generate(Compilation(warmUpTerms, references), out _);
        Thread.Sleep(500);

        // What a run costs whatever the size (reading the runtime's shipped models, the pipeline's own
        // steps): the median of 5 runs of a 1-term sum. "Over 1 term" is the time per term above it.
        var fixedRuns = new List<double>();
        for (var i = 0; i < 5; i++)
        {
            var small = Compilation(1, references);
            var watch = Stopwatch.StartNew();
            Generate(small, out _);
            fixedRuns.Add(watch.Elapsed.TotalMilliseconds);
        }
        var fixedCost = Median(fixedRuns);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"a 1-term sum: {fixedCost:F0} ms (median of 5)"));

        Console.WriteLine();
        Console.WriteLine("| terms | generator (ms) | µs per term | µs per term over 1 term | min (ms) | first (ms) | generator thread CPU (ms) | process CPU (ms) | CPU µs per term | allocated (MiB) | collections | GC pauses (ms) | generated lines |");
        Console.WriteLine("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var n in sizes)
        {
            var times = new List<double>();
            var cpu = new List<double>();
            var megabytes = new List<double>();
            var gcs = new List<double>();
            var pauses = new List<double>();
            var threadCpu = new List<double>();
            var lines = 0;
            var timedOut = false;
            for (var r = 0; r < repeats && !timedOut; r++)
            {
                var compilation = Compilation(n, references);
                GC.Collect();
                GC.WaitForPendingFinalizers();
                double elapsed = 0;
                long allocated = 0;
                var collections = 0;
                double paused = 0;
                double threadMs = 0;
                Exception? failure = null;
                var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
                var thread = new Thread(() =>
                {
                    try
                    {
                        var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
                        var collectionsBefore = GC.CollectionCount(0);
                        var pauseBefore = GC.GetTotalPauseDuration();
                        var threadBefore = ThreadCpuMs();
                        var watch = Stopwatch.StartNew();
                        var result = Generate(compilation, out var generatedLines);
                        elapsed = watch.Elapsed.TotalMilliseconds;
                        allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
                        collections = GC.CollectionCount(0) - collectionsBefore;
                        paused = (GC.GetTotalPauseDuration() - pauseBefore).TotalMilliseconds;
                        threadMs = ThreadCpuMs() - threadBefore;
                        lines = generatedLines;
                    }
                    catch (Exception e)
                    {
                        failure = e;
                    }
                }, stack) { IsBackground = true };
                thread.Start();
                if (!thread.Join(timeout))
                {
                    timedOut = true;
                    break;
                }
                if (failure is not null) throw new InvalidOperationException($"{n} terms: {failure.Message}", failure);
                times.Add(elapsed);
                cpu.Add((Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalMilliseconds);
                megabytes.Add(allocated / (1024.0 * 1024.0));
                gcs.Add(collections);
                pauses.Add(paused);
                threadCpu.Add(threadMs);
            }
            if (timedOut)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {n} | > {timeout.TotalMilliseconds:F0} (did not finish) | | | | | | | | | | | |"));
                break;
            }
            var median = Median(times);
            var cpuMedian = Median(cpu);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {n} | {median:F0} | {1000 * median / n:F1} | {1000 * (median - fixedCost) / n:F1} | {times.Min():F0} | {times[0]:F0} | {Median(threadCpu):F0} | {cpuMedian:F0} | {1000 * cpuMedian / n:F1} | {Median(megabytes):F0} | {Median(gcs):F0} | {Median(pauses):F0} | {lines} |"));
        }
        // A timed-out generator thread is still running; end the process without waiting for it.
        Environment.Exit(0);
    }

    private static GeneratorDriverRunResult Generate(CSharpCompilation compilation, out int lines)
    {
        var driver = CSharpGeneratorDriver.Create([new DslGenerator().AsSourceGenerator()], parseOptions: ParseOptions,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: false));
        var result = driver.RunGenerators(compilation).GetRunResult();
        if (result.Diagnostics.Length > 0) throw new InvalidOperationException("the generator reported: " + string.Join("; ", result.Diagnostics.Take(3)));
        if (result.GeneratedTrees.Length != 2) throw new InvalidOperationException($"expected 2 files, got {result.GeneratedTrees.Length}");
        lines = result.GeneratedTrees.Sum(t => t.GetText().Lines.Count);
        return result;
    }

    private static CSharpCompilation Compilation(int terms, ImmutableArray<MetadataReference> references) =>
        CSharpCompilation.Create("SumScaling", [CSharpSyntaxTree.ParseText(Declaration(terms), ParseOptions, path: "Sum.cs")], references,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable, optimizationLevel: OptimizationLevel.Release));

    /// <summary>The i-th term: four kinds in turn, each with its own constant so no two terms are the same.</summary>
    internal static string Term(int i) => (i % 4) switch
    {
        0 => $"x * W * {i + 1}",
        1 => $"Tanh(x + B) * {i + 1}",
        2 => $"Sigmoid(x * {i + 1}) * W",
        _ => $"MatMul(x, V) * {i + 1}",
    };

    internal static string Declaration(int terms)
    {
        var sum = new StringBuilder();
        for (var i = 0; i < terms; i++)
        {
            if (i > 0) sum.Append(i % 8 == 0 ? "\n            + " : " + ");
            sum.Append(Term(i));
        }
        return $$"""
            using Dsl;
            using static Dsl.Ops;

            namespace Timing;

            [Model]
            public partial class Sum
            {
                [Param(3)] public Tensor W;
                [Param(3)] public Tensor B;
                [Param(3, 3)] public Tensor V;

                public Tensor Forward([Shape("Batch", 3)] Tensor x)
                    => {{sum}};
            }

            [Experiment]
            public partial class SumRegression
            {
                public Sum Net = new();
                public double LearningRate = 0.01;

                [Loss]
                public Tensor Loss([Shape("Batch", 3)] Tensor x, [Shape("Batch", 3)] Tensor y) => MseLoss(Net.Forward(x), y);
            }

            """;
    }

    private static ImmutableArray<MetadataReference> References()
    {
        var trusted = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator);
        var references = trusted.Where(p => Path.GetFileName(p).StartsWith("System.", StringComparison.Ordinal) || Path.GetFileName(p) is "netstandard.dll" or "mscorlib.dll")
            .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p)).ToList();
        references.Add(MetadataReference.CreateFromFile(typeof(Dsl.Tensor).Assembly.Location));
        return [.. references];
    }

    /// <summary>CPU time of the calling thread (user + system) from /proc, so a run that waited for a core is not charged for the wait; NaN elsewhere.</summary>
    private static double ThreadCpuMs()
    {
        try
        {
            var stat = File.ReadAllText("/proc/thread-self/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            // utime and stime are fields 14 and 15 of stat(5), here 11 and 12 after the name; in clock ticks (100 per second on Linux).
            return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) * 10.0;
        }
        catch (IOException)
        {
            return double.NaN;
        }
    }

    private static double Median(List<double> values)
    {
        var sorted = values.OrderBy(v => v).ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }

}
