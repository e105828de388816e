using System;
using System.Collections.Generic;
using Dsl.Generators.Shapes;
using Dsl.Generators.Ir;

namespace Dsl.Generators.Operations;

// Ops that derivative rules introduce. Their own derivative rules make second derivatives work
// (Grad(...) inside a loss); an op without one (CrossEntropySecond, a user rule) is DSL0202 when reached.
// The second input of SumToShape, Expand and MeanBackward only gives a shape: it gets no gradient.

/// <summary>The seed of the backward pass: a scalar 1 (d loss / d loss).</summary>
internal sealed record OnesOp : Op
{
    public override string Name => "Ones";

    public override ShapeResult InferShape(ShapeContext context) => ShapeResult.Tensor(SymShape.Scalar);

    public override void Emit(IEmitContext context, Node node) => context.Fill(node, 1);

    public override string Math(Node node, Func<int, string> nameOf) => "1";
}

/// <summary>Sums a broadcast gradient back to the shape of the operand that was broadcast (the second input).</summary>
internal sealed record SumToShapeOp : Op
{
    public override string Name => "SumToShape";

    public override ShapeResult InferShape(ShapeContext context) => ShapeResult.Tensor(context.Shape(1));

    // d/dg of Σ-over-broadcast-axes is the upstream gradient broadcast back.
    public override void Differentiate(IGradientBuilder builder, Node node, int gradient)
    {
        var g = node.Inputs[0];
        if (builder.IsActive(g)) builder.Accumulate(g, builder.Add(new ExpandOp(), builder.GradientName(g), gradient, g));
    }

    public override void Emit(IEmitContext context, Node node) => context.Kernel("SumToShape", node, node.Inputs[0]);

    public override string Math(Node node, Func<int, string> nameOf) => "Σ " + nameOf(node.Inputs[0]) + " over the broadcast axes of " + nameOf(node.Inputs[1]);
}

/// <summary>A scalar gradient expanded to the shape of the second input.</summary>
internal sealed record ExpandOp : Op
{
    public override string Name => "Expand";

    public override ShapeResult InferShape(ShapeContext context) => ShapeResult.Tensor(context.Shape(1));

    // d/dg of a broadcast is the upstream gradient summed back to g's shape.
    public override void Differentiate(IGradientBuilder builder, Node node, int gradient)
    {
        var g = node.Inputs[0];
        if (!builder.IsActive(g)) return;
        var reduced = builder.Node(g).Shape.Rank == 0
            ? builder.Add(new SumOp(), builder.GradientName(g), gradient)
            : builder.Add(new SumToShapeOp(), builder.GradientName(g), gradient, g);
        builder.Accumulate(g, reduced);
    }

    public override void Emit(IEmitContext context, Node node) => context.Kernel("Copy", node, node.Inputs[0]);

    public override string Math(Node node, Func<int, string> nameOf) => nameOf(node.Inputs[0]) + " expanded to the shape of " + nameOf(node.Inputs[1]);
}

/// <summary>Backward of Mean: the scalar gradient divided evenly over the elements of the second input.</summary>
internal sealed record MeanBackwardOp : Op
{
    public override string Name => "MeanBackward";

    public override ShapeResult InferShape(ShapeContext context) => ShapeResult.Tensor(context.Shape(1));

    // out = g / n for a scalar g, so d/dg = Σ upstream / n = mean(upstream).
    public override void Differentiate(IGradientBuilder builder, Node node, int gradient)
    {
        var g = node.Inputs[0];
        if (builder.IsActive(g)) builder.Accumulate(g, builder.Add(new MeanOp(), builder.GradientName(g), gradient));
    }

    public override void Emit(IEmitContext context, Node node)
    {
        context.MeanBackward(node);
    }

    public override string Math(Node node, Func<int, string> nameOf) => nameOf(node.Inputs[0]) + " / numel(" + nameOf(node.Inputs[1]) + ")";
}

/// <summary>g where the Relu output y is positive, else 0.</summary>
internal sealed record ReluBackwardOp : Op
{
    public override string Name => "ReluBackward";

    public override ShapeResult InferShape(ShapeContext context) => ShapeResult.Tensor(context.Shape(1));

    // Linear in g with the same mask; the mask's derivative is zero almost everywhere.
    public override void Differentiate(IGradientBuilder builder, Node node, int gradient)
    {
        var (g, y) = (node.Inputs[0], node.Inputs[1]);
        if (builder.IsActive(g)) builder.Accumulate(g, builder.Add(new ReluBackwardOp(), builder.GradientName(g), gradient, y));
    }

