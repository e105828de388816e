using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Dsl.Generators.Diagnostics;
using Dsl.Generators.Ir;
using Dsl.Generators.Shapes;

namespace Dsl.Generators.Operations;

/// <summary>
/// The ops that keep x's elements in row-major order and only regroup its axes (Reshape, View,
/// Flatten, Squeeze, Unsqueeze): each copies x into its buffer (<c>Kernels.Reshape</c>; a generated
/// step holds no views), and its gradient is the upstream gradient regrouped back to x's shape.
/// Aliasing instead of copying is left for the buffer plan (docs/DSL.md).
/// </summary>
internal abstract record RegroupOp : Op
{
    public sealed override ShapeResult InferShape(ShapeContext context) =>
        context.IsNumber(0) ? ShapeResult.Fail(DiagnosticCatalog.ScalarWhereTensor, Name, context.Label(0)) : Regroup(context, context.Shape(0));

    protected abstract ShapeResult Regroup(ShapeContext context, SymShape x);

    protected ShapeResult Fail(string needs, string problem) => ShapeResult.Fail(DiagnosticCatalog.Shapes, Name, needs, problem);

    public override void Differentiate(IGradientBuilder builder, Node node, int gradient)
    {
        var x = node.Inputs[0];
        if (builder.IsActive(x)) builder.Accumulate(x, builder.Add(new ReshapeAsOp(), builder.GradientName(x), gradient, x));
    }

    public override void Emit(IEmitContext context, Node node) => context.Kernel("Reshape", node, node.Inputs[0]);
}

/// <summary><c>Reshape(x, shape...)</c> and <c>View(x, shape...)</c>: x's elements in a new shape; one size may be -1 (inferred).</summary>
internal sealed record ReshapeOp(EquatableArray<Dim> Shape, bool IsView = false) : RegroupOp
{
    public override string Name => IsView ? "View" : "Reshape";

    protected override ShapeResult Regroup(ShapeContext context, SymShape x)
    {
        var result = ShapeRules.Regroup(context.Unifier, context.Label(0), x, Shape, out var problem);
        return result is null ? Fail("a shape with as many elements as its operand", problem) : ShapeResult.Tensor(result);
    }

    public override string Math(Node node, Func<int, string> nameOf) =>
        nameOf(node.Inputs[0]) + " regrouped as " + ShapeRules.Written(Shape);
}

/// <summary><c>Flatten(x, startDim = 0, endDim = -1)</c>: the axes startDim..endDim merged into one.</summary>
internal sealed record FlattenOp(long StartDim, long EndDim) : RegroupOp
{
    public override string Name => "Flatten";

    protected override ShapeResult Regroup(ShapeContext context, SymShape x)
    {
        if (x.Rank == 0) return ShapeResult.Tensor(SymShape.Of(Dim.Constant(1)));
        if (!Axes.TryNormalize(context, Name, StartDim, 0, x.Rank, out var start, out var failure)) return failure;
        if (!Axes.TryNormalize(context, Name, EndDim, 0, x.Rank, out var end, out failure)) return failure;
        if (start > end)
        {
            return ShapeResult.Fail(DiagnosticCatalog.BadArgument, Name, "'startDim' (" + StartDim.ToString(CultureInfo.InvariantCulture)
                + ") comes after 'endDim' (" + EndDim.ToString(CultureInfo.InvariantCulture) + ") for " + context.Label(0) + ", which is " + x);
        }
        var target = x.Dims.Take(start).Append(Dim.Constant(-1)).Concat(x.Dims.Skip(end + 1)).ToArray();
        var result = ShapeRules.Regroup(context.Unifier, context.Label(0), x, target, out _);
        if (result is not null) return ShapeResult.Tensor(result);
        var merged = string.Join("·", x.Dims.Skip(start).Take(end - start + 1).Select(d => context.Unifier.Resolve(d).ToString()));
        return Fail("the merged sizes to be constants, or one size known at run time", context.Label(0) + " is " + x + " and axes "
            + start.ToString(CultureInfo.InvariantCulture) + ".." + end.ToString(CultureInfo.InvariantCulture) + " merge into " + merged);
    }

