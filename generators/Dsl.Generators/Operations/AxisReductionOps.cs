using System;
using System.Linq;
using Dsl.Generators.Diagnostics;
using Dsl.Generators.Ir;
using Dsl.Generators.Shapes;

namespace Dsl.Generators.Operations;

// Reductions of issue 9 beyond Sum and Mean. Their derivatives are composed from ExpandAxes (the
// gradient put back along the reduced axes), elementwise ops and Sum/Mean, so each is
// differentiable again; Softmax and LogSoftmax use their backward kernels, whose own derivative
// rules are composed.

/// <summary>
/// Max(x) over every element (a scalar) and Amax(x, dim, keepdim?) over axes (torch.max / torch.amax).
/// The gradient goes to the maximal elements, divided evenly among ties, as torch's.
/// </summary>
internal abstract record ExtremeReductionOp(EquatableArray<long>? Dims, bool Keepdim) : AxisReductionOp(Dims, Keepdim)
{
    protected override bool IsMean => false;

    public override void Differentiate(IGradientBuilder builder, Node node, int gradient)
    {
        var x = node.Inputs[0];
        if (!builder.IsActive(x)) return;
        var c = new Compose(builder, builder.GradientName(x));
        var axes = Normalized(builder.Node(x).Shape.Rank).ToEquatableArray();
        var spread = c.Apply(new ExpandAxesOp(axes, Keepdim, false), "Spread", gradient, x);
        var extreme = c.Apply(new ExpandAxesOp(axes, Keepdim, false), "Extreme", node.Id, x);
        var hits = c.Compare("Eq", x, extreme, "Hits");
        var count = c.Apply(new SumOp(axes, true), "Count", hits);
        builder.Accumulate(x, c.Div(c.Mul(spread, hits, "Masked"), count, ""));
    }
}

internal sealed record MaxOp() : ExtremeReductionOp(null, false)
{
    public override string Name => "Max";

    public override string Math(Node node, Func<int, string> nameOf) => "max " + nameOf(node.Inputs[0]);
}

internal sealed record AmaxOp(EquatableArray<long>? Dims, bool Keepdim) : ExtremeReductionOp(Dims, Keepdim)
{
    public override string Name => "Amax";

    public override string Math(Node node, Func<int, string> nameOf) => "max" + Over(node) + " " + nameOf(node.Inputs[0]);
}

internal sealed record MinOp() : ExtremeReductionOp(null, false)
{
    public override string Name => "Min";

    public override string Math(Node node, Func<int, string> nameOf) => "min " + nameOf(node.Inputs[0]);
}

internal sealed record AminOp(EquatableArray<long>? Dims, bool Keepdim) : ExtremeReductionOp(Dims, Keepdim)
{
    public override string Name => "Amin";

    public override string Math(Node node, Func<int, string> nameOf) => "min" + Over(node) + " " + nameOf(node.Inputs[0]);
}

/// <summary>
/// The p-norm over axes (all when none), torch.linalg.vector_norm; backward by the norm_backward
/// kernel (a zero norm gives a zero gradient, as torch). Second derivatives for p = 2.
/// </summary>
internal sealed record NormOp(double P, EquatableArray<long>? Dims, bool Keepdim) : AxisReductionOp(Dims, Keepdim)
{
    public override string Name => "Norm";

    protected override bool IsMean => false;

    public override string Math(Node node, Func<int, string> nameOf) =>
        "‖" + nameOf(node.Inputs[0]) + "‖_" + P.ToString("R", System.Globalization.CultureInfo.InvariantCulture) + Over(node);

    public override void Emit(IEmitContext context, Node node) =>
        context.Call("Norm", EmitArg.Value(node.Inputs[0]), EmitArg.Double(P), EmitArg.Longs(Normalized(context.Node(node.Inputs[0]).Shape.Rank)),
            EmitArg.Bool(Keepdim), EmitArg.Output(node));

    public override void Differentiate(IGradientBuilder builder, Node node, int gradient)
    {
        var x = node.Inputs[0];
        if (!builder.IsActive(x)) return;
        var axes = Normalized(builder.Node(x).Shape.Rank).ToEquatableArray();
        builder.Accumulate(x, builder.Add(new NormBackwardOp(P, axes, Keepdim), builder.GradientName(x), gradient, x, node.Id));
    }
}

/// <summary>The gradient of a p-norm: inputs g, x, the norm.</summary>
internal sealed record NormBackwardOp(double P, EquatableArray<long> Axes, bool Keepdim) : Op
{
    public override string Name => "NormBackward";

    public override ShapeResult InferShape(ShapeContext context) => ShapeResult.Tensor(context.Shape(1));

