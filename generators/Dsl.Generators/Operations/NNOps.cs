using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Dsl.Generators.Diagnostics;
using Dsl.Generators.Ir;
using Dsl.Generators.Shapes;

namespace Dsl.Generators.Operations;

/// <summary>Which gradient a multi-gradient backward kernel writes into the node's buffer (the others are not computed).</summary>
internal enum GradientPart
{
    Input,
    Weight,
    Key,
    Value,
}

/// <summary>
/// Convolution as torch.nn.functional.conv1d / conv2d: input [N, C, (H,) W], weight
/// [O, C/groups, (kH,) kW], optional bias [O]. Backward: ATen's convolution backward for the input
/// and the weight (one call each, only that gradient computed), the bias gradient a sum over N and
/// the spatial axes. Both backward ops are linear in the upstream gradient and in the other operand,
/// so their derivatives are convolutions and convolution backwards again (second and higher orders).
/// </summary>
internal sealed record ConvOp(int Axes, bool HasBias, EquatableArray<long> Stride, EquatableArray<long> Padding, EquatableArray<long> Dilation, long Groups) : Op
{
    public override string Name => "Conv" + Axes.ToString(CultureInfo.InvariantCulture) + "d";

    private string Layout => Axes == 2 ? "[N, C, H, W]" : "[N, C, L]";

    public override ShapeResult InferShape(ShapeContext context)
    {
        var rank = Axes + 2;
        if (!Spatial.TryRank(context, Name, 0, "an input " + Layout, out var failure, rank)) return failure;
        if (!Spatial.TryRank(context, Name, 1, "a weight " + (Axes == 2 ? "[O, C/groups, kH, kW]" : "[O, C/groups, k]"), out failure, rank)) return failure;
        if (!Spatial.TryExpand(Name, "stride", Stride, Axes, 1, out var stride, out failure)) return failure;
        if (!Spatial.TryExpand(Name, "padding", Padding, Axes, 0, out var padding, out failure)) return failure;
        if (!Spatial.TryExpand(Name, "dilation", Dilation, Axes, 1, out var dilation, out failure)) return failure;
        if (Groups < 1) return ShapeResult.Fail(DiagnosticCatalog.BadArgument, Name, "'groups' must be at least 1, but is " + Groups.ToString(CultureInfo.InvariantCulture));
        var x = context.Shape(0);
        var w = context.Shape(1);
        if (Spatial.Constant(context, w[0]) is { } outChannels && outChannels % Groups != 0)
        {
            return ShapeResult.Fail(DiagnosticCatalog.BadArgument, Name, "the weight '" + context.Label(1) + "' " + w + " has " + outChannels.ToString(CultureInfo.InvariantCulture)
                + " output channels, not a multiple of groups " + Groups.ToString(CultureInfo.InvariantCulture));
        }
        var channels = Spatial.Constant(context, x[1]);
        var perGroup = Spatial.Constant(context, w[1]);
        var channelsMatch = channels is { } c && perGroup is { } g ? c == g * Groups : Groups == 1 && context.Unifier.Unify(x[1], w[1]);
        if (!channelsMatch)
        {
            return ShapeResult.Fail(DiagnosticCatalog.BadArgument, Name, "the input '" + context.Label(0) + "' " + x + " has " + x[1] + " channels, but the weight '"
                + context.Label(1) + "' " + w + " takes " + w[1] + " per group × groups " + Groups.ToString(CultureInfo.InvariantCulture));
        }
        if (HasBias && !Spatial.TryShape(context, Name, 2, "bias", SymShape.Of(w[0]), out failure)) return failure;
        var dims = new List<Dim> { x[0], w[0] };
        for (var axis = 0; axis < Axes; axis++)
        {
            if (Spatial.Constant(context, w[2 + axis]) is not { } kernel)
            {
                return ShapeResult.FailUnknownSize(DiagnosticCatalog.BadArgument, Name, "needs constant kernel sizes, but the weight '" + context.Label(1) + "' is " + w);
            }
            if (!Spatial.TryOutput(context, Name, 0, 2 + axis, kernel, stride[axis], padding[axis], dilation[axis], false, out var size, out failure)) return failure;
            dims.Add(size);
        }
        return ShapeResult.Tensor(new SymShape(dims.ToEquatableArray()));
    }

