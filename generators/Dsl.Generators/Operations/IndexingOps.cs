using System;
using System.Globalization;
using System.Linq;
using Dsl.Generators.Diagnostics;
using Dsl.Generators.Ir;
using Dsl.Generators.Shapes;

namespace Dsl.Generators.Operations;

/// <summary>
/// Parts of a tensor picked by constant positions (Narrow, Slice, Select) or by an Int64 index tensor
/// (IndexSelect, Gather), copied into the node's buffer. Each backward op writes zeros and the
/// gradient at the picked positions (repeated indices accumulate), and is differentiated by picking
/// again. Index tensors get no gradient.
/// </summary>
internal static class Picking
{
    public static string Text(long value) => value.ToString(CultureInfo.InvariantCulture);

    public static ShapeResult Fail(string op, string needs, string problem) => ShapeResult.Fail(DiagnosticCatalog.Shapes, op, needs, problem);

    /// <summary>The shape with the size of one axis replaced.</summary>
    public static SymShape With(SymShape shape, int axis, Dim size)
    {
        var dims = shape.Dims.ToArray();
        dims[axis] = size;
        return new SymShape(dims.ToEquatableArray());
    }
}

/// <summary>
/// <c>Narrow(x, dim, start, length)</c> and <c>Slice(x, dim, start, end?, step = 1)</c> (as
/// <c>x[start:end]</c>: negative bounds count from the end, bounds past the end are clipped): the
/// elements start … start + length - 1 along dim. Where the axis's size is known only at run time,
/// start and end must be ≥ 0 and the kernel checks the range when the step runs.
/// </summary>
internal sealed record NarrowOp(long Dim, long Start, long? Length, long? End = null, bool IsSlice = false, long Step = 1) : Op
{
    public override string Name => IsSlice ? "Slice" : "Narrow";

    /// <summary>The first position and the count for an axis of this size, or null with the problem.</summary>
    public (long Start, Dim Length)? Bounds(Dim size, out string problem)
    {
        problem = "";
        if (!IsSlice)
        {
            if (Length!.Value < 0) problem = "the length " + Picking.Text(Length.Value) + " is negative";
            else if (size.IsConstant && (Start < -size.Value || Start > size.Value || (Start < 0 ? Start + size.Value : Start) + Length.Value > size.Value))
            {
                problem = "positions " + Picking.Text(Start) + " .. " + Picking.Text(Start) + " + " + Picking.Text(Length.Value) + " - 1 do not lie inside the axis of size " + size;
            }
            else if (!size.IsConstant && Start < 0) problem = "a negative start counts from the end of an axis whose size (" + size + ") is known only at run time";
            if (problem.Length > 0) return null;
            return (Start < 0 ? Start + size.Value : Start, Shapes.Dim.Constant(Length.Value));
        }
        if (size.IsConstant)
        {
            static long Clip(long bound, long n) => Clamp(bound < 0 ? bound + n : bound, n);
            static long Clamp(long v, long n) => v < 0 ? 0 : v > n ? n : v;
            var first = Clip(Start, size.Value);
            var last = End is null ? size.Value : Clip(End.Value, size.Value);
            return (first, Shapes.Dim.Constant(Count(first, last)));
        }
        if (Start < 0 || End < 0)
        {
            problem = "a negative bound counts from the end of an axis whose size (" + size + ") is known only at run time";
            return null;
        }
        if (End is null)
        {
            if (Start == 0 && Step == 1) return (0, size);
            if (Start == 0)
            {
                problem = "the slice with step " + Picking.Text(Step) + " of an axis whose size (" + size + ") is known only at run time has no size the compiler can name; give 'end'";
                return null;
            }
            problem = "the slice from " + Picking.Text(Start) + " to the end of an axis whose size (" + size + ") is known only at run time has no size the compiler can name; give 'end'";
            return null;
        }
        return (Start, Shapes.Dim.Constant(Count(Start, End.Value)));
    }

    /// <summary>How many of first, first + step, … lie below last.</summary>
    private long Count(long first, long last) => last > first ? (last - first + Step - 1) / Step : 0;

