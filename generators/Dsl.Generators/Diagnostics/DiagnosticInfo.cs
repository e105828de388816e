using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace Dsl.Generators.Diagnostics;

/// <summary>
/// Where a diagnostic points, trimmed to plain data (no SyntaxTree), so it can live in cached specs.
/// Must stay immutable and structurally equal. The diagnostics output turns it back into a location
/// in the compilation's own tree (<see cref="ToLocation(SyntaxTree?)"/>), so #pragma and .editorconfig
/// severities apply (docs/ARCHITECTURE-generator.md, "Diagnostics keep their syntax tree").
/// </summary>
internal sealed record LocationInfo(string FilePath, TextSpan Span, LinePositionSpan LineSpan)
{
    /// <summary>A location in <paramref name="tree"/> when it is the file this points into (and the span fits), else path + span only.</summary>
    public Location ToLocation(SyntaxTree? tree = null) =>
        tree is not null && tree.FilePath == FilePath && Span.End <= tree.Length ? Location.Create(tree, Span) : Location.Create(FilePath, Span, LineSpan);

    public static LocationInfo? From(Location? location)
    {
        if (location is null || location.SourceTree is null) return null;
        return new LocationInfo(location.SourceTree.FilePath, location.SourceSpan, location.GetLineSpan().Span);
    }

    public static LocationInfo? From(SyntaxNode? node) => node is null ? null : From(node.GetLocation());

    public static LocationInfo? From(SyntaxToken token) => From(token.GetLocation());
}

/// <summary>
/// A diagnostic as data: its catalog id, where, and the message arguments.
/// Must stay immutable and structurally equal.
/// </summary>
internal sealed record DiagnosticInfo(string Id, LocationInfo? Location, EquatableArray<string> Arguments)
{
    public static DiagnosticInfo Create(DiagnosticDescriptor descriptor, LocationInfo? location, params string[] arguments) =>
        new(descriptor.Id, location, EquatableArray.Create(arguments));

    /// <summary>The Roslyn diagnostic, located in the tree <paramref name="treeOf"/> finds for its file (null: path + span only).</summary>
    public Diagnostic ToDiagnostic(System.Func<string, SyntaxTree?>? treeOf = null)
    {
        var descriptor = DiagnosticCatalog.Get(Id);
        var location = Location is null ? Microsoft.CodeAnalysis.Location.None : Location.ToLocation(treeOf?.Invoke(Location.FilePath));
        return Diagnostic.Create(descriptor, location, DiagnosticCatalog.Arguments(Id, Arguments));
    }
}
