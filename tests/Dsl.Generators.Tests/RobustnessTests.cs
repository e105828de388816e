using System.Collections.Concurrent;
using Dsl.Generators.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit.Abstractions;

namespace Dsl.Generators.Tests;

/// <summary>
/// The generator must never throw, and what it generates must compile: broken and half-typed
/// declarations (what an editor shows the generator on every keystroke) give diagnostics or valid
/// output, never CS8785, DSL9999 or an error inside a .g.cs file.
/// </summary>
public sealed class RobustnessTests(ITestOutputHelper output)
{
    /// <summary>Seeded mutations per run. Each is generated and, when the user's code compiles, compiled with the generated code.</summary>
    private const int Mutations = 2000;

    private const int Seed = 20251122;

    private static readonly string[] Programs =
    [
        TestSources.File(TestSources.Mlp + "\n" + TestSources.DigitClassifierSgd),
        TestSources.File(TestSources.Mlp + "\n" + TestSources.Adam + "\n" + TestSources.DigitClassifierAdam),
        TestSources.File(TestSources.Composed),
        TestSources.File(CustomStepTests.TwoPlayers),
        TestSources.File(CustomStepTests.Plastic),
    ];

    private static readonly string[] Insertions = ["(", ")", ",", "+", "*", "-", ";", "{", "}", "x", "Relu", "MatMul", "Forward", "Net", "0", "3", "\"Batch\"", "nameof(Hidden)", "[Param(2)]", "var", "return", "=", ".", "Apply", "Grad", "Frozen", "[Step]", "Transpose", "+=", "static", "readonly", "file", "record", "[State]", "[Update]", "[Derivative(\"Nope\")]", "null"];

    /// <summary>
    /// Names an identifier is renamed to: C# keywords (plain and @-escaped), the names of members and
    /// locals the generator writes, and identifiers outside ASCII.
    /// </summary>
    private static readonly string[] Names =
    [
        "class", "int", "@class", "@int", "@return", "@var", "@Forward", "@this",
        "TrainStep", "StepCount", "Parameters", "Initialize", "IsInitialized", "Gradients", "ComputeGradients", "EvaluateLoss",
        "ApplyUpdate", "ReleaseBuffers", "LearningRate", "Predict", "Fit", "Evaluate", "Save", "Restore", "Load", "CreateState", "Update",
        "_step", "_batch", "_matMul1", "_buffersReady", "batch", "learningRateFactor", "generator", "dtype", "seed", "parameters",
        "state", "step", "gradient", "parameter", "value", "i",
        "Δ", "größe", "λ1", "Ⅻ", "日本", "x\u0301",
    ];

    /// <summary>Compilations made from this one share its bound references (a new one per mutation would bind them again).</summary>
    private static readonly CSharpCompilation Empty = GeneratorHarness.Compilation();

