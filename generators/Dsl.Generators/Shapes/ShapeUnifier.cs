using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;

namespace Dsl.Generators.Shapes;

/// <summary>
/// Decides when two dimensions are the same. Constants must be equal. A symbol may stand for a
/// constant or for another symbol, with a run-time check (emitted at the first step) when the
/// values come from different places — except two different names of one scope (two [Dim]s of a
/// model, two names in one [Shape] list), which their author named apart: that is a compile error.
/// Union-find over symbol keys; each class may carry a constant.
/// </summary>
internal sealed class ShapeUnifier
{
    private readonly Dictionary<string, string> _parent = [];
    private readonly Dictionary<string, long> _constant = [];
    private readonly Dictionary<string, List<Dim>> _members = [];

    /// <summary>Makes a and b one dimension; false when they cannot be (the shapes disagree).</summary>
    public bool Unify(Dim a, Dim b)
    {
        a = Resolve(a);
        b = Resolve(b);
        if (a.IsConstant && b.IsConstant) return a.Value == b.Value;
        if (a.IsConstant) (a, b) = (b, a);
        var rootA = Find(a);
        if (b.IsConstant)
        {
            _constant[rootA] = b.Value;
            return true;
        }
        var rootB = Find(b);
        if (rootA == rootB) return true;
        foreach (var x in _members[rootA])
        {
            foreach (var y in _members[rootB])
            {
                if (x.Scope == y.Scope && x.Name != y.Name) return false;
            }
        }
        _parent[rootB] = rootA;
        _members[rootA].AddRange(_members[rootB]);
        _members.Remove(rootB);
        return true;
    }

    /// <summary>True when a and b are already known to be the same dimension.</summary>
    public bool AreSame(Dim a, Dim b)
    {
        a = Resolve(a);
        b = Resolve(b);
        return a.IsConstant && b.IsConstant ? a.Value == b.Value : !a.IsConstant && !b.IsConstant && a.Key == b.Key;
    }

    /// <summary>The dimension's current best form: its constant, or its class's first symbol.</summary>
    public Dim Resolve(Dim dim)
    {
        if (dim.IsConstant) return dim;
        var root = Find(dim);
        return _constant.TryGetValue(root, out var value) ? Dim.Constant(value) : _members[root][0];
    }

    /// <summary>The shape with each dimension resolved; the same object when none changes (the common case, and no allocation).</summary>
    public SymShape Resolve(SymShape shape)
    {
        Dim[]? changed = null;
        for (var i = 0; i < shape.Rank; i++)
        {
            var dim = shape[i];
            var resolved = Resolve(dim);
            if (changed is null)
            {
                if (resolved.Equals(dim)) continue;
                changed = new Dim[shape.Rank];
                for (var j = 0; j < i; j++) changed[j] = shape[j];
            }
            changed[i] = resolved;
        }
        return changed is null ? shape : new SymShape(EquatableArray.Create(changed));
    }

    /// <summary>Every symbol that was seen, with what it resolves to (for run-time checks).</summary>
    public ImmutableArray<(Dim Symbol, Dim Resolved)> Symbols() =>
        _members.Values.SelectMany(m => m).Select(d => (d, Resolve(d))).OrderBy(p => p.d.Key, System.StringComparer.Ordinal).ToImmutableArray();

    private string Find(Dim symbol)
    {
        var key = symbol.Key;
        if (!_parent.ContainsKey(key))
        {
            _parent[key] = key;
            _members[key] = [symbol];
            return key;
        }
        while (_parent[key] != key)
        {
            _parent[key] = _parent[_parent[key]];
            key = _parent[key];
        }
        return key;
    }
}