    public override void Emit(IEmitContext context, Node node) =>
        context.Call("NormBackward", EmitArg.Value(node.Inputs[0]), EmitArg.Value(node.Inputs[1]), EmitArg.Value(node.Inputs[2]), EmitArg.Double(P),
            EmitArg.Longs(Axes), EmitArg.Bool(Keepdim), EmitArg.Output(node));

    public override string Math(Node node, Func<int, string> nameOf) =>
        nameOf(node.Inputs[0]) + " ⊙ ∂‖" + nameOf(node.Inputs[1]) + "‖/∂" + nameOf(node.Inputs[1]);

    // For p = 2 the op is G ⊙ x / N (G, N: g and the norm put back along the axes): d/dg = Σ u ⊙ x / N,
    // d/dx = u ⊙ G / N, d/dN = -Σ u ⊙ G ⊙ x / N² (which reaches x through the norm's own rule).
    // Other p have no second derivative here (DSL0202 when one is asked for).
    public override void Differentiate(IGradientBuilder builder, Node node, int gradient)
    {
        if (P != 2) throw new MissingDerivativeException(Name + " (p = " + P.ToString("R", System.Globalization.CultureInfo.InvariantCulture) + ")");
        var (g, x, norm) = (node.Inputs[0], node.Inputs[1], node.Inputs[2]);
        var c = new Compose(builder, builder.GradientName(x));
        var spreadNorm = c.Apply(new ExpandAxesOp(Axes, Keepdim, false), "Norm", norm, x);
        if (builder.IsActive(g))
        {
            var toG = c.Div(c.Mul(gradient, x, "Projected"), spreadNorm, "Direction");
            builder.Accumulate(g, builder.Add(new SumOp(Axes, Keepdim), builder.GradientName(g), toG));
        }
        if (!builder.IsActive(x) && !builder.IsActive(norm)) return;
        var spreadG = c.Apply(new ExpandAxesOp(Axes, Keepdim, false), "Outer", g, x);
        var scaled = c.Div(c.Mul(gradient, spreadG, "Scaled"), spreadNorm, "Step");
        builder.Accumulate(x, scaled);
        if (builder.IsActive(norm))
        {
            var radial = c.Div(c.Mul(scaled, x, "Radial"), spreadNorm, "Shrink");
            builder.Accumulate(norm, c.Neg(builder.Add(new SumOp(Axes, Keepdim), builder.GradientName(norm) + "Sum", radial), "Pull"));
        }
    }
}

/// <summary>log Σ exp(x) over axes (all when none), stable (torch.logsumexp); d/dx = g ⊙ exp(x - lse).</summary>
internal sealed record LogSumExpOp(EquatableArray<long>? Dims = null, bool Keepdim = false) : AxisReductionOp(Dims, Keepdim)
{
    public override string Name => "LogSumExp";

    protected override bool IsMean => false;

    public override string Math(Node node, Func<int, string> nameOf) => "log Σ" + Over(node) + " exp(" + nameOf(node.Inputs[0]) + ")";

    public override void Differentiate(IGradientBuilder builder, Node node, int gradient)
    {
        var x = node.Inputs[0];
        if (!builder.IsActive(x)) return;
        var c = new Compose(builder, builder.GradientName(x));
        var axes = Normalized(builder.Node(x).Shape.Rank).ToEquatableArray();
        var spread = c.Apply(new ExpandAxesOp(axes, Keepdim, false), "Spread", gradient, x);
        var total = c.Apply(new ExpandAxesOp(axes, Keepdim, false), "Total", node.Id, x);
        var weights = c.Exp(c.Sub(x, total, "Shifted"), "Weights");
        builder.Accumulate(x, c.Mul(spread, weights, ""));
    }
}

/// <summary>
/// The variance over axes (all when none), torch.var: unbiased (divided by N - 1) unless
/// <c>unbiased: false</c>. d/dx = g ⊙ 2(x - mean) / (N - correction). With the unbiased correction
/// the reduced sizes must be known at compile time (the derivative's factor is a constant).
/// </summary>
internal sealed record VarOp(EquatableArray<long>? Dims, bool Unbiased, bool Keepdim) : AxisReductionOp(Dims, Keepdim)
{
    public override string Name => "Var";

    protected override bool IsMean => true;

    public override string Math(Node node, Func<int, string> nameOf) => "var" + Over(node) + (Unbiased ? "" : "_biased") + "(" + nameOf(node.Inputs[0]) + ")";

    public override ShapeResult InferShape(ShapeContext context)
    {
        var result = base.InferShape(context);
        if (result.Error is not null || !Unbiased) return result;
        var x = context.Shape(0);
        foreach (var axis in Normalized(x.Rank))
        {
            if (!x[(int)axis].IsConstant)
            {
                return ShapeResult.Fail(DiagnosticCatalog.BadArgument, Name, "the unbiased variance over axis " + axis.ToString(System.Globalization.CultureInfo.InvariantCulture)
                    + " of " + context.Label(0) + ", which is " + x + ", needs that axis's size at compile time; pass unbiased: false or reduce over axes of known size");
            }
        }
        return result;
    }