    public override ShapeResult InferShape(ShapeContext context)
    {
        if (context.IsNumber(0)) return ShapeResult.Fail(DiagnosticCatalog.ScalarWhereTensor, Name, context.Label(0));
        var x = context.Shape(0);
        if (Step < 1) return ShapeResult.Fail(DiagnosticCatalog.BadArgument, Name, "'step' must be positive, but is " + Picking.Text(Step));
        if (!Axes.TryNormalize(context, Name, Dim, 0, x.Rank, out var axis, out var failure)) return failure;
        var bounds = Bounds(x[axis], out var problem);
        if (bounds is null) return Picking.Fail(Name, "a range inside axis " + Picking.Text(Dim) + " of its operand", context.Label(0) + " is " + x + " and " + problem);
        return ShapeResult.Tensor(Picking.With(x, axis, bounds.Value.Length));
    }

    /// <summary>The axis and first position for x's shape as emitted (sizes resolved).</summary>
    public (int Axis, long Start) Resolved(Node x)
    {
        var axis = (int)(Dim < 0 ? Dim + x.Shape.Rank : Dim);
        return (axis, Bounds(x.Shape[axis], out _)?.Start ?? Start);
    }

    public override void Differentiate(IGradientBuilder builder, Node node, int gradient)
    {
        var x = node.Inputs[0];
        if (builder.IsActive(x)) builder.Accumulate(x, builder.Add(new NarrowBackwardOp(this), builder.GradientName(x), gradient, x));
    }

    public override void Emit(IEmitContext context, Node node)
    {
        var (axis, start) = Resolved(context.Node(node.Inputs[0]));
        if (Step != 1) context.Call("Slice", EmitArg.Value(node.Inputs[0]), EmitArg.Long(axis), EmitArg.Long(start), EmitArg.Long(Step), EmitArg.Output(node));
        else context.Call("Narrow", EmitArg.Value(node.Inputs[0]), EmitArg.Long(axis), EmitArg.Long(start), EmitArg.Output(node));
    }

    public override string Math(Node node, Func<int, string> nameOf) => IsSlice
        ? nameOf(node.Inputs[0]) + "[" + Picking.Text(Start) + ":" + (End is null ? "" : Picking.Text(End.Value)) + (Step == 1 ? "" : ":" + Picking.Text(Step)) + "] along axis " + Picking.Text(Dim)
        : nameOf(node.Inputs[0]) + " narrowed to " + Picking.Text(Length!.Value) + " from " + Picking.Text(Start) + " along axis " + Picking.Text(Dim);
}

/// <summary>Narrow's (or Slice's) backward: zeros of input 1's shape with the gradient (input 0) in the forward's range; its derivative narrows again.</summary>
internal sealed record NarrowBackwardOp(NarrowOp Forward) : Op
{
    public override string Name => "NarrowBackward";

    public override ShapeResult InferShape(ShapeContext context) => ShapeResult.Tensor(context.Shape(1));

    public override void Differentiate(IGradientBuilder builder, Node node, int gradient)
    {
        var g = node.Inputs[0];
        if (builder.IsActive(g)) builder.Accumulate(g, builder.Add(Forward, builder.GradientName(g), gradient));
    }

    public override void Emit(IEmitContext context, Node node)
    {
        var (axis, start) = Forward.Resolved(context.Node(node.Inputs[1]));
        if (Forward.Step != 1)
        {
            context.Call("SliceBackward", EmitArg.Value(node.Inputs[0]), EmitArg.Long(axis), EmitArg.Long(start), EmitArg.Long(Forward.Step), EmitArg.Output(node));
            return;
        }
        context.Call("NarrowBackward", EmitArg.Value(node.Inputs[0]), EmitArg.Long(axis), EmitArg.Long(start), EmitArg.Output(node));
    }

    public override string Math(Node node, Func<int, string> nameOf) =>
        "zeros like " + nameOf(node.Inputs[1]) + " with " + nameOf(node.Inputs[0]) + " in its range along axis " + Picking.Text(Forward.Dim);
}

