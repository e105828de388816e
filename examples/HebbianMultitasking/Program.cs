// HebbianMultitasking: Agliari, Alessandrelli, Barra and Ricci-Tersenghi (2023), "Parallel Learning by
// Multitasking Neural Networks". A Hopfield network of N binary neurons stores K = 3 diluted ternary
// patterns in Hebbian couplings (built from the patterns, or from noisy examples with or without a
// teacher) and relaxes by asynchronous Glauber dynamics from random starts. Three experiments: the
// magnetizations against the dilution (hierarchical, then parallel retrieval), the parallel regime at
// T > 0 against N, and retrieval against the number of examples per pattern.
using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Dsl.Examples;
using HebbianMultitasking;

var neuronsOption = new Option<int>("--neurons") { Description = "Neurons N of the dilution and dataset experiments", DefaultValueFactory = _ => 2000 };
var runsOption = new Option<int>("--runs") { Description = "Runs (fresh patterns, examples and random start) averaged per point", DefaultValueFactory = _ => 4 };
var largestOption = new Option<int>("--largest") { Description = "Largest N of the finite-size scan of the parallel regime", DefaultValueFactory = _ => 4000 };
var coolingOption = new Option<int>("--cooling-sweeps") { Description = "Sweeps of cooling before the final temperature (0: quench from the random start)", DefaultValueFactory = _ => 60 };
var seedOption = new Option<ulong>("--seed") { Description = "Seeds the patterns, the examples and the dynamics", DefaultValueFactory = _ => 0 };
var outOption = new Option<string?>("--out") { Description = "Folder for the SVG figures; default runs/hebbian-<time>" };
var command = new RootCommand("Hierarchical and parallel retrieval of diluted patterns by a Hebbian network with Glauber dynamics.")
{
    neuronsOption, runsOption, largestOption, coolingOption, seedOption, outOption,
};
foreach (var option in new[] { neuronsOption, runsOption, largestOption })
    option.Validators.Add(r => { if (r.GetValueOrDefault<int>() < 1) r.AddError($"{option.Name} must be at least 1"); });
command.SetAction(parse =>
{
    var folder = parse.GetValue(outOption) ?? Path.Combine("runs", "hebbian-" + DateTime.Now.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture));
    var settings = new Settings(parse.GetValue(neuronsOption), parse.GetValue(runsOption), parse.GetValue(largestOption),
        parse.GetValue(coolingOption), parse.GetValue(seedOption), folder);
    Report.All(settings);
    return 0;
});
return command.Parse(args).Invoke();

/// <summary>The program's settings (command line).</summary>
public sealed record Settings(int Neurons, int Runs, int Largest, int CoolingSweeps, ulong Seed, string Folder);