    public override void Differentiate(IGradientBuilder builder, Node node, int gradient)
    {
        var x = node.Inputs[0];
        if (!builder.IsActive(x)) return;
        var c = new Compose(builder, builder.GradientName(x));
        var shape = builder.Node(x).Shape;
        var axes = Normalized(shape.Rank);
        var mean = c.Apply(new MeanOp(axes.ToEquatableArray(), true), "Mean", x);
        var centered = c.Sub(x, mean, "Centered");
        // g / N put back along the axes, times 2(x - mean), times N / (N - correction).
        var spread = c.Apply(new ExpandAxesOp(axes.ToEquatableArray(), Keepdim, true), "Spread", gradient, x);
        var count = axes.Aggregate(1.0, (n, a) => n * (shape[(int)a].IsConstant ? shape[(int)a].Value : 1));
        var factor = Unbiased ? 2 * count / (count - 1) : 2;
        builder.Accumulate(x, c.Scale(c.Mul(spread, centered, "Deviation"), factor, ""));
    }

    public override void Emit(IEmitContext context, Node node)
    {
        var x = node.Inputs[0];
        if (All && !Keepdim)
        {
            context.Call("Var", EmitArg.Value(x), EmitArg.Bool(Unbiased), EmitArg.Output(node));
            return;
        }
        context.Call("Var", EmitArg.Value(x), EmitArg.Longs(Normalized(context.Node(x).Shape.Rank)), EmitArg.Bool(Unbiased), EmitArg.Bool(Keepdim), EmitArg.Output(node));
    }
}

/// <summary>Softmax or LogSoftmax along one axis (torch.softmax / log_softmax); backward by their kernels.</summary>
internal abstract record SoftmaxLikeOp(long Dim) : Op
{
    public override ShapeResult InferShape(ShapeContext context)
    {
        if (context.IsNumber(0)) return ShapeResult.Fail(DiagnosticCatalog.ScalarWhereTensor, Name, context.Label(0));
        var x = context.Shape(0);
        return Axes.TryNormalize(context, Name, Dim, 0, x.Rank, out int _, out var failure) ? ShapeResult.Tensor(x) : failure;
    }

    protected long Axis(int rank) => Dim < 0 ? Dim + rank : Dim;

    public override void Emit(IEmitContext context, Node node) =>
        context.Call(Name, EmitArg.Value(node.Inputs[0]), EmitArg.Long(Axis(node.Shape.Rank)), EmitArg.Output(node));

    public override string Math(Node node, Func<int, string> nameOf) =>
        Name + "_{axis " + Axis(node.Shape.Rank).ToString(System.Globalization.CultureInfo.InvariantCulture) + "}(" + nameOf(node.Inputs[0]) + ")";

    protected abstract Op Backward(long axis);

    public override void Differentiate(IGradientBuilder builder, Node node, int gradient)
    {
        var x = node.Inputs[0];
        if (builder.IsActive(x)) builder.Accumulate(x, builder.Add(Backward(Axis(node.Shape.Rank)), builder.GradientName(x), gradient, node.Id));
    }
}

internal sealed record SoftmaxOp(long Dim) : SoftmaxLikeOp(Dim)
{
    public override string Name => "Softmax";

    protected override Op Backward(long axis) => new SoftmaxBackwardOp(axis);
}

internal sealed record LogSoftmaxOp(long Dim) : SoftmaxLikeOp(Dim)
{
    public override string Name => "LogSoftmax";

    protected override Op Backward(long axis) => new LogSoftmaxBackwardOp(axis);
}

/// <summary>y ⊙ (g - Σ_axis g ⊙ y) for y = softmax(x). Inputs: g, y.</summary>
internal sealed record SoftmaxBackwardOp(long Axis) : Op
{
    public override string Name => "SoftmaxBackward";

    public override ShapeResult InferShape(ShapeContext context) => ShapeResult.Tensor(context.Shape(1));

    public override void Emit(IEmitContext context, Node node) =>
        context.Call(Name, EmitArg.Value(node.Inputs[0]), EmitArg.Value(node.Inputs[1]), EmitArg.Long(Axis), EmitArg.Output(node));

    public override string Math(Node node, Func<int, string> nameOf) =>
        nameOf(node.Inputs[1]) + " ⊙ (" + nameOf(node.Inputs[0]) + " - Σ " + nameOf(node.Inputs[0]) + " ⊙ " + nameOf(node.Inputs[1]) + ")";

