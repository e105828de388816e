using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Dsl.Generators.Diagnostics;
using Dsl.Generators.Ir;
using Dsl.Generators.Shapes;

namespace Dsl.Generators.Operations;

/// <summary>Axis arguments as PyTorch reads them: negative axes count from the end; each must exist.</summary>
internal static class Axes
{
    /// <summary>The axis in 0..rank-1, or a DSL0108 failure naming the op, the axis and the operand.</summary>
    public static bool TryNormalize(ShapeContext context, string op, long axis, int operand, int rank, out int normalized, out ShapeResult failure)
    {
        normalized = (int)(axis < 0 ? axis + rank : axis);
        failure = default;
        if (axis >= -rank && axis < rank) return true;
        failure = ShapeResult.Fail(DiagnosticCatalog.Axis, op, axis.ToString(CultureInfo.InvariantCulture), context.Label(operand),
            context.Shape(operand).ToString(), rank.ToString(CultureInfo.InvariantCulture), (rank - 1).ToString(CultureInfo.InvariantCulture));
        return false;
    }

    /// <summary>Several axes, normalized, sorted and without repeats (a repeat is a DSL0020-like failure).</summary>
    public static bool TryNormalize(ShapeContext context, string op, IEnumerable<long> axes, int operand, int rank, out int[] normalized, out ShapeResult failure)
    {
        var result = new SortedSet<int>();
        foreach (var axis in axes)
        {
            if (!TryNormalize(context, op, axis, operand, rank, out var one, out failure))
            {
                normalized = [];
                return false;
            }
            if (!result.Add(one))
            {
                failure = ShapeResult.Fail(DiagnosticCatalog.BadArgument, op, "the axis " + axis.ToString(CultureInfo.InvariantCulture) + " is given twice");
                normalized = [];
                return false;
            }
        }
        normalized = result.ToArray();
        failure = default;
        return true;
    }

    /// <summary>The shape with the given axes removed, or kept as size 1.</summary>
    public static SymShape Reduce(SymShape shape, IReadOnlyCollection<int> axes, bool keepdim)
    {
        var dims = new List<Dim>();
        for (var i = 0; i < shape.Rank; i++)
        {
            if (!axes.Contains(i)) dims.Add(shape[i]);
            else if (keepdim) dims.Add(Dim.Constant(1));
        }
        return new SymShape(dims.ToEquatableArray());
    }
}