    public override string Math(Node node, Func<int, string> nameOf) =>
        nameOf(node.Inputs[0]) + " with axes " + StartDim.ToString(CultureInfo.InvariantCulture) + ".." + EndDim.ToString(CultureInfo.InvariantCulture) + " merged";
}

/// <summary>
/// <c>Squeeze(x, dim?)</c>: without dim, the axes of size 1 removed (those the compiler knows are 1;
/// a run-time size is kept); with dim, that axis removed when it is 1 and x unchanged otherwise, as
/// torch does; an axis of a run-time size must be named in no Squeeze(x, dim) (DSL0109).
/// </summary>
internal sealed record SqueezeOp(long? Dim) : RegroupOp
{
    public override string Name => "Squeeze";

    protected override ShapeResult Regroup(ShapeContext context, SymShape x)
    {
        bool IsOne(Dim d) => d.IsConstant && d.Value == 1;
        if (Dim is null) return ShapeResult.Tensor(new SymShape(x.Dims.Where(d => !IsOne(d)).ToEquatableArray()));
        if (x.Rank == 0) return ShapeResult.Tensor(x);
        if (!Axes.TryNormalize(context, Name, Dim.Value, 0, x.Rank, out var axis, out var failure)) return failure;
        if (!x[axis].IsConstant)
        {
            return Fail("an axis whose size is known at compile time", context.Label(0) + " is " + x + " and axis "
                + Dim.Value.ToString(CultureInfo.InvariantCulture) + " is " + x[axis] + ", known only at run time (the result's rank would depend on it)");
        }
        return ShapeResult.Tensor(IsOne(x[axis]) ? Axes.Reduce(x, [axis], keepdim: false) : x);
    }

    public override string Math(Node node, Func<int, string> nameOf) =>
        nameOf(node.Inputs[0]) + " without its size-1 " + (Dim is null ? "axes" : "axis " + Dim.Value.ToString(CultureInfo.InvariantCulture));
}

/// <summary><c>Unsqueeze(x, dim)</c>: a new axis of size 1 at position dim (-1 appends).</summary>
internal sealed record UnsqueezeOp(long Dim) : RegroupOp
{
    public override string Name => "Unsqueeze";

    protected override ShapeResult Regroup(ShapeContext context, SymShape x)
    {
        var positions = x.Rank + 1;
        if (Dim < -positions || Dim >= positions)
        {
            return Fail("a position from -" + positions.ToString(CultureInfo.InvariantCulture) + " to " + x.Rank.ToString(CultureInfo.InvariantCulture) + " for the new axis",
                context.Label(0) + " is " + x + " and dim is " + Dim.ToString(CultureInfo.InvariantCulture));
        }
        var axis = (int)(Dim < 0 ? Dim + positions : Dim);
        var dims = x.Dims.ToList();
        dims.Insert(axis, Shapes.Dim.Constant(1));
        return ShapeResult.Tensor(new SymShape(dims.ToEquatableArray()));
    }

    public override string Math(Node node, Func<int, string> nameOf) =>
        nameOf(node.Inputs[0]) + " with a size-1 axis at " + Dim.ToString(CultureInfo.InvariantCulture);
}

/// <summary>The gradient (input 0) regrouped to the shape of input 1: the backward of <see cref="RegroupOp"/>s, and its own derivative's kind.</summary>
internal sealed record ReshapeAsOp : Op
{
    public override string Name => "ReshapeAs";

    public override ShapeResult InferShape(ShapeContext context) => ShapeResult.Tensor(context.Shape(1));

    public override void Differentiate(IGradientBuilder builder, Node node, int gradient)
    {
        var g = node.Inputs[0];
        if (builder.IsActive(g)) builder.Accumulate(g, builder.Add(new ReshapeAsOp(), builder.GradientName(g), gradient, g));
    }

    public override void Emit(IEmitContext context, Node node) => context.Kernel("Reshape", node, node.Inputs[0]);

    public override string Math(Node node, Func<int, string> nameOf) => nameOf(node.Inputs[0]) + " regrouped to the shape of " + nameOf(node.Inputs[1]);
}

/// <summary>
/// <c>Transpose(x, dim0, dim1)</c>: a copy of x with two axes swapped; <c>Transpose(x)</c> swaps the
/// last two (xᵀ for a matrix). A transpose of the last two axes that feeds a MatMul/Bmm never gets
/// here: lowering folds it into the product's transpose flags (no copy). Its own derivative.
/// </summary>
internal sealed record TransposeOp(long? Dim0 = null, long? Dim1 = null) : Op
{
    public override string Name => "Transpose";

