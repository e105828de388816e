using System;
using Dsl.Generators.Diagnostics;
using Dsl.Generators.Ir;

namespace Dsl.Generators.Operations;

/// <summary>
/// A user function with a <c>[Derivative]</c> rule, <c>F(x)</c> of x's shape. The forward pass calls
/// F eagerly and copies its result into the node's buffer; the derivative rule is a call of the
/// user's rule <c>(x, gradOutput) → gradInput</c>. <see cref="Method"/> and <see cref="Rule"/> are
/// global::-qualified C# names.
/// </summary>
internal sealed record CustomFunctionOp(string Function, string Method, string Rule) : Op
{
    // The user's C# runs as written; it may draw random numbers or keep state.
    public override bool IsPure => false;

    public override string Name => Function;

    public override ShapeResult InferShape(ShapeContext context) =>
        context.IsNumber(0) ? ShapeResult.Fail(DiagnosticCatalog.ScalarWhereTensor, Name, context.Label(0)) : ShapeResult.Tensor(context.Shape(0));

    public override void Differentiate(IGradientBuilder builder, Node node, int gradient)
    {
        var x = node.Inputs[0];
        builder.Accumulate(x, builder.Add(new CustomDerivativeOp(Function, Rule), builder.GradientName(x), x, gradient));
    }

    public override void Emit(IEmitContext context, Node node) =>
        context.CallUserFunction(Method, node);

    public override string Math(Node node, Func<int, string> nameOf) => Function + "(" + nameOf(node.Inputs[0]) + ")";
}

/// <summary>The user's derivative rule of <see cref="Function"/> applied to (x, gradOutput). It has no derivative rule itself.</summary>
internal sealed record CustomDerivativeOp(string Function, string Rule) : Op
{
    public override string Name => Function + "Derivative";

    public override ShapeResult InferShape(ShapeContext context) => ShapeResult.Tensor(context.Shape(0));

    public override void Emit(IEmitContext context, Node node) =>
        context.CallUserFunction(Rule, node);

    public override string Math(Node node, Func<int, string> nameOf) =>
        Rule.Substring(Rule.LastIndexOf('.') + 1) + "(" + nameOf(node.Inputs[0]) + ", " + nameOf(node.Inputs[1]) + ")";
}
