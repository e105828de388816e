using Dsl.Generators.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Dsl.Generators.Tests;

/// <summary>
/// The generator must never throw: broken and half-typed declarations (what an editor shows the
/// generator on every keystroke) give diagnostics or valid output, never CS8785 or DSL9999.
/// </summary>
public sealed class RobustnessTests
{
    private static readonly string[] Programs =
    [
        TestSources.File(TestSources.Mlp + "\n" + TestSources.DigitClassifierSgd),
        TestSources.File(TestSources.Mlp + "\n" + TestSources.Adam + "\n" + TestSources.DigitClassifierAdam),
        TestSources.File(TestSources.Composed),
        TestSources.File(CustomStepTests.TwoPlayers),
        TestSources.File(CustomStepTests.Plastic),
    ];

    private static readonly string[] Insertions = ["(", ")", ",", "+", "*", "-", ";", "{", "}", "x", "Relu", "MatMul", "Forward", "Net", "0", "3", "\"Batch\"", "nameof(Hidden)", "[Param(2)]", "var", "return", "=", ".", "Apply", "Grad", "Frozen", "[Step]", "Transpose", "+="];

    [Fact]
    public void ThousandsOfSeededMutationsNeverCrashTheGenerator()
    {
        var random = new Random(20251122);
        var generated = 0;
        var compiledClean = 0;
        for (var i = 0; i < 1500; i++)
        {
            var source = Mutate(Programs[i % Programs.Length], random, out var description);
            var run = GeneratorHarness.RunFiles(source);
            var crash = run.Diagnostics.FirstOrDefault(d => d.Id is "CS8785" or "DSL9999");
            Assert.True(crash is null, "mutation " + i + " (" + description + ") crashed the generator: " + crash + "\n" + source);
            foreach (var tree in run.Output.SyntaxTrees.Where(t => t.FilePath.EndsWith(".g.cs", StringComparison.Ordinal)))
            {
                generated++;
                var syntaxErrors = tree.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
                Assert.True(syntaxErrors.Count == 0, "mutation " + i + " (" + description + ") generated invalid C#: " + string.Join("; ", syntaxErrors));
            }

            // Where the user's code is valid C# and the generator accepted it, the generated code compiles too
            // (checked on a sample: semantic checks are slower).
            if (i % 3 == 0 && !run.Diagnostics.Any(d => d.Severity == DiagnosticSeverity.Error)
                && !run.Input.GetDiagnostics().Any(d => d.Severity == DiagnosticSeverity.Error))
            {
                compiledClean++;
                var errors = run.CompilationErrors;
                Assert.True(errors.Count == 0, "mutation " + i + " (" + description + ") generated code that does not compile: " + string.Join("; ", errors.Take(3)) + "\n" + source);
            }
        }
        Assert.True(compiledClean >= 10, "too few mutations left valid C# to check that generated code compiles: " + compiledClean);
        Assert.True(generated > 500, "most mutations should still generate something; only " + generated + " files were generated");
    }

    /// <summary>One to three edits at the token level: delete a token, swap two identifiers, change a number, insert a token.</summary>
    private static string Mutate(string source, Random random, out string description)
    {
        var edits = random.Next(1, 4);
        var descriptions = new List<string>();
        for (var e = 0; e < edits; e++)
        {
            var tokens = CSharpSyntaxTree.ParseText(source).GetRoot().DescendantTokens().Where(t => t.Span.Length > 0).ToList();
            var token = tokens[random.Next(tokens.Count)];
            switch (random.Next(4))
            {
                case 0:
                    descriptions.Add("delete '" + token.Text + "'");
                    source = source.Remove(token.SpanStart, token.Span.Length);
                    break;
                case 1:
                {
                    var identifiers = tokens.Where(t => t.IsKind(SyntaxKind.IdentifierToken)).ToList();
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
                default:
                {
                    var insertion = Insertions[random.Next(Insertions.Length)];
                    descriptions.Add("insert '" + insertion + "' before '" + token.Text + "'");
                    source = source.Insert(token.SpanStart, insertion + " ");
                    break;
                }
            }
        }
        description = string.Join(", ", descriptions);
        return source;
    }
}
