using System.Collections.Immutable;
using System.Reflection;
using Dsl.Generators.Compile;
using Dsl.Generators.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Dsl.Generators.Tests;

/// <summary>
/// Roslyn's incremental cache only works when what flows between pipeline steps is plain,
/// structurally equal data: specs and plans hold no symbols or syntax, and an edit that changes
/// nothing meaningful leaves every output as it was.
/// </summary>
public sealed class IncrementalityTests
{
    private static readonly Type[] Forbidden =
        [typeof(ISymbol), typeof(SyntaxNode), typeof(SyntaxTree), typeof(Compilation), typeof(SemanticModel), typeof(Location), typeof(SyntaxToken)];

    [Fact]
    public void SpecsIrAndPlansHoldNoRoslynObjects()
    {
        var assembly = typeof(DslGenerator).Assembly;
        var roots = assembly.GetTypes().Where(t => t.Namespace is { } ns && (ns.EndsWith(".Parsing", StringComparison.Ordinal)
            || ns.EndsWith(".Ir", StringComparison.Ordinal) || ns.EndsWith(".Shapes", StringComparison.Ordinal)
            || ns.EndsWith(".Emit", StringComparison.Ordinal) || ns.EndsWith(".Diagnostics", StringComparison.Ordinal)
            || ns.EndsWith(".Compile", StringComparison.Ordinal) || ns.EndsWith(".Operations", StringComparison.Ordinal))
            && IsRecord(t)).ToList();
        Assert.Contains(roots, t => t.Name == "ModelSpec");
        Assert.Contains(roots, t => t.Name == "ExperimentPlan");
        Assert.Contains(roots, t => t.Name == "Node");
        var seen = new HashSet<Type>();
        foreach (var root in roots) Check(root, root.Name, seen);
    }

    private static bool IsRecord(Type type) => type.GetMethod("<Clone>$") is not null || type.GetProperty("EqualityContract", BindingFlags.NonPublic | BindingFlags.Instance) is not null;