    public override void Emit(IEmitContext context, Node node)
    {
        context.Kernel("ReluBackward", node);
    }

    public override string Math(Node node, Func<int, string> nameOf) => nameOf(node.Inputs[0]) + " ⊙ [" + nameOf(node.Inputs[1]) + " > 0]";
}

/// <summary>g ⊙ (1 - y²) for y = tanh(x).</summary>
internal sealed record TanhBackwardOp : Op
{
    public override string Name => "TanhBackward";

    public override ShapeResult InferShape(ShapeContext context) => ShapeResult.Tensor(context.Shape(1));

    // out = g ⊙ (1 - y²): d/dg = upstream ⊙ (1 - y²), d/dy = -2 · upstream ⊙ g ⊙ y.
    public override void Differentiate(IGradientBuilder builder, Node node, int gradient)
    {
        var (g, y) = (node.Inputs[0], node.Inputs[1]);
        if (builder.IsActive(g)) builder.Accumulate(g, builder.Add(new TanhBackwardOp(), builder.GradientName(g), gradient, y));
        if (builder.IsActive(y))
        {
            var name = builder.GradientName(y);
            var scaled = builder.Add(new MulOp(), name + "Scaled", gradient, g);
            var product = builder.Add(new MulOp(), name + "Product", scaled, y);
            builder.Accumulate(y, builder.Add(new MulOp(), name, product, builder.Number(-2)));
        }
    }

    public override void Emit(IEmitContext context, Node node)
    {
        context.Kernel("TanhBackward", node);
    }

    public override string Math(Node node, Func<int, string> nameOf) => nameOf(node.Inputs[0]) + " ⊙ (1 - " + nameOf(node.Inputs[1]) + "²)";
}

/// <summary>g ⊙ y ⊙ (1 - y) for y = sigmoid(x).</summary>
internal sealed record SigmoidBackwardOp : Op
{
    public override string Name => "SigmoidBackward";

    public override ShapeResult InferShape(ShapeContext context) => ShapeResult.Tensor(context.Shape(1));

    // out = g ⊙ y ⊙ (1 - y): d/dg = upstream ⊙ y ⊙ (1 - y), d/dy = upstream ⊙ g ⊙ (1 - 2y).
    public override void Differentiate(IGradientBuilder builder, Node node, int gradient)
    {
        var (g, y) = (node.Inputs[0], node.Inputs[1]);
        if (builder.IsActive(g)) builder.Accumulate(g, builder.Add(new SigmoidBackwardOp(), builder.GradientName(g), gradient, y));
        if (builder.IsActive(y))
        {
            var name = builder.GradientName(y);
            var scaled = builder.Add(new MulOp(), name + "Scaled", gradient, g);
            var twice = builder.Add(new MulOp(), name + "Twice", y, builder.Number(2));
            var slope = builder.Add(new SubOp(), name + "Slope", builder.Number(1), twice);
            builder.Accumulate(y, builder.Add(new MulOp(), name, scaled, slope));
        }
    }

    public override void Emit(IEmitContext context, Node node)
    {
        context.Kernel("SigmoidBackward", node);
    }

    public override string Math(Node node, Func<int, string> nameOf) =>
        nameOf(node.Inputs[0]) + " ⊙ " + nameOf(node.Inputs[1]) + " ⊙ (1 - " + nameOf(node.Inputs[1]) + ")";
}

/// <summary>
/// g ⊙ (softmax(logits) - onehot(labels)) / B: the gradient of mean cross-entropy. Inputs: the
/// gradient, the CrossEntropy node (whose saved log-probabilities and total weight it reads), the labels.
/// </summary>
internal sealed record CrossEntropyBackwardOp : Op
{
    public override string Name => "CrossEntropyBackward";

    public override ShapeResult InferShape(ShapeContext context) => ShapeResult.Tensor(context.Shape(3));

    public override IEnumerable<AuxiliaryBuffer> Auxiliary(Node node, Func<int, Node> nodeOf) =>
        [new AuxiliaryBuffer("LogProbsGradient", nodeOf(node.Inputs[3]).Shape)];