    public override ShapeResult InferShape(ShapeContext context)
    {
        if (context.IsNumber(0)) return ShapeResult.Fail(DiagnosticCatalog.ScalarWhereTensor, Name, context.Label(0));
        var x = context.Shape(0);
        if (Dim0 is null != Dim1 is null) return ShapeResult.Fail(DiagnosticCatalog.BadArgument, Name, "give both 'dim0' and 'dim1', or neither (the last two axes)");
        if (Dim0 is null)
        {
            if (x.Rank < 2) return ShapeResult.Fail(DiagnosticCatalog.Rank, Name, "an operand with at least 2 axes", context.Label(0), x.ToString());
            return ShapeResult.Tensor(Swapped(x, x.Rank - 2, x.Rank - 1));
        }
        if (!Axes.TryNormalize(context, Name, Dim0.Value, 0, x.Rank, out var a, out var failure)) return failure;
        if (!Axes.TryNormalize(context, Name, Dim1!.Value, 0, x.Rank, out var b, out failure)) return failure;
        return ShapeResult.Tensor(Swapped(x, a, b));
    }

    private static SymShape Swapped(SymShape x, int a, int b)
    {
        var dims = x.Dims.ToArray();
        (dims[a], dims[b]) = (dims[b], dims[a]);
        return new SymShape(dims.ToEquatableArray());
    }

    /// <summary>The two axes it swaps for an operand of the given rank.</summary>
    public (int A, int B) Swaps(int rank) => Dim0 is null ? (rank - 2, rank - 1) : (Normalize(Dim0.Value, rank), Normalize(Dim1!.Value, rank));

    /// <summary>Whether it swaps exactly the last two axes (a product's transpose flag can stand for it).</summary>
    public bool SwapsLastTwo(int rank)
    {
        var (a, b) = Swaps(rank);
        return rank >= 2 && System.Math.Min(a, b) == rank - 2 && System.Math.Max(a, b) == rank - 1;
    }

    private static int Normalize(long axis, int rank) => (int)(axis < 0 ? axis + rank : axis);

    public override void Differentiate(IGradientBuilder builder, Node node, int gradient)
    {
        var x = node.Inputs[0];
        if (builder.IsActive(x)) builder.Accumulate(x, builder.Add(this, builder.GradientName(x), gradient));
    }

    public override void Emit(IEmitContext context, Node node)
    {
        var rank = context.Node(node.Inputs[0]).Shape.Rank;
        if (Dim0 is null && rank == 2)
        {
            context.Kernel("Transpose", node);
            return;
        }
        var (a, b) = Swaps(rank);
        context.Call("Transpose", EmitArg.Value(node.Inputs[0]), EmitArg.Long(a), EmitArg.Long(b), EmitArg.Output(node));
    }

    public override string Math(Node node, Func<int, string> nameOf) => Dim0 is null
        ? nameOf(node.Inputs[0]) + "ᵀ"
        : nameOf(node.Inputs[0]) + " with axes " + Dim0.Value.ToString(CultureInfo.InvariantCulture) + " and " + Dim1!.Value.ToString(CultureInfo.InvariantCulture) + " swapped";
}

/// <summary><c>Permute(x, dims...)</c>: a copy of x whose axis i is x's axis dims[i]. Backward: the inverse permutation.</summary>
internal sealed record PermuteOp(EquatableArray<long> Dims) : Op
{
    public override string Name => "Permute";

