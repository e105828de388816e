using System.Text;
using System.Text.RegularExpressions;
using Dsl.Generators.Parsing;
using Dsl.Generators.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Dsl.Generators.Tests;

/// <summary>
/// Very long expressions: a Forward that returns a sum of 16,000 terms, which C# nests 16,000
/// levels deep to the left. The generator runs on a thread with a 256 KiB stack (a quarter of a
/// thread pool thread's), so a walk that recursed once per term would overflow it and end the test
/// process. Speed is measured in benchmarks/GeneratorTiming (--terms), not here.
/// </summary>
public sealed class DeepExpressionTests
{
    private const int SmallStack = 256 * 1024;

    /// <summary>The i-th term: four kinds in turn, each with its own constant.</summary>
    private static string Term(int i) => (i % 4) switch
    {
        0 => $"x * W * {i + 1}",
        1 => $"Tanh(x + B) * {i + 1}",
        2 => $"Sigmoid(x * {i + 1}) * W",
        _ => $"MatMul(x, V) * {i + 1}",
    };

    private static string Declaration(int terms, Func<int, string>? term = null)
    {
        var sum = new StringBuilder();
        for (var i = 0; i < terms; i++)
        {
            if (i > 0) sum.Append(i % 8 == 0 ? "\n        + " : " + ");
            sum.Append((term ?? Term)(i));
        }
        return Declaration(sum.ToString());
    }

    /// <summary>A model whose Forward returns <paramref name="forward"/>, and an experiment with an MSE loss over it.</summary>
    private static string Declaration(string forward) => TestSources.File($$"""
        [Model]
        public partial class Sum
        {
            [Param(3)] public Tensor W;
            [Param(3)] public Tensor B;
            [Param(3, 3)] public Tensor V;

            public Tensor Forward([Shape("Batch", 3)] Tensor x)
                => {{forward}};
        }

        [Experiment]
        public partial class SumRegression
        {
            public Sum Net = new();
            public double LearningRate = 0.01;

            [Loss]
            public Tensor Loss([Shape("Batch", 3)] Tensor x, [Shape("Batch", 3)] Tensor y) => MseLoss(Net.Forward(x), y);
        }
        """);

    /// <summary>Runs <paramref name="work"/> on a new thread with a small stack and returns its result (or rethrows its exception).</summary>
    private static T OnSmallStack<T>(Func<T> work) => OnStack(SmallStack, work);

    /// <summary>On a thread with a 1 MiB stack: an IDE's or a thread pool thread's (the small stack is for walks that must not recurse at all).</summary>
    private static T OnMegabyteStack<T>(Func<T> work) => OnStack(1024 * 1024, work);