/// <summary><c>Select(x, dim, index)</c>: x at one position along dim, that axis removed (a negative index counts from the end).</summary>
internal sealed record SelectOp(long Dim, long Index) : Op
{
    public override string Name => "Select";

    public override ShapeResult InferShape(ShapeContext context)
    {
        if (context.IsNumber(0)) return ShapeResult.Fail(DiagnosticCatalog.ScalarWhereTensor, Name, context.Label(0));
        var x = context.Shape(0);
        if (!Axes.TryNormalize(context, Name, Dim, 0, x.Rank, out var axis, out var failure)) return failure;
        var size = x[axis];
        if (size.IsConstant ? Index < -size.Value || Index >= size.Value : Index < 0)
        {
            return Picking.Fail(Name, "an index inside axis " + Picking.Text(Dim) + " of its operand", context.Label(0) + " is " + x + " and the index is "
                + Picking.Text(Index) + (size.IsConstant ? "" : " (a negative index counts from the end of a size known only at run time)"));
        }
        return ShapeResult.Tensor(Axes.Reduce(x, [axis], keepdim: false));
    }

    /// <summary>The axis and position for x's shape as emitted (sizes resolved).</summary>
    public (int Axis, long Index) Resolved(Node x)
    {
        var axis = (int)(Dim < 0 ? Dim + x.Shape.Rank : Dim);
        return (axis, Index < 0 ? Index + x.Shape[axis].Value : Index);
    }

    public override void Differentiate(IGradientBuilder builder, Node node, int gradient)
    {
        var x = node.Inputs[0];
        if (builder.IsActive(x)) builder.Accumulate(x, builder.Add(new SelectBackwardOp(this), builder.GradientName(x), gradient, x));
    }

    public override void Emit(IEmitContext context, Node node)
    {
        var (axis, index) = Resolved(context.Node(node.Inputs[0]));
        context.Call("Select", EmitArg.Value(node.Inputs[0]), EmitArg.Long(axis), EmitArg.Long(index), EmitArg.Output(node));
    }

    public override string Math(Node node, Func<int, string> nameOf) => nameOf(node.Inputs[0]) + " at " + Picking.Text(Index) + " along axis " + Picking.Text(Dim);
}

/// <summary>Select's backward: zeros of input 1's shape with the gradient (input 0) at the forward's position; its derivative selects again.</summary>
internal sealed record SelectBackwardOp(SelectOp Forward) : Op
{
    public override string Name => "SelectBackward";

    public override ShapeResult InferShape(ShapeContext context) => ShapeResult.Tensor(context.Shape(1));

    public override void Differentiate(IGradientBuilder builder, Node node, int gradient)
    {
        var g = node.Inputs[0];
        if (builder.IsActive(g)) builder.Accumulate(g, builder.Add(Forward, builder.GradientName(g), gradient));
    }

    public override void Emit(IEmitContext context, Node node)
    {
        var (axis, index) = Forward.Resolved(context.Node(node.Inputs[1]));
        context.Call("SelectBackward", EmitArg.Value(node.Inputs[0]), EmitArg.Long(axis), EmitArg.Long(index), EmitArg.Output(node));
    }

    public override string Math(Node node, Func<int, string> nameOf) =>
        "zeros like " + nameOf(node.Inputs[1]) + " with " + nameOf(node.Inputs[0]) + " at " + Picking.Text(Forward.Index) + " along axis " + Picking.Text(Forward.Dim);
}

/// <summary>
/// <c>IndexSelect(x, dim, index)</c>: the slices of x at the positions of the 1-D Int64 index along dim
/// (that axis's size becomes the index's length). <c>Gather(x, dim, index)</c>: one element of x per
/// element of the index (x's rank; the result has the index's shape). Positions are checked by the
/// kernel when the step runs.
/// </summary>
internal sealed record IndexOp(long Dim, bool IsGather) : Op
{
    public override string Name => IsGather ? "Gather" : "IndexSelect";