    private static void Check(Type type, string path, HashSet<Type> seen)
    {
        if (!seen.Add(type) || type.IsPrimitive || type.IsEnum || type == typeof(string)) return;
        Assert.False(Forbidden.Any(f => f.IsAssignableFrom(type)), path + " holds a Roslyn " + type.Name);
        if (type.IsGenericType) foreach (var argument in type.GetGenericArguments()) Check(argument, path + "<" + argument.Name + ">", seen);
        if (type.Assembly != typeof(DslGenerator).Assembly) return;
        foreach (var field in type.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic))
        {
            Check(field.FieldType, path + "." + field.Name, seen);
        }
    }

    [Fact]
    public void ACommentEditLeavesEveryOutputUnchanged()
    {
        var file = TestSources.File(TestSources.Mlp + "\n" + TestSources.Adam + "\n" + TestSources.DigitClassifierAdam);
        var compilation = GeneratorHarness.Compilation(file);
        var first = GeneratorHarness.Run(compilation, GeneratorHarness.CreateDriver());
        Assert.Empty(first.Diagnostics);

        // A comment at the top moves every declaration: specs change (their locations), plans must not.
        var edited = compilation.ReplaceSyntaxTree(compilation.SyntaxTrees[0],
            CSharpSyntaxTree.ParseText("// A comment that moves everything below it.\n" + file, GeneratorHarness.ParseOptions, path: compilation.SyntaxTrees[0].FilePath));
        var second = GeneratorHarness.Run(edited, first.Driver);

        var result = second.Result.Results.Single();
        Assert.Contains(result.TrackedSteps[DslGenerator.Steps.ModelSpecs].SelectMany(s => s.Outputs), o => o.Reason == IncrementalStepRunReason.Modified);
        foreach (var step in new[] { DslGenerator.Steps.ModelPlans, DslGenerator.Steps.ExperimentPlans })
        {
            Assert.All(result.TrackedSteps[step].SelectMany(s => s.Outputs), o => Assert.Equal(IncrementalStepRunReason.Unchanged, o.Reason));
        }
        Assert.All(result.TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(s => s.Outputs),
            o => Assert.True(o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, o.Reason.ToString()));
        Assert.Equal(first.Sources, second.Sources);
    }

    [Fact]
    public void ACommentEditInOneFileRegeneratesNothingInAnother()
    {
        string Declarations(string suffix) => TestSources.File(TestSources.Mlp.Replace("Mlp", "Mlp" + suffix) + "\n" +
            TestSources.DigitClassifierSgd.Replace("Mlp", "Mlp" + suffix).Replace("DigitClassifier", "Classifier" + suffix));
        var (a, b) = (Declarations("A"), Declarations("B"));
        var compilation = GeneratorHarness.Compilation(a, b);
        var first = GeneratorHarness.Run(compilation, GeneratorHarness.CreateDriver());
        Assert.Empty(first.Diagnostics);
        Assert.Equal(4, first.Sources.Count);

        var edited = compilation.ReplaceSyntaxTree(compilation.SyntaxTrees[0],
            CSharpSyntaxTree.ParseText("// A comment in the first file only.\n" + a, GeneratorHarness.ParseOptions, path: compilation.SyntaxTrees[0].FilePath));
        var second = GeneratorHarness.Run(edited, first.Driver);

        // The first file's plans are recomputed (their specs moved) and come out equal; the second
        // file's are not even recomputed: they depend only on the second file's models.
        var result = second.Result.Results.Single();
        var models = result.TrackedSteps[DslGenerator.Steps.ModelPlans].SelectMany(s => s.Outputs).ToList();
        Assert.Equal(IncrementalStepRunReason.Unchanged, models.Single(o => ((ModelCompiler.Result)o.Value).Plan!.Name == "MlpA").Reason);
        Assert.Equal(IncrementalStepRunReason.Cached, models.Single(o => ((ModelCompiler.Result)o.Value).Plan!.Name == "MlpB").Reason);
        var experiments = result.TrackedSteps[DslGenerator.Steps.ExperimentPlans].SelectMany(s => s.Outputs).ToList();
        Assert.Equal(IncrementalStepRunReason.Unchanged, experiments.Single(o => ((ExperimentCompiler.Result)o.Value).Plan!.Name == "ClassifierA").Reason);
        Assert.Equal(IncrementalStepRunReason.Cached, experiments.Single(o => ((ExperimentCompiler.Result)o.Value).Plan!.Name == "ClassifierB").Reason);
        Assert.All(result.TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(s => s.Outputs),
            o => Assert.True(o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, o.Reason.ToString()));
        Assert.Equal(first.Sources, second.Sources);
    }

    [Fact]
    public void AnEditToAShapeRegeneratesTheExperiment()
    {
        var file = TestSources.File(TestSources.Mlp + "\n" + TestSources.DigitClassifierSgd);
        var compilation = GeneratorHarness.Compilation(file);
        var first = GeneratorHarness.Run(compilation, GeneratorHarness.CreateDriver());
        var edited = compilation.ReplaceSyntaxTree(compilation.SyntaxTrees[0],
            CSharpSyntaxTree.ParseText(file.Replace("Hidden = 256", "Hidden = 128"), GeneratorHarness.ParseOptions, path: compilation.SyntaxTrees[0].FilePath));
        var second = GeneratorHarness.Run(edited, first.Driver);

        var result = second.Result.Results.Single();
        Assert.Contains(result.TrackedSteps[DslGenerator.Steps.ExperimentPlans].SelectMany(s => s.Outputs), o => o.Reason == IncrementalStepRunReason.Modified);
        Assert.Contains("[__batchAllocated, 128]", second.Source("Demo.DigitClassifier.g.cs"));
    }

    [Fact]
    public void OutputIsDeterministic()
    {
        var a = GeneratorHarness.Run(TestSources.Composed).Sources;
        var b = GeneratorHarness.Run(TestSources.Composed).Sources;
        Assert.Equal(a, b);
    }
}
