using System.Collections.Immutable;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Dsl.Generators;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

// What the Dsl generator adds to a build, per model, measured in-process with CSharpGeneratorDriver
// (the way the compiler hosts it). N files each declare one [Model] and one [Experiment] (a
// two-layer MLP with cross-entropy, or a residual tanh/sigmoid net with an MSE loss, alternating).
//
//   dotnet run -c Release --project benchmarks/GeneratorTiming [-- --repeats 15 --sizes 1,10,50]
//
// For each N, after warm-up (the JIT is warm; nothing is cached between repetitions):
//   generator   a fresh driver over a fresh compilation of the same syntax trees: the whole
//               generator pass (symbol binding in the transforms, lowering, AD, emission)
//   roslyn      the same run as Roslyn's own GeneratorDriverTimingInfo reports it
//   comment     the incremental pass after a comment is added at the top of one file (driver kept)
//   dim edit    the incremental pass after one model's dim changes (one model regenerates)
//   compile     extra cost of compiling the generated code: Emit(with generated) - Emit(without)
// Medians of the repetitions, in ms, and per model (divided by N).

// --write-sources DIR N: only write the N declaration files (for build-cost.sh's real `dotnet build`).
if (args.Length == 3 && args[0] == "--write-sources")
{
    Directory.CreateDirectory(args[1]);
    for (var i = 0; i < int.Parse(args[2], CultureInfo.InvariantCulture); i++) File.WriteAllText(Path.Combine(args[1], "Model" + i + ".cs"), Declaration(i));
    return;
}

// --terms 1000,2000,...: the scaling mode (one declaration whose Forward is a sum of N terms); see SumScaling.cs.
if (args.Length >= 1 && args[0] == "--terms")
{
    SumScaling.Run(args);
    return;
}

var repeats = 15;
var sizes = new[] { 1, 10, 50 };
for (var i = 0; i < args.Length - 1; i++)
{
    if (args[i] == "--repeats") repeats = int.Parse(args[i + 1], CultureInfo.InvariantCulture);
    if (args[i] == "--sizes") sizes = args[i + 1].Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
}

var parseOptions = new CSharpParseOptions(LanguageVersion.Latest);
var references = References();

Console.WriteLine($"machine: {Environment.ProcessorCount} logical cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}, .NET {Environment.Version}, " +
                  $"load {File.ReadAllText("/proc/loadavg").Split(' ')[0]}");
Console.WriteLine($"repeats: {repeats} (medians)");

// Warm the JIT: the generator, Roslyn's binder and emitter.
for (var i = 0; i < 3; i++)
{
    var trees = Trees(10);
    Run(Compilation(trees), out var warm);
    Emit(warm);
}

Console.WriteLine();
Console.WriteLine("| models | generator (ms) | per model | min per model | roslyn's timing per model | comment edit (ms) | dim edit (ms) | compile generated (ms) | per model | generated lines per model |");
Console.WriteLine("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
foreach (var n in sizes)
{
    var trees = Trees(n);
    var full = new List<double>();
    var roslyn = new List<double>();
    var comment = new List<double>();
    var dimEdit = new List<double>();
    var compile = new List<double>();
    var lines = 0;
    for (var r = 0; r < repeats; r++)
    {
        var compilation = Compilation(trees);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var watch = Stopwatch.StartNew();
        var driver = CreateDriver().RunGeneratorsAndUpdateCompilation(compilation, out var output, out var diagnostics);
        full.Add(watch.Elapsed.TotalMilliseconds);
        roslyn.Add(driver.GetTimingInfo().ElapsedTime.TotalMilliseconds);
        if (!diagnostics.IsEmpty || driver.GetRunResult().Diagnostics.Length > 0)
        {
            throw new InvalidOperationException("the generator reported: " + string.Join("; ", driver.GetRunResult().Diagnostics));
        }
        var result = driver.GetRunResult();
        if (result.GeneratedTrees.Length != 2 * n) throw new InvalidOperationException($"expected {2 * n} files, got {result.GeneratedTrees.Length}");
        lines = result.GeneratedTrees.Sum(t => t.GetText().Lines.Count) / n;

        // A comment at the top of the first file: every location below it moves, nothing regenerates.
        var commented = compilation.ReplaceSyntaxTree(trees[0],
            CSharpSyntaxTree.ParseText("// edited " + r + "\n" + trees[0].GetText(), parseOptions, path: trees[0].FilePath));
        watch.Restart();
        var afterComment = driver.RunGenerators(commented);
        comment.Add(watch.Elapsed.TotalMilliseconds);
        AssertNothingRegenerated(afterComment);

        // A changed dim in the first model: its model and experiment regenerate.
        var resized = compilation.ReplaceSyntaxTree(trees[0],
            CSharpSyntaxTree.ParseText(trees[0].GetText().ToString().Replace("Hidden = 16", "Hidden = " + (17 + r)), parseOptions, path: trees[0].FilePath));
        watch.Restart();
        driver.RunGenerators(resized);
        dimEdit.Add(watch.Elapsed.TotalMilliseconds);

        var withoutGenerated = Emit(Compilation(trees));
        var withGenerated = Emit(output);
        compile.Add(withGenerated - withoutGenerated);
    }
    var generator = Median(full);
    var compileExtra = Median(compile);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"| {n} | {generator:F1} | {generator / n:F2} | {full.Min() / n:F2} | {Median(roslyn) / n:F2} | {Median(comment):F2} | {Median(dimEdit):F2} | {compileExtra:F1} | {compileExtra / n:F2} | {lines} |"));
}