    // The Jacobian diag(y) - y yᵀ is symmetric, so d/dg applies it to the upstream u; for y:
    // u ⊙ (g - Σ g ⊙ y) - g ⊙ Σ u ⊙ y.
    public override void Differentiate(IGradientBuilder builder, Node node, int gradient)
    {
        var (g, y) = (node.Inputs[0], node.Inputs[1]);
        if (builder.IsActive(g)) builder.Accumulate(g, builder.Add(this, builder.GradientName(g), gradient, y));
        if (!builder.IsActive(y)) return;
        var c = new Compose(builder, builder.GradientName(y));
        var axis = EquatableArray.Create(Axis);
        var projection = c.Apply(new SumOp(axis, true), "Projection", c.Mul(g, y, "Weighted"));
        var upstream = c.Apply(new SumOp(axis, true), "UpstreamProjection", c.Mul(gradient, y, "UpstreamWeighted"));
        var first = c.Mul(gradient, c.Sub(g, projection, "Centered"), "First");
        builder.Accumulate(y, c.Sub(first, c.Mul(g, upstream, "Second"), ""));
    }
}

/// <summary>g - exp(y) ⊙ Σ_axis g for y = log_softmax(x). Inputs: g, y.</summary>
internal sealed record LogSoftmaxBackwardOp(long Axis) : Op
{
    public override string Name => "LogSoftmaxBackward";

    public override ShapeResult InferShape(ShapeContext context) => ShapeResult.Tensor(context.Shape(1));

    public override void Emit(IEmitContext context, Node node) =>
        context.Call(Name, EmitArg.Value(node.Inputs[0]), EmitArg.Value(node.Inputs[1]), EmitArg.Long(Axis), EmitArg.Output(node));

    public override string Math(Node node, Func<int, string> nameOf) =>
        nameOf(node.Inputs[0]) + " - exp(" + nameOf(node.Inputs[1]) + ") ⊙ Σ " + nameOf(node.Inputs[0]);

    // For g: u - Σ u ⊙ exp(y); for y: -u ⊙ exp(y) ⊙ Σ g.
    public override void Differentiate(IGradientBuilder builder, Node node, int gradient)
    {
        var (g, y) = (node.Inputs[0], node.Inputs[1]);
        var axis = EquatableArray.Create(Axis);
        if (builder.IsActive(g))
        {
            var c = new Compose(builder, builder.GradientName(g));
            var weighted = c.Mul(gradient, c.Exp(y, "Probabilities"), "Weighted");
            builder.Accumulate(g, c.Sub(gradient, c.Apply(new SumOp(axis, true), "Total", weighted), ""));
        }
        if (builder.IsActive(y))
        {
            var c = new Compose(builder, builder.GradientName(y));
            var weighted = c.Mul(gradient, c.Exp(y, "Probabilities"), "Weighted");
            var total = c.Apply(new SumOp(axis, true), "Total", g);
            builder.Accumulate(y, c.Neg(c.Mul(weighted, total, "Scaled"), ""));
        }
    }
}

/// <summary>The index of the largest element (of all, flattened, or along an axis), Int64, as torch.argmax; no gradient.</summary>
internal sealed record ArgmaxOp(long? Dim, bool Keepdim) : Op
{
    public override string Name => "Argmax";

    public override ElementType ResultType => ElementType.Int64;

    public override ShapeResult InferShape(ShapeContext context)
    {
        if (context.IsNumber(0)) return ShapeResult.Fail(DiagnosticCatalog.ScalarWhereTensor, Name, context.Label(0));
        var x = context.Shape(0);
        if (Dim is not { } dim)
        {
            return Keepdim ? ShapeResult.Fail(DiagnosticCatalog.BadArgument, Name, "'keepdim' needs 'dim' (the index over all elements is a scalar)") : ShapeResult.Tensor(SymShape.Scalar);
        }
        if (!Axes.TryNormalize(context, Name, dim, 0, x.Rank, out int axis, out var failure)) return failure;
        return ShapeResult.Tensor(Axes.Reduce(x, [axis], Keepdim));
    }

    public override void Differentiate(IGradientBuilder builder, Node node, int gradient)
    {
        // An index is piecewise constant: no gradient (an Int64 value is never active).
    }

    public override void Emit(IEmitContext context, Node node)
    {
        var x = node.Inputs[0];
        if (Dim is not { } dim)
        {
            context.Call("Argmax", EmitArg.Value(x), EmitArg.Output(node));
            return;
        }
        var rank = context.Node(x).Shape.Rank;
        context.Call("Argmax", EmitArg.Value(x), EmitArg.Long(dim < 0 ? dim + rank : dim), EmitArg.Bool(Keepdim), EmitArg.Output(node));
    }

    public override string Math(Node node, Func<int, string> nameOf) =>
        "argmax" + (Dim is { } dim ? "_{axis " + dim.ToString(System.Globalization.CultureInfo.InvariantCulture) + "}" : "") + " " + nameOf(node.Inputs[0]);
}