    public override ShapeResult InferShape(ShapeContext context)
    {
        if (context.IsNumber(0)) return ShapeResult.Fail(DiagnosticCatalog.ScalarWhereTensor, Name, context.Label(0));
        var x = context.Shape(0);
        if (Dims.Count != x.Rank)
        {
            return ShapeResult.Fail(DiagnosticCatalog.Shapes, Name, "one axis of its operand per axis", context.Label(0) + " is " + x + " (rank "
                + x.Rank.ToString(CultureInfo.InvariantCulture) + ") but " + ShapeRules.Written(Dims.Select(Dim.Constant)) + " names "
                + Dims.Count.ToString(CultureInfo.InvariantCulture));
        }
        var seen = new HashSet<int>();
        var dims = new Dim[x.Rank];
        for (var i = 0; i < Dims.Count; i++)
        {
            if (!Axes.TryNormalize(context, Name, Dims[i], 0, x.Rank, out var axis, out var failure)) return failure;
            if (!seen.Add(axis)) return ShapeResult.Fail(DiagnosticCatalog.BadArgument, Name, "the axis " + Dims[i].ToString(CultureInfo.InvariantCulture) + " is given twice");
            dims[i] = x[axis];
        }
        return ShapeResult.Tensor(new SymShape(dims.ToEquatableArray()));
    }

    private long[] Normalized(int rank) => Dims.Select(d => d < 0 ? d + rank : d).ToArray();

    public override void Differentiate(IGradientBuilder builder, Node node, int gradient)
    {
        var x = node.Inputs[0];
        if (!builder.IsActive(x)) return;
        var forward = Normalized(Dims.Count);
        var inverse = new long[forward.Length];
        for (var i = 0; i < forward.Length; i++) inverse[forward[i]] = i;
        builder.Accumulate(x, builder.Add(new PermuteOp(inverse.ToEquatableArray()), builder.GradientName(x), gradient));
    }

    public override void Emit(IEmitContext context, Node node) =>
        context.Call("Permute", EmitArg.Value(node.Inputs[0]), EmitArg.Longs(Normalized(Dims.Count)), EmitArg.Output(node));

    public override string Math(Node node, Func<int, string> nameOf) => nameOf(node.Inputs[0]) + " with axes in the order " + ShapeRules.Written(Dims.Select(Dim.Constant));
}

/// <summary>
/// <c>Expand(x, shape...)</c>: x broadcast to the shape (size-1 axes repeat, new axes lead, -1 keeps
/// a size), copied. Backward: the gradient summed back over the broadcast axes.
/// </summary>
internal sealed record ExpandToOp(EquatableArray<Dim> Shape) : Op
{
    public override string Name => "Expand";

    public override ShapeResult InferShape(ShapeContext context)
    {
        if (context.IsNumber(0)) return ShapeResult.Fail(DiagnosticCatalog.ScalarWhereTensor, Name, context.Label(0));
        var x = context.Shape(0);
        string Problem(string what) => context.Label(0) + " is " + x + " and the shape is " + ShapeRules.Written(Shape) + what;
        if (Shape.Count < x.Rank) return ShapeResult.Fail(DiagnosticCatalog.Shapes, Name, "a shape with at least its operand's rank", Problem(""));
        var lead = Shape.Count - x.Rank;
        var dims = new Dim[Shape.Count];
        for (var i = 0; i < Shape.Count; i++)
        {
            var target = context.Unifier.Resolve(Shape[i]);
            var isKeep = target.IsConstant && target.Value == -1;
            if (target.IsConstant && target.Value < 0 && !isKeep || i < lead && isKeep)
            {
                return ShapeResult.Fail(DiagnosticCatalog.Shapes, Name, "sizes ≥ 0 (-1 only to keep one of its operand's sizes)", Problem(""));
            }
            if (i < lead)
            {
                dims[i] = target;
                continue;
            }
            var own = x[i - lead];
            if (isKeep || own.IsConstant && own.Value == 1) dims[i] = isKeep ? own : target;
            else if (context.Unifier.Unify(own, target)) dims[i] = context.Unifier.Resolve(target);
            else
            {
                return ShapeResult.Fail(DiagnosticCatalog.Shapes, Name, "each size of its operand to be 1 or the target size",
                    Problem(" (axis " + i.ToString(CultureInfo.InvariantCulture) + ": " + own + " vs " + target + ")"));
            }
        }
        return ShapeResult.Tensor(new SymShape(dims.ToEquatableArray()));
    }

    public override void Differentiate(IGradientBuilder builder, Node node, int gradient) => builder.AccumulateReduced(node.Inputs[0], gradient);

    public override void Emit(IEmitContext context, Node node) => context.Kernel("Expand", node, node.Inputs[0]);

    public override string Math(Node node, Func<int, string> nameOf) => nameOf(node.Inputs[0]) + " broadcast to " + ShapeRules.Written(Shape);
}