    public override ShapeResult InferShape(ShapeContext context)
    {
        for (var i = 0; i < 2; i++)
        {
            if (context.IsNumber(i)) return ShapeResult.Fail(DiagnosticCatalog.ScalarWhereTensor, Name, context.Label(i));
        }
        var (x, index) = (context.Shape(0), context.Shape(1));
        if (!Axes.TryNormalize(context, Name, Dim, 0, x.Rank, out var axis, out var failure)) return failure;
        if (!IsGather)
        {
            if (index.Rank != 1) return ShapeResult.Fail(DiagnosticCatalog.Rank, Name, "a 1-D index", context.Label(1), index.ToString());
            return ShapeResult.Tensor(Picking.With(x, axis, index[0]));
        }
        if (index.Rank != x.Rank)
        {
            return ShapeResult.Fail(DiagnosticCatalog.Rank, Name, "an index of its operand's rank (" + x.Rank.ToString(CultureInfo.InvariantCulture) + ")",
                context.Label(1), index.ToString());
        }
        for (var i = 0; i < x.Rank; i++)
        {
            var (own, picked) = (context.Unifier.Resolve(x[i]), context.Unifier.Resolve(index[i]));
            if (i != axis && own.IsConstant && picked.IsConstant && picked.Value > own.Value)
            {
                return Picking.Fail(Name, "an index no larger than its operand off axis " + Picking.Text(Dim), context.Label(0) + " is " + x + " and "
                    + context.Label(1) + " is " + index + " (axis " + i.ToString(CultureInfo.InvariantCulture) + ": " + picked + " > " + own + ")");
            }
        }
        return ShapeResult.Tensor(index);
    }

    private long Axis(Node x) => Dim < 0 ? Dim + x.Shape.Rank : Dim;

    public override void Differentiate(IGradientBuilder builder, Node node, int gradient)
    {
        var (x, index) = (node.Inputs[0], node.Inputs[1]);
        if (!builder.IsActive(x)) return;
        builder.Accumulate(x, builder.Add(new IndexBackwardOp(Axis(builder.Node(x)), IsGather), builder.GradientName(x), gradient, index, x));
    }

    public override void Emit(IEmitContext context, Node node) =>
        context.Call(Name, EmitArg.Value(node.Inputs[0]), EmitArg.Long(Axis(context.Node(node.Inputs[0]))), EmitArg.Value(node.Inputs[1]), EmitArg.Output(node));

    public override string Math(Node node, Func<int, string> nameOf) =>
        nameOf(node.Inputs[0]) + (IsGather ? " gathered" : " at the positions") + " of " + nameOf(node.Inputs[1]) + " along axis " + Picking.Text(Dim);
}

/// <summary>
/// The backward of <see cref="IndexOp"/>: zeros of input 2's shape with the gradient (input 0) added at
/// the index's (input 1) positions (index_add / scatter_add, so repeated indices accumulate).
/// </summary>
internal sealed record IndexBackwardOp(long Axis, bool IsGather) : Op
{
    public override string Name => IsGather ? "GatherBackward" : "IndexSelectBackward";

    public override ShapeResult InferShape(ShapeContext context) => ShapeResult.Tensor(context.Shape(2));

    public override void Differentiate(IGradientBuilder builder, Node node, int gradient)
    {
        var (g, index) = (node.Inputs[0], node.Inputs[1]);
        if (builder.IsActive(g)) builder.Accumulate(g, builder.Add(new IndexOp(Axis, IsGather), builder.GradientName(g), gradient, index));
    }

    public override void Emit(IEmitContext context, Node node) =>
        context.Call(Name, EmitArg.Value(node.Inputs[0]), EmitArg.Long(Axis), EmitArg.Value(node.Inputs[1]), EmitArg.Output(node));

    public override string Math(Node node, Func<int, string> nameOf) =>
        "zeros like " + nameOf(node.Inputs[2]) + " with " + nameOf(node.Inputs[0]) + " added at the positions of " + nameOf(node.Inputs[1]);
}