    /// <summary>The settings as the kernels take them: Size2 pairs for 2-d, longs for 1-d.</summary>
    internal EmitArg[] Settings() => Axes == 2
        ? [Size2(Stride), Size2(Padding), Size2(Dilation), EmitArg.Long(Groups)]
        : [EmitArg.Long(Stride[0]), EmitArg.Long(Padding[0]), EmitArg.Long(Dilation[0]), EmitArg.Long(Groups)];

    private static EmitArg Size2(EquatableArray<long> pair) => EmitArg.Size2(pair[0], pair[pair.Count - 1]);

    public override void Differentiate(IGradientBuilder builder, Node node, int gradient)
    {
        var (x, w) = (node.Inputs[0], node.Inputs[1]);
        if (builder.IsActive(x)) builder.Accumulate(x, builder.Add(new ConvBackwardOp(this, GradientPart.Input), builder.GradientName(x), gradient, x, w));
        if (builder.IsActive(w)) builder.Accumulate(w, builder.Add(new ConvBackwardOp(this, GradientPart.Weight), builder.GradientName(w), gradient, x, w));
        if (HasBias && builder.IsActive(node.Inputs[2]))
        {
            var b = node.Inputs[2];
            var axes = Enumerable.Range(0, Axes + 2).Where(a => a != 1).Select(a => (long)a).ToEquatableArray();
            builder.Accumulate(b, builder.Add(new SumOp(axes), builder.GradientName(b), gradient));
        }
    }

    public override void Emit(IEmitContext context, Node node)
    {
        EmitArg[] operands = [EmitArg.Value(node.Inputs[0]), EmitArg.Value(node.Inputs[1]), HasBias ? EmitArg.Value(node.Inputs[2]) : EmitArg.Null];
        context.Call(Name, [.. operands, .. Settings(), EmitArg.Output(node)]);
    }

    public override string Math(Node node, Func<int, string> nameOf) =>
        Name.ToLowerInvariant() + "(" + nameOf(node.Inputs[0]) + ", " + nameOf(node.Inputs[1]) + (HasBias ? ") + " + nameOf(node.Inputs[2]) : ")")
        + Describe("stride", Stride, 1) + Describe("padding", Padding, 0) + Describe("dilation", Dilation, 1)
        + (Groups == 1 ? "" : ", groups " + Groups.ToString(CultureInfo.InvariantCulture));

    internal static string Describe(string name, EquatableArray<long> values, long usual) =>
        values.All(v => v == usual) ? "" : ", " + name + " " + Spatial.Text(values.ToArray());
}

/// <summary>A convolution's gradient for its input (inputs: upstream, x, weight; x's shape) or its weight (the weight's shape).</summary>
internal sealed record ConvBackwardOp(ConvOp Forward, GradientPart Part) : Op
{
    public override string Name => Forward.Name + "Backward";

    public override ShapeResult InferShape(ShapeContext context) => ShapeResult.Tensor(context.Shape(Part == GradientPart.Input ? 1 : 2));

