using System;
using System.Globalization;
using System.Linq;
using Dsl.Generators.Diagnostics;
using Dsl.Generators.Ir;
using Dsl.Generators.Shapes;

namespace Dsl.Generators.Operations;

/// <summary>
/// <c>Cat([a, b, ...], dim = 0)</c>: the tensors joined along an existing axis (every other size must
/// match); the joined size is the sum of theirs, so those sizes must be constants unless only one
/// tensor is given (a size is a constant or one run-time symbol, never a sum). Backward: each
/// operand's gradient is its range of the upstream gradient (a Narrow).
/// </summary>
internal sealed record CatOp(long Dim) : Op
{
    public override string Name => "Cat";

    public override ShapeResult InferShape(ShapeContext context)
    {
        var first = context.Shape(0);
        string Both(int i) => context.Label(0) + " is " + first + " and " + context.Label(i) + " is " + context.Shape(i);
        for (var i = 1; i < context.Count; i++)
        {
            if (context.Shape(i).Rank != first.Rank) return Fail("tensors of one rank", Both(i));
        }
        if (!Axes.TryNormalize(context, Name, Dim, 0, first.Rank, out var axis, out var failure)) return failure;
        var dims = first.Dims.ToArray();
        long joined = 0;
        for (var i = 0; i < context.Count; i++)
        {
            var shape = context.Shape(i);
            for (var d = 0; d < shape.Rank; d++)
            {
                if (d == axis || context.Unifier.Unify(dims[d], shape[d])) continue;
                return Fail("equal sizes off the joined axis " + Dim.ToString(CultureInfo.InvariantCulture),
                    Both(i) + " (axis " + d.ToString(CultureInfo.InvariantCulture) + ": " + context.Unifier.Resolve(dims[d]) + " vs " + context.Unifier.Resolve(shape[d]) + ")");
            }
            var size = context.Unifier.Resolve(shape[axis]);
            if (!size.IsConstant && context.Count > 1)
            {
                return Fail("sizes along the joined axis known at compile time (the result's size is their sum)",
                    context.Label(i) + " is " + shape + ", whose axis " + Dim.ToString(CultureInfo.InvariantCulture) + " is " + size + ", known only at run time");
            }
            joined += size.Value;
        }
        dims[axis] = context.Count == 1 ? context.Unifier.Resolve(first[axis]) : Shapes.Dim.Constant(joined);
        return ShapeResult.Tensor(context.Unifier.Resolve(new SymShape(dims.ToEquatableArray())));
    }

    private ShapeResult Fail(string needs, string problem) => ShapeResult.Fail(DiagnosticCatalog.Shapes, Name, needs, problem);

    private int Axis(int rank) => (int)(Dim < 0 ? Dim + rank : Dim);

    public override void Differentiate(IGradientBuilder builder, Node node, int gradient)
    {
        var axis = Axis(node.Shape.Rank);
        if (node.Inputs.Count == 1)
        {
            builder.Accumulate(node.Inputs[0], gradient);
            return;
        }
        long offset = 0;
        foreach (var input in node.Inputs)
        {
            // Sizes along the axis are constants here (the shape rule requires it for more than one operand).
            var size = builder.ResolvedShape(input)[axis].Value;
            if (builder.IsActive(input))
            {
                builder.Accumulate(input, builder.Add(new NarrowOp(axis, offset, size), builder.GradientName(input), gradient));
            }
            offset += size;
        }
    }

    public override void Emit(IEmitContext context, Node node) =>
        context.Call("Cat", EmitArg.Values(node.Inputs), EmitArg.Long(Axis(node.Shape.Rank)), EmitArg.Output(node));

    public override string Math(Node node, Func<int, string> nameOf) =>
        "[" + string.Join(", ", node.Inputs.Select(nameOf)) + "] joined along axis " + Dim.ToString(CultureInfo.InvariantCulture);
}

/// <summary>
/// <c>Stack([a, b, ...], dim = 0)</c>: tensors of one shape joined along a new axis of size N at dim.
/// Backward: each operand's gradient is the upstream gradient at its position (a Select).
/// </summary>
internal sealed record StackOp(long Dim) : Op
{
    public override string Name => "Stack";

    public override ShapeResult InferShape(ShapeContext context)
    {
        var first = context.Shape(0);
        for (var i = 1; i < context.Count; i++)
        {
            var shape = context.Shape(i);
            var same = shape.Rank == first.Rank;
            for (var d = 0; same && d < shape.Rank; d++) same = context.Unifier.Unify(first[d], shape[d]);
            if (!same)
            {
                return ShapeResult.Fail(DiagnosticCatalog.Shapes, Name, "tensors of one shape",
                    context.Label(0) + " is " + first + " and " + context.Label(i) + " is " + shape);
            }
        }
        if (!Axes.TryNormalize(context, Name, Dim, 0, first.Rank + 1, out var axis, out var failure)) return failure;
        var dims = context.Unifier.Resolve(first).Dims.ToList();
        dims.Insert(axis, Shapes.Dim.Constant(context.Count));
        return ShapeResult.Tensor(new SymShape(dims.ToEquatableArray()));
    }

    private int Axis(int rank) => (int)(Dim < 0 ? Dim + rank : Dim);

    public override void Differentiate(IGradientBuilder builder, Node node, int gradient)
    {
        var axis = Axis(node.Shape.Rank);
        for (var i = 0; i < node.Inputs.Count; i++)
        {
            var input = node.Inputs[i];
            if (builder.IsActive(input)) builder.Accumulate(input, builder.Add(new SelectOp(axis, i), builder.GradientName(input), gradient));
        }
    }

    public override void Emit(IEmitContext context, Node node) =>
        context.Call("Stack", EmitArg.Values(node.Inputs), EmitArg.Long(Axis(node.Shape.Rank)), EmitArg.Output(node));

    public override string Math(Node node, Func<int, string> nameOf) =>
        "[" + string.Join(", ", node.Inputs.Select(nameOf)) + "] stacked along a new axis " + Dim.ToString(CultureInfo.InvariantCulture);
}
