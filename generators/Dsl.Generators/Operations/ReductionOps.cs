using System;
using System.Linq;
using Dsl.Generators.Diagnostics;
using Dsl.Generators.Shapes;
using Dsl.Generators.Ir;

namespace Dsl.Generators.Operations;

/// <summary>
/// A sum or mean over every element (a scalar tensor) or over the given axes (<c>Sum(x, 1)</c>,
/// <c>Mean(x, [0, 2], keepdim: true)</c>), as torch.sum / torch.mean. Backward: the gradient put back
/// along the reduced axes (divided by the count for a mean).
/// </summary>
internal abstract record AxisReductionOp(EquatableArray<long>? Dims, bool Keepdim) : Op
{
    /// <summary>Whether it reduces every element (no axes, or an empty list, as PyTorch reads dim=[]).</summary>
    protected bool All => Dims is not { Count: > 0 };

    protected abstract bool IsMean { get; }

    public override ShapeResult InferShape(ShapeContext context)
    {
        if (context.IsNumber(0)) return ShapeResult.Fail(DiagnosticCatalog.ScalarWhereTensor, Name, context.Label(0));
        var x = context.Shape(0);
        if (All) return ShapeResult.Tensor(Keepdim ? new SymShape(x.Dims.Select(_ => Dim.Constant(1)).ToEquatableArray()) : SymShape.Scalar);
        if (!Axes.TryNormalize(context, Name, Dims!.Value, 0, x.Rank, out int[] axes, out var failure)) return failure;
        return ShapeResult.Tensor(Axes.Reduce(x, axes, Keepdim));
    }

    /// <summary>The reduced axes, normalized against the operand's rank (every axis when <see cref="All"/>).</summary>
    protected long[] Normalized(int rank) => All
        ? Enumerable.Range(0, rank).Select(a => (long)a).ToArray()
        : Dims!.Value.Select(a => a < 0 ? a + rank : a).Distinct().OrderBy(a => a).ToArray();

    public override void Differentiate(IGradientBuilder builder, Node node, int gradient)
    {
        var x = node.Inputs[0];
        if (!builder.IsActive(x)) return;
        if (All && !Keepdim)
        {
            // A scalar gradient: broadcast (a copy), or spread evenly for a mean.
            Op spread = IsMean ? new MeanBackwardOp() : new ExpandOp();
            builder.Accumulate(x, builder.Add(spread, builder.GradientName(x), gradient, x));
            return;
        }
        var axes = Normalized(builder.Node(x).Shape.Rank);
        var back = builder.Add(new ExpandAxesOp(axes.ToEquatableArray(), Keepdim, IsMean), builder.GradientName(x), gradient, x);
        builder.Accumulate(x, back);
    }

    public override void Emit(IEmitContext context, Node node)
    {
        var x = node.Inputs[0];
        if (All && !Keepdim)
        {
            context.Kernel(Name, node);
            return;
        }
        context.Call(Name, EmitArg.Value(x), EmitArg.Longs(Normalized(context.Node(x).Shape.Rank)), EmitArg.Bool(Keepdim), EmitArg.Output(node));
    }

    protected string Over(Node node) => All ? "" : "_{axes " + string.Join(",", Dims!.Value) + (Keepdim ? ", keepdim" : "") + "}";
}

internal sealed record SumOp(EquatableArray<long>? Dims = null, bool Keepdim = false) : AxisReductionOp(Dims, Keepdim)
{
    public override string Name => "Sum";

    protected override bool IsMean => false;

    public override string Math(Node node, Func<int, string> nameOf) => "Σ" + Over(node) + " " + nameOf(node.Inputs[0]);
}

internal sealed record MeanOp(EquatableArray<long>? Dims = null, bool Keepdim = false) : AxisReductionOp(Dims, Keepdim)
{
    public override string Name => "Mean";

    protected override bool IsMean => true;

    public override string Math(Node node, Func<int, string> nameOf) => "mean" + Over(node) + "(" + nameOf(node.Inputs[0]) + ")";
}

/// <summary>
/// The backward of a sum or mean over <see cref="Axes"/>: the gradient (input 0) put back along them
/// and broadcast to the shape of input 1, divided by the count for a mean. Its own derivative is the
/// reduction again.
/// </summary>
internal sealed record ExpandAxesOp(EquatableArray<long> Axes, bool Keepdim, bool Mean) : Op
{
    public override string Name => "ExpandAxes";

    public override ShapeResult InferShape(ShapeContext context) => ShapeResult.Tensor(context.Shape(1));

    public override void Differentiate(IGradientBuilder builder, Node node, int gradient)
    {
        var g = node.Inputs[0];
        if (!builder.IsActive(g)) return;
        Op reduce = Mean ? new MeanOp(Axes, Keepdim) : new SumOp(Axes, Keepdim);
        builder.Accumulate(g, builder.Add(reduce, builder.GradientName(g), gradient));
    }

    public override void Emit(IEmitContext context, Node node) =>
        context.Call("ExpandAxes", EmitArg.Value(node.Inputs[0]), EmitArg.Longs(Keepdim ? [] : Axes), EmitArg.Bool(Mean), EmitArg.Output(node));

    public override string Math(Node node, Func<int, string> nameOf) =>
        nameOf(node.Inputs[0]) + (Mean ? " / count" : "") + " put back along axes " + string.Join(",", Axes) + " of " + nameOf(node.Inputs[1]);
}