    // For the input: b = convᵀ(g; w), and ⟨u, b⟩ = ⟨conv(u, w), g⟩, so d/dg = conv(u, w) and d/dw is the
    // weight gradient of conv(u, ·) for upstream g. For the weight: ⟨u, b⟩ = ⟨conv(x, u), g⟩, so
    // d/dg = conv(x, u) and d/dx is the input gradient of conv(·, u) for upstream g. Neither depends on
    // the remaining operand (x for the input gradient, w for the weight gradient).
    public override void Differentiate(IGradientBuilder builder, Node node, int gradient)
    {
        var (g, x, w) = (node.Inputs[0], node.Inputs[1], node.Inputs[2]);
        var plain = Forward with { HasBias = false };
        if (Part == GradientPart.Input)
        {
            if (builder.IsActive(g)) builder.Accumulate(g, builder.Add(plain, builder.GradientName(g), gradient, w));
            if (builder.IsActive(w)) builder.Accumulate(w, builder.Add(new ConvBackwardOp(Forward, GradientPart.Weight), builder.GradientName(w), g, gradient, w));
            return;
        }
        if (builder.IsActive(g)) builder.Accumulate(g, builder.Add(plain, builder.GradientName(g), x, gradient));
        if (builder.IsActive(x)) builder.Accumulate(x, builder.Add(new ConvBackwardOp(Forward, GradientPart.Input), builder.GradientName(x), g, x, gradient));
    }

    public override void Emit(IEmitContext context, Node node)
    {
        var output = EmitArg.Output(node);
        context.Call(Name, [EmitArg.Value(node.Inputs[0]), EmitArg.Value(node.Inputs[1]), EmitArg.Value(node.Inputs[2]), .. Forward.Settings(),
            Part == GradientPart.Input ? output : EmitArg.Null, Part == GradientPart.Weight ? output : EmitArg.Null, EmitArg.Null]);
    }

    public override string Math(Node node, Func<int, string> nameOf) =>
        "∂" + Forward.Name.ToLowerInvariant() + "/∂" + (Part == GradientPart.Input ? "input" : "weight") + " ᵀ " + nameOf(node.Inputs[0]);
}

