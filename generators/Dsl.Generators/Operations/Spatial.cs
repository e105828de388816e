using System.Globalization;
using System.Linq;
using Dsl.Generators.Diagnostics;
using Dsl.Generators.Ir;
using Dsl.Generators.Shapes;

namespace Dsl.Generators.Operations;

/// <summary>
/// Settings and output sizes of convolutions and pooling, as PyTorch computes them:
/// out = ⌊(in + 2·padding - dilation·(kernel - 1) - 1) / stride⌋ + 1 per spatial axis (⌈⌉ in ceil mode).
/// A shape is symbolic, and Dim has no arithmetic, so a spatial size known only at run time is
/// accepted only where the output keeps it (stride 1 and "same" padding); elsewhere the op asks for
/// constant sizes (docs/DSL.md says so).
/// </summary>
internal static class Spatial
{
    /// <summary>
    /// An int-or-list setting as constants: the values given, [fallback] when left out, and an empty
    /// array when a value is not a constant (a model's [Dim]; the shape rule reports it).
    /// </summary>
    public static EquatableArray<long> Ints(OpArguments arguments, string parameter, long fallback)
    {
        if (arguments.Dims(parameter) is { } dims)
        {
            return dims.Any(d => !d.IsConstant) ? EquatableArray<long>.Empty : dims.Select(d => d.Value).ToEquatableArray();
        }
        return EquatableArray.Create(arguments.Int(parameter, fallback));
    }

    /// <summary>One value per spatial axis from 1 value (every axis) or one per axis; each at least <paramref name="least"/>.</summary>
    public static bool TryExpand(string op, string parameter, EquatableArray<long> values, int axes, long least, out long[] expanded, out ShapeResult failure)
    {
        expanded = [];
        failure = default;
        if (values.Count != 1 && values.Count != axes)
        {
            failure = ShapeResult.Fail(DiagnosticCatalog.BadArgument, op, "'" + parameter + "' takes one constant integer or " + axes.ToString(CultureInfo.InvariantCulture)
                + " (one per spatial axis), but " + (values.Count == 0 ? "a size known only at run time" : values.Count.ToString(CultureInfo.InvariantCulture) + " values") + " were given");
            return false;
        }
        expanded = values.Count == 1 ? Enumerable.Repeat(values[0], axes).ToArray() : values.ToArray();
        if (expanded.Any(v => v < least))
        {
            failure = ShapeResult.Fail(DiagnosticCatalog.BadArgument, op, "'" + parameter + "' must be at least " + least.ToString(CultureInfo.InvariantCulture)
                + ", but is " + string.Join(", ", expanded.Select(v => v.ToString(CultureInfo.InvariantCulture))));
            return false;
        }
        return true;
    }

    /// <summary>The output size along one spatial axis, or a failure naming the operand and its shape.</summary>
    public static bool TryOutput(ShapeContext context, string op, int operand, int axis, long kernel, long stride, long padding, long dilation, bool ceilMode,
        out Dim output, out ShapeResult failure)
    {
        var shape = context.Shape(operand);
        var size = shape[axis];
        failure = default;
        output = size;
        var span = dilation * (kernel - 1) + 1;
        if (!size.IsConstant)
        {
            if (stride == 1 && 2 * padding == span - 1 && !ceilMode) return true;
            failure = ShapeResult.FailUnknownSize(DiagnosticCatalog.BadArgument, op, "needs constant spatial sizes for now (with stride 1 and padding (kernel - 1)·dilation / 2 a size known only at run time is kept), but axis "
                + axis.ToString(CultureInfo.InvariantCulture) + " of '" + context.Label(operand) + "' " + shape + " is " + size);
            return false;
        }
        var numerator = size.Value + 2 * padding - span;
        if (numerator < 0)
        {
            failure = ShapeResult.Fail(DiagnosticCatalog.BadArgument, op, "the window (" + span.ToString(CultureInfo.InvariantCulture) + " with dilation) is larger than axis "
                + axis.ToString(CultureInfo.InvariantCulture) + " of '" + context.Label(operand) + "' " + shape + " plus padding " + padding.ToString(CultureInfo.InvariantCulture));
            return false;
        }
        var count = (ceilMode ? (numerator + stride - 1) / stride : numerator / stride) + 1;
        // In ceil mode the last window must start inside the input or the left padding (as PyTorch).
        if (ceilMode && (count - 1) * stride >= size.Value + padding) count--;
        output = Dim.Constant(count);
        return true;
    }

    /// <summary>Fails unless the operand has one of the given ranks.</summary>
    public static bool TryRank(ShapeContext context, string op, int operand, string expected, out ShapeResult failure, params int[] ranks)
    {
        failure = default;
        if (context.IsNumber(operand))
        {
            failure = ShapeResult.Fail(DiagnosticCatalog.ScalarWhereTensor, op, context.Label(operand));
            return false;
        }
        if (ranks.Contains(context.Shape(operand).Rank)) return true;
        failure = ShapeResult.Fail(DiagnosticCatalog.Rank, op, expected, context.Label(operand), context.Shape(operand).ToString());
        return false;
    }

    /// <summary>Fails unless the operand's shape is exactly <paramref name="expected"/> (unifying symbols).</summary>
    public static bool TryShape(ShapeContext context, string op, int operand, string role, SymShape expected, out ShapeResult failure)
    {
        failure = default;
        if (context.IsNumber(operand))
        {
            failure = ShapeResult.Fail(DiagnosticCatalog.ScalarWhereTensor, op, context.Label(operand));
            return false;
        }
        var shape = context.Shape(operand);
        var same = shape.Rank == expected.Rank;
        for (var i = 0; same && i < shape.Rank; i++) same = context.Unifier.Unify(shape[i], expected[i]);
        if (same) return true;
        failure = ShapeResult.Fail(DiagnosticCatalog.BadArgument, op, "the " + role + " '" + context.Label(operand) + "' must be " + expected + ", but is " + shape);
        return false;
    }

    /// <summary>The constant value of a dim, or null.</summary>
    public static long? Constant(ShapeContext context, Dim dim)
    {
        var resolved = context.Unifier.Resolve(dim);
        return resolved.IsConstant ? resolved.Value : null;
    }

    public static string Text(long[] values) => values.Length == 1 || values.All(v => v == values[0])
        ? values[0].ToString(CultureInfo.InvariantCulture)
        : "(" + string.Join(", ", values.Select(v => v.ToString(CultureInfo.InvariantCulture))) + ")";
}