    [Fact]
    public void ThousandsOfSeededMutationsNeverCrashTheGeneratorNorBreakTheGeneratedCode()
    {
        var failures = new ConcurrentBag<(int Index, string Report)>();
        int generatedFiles = 0, compiled = 0, generatedErrors = 0, skippedForUserErrors = 0;
        Parallel.For(0, Mutations, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, Environment.ProcessorCount) }, i =>
        {
            // One generator per mutation, seeded by its index: the same mutations in any thread order.
            var random = new Random(Seed + i);
            var source = Mutate(Programs[i % Programs.Length], random, out var description);
            var run = GeneratorHarness.Run(Empty.AddSyntaxTrees(CSharpSyntaxTree.ParseText(source, GeneratorHarness.ParseOptions, path: "File0.cs")),
                GeneratorHarness.CreateDriver());
            var crash = run.Diagnostics.FirstOrDefault(d => d.Id is "CS8785" or "DSL9999");
            if (crash is not null)
            {
                failures.Add((i, Report(i, description, "crashed the generator: " + crash, source)));
                return;
            }
            var generatedTrees = run.Output.SyntaxTrees.Where(IsGenerated).ToList();
            Interlocked.Add(ref generatedFiles, generatedTrees.Count);

            // Only where the user's own code compiles (no error outside the generated files) is an
            // error inside one the generator's fault. The user's file is checked first (most mutations
            // stop there), each tree bound once.
            static bool IsError(Diagnostic d) => d.Severity == DiagnosticSeverity.Error;
            if (run.Output.SyntaxTrees.Where(t => !IsGenerated(t)).Any(t => run.Output.GetSemanticModel(t).GetDiagnostics().Any(IsError)))
            {
                Interlocked.Increment(ref skippedForUserErrors);
                return;
            }
            Interlocked.Increment(ref compiled);
            var inGenerated = generatedTrees.SelectMany(t => run.Output.GetSemanticModel(t).GetDiagnostics()).Where(IsError)
                .Concat(run.Output.GetDiagnostics().Where(d => IsError(d) && d.Location.SourceTree is null)).ToList();
            if (inGenerated.Count == 0) return;
            Interlocked.Add(ref generatedErrors, inGenerated.Count);
            failures.Add((i, Report(i, description, "generated code that does not compile:\n  " + string.Join("\n  ", inGenerated.Take(5)), source)));
        });

        output.WriteLine(Mutations + " mutations; " + compiled + " with user code free of errors were compiled with the generated code; "
            + skippedForUserErrors + " had errors of their own; " + generatedFiles + " generated files; " + generatedErrors + " errors inside generated files");
        var sorted = failures.OrderBy(f => f.Index).ToList();
        foreach (var failure in sorted) output.WriteLine(failure.Report.Substring(0, failure.Report.IndexOf("\n--- source", StringComparison.Ordinal)).Replace("\n", " | "));
        Assert.True(sorted.Count == 0, sorted.Count + " of " + Mutations + " mutations failed; the first ones:\n\n" + string.Join("\n\n", sorted.Take(5).Select(f => f.Report)));
        Assert.True(compiled >= Mutations / 10, "too few mutations left the user's code compiling to check the generated code: " + compiled);
        Assert.True(generatedFiles > Mutations / 2, "most mutations should still generate something; only " + generatedFiles + " files were generated");
    }

    private static bool IsGenerated(SyntaxTree? tree) => tree?.FilePath.EndsWith(".g.cs", StringComparison.Ordinal) == true;

    private static string Report(int index, string description, string what, string source) =>
        "mutation " + index + " (" + description + ") " + what + "\n--- source ---\n" + source;

    /// <summary>
    /// One to three edits at the token level: delete a token, swap two identifiers, change a number,
    /// insert a token, rename one identifier, or rename every occurrence of one (which keeps the code
    /// compiling more often, so the generated code is checked for more names).
    /// </summary>
    private static string Mutate(string source, Random random, out string description)
    {
        var edits = random.Next(1, 4);
        var descriptions = new List<string>();
        for (var e = 0; e < edits; e++)
        {
            var tokens = CSharpSyntaxTree.ParseText(source).GetRoot().DescendantTokens().Where(t => t.Span.Length > 0).ToList();
            var token = tokens[random.Next(tokens.Count)];
            var identifiers = tokens.Where(t => t.IsKind(SyntaxKind.IdentifierToken)).ToList();
            switch (random.Next(7))
            {
                case 0:
                    descriptions.Add("delete '" + token.Text + "'");
                    source = source.Remove(token.SpanStart, token.Span.Length);
                    break;
                case 1:
                {
                    var a = identifiers[random.Next(identifiers.Count)];
                    var b = identifiers[random.Next(identifiers.Count)];
                    if (a.SpanStart > b.SpanStart) (a, b) = (b, a);
                    if (a.SpanStart == b.SpanStart) break;
                    descriptions.Add("swap '" + a.Text + "' and '" + b.Text + "'");
                    source = source.Substring(0, a.SpanStart) + b.Text + source.Substring(a.Span.End, b.SpanStart - a.Span.End) + a.Text + source.Substring(b.Span.End);
                    break;
                }
                case 2:
                {
                    var numbers = tokens.Where(t => t.IsKind(SyntaxKind.NumericLiteralToken)).ToList();
                    if (numbers.Count == 0) break;
                    var number = numbers[random.Next(numbers.Count)];
                    var replacement = new[] { "0", "1", "-1", "7", "785", "100000", "2.5", "0x10" }[random.Next(8)];
                    descriptions.Add("number '" + number.Text + "' -> '" + replacement + "'");
                    source = source.Substring(0, number.SpanStart) + replacement + source.Substring(number.Span.End);
                    break;
                }
                case 3:
                {
                    var insertion = Insertions[random.Next(Insertions.Length)];
                    descriptions.Add("insert '" + insertion + "' before '" + token.Text + "'");
                    source = source.Insert(token.SpanStart, insertion + " ");
                    break;
                }
                case 4:
                {
                    var identifier = identifiers[random.Next(identifiers.Count)];
                    var name = Names[random.Next(Names.Length)];
                    descriptions.Add("rename one '" + identifier.Text + "' -> '" + name + "'");
                    source = source.Substring(0, identifier.SpanStart) + name + source.Substring(identifier.Span.End);
                    break;
                }
                default:
                {
                    // Every occurrence, last first so the spans stay valid.
                    var text = identifiers[random.Next(identifiers.Count)].ValueText;
                    var name = Names[random.Next(Names.Length)];
                    descriptions.Add("rename all '" + text + "' -> '" + name + "'");
                    foreach (var occurrence in identifiers.Where(t => t.ValueText == text).OrderByDescending(t => t.SpanStart))
                    {
                        source = source.Substring(0, occurrence.SpanStart) + name + source.Substring(occurrence.Span.End);
                    }
                    break;
                }
            }
        }
        description = string.Join(", ", descriptions);
        return source;
    }
}