/// <summary>
/// 2-d max or average pooling of x [N, C, H, W] as torch.nn.functional.max_pool2d / avg_pool2d;
/// the stride defaults to the kernel size. Max pooling keeps the flat index of every maximum in an
/// Int64 buffer for its backward. Both backwards are linear in the gradient: average pooling's
/// derivative is the pooling again; max pooling's reads the upstream gradient at each window's
/// maximum (<see cref="MaxPool2dGatherOp"/>), overlapping windows included, so second derivatives work.
/// </summary>
internal sealed record Pool2dOp(bool Max, EquatableArray<long> Kernel, EquatableArray<long> Stride, EquatableArray<long> Padding,
    EquatableArray<long> Dilation, bool CeilMode, bool CountIncludePad, long? DivisorOverride) : Op
{
    public override string Name => Max ? "MaxPool2d" : "AvgPool2d";

    /// <summary>The stride when none is given: the kernel size (an empty array stands for that).</summary>
    private EquatableArray<long> StrideOrKernel => Stride.Count == 0 ? Kernel : Stride;

    public override ShapeResult InferShape(ShapeContext context)
    {
        if (!Spatial.TryRank(context, Name, 0, "an input [N, C, H, W]", out var failure, 4)) return failure;
        if (!Spatial.TryExpand(Name, "kernel", Kernel, 2, 1, out var kernel, out failure)) return failure;
        if (!Spatial.TryExpand(Name, "stride", StrideOrKernel, 2, 1, out var stride, out failure)) return failure;
        if (!Spatial.TryExpand(Name, "padding", Padding, 2, 0, out var padding, out failure)) return failure;
        if (!Spatial.TryExpand(Name, "dilation", Dilation, 2, 1, out var dilation, out failure)) return failure;
        if (DivisorOverride is <= 0) return ShapeResult.Fail(DiagnosticCatalog.BadArgument, Name, "'divisorOverride' must be positive");
        var x = context.Shape(0);
        var dims = new List<Dim> { x[0], x[1] };
        for (var axis = 0; axis < 2; axis++)
        {
            if (2 * padding[axis] > kernel[axis])
            {
                return ShapeResult.Fail(DiagnosticCatalog.BadArgument, Name, "'padding' " + padding[axis].ToString(CultureInfo.InvariantCulture)
                    + " must be at most half the kernel size " + kernel[axis].ToString(CultureInfo.InvariantCulture));
            }
            if (!Spatial.TryOutput(context, Name, 0, 2 + axis, kernel[axis], stride[axis], padding[axis], dilation[axis], CeilMode, out var size, out failure)) return failure;
            dims.Add(size);
        }
        return ShapeResult.Tensor(new SymShape(dims.ToEquatableArray()));
    }

    public override IEnumerable<AuxiliaryBuffer> Auxiliary(Node node, Func<int, Node> nodeOf) =>
        Max ? [new AuxiliaryBuffer("Indices", node.Shape, ElementType.Int64)] : [];

    internal EmitArg[] Settings() => Max
        ? [Size2(Kernel), Size2(StrideOrKernel), Size2(Padding), Size2(Dilation), EmitArg.Bool(CeilMode)]
        : [Size2(Kernel), Size2(StrideOrKernel), Size2(Padding), EmitArg.Bool(CeilMode), EmitArg.Bool(CountIncludePad),
            DivisorOverride is { } divisor ? EmitArg.Long(divisor) : EmitArg.Null];

    private static EmitArg Size2(EquatableArray<long> pair) => EmitArg.Size2(pair[0], pair[pair.Count - 1]);

    public override void Differentiate(IGradientBuilder builder, Node node, int gradient)
    {
        var x = node.Inputs[0];
        if (builder.IsActive(x)) builder.Accumulate(x, builder.Add(new Pool2dBackwardOp(this), builder.GradientName(x), gradient, x, node.Id));
    }

    public override void Emit(IEmitContext context, Node node)
    {
        if (Max) context.Call("MaxPool2dWithIndices", [EmitArg.Value(node.Inputs[0]), .. Settings(), EmitArg.Output(node), EmitArg.Auxiliary(node, "Indices")]);
        else context.Call("AvgPool2d", [EmitArg.Value(node.Inputs[0]), .. Settings(), EmitArg.Output(node)]);
    }

    public override string Math(Node node, Func<int, string> nameOf) =>
        (Max ? "max" : "avg") + "_pool2d(" + nameOf(node.Inputs[0]) + ", kernel " + Spatial.Text(Kernel.ToArray()) + ")"
        + (Stride.Count == 0 ? "" : ConvOp.Describe("stride", Stride, -1)) + ConvOp.Describe("padding", Padding, 0) + ConvOp.Describe("dilation", Dilation, 1)
        + (CeilMode ? ", ceil mode" : "");
}

/// <summary>Pooling's gradient (inputs: upstream, x, the forward node whose indices max pooling reads); x's shape.</summary>
internal sealed record Pool2dBackwardOp(Pool2dOp Forward) : Op
{
    public override string Name => Forward.Name + "Backward";

    public override ShapeResult InferShape(ShapeContext context) => ShapeResult.Tensor(context.Shape(1));

    // Average pooling's backward is the pooling's transpose, linear in the gradient: its derivative is the pooling.
    public override void Differentiate(IGradientBuilder builder, Node node, int gradient)
    {
        var g = node.Inputs[0];
        if (!builder.IsActive(g)) return;
        if (!Forward.Max)
        {
            builder.Accumulate(g, builder.Add(Forward, builder.GradientName(g), gradient));
            return;
        }
        // Max pooling's backward adds each upstream value at its window's maximum: its adjoint reads the gradient there.
        builder.Accumulate(g, builder.Add(new MaxPool2dGatherOp(Forward), builder.GradientName(g), gradient, node.Inputs[1], node.Inputs[2]));
    }

    public override void Emit(IEmitContext context, Node node)
    {
        var (g, x) = (EmitArg.Value(node.Inputs[0]), EmitArg.Value(node.Inputs[1]));
        if (Forward.Max)
        {
            context.Call("MaxPool2dWithIndicesBackward", [g, x, EmitArg.Auxiliary(context.Node(node.Inputs[2]), "Indices"), .. Forward.Settings(), EmitArg.Output(node)]);
        }
        else
        {
            context.Call("AvgPool2dBackward", [g, x, .. Forward.Settings(), EmitArg.Output(node)]);
        }
    }

