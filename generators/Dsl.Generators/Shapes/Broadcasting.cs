using System.Collections.Generic;

namespace Dsl.Generators.Shapes;

/// <summary>NumPy broadcasting over symbolic shapes: align from the right; equal dims stay, a constant 1 stretches.</summary>
internal static class Broadcasting
{
    /// <summary>The broadcast shape, or the first axis (counted in the result) where the shapes disagree.</summary>
    public static SymShape? Broadcast(ShapeUnifier unifier, SymShape a, SymShape b, out int badAxis, out Dim? left, out Dim? right)
    {
        badAxis = -1;
        left = right = null;
        var rank = System.Math.Max(a.Rank, b.Rank);
        var dims = new Dim[rank];
        for (var i = 0; i < rank; i++)
        {
            var ia = a.Rank - rank + i;
            var ib = b.Rank - rank + i;
            var da = ia >= 0 ? unifier.Resolve(a[ia]) : null;
            var db = ib >= 0 ? unifier.Resolve(b[ib]) : null;
            if (da is null) dims[i] = db!;
            else if (db is null) dims[i] = da;
            else if (da.IsConstant && da.Value == 1) dims[i] = db;
            else if (db.IsConstant && db.Value == 1) dims[i] = da;
            else if (unifier.Unify(da, db)) dims[i] = unifier.Resolve(da);
            else
            {
                badAxis = i;
                left = da;
                right = db;
                return null;
            }
        }
        // Most operands already have the result's shape (x + b, h · W): that shape object is the result,
        // so a long chain of ops shares one shape instead of making one per node.
        if (Same(a, dims)) return a;
        if (Same(b, dims)) return b;
        return new SymShape(EquatableArray.Create(dims));
    }

    private static bool Same(SymShape shape, Dim[] dims)
    {
        if (shape.Rank != dims.Length) return false;
        for (var i = 0; i < dims.Length; i++)
        {
            if (!shape[i].Equals(dims[i])) return false;
        }
        return true;
    }

    /// <summary>True when a value of shape <paramref name="from"/> broadcast to <paramref name="to"/> changed shape (so its gradient needs summing back).</summary>
    public static bool NeedsReduction(SymShape from, SymShape to)
    {
        if (ReferenceEquals(from, to)) return false;
        if (from.Rank != to.Rank) return true;
        for (var i = 0; i < from.Rank; i++)
        {
            if (!Equals(from[i], to[i])) return true;
        }
        return false;
    }
}
