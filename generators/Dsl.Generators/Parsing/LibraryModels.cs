using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Dsl.Generators.Parsing;

/// <summary>
/// [Model]s of referenced assemblies (Dsl.Runtime's layers, a user's model library). An assembly
/// marked [assembly: ShipModels] carries each public model's declaration file in a ModelSource
/// attribute; here those files are read from the references, compiled beside the user's references
/// (the declarations bind the same Dsl.Ops), and parsed into specs as if declared in the user's
/// project. Only the specs are used: their generated members already exist in the library, so a
/// library model's Forward is compiled into the referencing step, never emitted again.
/// </summary>
internal static class LibraryModels
{
    private const string ModelSourceAttribute = "Dsl.ModelSourceAttribute";
    private const string RuntimeAssembly = "Dsl.Runtime";

    /// <summary>The shipped declarations of the referenced assemblies (cheap: only assemblies built against Dsl.Runtime are read).</summary>
    public static EquatableArray<ShippedSource> Read(Compilation compilation, CancellationToken token)
    {
        var result = ImmutableArray.CreateBuilder<ShippedSource>();
        foreach (var reference in compilation.References)
        {
            token.ThrowIfCancellationRequested();
            if (compilation.GetAssemblyOrModuleSymbol(reference) is not IAssemblySymbol assembly) continue;
            if (assembly.Name != RuntimeAssembly && !assembly.Modules.Any(m => m.ReferencedAssemblies.Any(r => r.Name == RuntimeAssembly))) continue;
            foreach (var attribute in assembly.GetAttributes())
            {
                if (attribute.AttributeClass?.ToDisplayString() != ModelSourceAttribute || attribute.ConstructorArguments.Length != 3) continue;
                if (attribute.ConstructorArguments[0].Value is string type && attribute.ConstructorArguments[1].Value is string path
                    && attribute.ConstructorArguments[2].Value is string text)
                {
                    result.Add(new ShippedSource(type, assembly.Name + "/" + path, text));
                }
            }
        }
        return result.ToImmutable();
    }

    /// <summary>The specs of the shipped models that parse without errors (a library is checked when it is built).</summary>
    public static EquatableArray<ModelSpec> Parse(EquatableArray<ShippedSource> shipped, ImmutableArray<MetadataReference> references, CancellationToken token)
    {
        if (shipped.Count == 0) return EquatableArray<ModelSpec>.Empty;
        var options = new CSharpParseOptions(LanguageVersion.Latest);
        var trees = shipped.GroupBy(s => s.Path).Select(g => CSharpSyntaxTree.ParseText(g.First().Text, options, path: g.Key, cancellationToken: token)).ToList();
        // The declarations are compiled as source beside the library itself (a reference): binding prefers them (CS0436).
        var compilation = CSharpCompilation.Create("Dsl.LibraryModels", trees, references,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        var specs = ImmutableArray.CreateBuilder<ModelSpec>();
        var seen = new HashSet<string>(System.StringComparer.Ordinal);
        foreach (var source in shipped)
        {
            token.ThrowIfCancellationRequested();
            if (!seen.Add(source.Type)) continue;
            if (compilation.Assembly.GetTypeByMetadataName(source.Type) is not { } type) continue;
            var node = type.DeclaringSyntaxReferences.Select(r => r.GetSyntax(token)).FirstOrDefault(n => n.SyntaxTree.FilePath == source.Path);
            if (node is null) continue;
            if (DeclarationParser.ParseLibraryModel(type, node, compilation, token) is { } spec) specs.Add(spec with { Shipped = null });
        }
        return specs.ToImmutable();
    }
}