    private static T OnStack<T>(int stackSize, Func<T> work)
    {
        T result = default!;
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                result = work();
            }
            catch (Exception e)
            {
                failure = e;
            }
        }, stackSize);
        thread.Start();
        thread.Join();
        if (failure is not null) throw new InvalidOperationException("failed on a thread with a " + stackSize / 1024 + " KiB stack", failure);
        return result;
    }

    [Fact]
    public void ASixteenThousandTermSumIsGeneratedOnASmallStackAndReRunsIncrementally()
    {
        const int terms = 16_000;
        var file = Declaration(terms);
        // Parsed here (Roslyn's parser is not under test); bound and generated on the small stack.
        var compilation = GeneratorHarness.Compilation(file);
        var first = OnSmallStack(() => GeneratorHarness.Run(compilation, GeneratorHarness.CreateDriver()));

        Assert.Empty(first.Diagnostics);
        Assert.Equal(["Demo.Sum.g.cs", "Demo.SumRegression.g.cs"], first.Sources.Select(s => s.HintName));
        var step = first.Source("Demo.SumRegression.g.cs");
        // The generated files are C# without syntax errors (compiling a million lines is left to the small variant below).
        foreach (var (hint, text) in first.Sources)
        {
            var errors = CSharpSyntaxTree.ParseText(text, GeneratorHarness.ParseOptions).GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).Take(3).ToList();
            Assert.True(errors.Count == 0, hint + ": " + string.Join("; ", errors));
        }

        // The forward pass adds the terms: 15,999 additions (the last one into the prediction) and the
        // 'x + B' the 4,000 Tanh terms share, computed once (as are x * W and MatMul(x, V): common
        // subexpressions), and each of the 16,000 constants (1..16000) multiplies once.
        var forward = Section(step, "// Forward", "// Backward");
        var additions = terms - 1 + 1;
        Assert.Equal(additions, Regex.Matches(forward, @"^\s*global::Dsl\.Kernels\.Add\(", RegexOptions.Multiline).Count);
        Assert.Contains("// prediction = add" + (additions - 1) + " + mul", forward);
        var constants = Regex.Matches(forward, @"global::Dsl\.Kernels\.Mul\([^,]+, (\d+)d, ").Select(m => int.Parse(m.Groups[1].Value)).Order().ToList();
        Assert.Equal(Enumerable.Range(1, terms), constants);
        // Every parameter gets a gradient summed over its uses: W is read by the one shared x * W and by
        // the 4,000 Sigmoid terms (4,001 contributions), B and V each by one shared node.
        var backward = Section(step, "// Backward", "return ");
        Assert.Equal(terms / 4, Regex.Matches(backward, @"^\s*// dW\d+ = dW\d* \+ dW\d+$", RegexOptions.Multiline).Count);
        Assert.Empty(Regex.Matches(backward, @"^\s*// dB\d+ = dB\d* \+ dB\d+$", RegexOptions.Multiline));
        Assert.Empty(Regex.Matches(backward, @"^\s*// dV\d+ = dV\d* \+ dV\d+$", RegexOptions.Multiline));

        // A comment edit re-parses the body and compares the new spec with the cached one (structural
        // equality of a 16,000-deep expression), still on the small stack: nothing regenerates.
        var commented = compilation.ReplaceSyntaxTree(compilation.SyntaxTrees[0],
            CSharpSyntaxTree.ParseText("// moved\n" + file, GeneratorHarness.ParseOptions, path: compilation.SyntaxTrees[0].FilePath));
        var second = OnSmallStack(() => GeneratorHarness.Run(commented, first.Driver));
        Assert.Empty(second.Diagnostics);
        var result = second.Result.Results.Single();
        foreach (var plans in new[] { DslGenerator.Steps.ModelPlans, DslGenerator.Steps.ExperimentPlans })
        {
            Assert.All(result.TrackedSteps[plans].SelectMany(s => s.Outputs), o => Assert.Equal(IncrementalStepRunReason.Unchanged, o.Reason));
        }

        // Changing the first term (the bottom of the nesting) is seen: the comparison walks all the way down.
        var changed = compilation.ReplaceSyntaxTree(compilation.SyntaxTrees[0],
            CSharpSyntaxTree.ParseText(Declaration(terms, i => i == 0 ? "x * W * 100000" : Term(i)), GeneratorHarness.ParseOptions, path: compilation.SyntaxTrees[0].FilePath));
        var third = OnSmallStack(() => GeneratorHarness.Run(changed, first.Driver));
        Assert.Empty(third.Diagnostics);
        Assert.Contains(third.Result.Results.Single().TrackedSteps[DslGenerator.Steps.ModelPlans].SelectMany(s => s.Outputs),
            o => o.Reason == IncrementalStepRunReason.Modified);
        Assert.Contains("global::Dsl.Kernels.Mul(__mul1, 100000d, __mul2);", third.Source("Demo.SumRegression.g.cs"));
    }

    [Fact]
    public void ASumGeneratedTheSameWayComputesTheEagerLossAndItsGradient()
    {
        // The same kind of sum, small enough to compile: the generated loss equals the eager one
        // (the user's Forward run op by op) and its gradients match finite differences.
        var run = OnSmallStack(() => GeneratorHarness.RunFiles(Declaration(48)));
        Assert.Empty(run.Diagnostics);
        Assert.Empty(run.CompilationErrors);
        dynamic experiment = Activator.CreateInstance(GeneratorHarness.Load(run.Output).GetType("Demo.SumRegression", throwOnError: true)!)!;
        experiment.Initialize(3UL, DType.Float64);
        using var g = new Generator(11);
        using var x = Tensor.Randn([4, 3], g, DType.Float64);
        using var y = Tensor.Randn([4, 3], g, DType.Float64);
        var inputs = new object[] { x, y };

        double generated = experiment.EvaluateLoss(x, y);
        using var eager = (Tensor)experiment.Loss(x, y);
        Assert.Equal(eager.Item(), generated, 1e-4 * Math.Abs(eager.Item()));
        GradientCheck.AgainstFiniteDifferences((object)experiment, inputs, tolerance: 1e-4);
    }

    [Fact]
    public void ALongComputationsSummaryListsItsFirstValuesAndCountsTheRest()
    {
        // A summary is a doc comment: a 16,000-term sum would make one of ~50,000 lines. It lists the
        // first 64 values and then how many more there are, which the method shows line by line.
        var run = OnSmallStack(() => GeneratorHarness.Run(GeneratorHarness.Compilation(Declaration(48)), GeneratorHarness.CreateDriver()));
        Assert.Empty(run.Diagnostics);
        foreach (var (hint, method, body) in new[] { ("Demo.Sum.g.cs", "Predict", "public global::Dsl.Tensor Predict("), ("Demo.SumRegression.g.cs", "ComputeGradients", "// Forward") })
        {
            var text = run.Source(hint);
            var summary = Section(text, "computes:", "</summary>");
            var listed = Regex.Matches(summary, @"^/// \w+ = .*   \[", RegexOptions.Multiline).Count;
            // The values the method computes, each under a comment 'name = math' (Predict's, or the step's forward pass).
            var computed = Regex.Matches(Section(text, body, method == "Predict" ? "return " : "// Backward"), @"^\s+// \w+ = ", RegexOptions.Multiline).Count;
            Assert.True(computed > 64, hint + ": only " + computed + " values");
            Assert.Equal(64, listed);
            Assert.Contains("/// … and " + (computed - 64) + " more values (" + method + " shows each above the line that computes it)", summary);
        }

        // A short one is listed whole, with no such line.
        var small = OnSmallStack(() => GeneratorHarness.Run(GeneratorHarness.Compilation(Declaration(4)), GeneratorHarness.CreateDriver()));
        Assert.DoesNotContain("more value", small.Source("Demo.Sum.g.cs"));
        Assert.DoesNotContain("more value", small.Source("Demo.SumRegression.g.cs"));
    }

    /// <summary>
    /// The compilation of <paramref name="file"/>, parsed on a 64 MiB stack: Roslyn's parser recurses on
    /// nested calls too and on a small stack turns the expression into a syntax error (CS8078), after
    /// which the generator has nothing to say. Parsing is not under test here; the generator is.
    /// </summary>
    private static Microsoft.CodeAnalysis.CSharp.CSharpCompilation Parsed(string file) => OnStack(64 << 20, () => GeneratorHarness.Compilation(file));

    /// <summary>The model and experiment above with a Forward that nests <paramref name="depth"/> calls: <c>Tanh(Tanh(...(x)...)) * W</c>.</summary>
    private static string NestedCalls(int depth) => Declaration(string.Concat(Enumerable.Repeat("Tanh(", depth)) + "x" + new string(')', depth) + " * W");

    [Fact]
    public void CallsNestedPastTheLimitAreADiagnosticAtTheExpressionNotACrash()
    {
        // 500 nested calls overflowed a 1 MiB stack in the body parser (~2.7 KB per level) and ended the
        // process: no diagnostic could say why. Past BodyParser.MaxNesting levels (the Forward's '* W' and
        // 'Tanh(' each one) the parser reports DSL0029 at the first expression too deep and stops.
        var run = OnMegabyteStack(() => GeneratorHarness.Run(Parsed(NestedCalls(500)), GeneratorHarness.CreateDriver()));
        Assert.Empty(run.Input.GetParseDiagnostics());
        var nested = Assert.Single(run.Diagnostics, d => d.Id == "DSL0029");
        Assert.DoesNotContain(run.Diagnostics, d => d.Id == "DSL9999");
        var written = run.Input.SyntaxTrees.Single(t => t.FilePath == nested.Location.GetLineSpan().Path).GetText().ToString(nested.Location.SourceSpan);
        // The expression reported is the one at level MaxNesting + 1: what is left of the chain there.
        var remaining = 500 - (BodyParser.MaxNesting - 1);
        Assert.Equal(string.Concat(Enumerable.Repeat("Tanh(", remaining)) + "x" + new string(')', remaining), written);
        Assert.Contains("is nested more than " + BodyParser.MaxNesting + " levels deep", nested.GetMessage());
        Assert.Contains("'Forward'", nested.GetMessage());

        // Deeper than Roslyn's binder can walk on this stack (it stops its own walk with
        // InsufficientExecutionStackException, as the compiler does with CS8078): the same diagnostic,
        // at the declaration, not an internal error.
        var deeper = OnMegabyteStack(() => GeneratorHarness.Run(Parsed(NestedCalls(5000)), GeneratorHarness.CreateDriver()));
        Assert.Empty(deeper.Input.GetParseDiagnostics());
        Assert.Contains(deeper.Diagnostics, d => d.Id == "DSL0029");
        Assert.DoesNotContain(deeper.Diagnostics, d => d.Id == "DSL9999");
    }

    [Fact]
    public void CallsNestedUpToTheLimitAreGeneratedAndCompile()
    {
        // Forward's levels: the '* W' chain, then one per Tanh, then x: MaxNesting - 2 calls fill them exactly.
        var run = OnMegabyteStack(() => GeneratorHarness.Run(Parsed(NestedCalls(BodyParser.MaxNesting - 2)), GeneratorHarness.CreateDriver()));
        Assert.Empty(run.Diagnostics);
        Assert.Empty(run.CompilationErrors);
        Assert.Equal(BodyParser.MaxNesting - 2, Regex.Matches(run.Source("Demo.Sum.g.cs"), @"global::Dsl\.Kernels\.Tanh\(").Count);
        var over = OnMegabyteStack(() => GeneratorHarness.Run(Parsed(NestedCalls(BodyParser.MaxNesting - 1)), GeneratorHarness.CreateDriver()));
        Assert.Contains(over.Diagnostics, d => d.Id == "DSL0029");
    }

    private static string Section(string text, string from, string to)
    {
        var start = text.IndexOf(from, StringComparison.Ordinal);
        Assert.True(start >= 0, "no '" + from + "' in the generated step");
        var end = text.IndexOf(to, start, StringComparison.Ordinal);
        return text.Substring(start, (end < 0 ? text.Length : end) - start);
    }
}
