using System;
using Dsl.Generators.Diagnostics;
using Dsl.Generators.Shapes;
using Dsl.Generators.Ir;

namespace Dsl.Generators.Operations;

/// <summary>The sum of all elements (a scalar tensor). Backward: the scalar gradient expanded to x's shape.</summary>
internal sealed record SumOp : Op
{
    public override string Name => "Sum";

    public override ShapeResult InferShape(ShapeContext context) =>
        context.IsNumber(0) ? ShapeResult.Fail(DiagnosticCatalog.ScalarWhereTensor, Name, context.Label(0)) : ShapeResult.Tensor(SymShape.Scalar);

    public override void Differentiate(IGradientBuilder builder, Node node, int gradient) =>
        builder.Accumulate(node.Inputs[0], builder.Add(new ExpandOp(), builder.GradientName(node.Inputs[0]), gradient, node.Inputs[0]));

    public override void Emit(IEmitContext context, Node node) => context.Kernel("Sum", node);

    public override string Math(Node node, Func<int, string> nameOf) => "Σ " + nameOf(node.Inputs[0]);
}

/// <summary>The mean of all elements (a scalar tensor). Backward: the gradient spread evenly over x.</summary>
internal sealed record MeanOp : Op
{
    public override string Name => "Mean";

    public override ShapeResult InferShape(ShapeContext context) =>
        context.IsNumber(0) ? ShapeResult.Fail(DiagnosticCatalog.ScalarWhereTensor, Name, context.Label(0)) : ShapeResult.Tensor(SymShape.Scalar);

    public override void Differentiate(IGradientBuilder builder, Node node, int gradient) =>
        builder.Accumulate(node.Inputs[0], builder.Add(new MeanBackwardOp(), builder.GradientName(node.Inputs[0]), gradient, node.Inputs[0]));

    public override void Emit(IEmitContext context, Node node) => context.Kernel("Mean", node);

    public override string Math(Node node, Func<int, string> nameOf) => "mean(" + nameOf(node.Inputs[0]) + ")";
}
