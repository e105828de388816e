using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Dsl.Generators.Tests;

/// <summary>
/// Keeps the generator's pipeline one-way (docs/ARCHITECTURE-generator.md, "Stages"): every
/// identifier in a stage's files must bind to the same or an earlier stage. Reads the generator's
/// own sources, binds them with Roslyn, and maps each symbol to the stage of the file declaring it.
/// </summary>
public sealed class ArchitectureTests
{
    /// <summary>The stages in order; a folder may use its own and earlier stages only.</summary>
    private static readonly string[] Stages =
        ["Foundation", "Diagnostics", "Parsing", "Shapes", "Ir", "Autodiff", "Operations", "Optimization", "Compile", "Emit", "Generator"];

    [Fact]
    public void EveryStageReferencesOnlyEarlierStages()
    {
        var violations = Violations(GeneratorSources());
        Assert.True(violations.Count == 0, "Stages must reference only earlier ones (docs/ARCHITECTURE-generator.md):\n" + string.Join("\n", violations));
    }

    [Fact]
    public void EachFileDeclaresTheNamespaceOfItsFolder()
    {
        var wrong = new List<string>();
        foreach (var (path, tree) in GeneratorSources())
        {
            var stage = StageOf(path);
            if (stage is "Foundation" or "Generator") continue;
            foreach (var declaration in tree.GetRoot().DescendantNodes().OfType<BaseNamespaceDeclarationSyntax>())
            {
                if (declaration.Name.ToString() != "Dsl.Generators." + stage) wrong.Add(Relative(path) + ": namespace " + declaration.Name + ", folder " + stage);
            }
        }
        Assert.True(wrong.Count == 0, string.Join("\n", wrong));
    }

    [Fact]
    public void TheLanguagesTensorFunctionsAreExactlyTheOpsTheCatalogMakes()
    {
        var language = Parsing.Functions.All.Where(f => f.Tensors).Select(f => f.Name).OrderBy(n => n, StringComparer.Ordinal);
        var ops = Operations.OpCatalog.Names.OrderBy(n => n, StringComparer.Ordinal);
        Assert.Equal(language, ops);
    }

    [Fact]
    public void NoSourceFileOfTheGeneratorExceeds600Lines()
    {
        var long_ = GeneratorSources().Select(s => (s.Path, Lines: s.Tree.GetText().Lines.Count)).Where(s => s.Lines > 600)
            .Select(s => Relative(s.Path) + ": " + s.Lines + " lines").ToList();
        Assert.True(long_.Count == 0, string.Join("\n", long_));
    }

    /// <summary>"Compile/ExperimentCompiler.cs (line 12) uses Emit.CSharp, a later stage (Emit after Compile)".</summary>
    internal static List<string> Violations(IReadOnlyList<(string Path, SyntaxTree Tree)> sources)
    {
        var compilation = CSharpCompilation.Create("Architecture", sources.Select(s => s.Tree), References(),
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        var violations = new List<string>();
        foreach (var (path, tree) in sources)
        {
            var from = StageOf(path);
            var model = compilation.GetSemanticModel(tree);
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var name in tree.GetRoot().DescendantNodes().OfType<SimpleNameSyntax>())
            {
                var symbol = model.GetSymbolInfo(name).Symbol ?? model.GetSymbolInfo(name).CandidateSymbols.FirstOrDefault();
                var declared = DeclaringFile(symbol);
                if (declared is null) continue;
                var to = StageOf(declared);
                if (Array.IndexOf(Stages, to) <= Array.IndexOf(Stages, from)) continue;
                var line = name.GetLocation().GetLineSpan().StartLinePosition.Line + 1;
                var what = symbol is INamedTypeSymbol ? symbol!.Name : symbol!.ContainingType?.Name + "." + symbol.Name;
                if (seen.Add(what)) violations.Add(Relative(path) + " (line " + line + ") uses " + to + "'s " + what + ": " + to + " comes after " + from);
            }
        }
        return violations;
    }

    private static string? DeclaringFile(ISymbol? symbol)
    {
        while (symbol is not null)
        {
            if (symbol is INamedTypeSymbol or IMethodSymbol or IPropertySymbol or IFieldSymbol or IEventSymbol)
            {
                var location = symbol.Locations.FirstOrDefault(l => l.IsInSource);
                if (location is not null) return location.SourceTree!.FilePath;
            }
            if (symbol is INamespaceSymbol or ILocalSymbol or IParameterSymbol or IRangeVariableSymbol or ILabelSymbol) return null;
            symbol = symbol.ContainingSymbol;
        }
        return null;
    }

    /// <summary>The stage of a generator source file: its top folder, or Foundation / Generator for the root files.</summary>
    internal static string StageOf(string path)
    {
        var relative = Relative(path).Replace('\\', '/');
        var slash = relative.IndexOf('/');
        if (slash >= 0) return relative.Substring(0, slash);
        return relative == "DslGenerator.cs" ? "Generator" : "Foundation";
    }

    private static string Relative(string path) => Path.GetRelativePath(GeneratorDirectory(), path).Replace('\\', '/');

    internal static List<(string Path, SyntaxTree Tree)> GeneratorSources()
    {
        var directory = GeneratorDirectory();
        var options = new CSharpParseOptions(LanguageVersion.Latest);
        return Directory.GetFiles(directory, "*.cs", SearchOption.AllDirectories)
            .Where(p => !Relative(p).StartsWith("obj/", StringComparison.Ordinal) && !Relative(p).StartsWith("bin/", StringComparison.Ordinal))
            .OrderBy(p => p, StringComparer.Ordinal)
            .Select(p => (p, CSharpSyntaxTree.ParseText(File.ReadAllText(p), options, p)))
            .ToList();
    }

    private static string GeneratorDirectory([CallerFilePath] string self = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(self)!, "..", "..", "generators", "Dsl.Generators"));

    private static IEnumerable<MetadataReference> References() =>
        AppDomain.CurrentDomain.GetAssemblies().Where(a => !a.IsDynamic && a.Location.Length > 0
                && !a.GetName().Name!.StartsWith("Dsl.", StringComparison.Ordinal))
            .Select(a => MetadataReference.CreateFromFile(a.Location));
}