CSharpCompilation Compilation(IEnumerable<SyntaxTree> trees) =>
    CSharpCompilation.Create("Timing", trees, references,
        new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable, optimizationLevel: OptimizationLevel.Release));

GeneratorDriver CreateDriver() =>
    CSharpGeneratorDriver.Create([new DslGenerator().AsSourceGenerator()], parseOptions: parseOptions,
        driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));

GeneratorDriver Run(CSharpCompilation compilation, out Compilation output) =>
    CreateDriver().RunGeneratorsAndUpdateCompilation(compilation, out output, out _);

double Emit(Compilation compilation)
{
    GC.Collect();
    var watch = Stopwatch.StartNew();
    using var stream = new MemoryStream();
    var result = compilation.Emit(stream);
    var elapsed = watch.Elapsed.TotalMilliseconds;
    if (!result.Success) throw new InvalidOperationException("does not compile: " + string.Join("\n", result.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).Take(5)));
    return elapsed;
}

void AssertNothingRegenerated(GeneratorDriver driver)
{
    foreach (var output in driver.GetRunResult().Results.Single().TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(s => s.Outputs))
    {
        if (output.Reason is not (IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged))
        {
            throw new InvalidOperationException("a comment edit regenerated an output (" + output.Reason + ")");
        }
    }
}

List<SyntaxTree> Trees(int n) =>
    Enumerable.Range(0, n).Select(i => CSharpSyntaxTree.ParseText(Declaration(i), parseOptions, path: "Model" + i + ".cs")).ToList();

static string Declaration(int i)
{
    var text = new StringBuilder("using Dsl;\nusing static Dsl.Ops;\n\nnamespace Timing;\n\n");
    if (i % 2 == 0)
    {
        text.Append($$"""
            [Model]
            public partial class Mlp{{i}}
            {
                [Dim] public int Inputs, Hidden, Classes;

                [Param(nameof(Inputs), nameof(Hidden))]  public Tensor W1;
                [Param(nameof(Hidden))]                  public Tensor B1;
                [Param(nameof(Hidden), nameof(Classes))] public Tensor W2;
                [Param(nameof(Classes))]                 public Tensor B2;

                public Tensor Forward([Shape("Batch", nameof(Inputs))] Tensor x)
                    => MatMul(Relu(MatMul(x, W1) + B1), W2) + B2;
            }

            [Experiment]
            public partial class Classifier{{i}}
            {
                public Mlp{{i}} Net = new() { Inputs = {{10 + i}}, Hidden = 16, Classes = 10 };
                public double LearningRate = 0.1;

                [Loss]
                public Tensor Loss([Shape("Batch", {{10 + i}})] Tensor x, [Shape("Batch")] Tensor labels) => CrossEntropy(Net.Forward(x), labels);
            }
            """);
    }
    else
    {
        text.Append($$"""
            [Model]
            public partial class Residual{{i}}
            {
                [Dim] public int Inputs, Hidden, Outputs;

                [Param(nameof(Inputs), nameof(Hidden))]  public Tensor WIn;
                [Param(nameof(Hidden))]                  public Tensor BIn;
                [Param(nameof(Hidden), nameof(Hidden))]  public Tensor WRes;
                [Param(nameof(Hidden), nameof(Outputs))] public Tensor WOut;
                [Param(nameof(Outputs))]                 public Tensor BOut;

                public Tensor Forward([Shape("Batch", nameof(Inputs))] Tensor x)
                {
                    var h = Tanh(MatMul(x, WIn) + BIn);
                    var r = h + Sigmoid(MatMul(h, WRes)) * h;
                    return MatMul(r, WOut) + BOut;
                }
            }

            [Experiment]
            public partial class Regression{{i}}
            {
                public Residual{{i}} Net = new() { Inputs = {{10 + i}}, Hidden = 16, Outputs = 3 };
                public double LearningRate = 0.05;

                [Loss]
                public Tensor Loss([Shape("Batch", {{10 + i}})] Tensor x, [Shape("Batch", 3)] Tensor y) => MseLoss(Net.Forward(x), y);
            }
            """);
    }
    return text.Append('\n').ToString();
}

static ImmutableArray<MetadataReference> References()
{
    var trusted = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator);
    var references = trusted.Where(p => Path.GetFileName(p).StartsWith("System.", StringComparison.Ordinal) || Path.GetFileName(p) is "netstandard.dll" or "mscorlib.dll")
        .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p)).ToList();
    references.Add(MetadataReference.CreateFromFile(typeof(Dsl.Tensor).Assembly.Location));
    return [.. references];
}

static double Median(List<double> values)
{
    var sorted = values.OrderBy(v => v).ToList();
    return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
}