/// <summary>Runs the three experiments and prints their tables; writes their figures.</summary>
public static class Report
{
    public static readonly double[] Dilutions = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9];
    public const int ExamplesPerPattern = 64;
    public const double Quality = 0.4, DatasetDilution = 0.3;
    /// <summary>The parallel regime's temperature in units of the retrieval transition: T = 0.5·(1 − d).</summary>
    public const double ParallelTemperature = 0.5;
    public static readonly int[] DatasetSizes = [1, 2, 4, 8, 16, 32, 64];
    public static readonly double[] ParallelDilutions = [0.8, 0.9];
    private static readonly Teacher[] Every = [Teacher.Patterns, Teacher.Supervised, Teacher.Unsupervised];
    private static readonly Teacher[] Learned = [Teacher.Supervised, Teacher.Unsupervised];
    private static string Name(Teacher teacher) => teacher switch
    {
        Teacher.Patterns => "patterns' J",
        Teacher.Supervised => "supervised J",
        _ => "unsupervised J",
    };
    private static string F(double v) => v.ToString("F3", CultureInfo.InvariantCulture);

    public static void All(Settings s)
    {
        var clock = Stopwatch.StartNew();
        Console.WriteLine($"K = {Multitasking.Patterns} patterns, {s.Runs} runs per point, seed {s.Seed}; examples: quality r = {Quality}.");

        // 1. Magnetizations against the dilution, T = 0.
        var zero = new Protocol(Temperature: 0, CoolingSweeps: s.CoolingSweeps);
        Console.WriteLine($"\n1. Sorted magnetizations m1 / m2 / m3 against the dilution d (N = {s.Neurons}, T = 0 after {s.CoolingSweeps} sweeps of cooling; M = {ExamplesPerPattern} examples per pattern):\n");
        var byDilution = Dilutions.Select(d => (d, result: Multitasking.Run(Every, s.Neurons, d, zero, s.Runs, s.Seed, ExamplesPerPattern, Quality))).ToList();
        Table.Print(["d", "(1−d)·d^(k−1)", "patterns' J", "supervised J", "unsupervised J"],
            byDilution.Select(row => (IReadOnlyList<string>)
            [
                row.d.ToString("F1", CultureInfo.InvariantCulture),
                string.Join(" / ", Multitasking.Hierarchy(row.d).Select(F)),
                row.result[Teacher.Patterns].Format(), row.result[Teacher.Supervised].Format(), row.result[Teacher.Unsupervised].Format(),
            ]));
        var figure = new Figure("Magnetizations against dilution (T = 0)", "dilution d", "sorted |m_k|") { Width = 720 };
        string[] powers = ["(1−d)", "(1−d)d", "(1−d)d²"];
        for (var k = 0; k < Multitasking.Patterns; k++)
        {
            var rank = k;
            figure.Add(powers[k], Enumerable.Range(1, 19).Select(i => i / 20.0).Select(d => (d, Multitasking.Hierarchy(d)[rank])), Mark.Line, "#bbbbbb");
        }
        foreach (var teacher in Every)
            figure.Add(Name(teacher), byDilution.SelectMany(r => r.result[teacher].Mean.Select(m => (r.d, m))), Mark.Dots);
        figure.Save(Path.Combine(s.Folder, "magnetizations.svg"));

        // 2. The parallel regime at T > 0 against N.
        Console.WriteLine($"\n2. Strong dilution at T = {ParallelTemperature}·(1 − d) (patterns' J, m averaged over the last 50 of 100 sweeps): the gap m1 − m3 against N, and the mean-field solution (N → ∞):\n");
        var sizes = new List<int>();
        for (var n = 500; n <= s.Largest; n *= 2) sizes.Add(n);
        var gaps = new Figure($"Parallel regime: gap m1 − m3 at T = {ParallelTemperature}·(1 − d)", "neurons N", "m1 − m3") { LogX = true, LogY = true, Width = 720 };
        var rows = new List<IReadOnlyList<string>>();
        foreach (var d in ParallelDilutions)
        {
            var warm = new Protocol(Temperature: ParallelTemperature * (1 - d), CoolingSweeps: s.CoolingSweeps, Sweeps: 100, MeasureSweeps: 50);
            var meanField = MeanField.Solve(d, warm.Temperature, Multitasking.Hierarchy(d));
            var points = new List<(double, double)>();
            foreach (var n in sizes)
            {
                var r = Multitasking.Run([Teacher.Patterns], n, d, warm, s.Runs, s.Seed)[Teacher.Patterns];
                rows.Add([d.ToString("F1", CultureInfo.InvariantCulture), F(warm.Temperature), n.ToString(CultureInfo.InvariantCulture), r.Format(), F(r.Gap),
                    string.Join(" / ", meanField.Select(F))]);
                points.Add((n, r.Gap));
            }
            gaps.Add($"d = {d:F1}", points);
            var hierarchical = Multitasking.Hierarchy(d)[0] - Multitasking.Hierarchy(d)[^1];
            gaps.Add($"hierarchical, d = {d:F1}", [(sizes[0], hierarchical), (sizes[^1], hierarchical)], Mark.Line, "#bbbbbb");
        }
        Table.Print(["d", "T", "N", "m1 / m2 / m3", "m1 − m3", "mean field"], rows);
        gaps.Save(Path.Combine(s.Folder, "parallel-gap.svg"));

        // 3. Retrieval against the number of examples per pattern, supervised and unsupervised.
        Console.WriteLine($"\n3. Magnetizations against the examples per pattern M (N = {s.Neurons}, d = {DatasetDilution}, r = {Quality}, T = 0; the patterns' own J gives {string.Join(" / ", Multitasking.Hierarchy(DatasetDilution).Select(F))}):\n");
        var byExamples = DatasetSizes.Select(m => (m, result: Multitasking.Run(Learned, s.Neurons, DatasetDilution, zero, s.Runs, s.Seed, m, Quality))).ToList();
        Table.Print(["M", "ρ = (1−r²)/(M r²)", "supervised", "unsupervised"],
            byExamples.Select(row => (IReadOnlyList<string>)
            [
                row.m.ToString(CultureInfo.InvariantCulture), F((1 - Quality * Quality) / (row.m * Quality * Quality)),
                row.result[Teacher.Supervised].Format(), row.result[Teacher.Unsupervised].Format(),
            ]));
        var dataset = new Figure($"Retrieval against examples per pattern (d = {DatasetDilution}, r = {Quality})", "examples per pattern M", "sorted |m_k|") { LogX = true, Width = 720 };
        string[] colors = ["#1f77b4", "#ff7f0e", "#2ca02c"];
        foreach (var teacher in Learned)
            for (var k = 0; k < Multitasking.Patterns; k++)
            {
                var rank = k;
                dataset.Add($"{(teacher == Teacher.Supervised ? "sup." : "unsup.")} m{k + 1}", byExamples.Select(r => ((double)r.m, r.result[teacher].Mean[rank])),
                    teacher == Teacher.Supervised ? Mark.Line : Mark.Dots, colors[k]);
            }
        dataset.Save(Path.Combine(s.Folder, "examples.svg"));

        Console.WriteLine($"\nFigures in {s.Folder}: magnetizations.svg, parallel-gap.svg, examples.svg ({clock.Elapsed.TotalSeconds:F1} s)");
    }
}