    public override string Math(Node node, Func<int, string> nameOf) =>
        nameOf(node.Inputs[0]) + (Forward.Max ? " routed to each window's maximum" : " spread over each window") + " of " + nameOf(node.Inputs[1]);
}

/// <summary>
/// The derivative of max pooling's backward for its upstream gradient: the values [N, C, H, W] read at
/// the forward's saved indices, [N, C, oh, ow] (inputs: the values, x, the forward node). The pair is
/// linear and adjoint, so this op's own derivative is max pooling's backward again.
/// </summary>
internal sealed record MaxPool2dGatherOp(Pool2dOp Forward) : Op
{
    public override string Name => "MaxPool2dGather";

    public override ShapeResult InferShape(ShapeContext context) => ShapeResult.Tensor(context.Shape(2));

    public override void Differentiate(IGradientBuilder builder, Node node, int gradient)
    {
        var values = node.Inputs[0];
        if (builder.IsActive(values)) builder.Accumulate(values, builder.Add(new Pool2dBackwardOp(Forward), builder.GradientName(values), gradient, node.Inputs[1], node.Inputs[2]));
    }

    public override void Emit(IEmitContext context, Node node) =>
        context.Call("MaxPool2dGather", EmitArg.Value(node.Inputs[0]), EmitArg.Auxiliary(context.Node(node.Inputs[2]), "Indices"), EmitArg.Output(node));

    public override string Math(Node node, Func<int, string> nameOf) => nameOf(node.Inputs[0]) + " at each window's maximum of " + nameOf(node.Inputs[1]);
}

/// <summary>
/// Adaptive average pooling of x [N, C, H, W] to [N, C, oh, ow] (torch's adaptive_avg_pool2d).
/// Its backward is linear in the gradient; the backward's derivative is the pooling again.
/// </summary>
internal sealed record AdaptiveAvgPool2dOp(EquatableArray<long> OutputSize) : Op
{
    public override string Name => "AdaptiveAvgPool2d";

    public override ShapeResult InferShape(ShapeContext context)
    {
        if (!Spatial.TryRank(context, Name, 0, "an input [N, C, H, W]", out var failure, 4)) return failure;
        if (!Spatial.TryExpand(Name, "outputSize", OutputSize, 2, 1, out var size, out failure)) return failure;
        var x = context.Shape(0);
        return ShapeResult.Tensor(SymShape.Of(x[0], x[1], Dim.Constant(size[0]), Dim.Constant(size[1])));
    }

    public override void Differentiate(IGradientBuilder builder, Node node, int gradient)
    {
        var x = node.Inputs[0];
        if (builder.IsActive(x)) builder.Accumulate(x, builder.Add(new AdaptiveAvgPool2dBackwardOp(this), builder.GradientName(x), gradient, x));
    }

    public override void Emit(IEmitContext context, Node node) =>
        context.Call(Name, EmitArg.Value(node.Inputs[0]), EmitArg.Size2(OutputSize[0], OutputSize[OutputSize.Count - 1]), EmitArg.Output(node));

    public override string Math(Node node, Func<int, string> nameOf) =>
        "adaptive_avg_pool2d(" + nameOf(node.Inputs[0]) + ", " + Spatial.Text(OutputSize.ToArray()) + ")";
}

/// <summary>Adaptive average pooling's gradient (inputs: upstream, x); x's shape.</summary>
internal sealed record AdaptiveAvgPool2dBackwardOp(AdaptiveAvgPool2dOp Forward) : Op
{
    public override string Name => "AdaptiveAvgPool2dBackward";

    public override ShapeResult InferShape(ShapeContext context) => ShapeResult.Tensor(context.Shape(1));

