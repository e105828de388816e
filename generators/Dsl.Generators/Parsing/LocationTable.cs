using System.Collections.Generic;
using System.Collections.Immutable;
using Dsl.Generators.Diagnostics;
using Microsoft.CodeAnalysis;

namespace Dsl.Generators.Parsing;

/// <summary>
/// Collects the locations of one declaration while it is parsed; specs and AST nodes keep the
/// index (stable when code moves), diagnostics look the location up.
/// </summary>
internal sealed class LocationTable
{
    private readonly List<LocationInfo> _locations = [];

    public int Add(SyntaxNode? node) => Add(LocationInfo.From(node));

    public int Add(Location? location) => Add(LocationInfo.From(location));

    private int Add(LocationInfo? location)
    {
        if (location is null) return -1;
        _locations.Add(location);
        return _locations.Count - 1;
    }

    public LocationInfo? this[int index] => index >= 0 && index < _locations.Count ? _locations[index] : null;

    public EquatableArray<LocationInfo> ToEquatableArray() => _locations.ToImmutableArray();
}