    // For the logits: (g / B) · the softmax Jacobian applied to the upstream gradient (the labels
    // get none). For g: Σ upstream ⊙ (softmax - onehot) / B, i.e. this op with g = 1, summed.
    public override void Differentiate(IGradientBuilder builder, Node node, int gradient)
    {
        var (g, forward, labels, logits) = (node.Inputs[0], node.Inputs[1], node.Inputs[2], node.Inputs[3]);
        if (builder.IsActive(logits))
        {
            builder.Accumulate(logits, builder.Add(new CrossEntropySecondOp(), builder.GradientName(logits), gradient, forward, g, logits));
        }
        if (builder.IsActive(g))
        {
            var name = builder.GradientName(g);
            var unit = builder.Add(new OnesOp(), name + "Unit");
            var slope = builder.Add(new CrossEntropyBackwardOp(), name + "Slope", unit, forward, labels, logits);
            var product = builder.Add(new MulOp(), name + "Product", gradient, slope);
            builder.Accumulate(g, builder.Add(new SumOp(), name, product));
        }
    }

    public override void Emit(IEmitContext context, Node node)
    {
        var forward = context.Node(node.Inputs[1]);
        context.CrossEntropyBackward(node, forward, "LogProbs", "TotalWeight", "LogProbsGradient");
    }

    public override string Math(Node node, Func<int, string> nameOf) =>
        nameOf(node.Inputs[0]) + " ⊙ (softmax(" + nameOf(node.Inputs[3]) + ") - onehot(" + nameOf(node.Inputs[2]) + ")) / B";
}

/// <summary>g ⊙ 2(prediction - target) / numel: the gradient of mean squared error for the prediction.</summary>
internal sealed record MseLossBackwardOp : Op
{
    public override string Name => "MseLossBackward";

    public override ShapeResult InferShape(ShapeContext context) => ShapeResult.Tensor(context.Shape(1));

    // out = g ⊙ 2(p - t)/n for a scalar g: d/dp = upstream ⊙ 2g/n = -d/dt, d/dg = Σ upstream ⊙ 2(p - t)/n.
    public override void Differentiate(IGradientBuilder builder, Node node, int gradient)
    {
        var (g, p, t) = (node.Inputs[0], node.Inputs[1], node.Inputs[2]);
        if (builder.IsActive(p) || builder.IsActive(t))
        {
            var name = builder.GradientName(p);
            var spread = builder.Add(new MeanBackwardOp(), name + "Spread", g, p);
            var scaled = builder.Add(new MulOp(), name + "Scaled", gradient, spread);
            var dp = builder.Add(new MulOp(), name, scaled, builder.Number(2));
            builder.Accumulate(p, dp);
            if (builder.IsActive(t)) builder.Accumulate(t, builder.Add(new NegOp(), builder.GradientName(t), dp));
        }
        if (builder.IsActive(g))
        {
            var name = builder.GradientName(g);
            var unit = builder.Add(new OnesOp(), name + "Unit");
            var slope = builder.Add(new MseLossBackwardOp(), name + "Slope", unit, p, t);
            var product = builder.Add(new MulOp(), name + "Product", gradient, slope);
            builder.Accumulate(g, builder.Add(new SumOp(), name, product));
        }
    }

    public override void Emit(IEmitContext context, Node node)
    {
        context.MseLossBackward(node);
    }

    public override string Math(Node node, Func<int, string> nameOf) =>
        nameOf(node.Inputs[0]) + " ⊙ 2(" + nameOf(node.Inputs[1]) + " - " + nameOf(node.Inputs[2]) + ") / numel";
}

/// <summary>
/// The derivative of <see cref="CrossEntropyBackwardOp"/> for its logits: (g / B) · s ⊙ (u - Σ_row s ⊙ u),
/// s = softmax(logits). Inputs: the upstream gradient u, the CrossEntropy node (its saved
/// log-probabilities and total weight), g, the logits. No derivative rule of its own (third derivatives).
/// </summary>
internal sealed record CrossEntropySecondOp : Op
{
    public override string Name => "CrossEntropySecond";

    public override ShapeResult InferShape(ShapeContext context) => ShapeResult.Tensor(context.Shape(3));

    public override IEnumerable<AuxiliaryBuffer> Auxiliary(Node node, Func<int, Node> nodeOf) =>
        [new AuxiliaryBuffer("Softmax", nodeOf(node.Inputs[3]).Shape), new AuxiliaryBuffer("Weighted", nodeOf(node.Inputs[3]).Shape)];

    public override void Emit(IEmitContext context, Node node)
    {
        var forward = context.Node(node.Inputs[1]);
        context.CrossEntropySecond(node, forward, "LogProbs", "TotalWeight", "Softmax", "Weighted");
    }

    public override string Math(Node node, Func<int, string> nameOf) =>
        nameOf(node.Inputs[2]) + " · softmax'(" + nameOf(node.Inputs[3]) + ") · " + nameOf(node.Inputs[0]) + " / B";
}