    public override void Differentiate(IGradientBuilder builder, Node node, int gradient)
    {
        var g = node.Inputs[0];
        if (builder.IsActive(g)) builder.Accumulate(g, builder.Add(Forward, builder.GradientName(g), gradient));
    }

    public override void Emit(IEmitContext context, Node node) => context.Kernel(Name, node, node.Inputs[0], node.Inputs[1]);

    public override string Math(Node node, Func<int, string> nameOf) => nameOf(node.Inputs[0]) + " spread over each adaptive window of " + nameOf(node.Inputs[1]);
}

/// <summary>
/// Row lookup out[..., :] = weight[indices[...], :] for weight [num, dim] and Int64 indices of any
/// shape (torch.nn.functional.embedding). The gradient goes to the weight only (a scatter-add of
/// rows), whose own derivative is the lookup again.
/// </summary>
internal sealed record EmbeddingOp : Op
{
    public override string Name => "Embedding";

    public override ShapeResult InferShape(ShapeContext context)
    {
        if (!Spatial.TryRank(context, Name, 0, "a weight [num, dim]", out var failure, 2)) return failure;
        if (context.IsNumber(1)) return ShapeResult.Fail(DiagnosticCatalog.ScalarWhereTensor, Name, context.Label(1));
        return ShapeResult.Tensor(new SymShape(context.Shape(1).Dims.Append(context.Shape(0)[1]).ToEquatableArray()));
    }

    public override void Differentiate(IGradientBuilder builder, Node node, int gradient)
    {
        var w = node.Inputs[0];
        if (builder.IsActive(w)) builder.Accumulate(w, builder.Add(new EmbeddingBackwardOp(), builder.GradientName(w), gradient, node.Inputs[1], w));
    }

    public override void Emit(IEmitContext context, Node node) => context.Kernel(Name, node);

    public override string Math(Node node, Func<int, string> nameOf) => nameOf(node.Inputs[0]) + "[" + nameOf(node.Inputs[1]) + "]";
}

/// <summary>The embedding's weight gradient (inputs: upstream, indices, weight): rows of the upstream added at their indices; the weight's shape.</summary>
internal sealed record EmbeddingBackwardOp : Op
{
    public override string Name => "EmbeddingBackward";

    public override ShapeResult InferShape(ShapeContext context) => ShapeResult.Tensor(context.Shape(2));

    public override void Differentiate(IGradientBuilder builder, Node node, int gradient)
    {
        var g = node.Inputs[0];
        if (builder.IsActive(g)) builder.Accumulate(g, builder.Add(new EmbeddingOp(), builder.GradientName(g), gradient, node.Inputs[1]));
    }

    public override void Emit(IEmitContext context, Node node) => context.Kernel(Name, node, node.Inputs[0], node.Inputs[1]);

    public override string Math(Node node, Func<int, string> nameOf) => "rows of " + nameOf(node.Inputs[0]) + " added at " + nameOf(node.Inputs[1]);
}

/// <summary>
/// softmax(q·kᵀ·scale (+ causal mask))·v for q [..., Tq, D], k [..., Tk, D], v [..., Tk, Dv] with the
/// same leading axes; the scale defaults to 1/√D (torch's scaled_dot_product_attention; causal is
/// its is_causal, aligned top-left). The probabilities are kept for the backward (one kernel call per
/// gradient of q, k and v). The backward's derivative goes through attention composed of matrix
/// products and a softmax (<see cref="SecondOrder"/>); with the causal mask it has none yet.
/// </summary>
internal sealed record AttentionOp(bool Causal, double? Scale) : Op
{
    public override string Name => "ScaledDotProductAttention";

    public override string DefaultValueName => "attention";

    public override ShapeResult InferShape(ShapeContext context)
    {
        for (var i = 0; i < 3; i++)
        {
            if (!Spatial.TryRank(context, Name, i, new[] { "a query [..., Tq, D]", "a key [..., Tk, D]", "a value [..., Tk, Dv]" }[i] + " of rank 2 or more",
                out var failure, 2, 3, 4, 5, 6)) return failure;
        }
        var (q, k, v) = (context.Shape(0), context.Shape(1), context.Shape(2));
        var leading = q.Rank - 2;
        var same = k.Rank == q.Rank && v.Rank == q.Rank;
        for (var i = 0; same && i < leading; i++) same = context.Unifier.Unify(q[i], k[i]) && context.Unifier.Unify(q[i], v[i]);
        same = same && context.Unifier.Unify(q[leading + 1], k[leading + 1]) && context.Unifier.Unify(k[leading], v[leading]);
        if (!same)
        {
            return ShapeResult.Fail(DiagnosticCatalog.BadArgument, Name, "needs q [..., Tq, D], k [..., Tk, D] and v [..., Tk, Dv] with the same leading axes, but '"
                + context.Label(0) + "' is " + q + ", '" + context.Label(1) + "' is " + k + " and '" + context.Label(2) + "' is " + v);
        }
        var dims = q.Dims.Take(leading + 1).Append(v[leading + 1]).Select(context.Unifier.Resolve);
        return ShapeResult.Tensor(new SymShape(dims.ToEquatableArray()));
    }

    public override IEnumerable<AuxiliaryBuffer> Auxiliary(Node node, Func<int, Node> nodeOf)
    {
        var q = nodeOf(node.Inputs[0]).Shape;
        var k = nodeOf(node.Inputs[1]).Shape;
        return [new AuxiliaryBuffer("Probs", new SymShape(q.Dims.Take(q.Rank - 1).Append(k[k.Rank - 2]).ToEquatableArray()))];
    }

    internal EmitArg ScaleArg => Scale is { } s ? EmitArg.Double(s) : EmitArg.Null;

    /// <summary>
    /// softmax(q·kᵀ·scale)·v from matrix products and a softmax, for second derivatives. The causal
    /// mask m is read from the forward node's probabilities (&gt; 0 exactly where allowed; one that
    /// underflowed to 0 weighs nothing either way): softmax(s ⊙ m) ⊙ m renormalized per row, which is
    /// the masked softmax.
    /// </summary>
    internal int Compose(Compose c, IReadOnlyList<int> inputs, int forward)
    {
        var q = c.Builder.ResolvedShape(inputs[0]);
        var depth = q[q.Rank - 1];
        if (Scale is null && !depth.IsConstant) throw new MissingDerivativeException(Name + "Backward (a head size known only at run time)");
        var scale = Scale ?? 1 / System.Math.Sqrt(depth.Value);
        var scores = c.Scale(c.Apply(new MatMulOp(TransposeB: true), "Scores", inputs[0], inputs[1]), scale, "Scaled");
        int probs;
        if (Causal)
        {
            var mask = c.Apply(new AttentionMaskOp(), "Mask", forward, inputs[0], inputs[1]);
            var kept = c.Mul(c.Apply(new SoftmaxOp(q.Rank - 1), "Unmasked", c.Mul(scores, mask, "Masked")), mask, "Kept");
            probs = c.Div(kept, c.Apply(new SumOp(EquatableArray.Create((long)q.Rank - 1), true), "Total", kept), "Probs");
        }
        else
        {
            probs = c.Apply(new SoftmaxOp(q.Rank - 1), "Probs", scores);
        }
        return c.Apply(new MatMulOp(), "Attended", probs, inputs[2]);
    }

    public override void Differentiate(IGradientBuilder builder, Node node, int gradient)
    {
        GradientPart[] parts = [GradientPart.Input, GradientPart.Key, GradientPart.Value];
        for (var i = 0; i < 3; i++)
        {
            var operand = node.Inputs[i];
            if (!builder.IsActive(operand)) continue;
            builder.Accumulate(operand, builder.Add(new AttentionBackwardOp(this, parts[i]), builder.GradientName(operand),
                gradient, node.Inputs[0], node.Inputs[1], node.Inputs[2], node.Id));
        }
    }

    public override void Emit(IEmitContext context, Node node) =>
        context.Call(Name, EmitArg.Value(node.Inputs[0]), EmitArg.Value(node.Inputs[1]), EmitArg.Value(node.Inputs[2]), EmitArg.Bool(Causal), ScaleArg,
            EmitArg.Output(node), EmitArg.Auxiliary(node, "Probs"));

    public override string Math(Node node, Func<int, string> nameOf) =>
        "softmax(" + nameOf(node.Inputs[0]) + " · " + nameOf(node.Inputs[1]) + "ᵀ · " + (Scale is { } s ? s.ToString("R", CultureInfo.InvariantCulture) : "1/√D")
        + (Causal ? ", causal" : "") + ") · " + nameOf(node.Inputs[2]);
}

/// <summary>Attention's gradient for q (Input), k (Key) or v (Value); inputs: upstream, q, k, v, the forward node (its probabilities).</summary>
internal sealed record AttentionBackwardOp(AttentionOp Forward, GradientPart Part) : Op
{
    public override string Name => "ScaledDotProductAttentionBackward";

    public override string DefaultValueName => "attentionBackward";

    public override ShapeResult InferShape(ShapeContext context) =>
        ShapeResult.Tensor(context.Shape(Part switch { GradientPart.Input => 1, GradientPart.Key => 2, _ => 3 }));

    public override void Differentiate(IGradientBuilder builder, Node node, int gradient)
    {
        var inputs = node.Inputs.Skip(1).Take(3).ToArray();
        var part = inputs[Part switch { GradientPart.Input => 0, GradientPart.Key => 1, _ => 2 }];
        SecondOrder.Differentiate(builder, node, gradient, node.Inputs[0], part, inputs, c => Forward.Compose(c, inputs, node.Inputs[4]));
    }

    public override void Emit(IEmitContext context, Node node)
    {
        var output = EmitArg.Output(node);
        context.Call(Name, EmitArg.Value(node.Inputs[0]), EmitArg.Value(node.Inputs[1]), EmitArg.Value(node.Inputs[2]), EmitArg.Value(node.Inputs[3]),
            EmitArg.Auxiliary(context.Node(node.Inputs[4]), "Probs"), Forward.ScaleArg,
            Part == GradientPart.Input ? output : EmitArg.Null, Part == GradientPart.Key ? output : EmitArg.Null, Part == GradientPart.Value ? output : EmitArg.Null);
    }

    public override string Math(Node node, Func<int, string> nameOf) =>
        "∂attention/∂" + (Part switch { GradientPart.Input => "q", GradientPart.Key => "k", _ => "v" }) + " ᵀ " + nameOf(node.Inputs[0]);
}

/// <summary>
/// Where attention may look: the forward node's saved probabilities &gt; 0, a Bool [..., Tq, Tk].
/// Inputs: the attention node, q, k (their shapes give the mask's). Made only by attention's second derivative.
/// </summary>
internal sealed record AttentionMaskOp : Op
{
    public override string Name => "AttentionMask";

    public override ElementType ResultType => ElementType.Bool;

    public override ShapeResult InferShape(ShapeContext context)
    {
        var (q, k) = (context.Shape(1), context.Shape(2));
        return ShapeResult.Tensor(new SymShape(q.Dims.Take(q.Rank - 1).Append(k[k.Rank - 2]).ToEquatableArray()));
    }

    // A mask: constant almost everywhere.
    public override void Differentiate(IGradientBuilder builder, Node node, int gradient)
    {
    }

    public override void Emit(IEmitContext context, Node node) =>
        context.Call("Gt", EmitArg.Auxiliary(context.Node(node.Inputs[0]), "Probs"), EmitArg.Double(0), EmitArg.Output(node));

    public override string Math(Node node, Func<int, string> nameOf) => "[probabilities of " + nameOf(node.Inputs[0]) + " > 0]";
}
