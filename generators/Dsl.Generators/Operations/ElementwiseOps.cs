using System;
using Dsl.Generators.Diagnostics;
using Dsl.Generators.Shapes;
using Dsl.Generators.Ir;

namespace Dsl.Generators.Operations;

/// <summary>
/// a ∘ b elementwise with NumPy broadcasting; either operand may be a run-time number (not both:
/// lowering turns number ∘ number into <see cref="NumberArithmeticOp"/>). Gradients of broadcast
/// operands are summed back to their shape.
/// </summary>
internal abstract record ElementwiseBinaryOp : Op
{
    public abstract string Symbol { get; }

    public override ShapeResult InferShape(ShapeContext context)
    {
        if (context.IsNumber(0)) return ShapeResult.Tensor(context.Shape(1));
        if (context.IsNumber(1)) return ShapeResult.Tensor(context.Shape(0));
        var a = context.Shape(0);
        var b = context.Shape(1);
        var result = Broadcasting.Broadcast(context.Unifier, a, b, out var axis, out var left, out var right);
        if (result is null)
        {
            return ShapeResult.Fail(DiagnosticCatalog.Broadcast, Name, context.Label(0), a.ToString(), context.Label(1), b.ToString(),
                axis.ToString(System.Globalization.CultureInfo.InvariantCulture), left!.ToString(), right!.ToString());
        }
        return ShapeResult.Tensor(result);
    }

    public override string Math(Node node, Func<int, string> nameOf) => nameOf(node.Inputs[0]) + " " + Symbol + " " + nameOf(node.Inputs[1]);

    /// <summary>The C# operator of one element (<c>+</c>), or null when the element is a function call.</summary>
    protected virtual char? ElementOperator => null;

    public override string? Element(Node node, IElementSyntax syntax) =>
        ElementOperator is { } op ? syntax.Binary(syntax.Operand(0), op, syntax.Operand(1)) : null;

    public override bool IsElementwise => ElementOperator is not null;
}

internal sealed record AddOp : ElementwiseBinaryOp
{
    protected override char? ElementOperator => '+';

    public override string Name => "Add";

    public override string Symbol => "+";

    public override void Differentiate(IGradientBuilder builder, Node node, int gradient)
    {
        builder.AccumulateReduced(node.Inputs[0], gradient);
        builder.AccumulateReduced(node.Inputs[1], gradient);
    }

    public override void Emit(IEmitContext context, Node node) => context.Binary("Add", node, commutative: true);
}

internal sealed record SubOp : ElementwiseBinaryOp
{
    protected override char? ElementOperator => '-';

    public override string Name => "Sub";

    public override string Symbol => "-";

    public override void Differentiate(IGradientBuilder builder, Node node, int gradient)
    {
        var (a, b) = (node.Inputs[0], node.Inputs[1]);
        builder.AccumulateReduced(a, gradient);
        if (builder.IsActive(b)) builder.AccumulateReduced(b, builder.Add(new NegOp(), builder.GradientName(b), gradient));
    }

    public override void Emit(IEmitContext context, Node node) => context.Binary("Sub", node, commutative: false);
}

internal sealed record MulOp : ElementwiseBinaryOp
{
    protected override char? ElementOperator => '*';

    public override string Name => "Mul";

    public override string Symbol => "·";

    public override void Differentiate(IGradientBuilder builder, Node node, int gradient)
    {
        var (a, b) = (node.Inputs[0], node.Inputs[1]);
        if (builder.IsActive(a)) builder.AccumulateReduced(a, builder.Add(new MulOp(), builder.GradientName(a), gradient, b));
        if (builder.IsActive(b)) builder.AccumulateReduced(b, builder.Add(new MulOp(), builder.GradientName(b), gradient, a));
    }

    public override void Emit(IEmitContext context, Node node) => context.Binary("Mul", node, commutative: true);
}

internal sealed record DivOp : ElementwiseBinaryOp
{
    protected override char? ElementOperator => '/';

    public override string Name => "Div";

    public override string Symbol => "/";

    public override void Differentiate(IGradientBuilder builder, Node node, int gradient)
    {
        var (a, b) = (node.Inputs[0], node.Inputs[1]);
        if (builder.IsActive(a)) builder.AccumulateReduced(a, builder.Add(new DivOp(), builder.GradientName(a), gradient, b));
        if (builder.IsActive(b))
        {
            // d(a/b)/db = -(a/b)/b, so db = -(g · out) / b.
            var name = builder.GradientName(b);
            var scaled = builder.Add(new MulOp(), name + "Numerator", gradient, node.Id);
            var quotient = builder.Add(new DivOp(), name + "Quotient", scaled, b);
            builder.AccumulateReduced(b, builder.Add(new NegOp(), name, quotient));
        }
    }

    public override void Emit(IEmitContext context, Node node) => context.Binary("Div", node, commutative: false);
}

/// <summary>An elementwise function of one tensor; the result has the operand's shape.</summary>
internal abstract record ElementwiseUnaryOp : Op
{
    public override ShapeResult InferShape(ShapeContext context) =>
        context.IsNumber(0)
            ? ShapeResult.Fail(DiagnosticCatalog.ScalarWhereTensor, Name, context.Label(0))
            : ShapeResult.Tensor(context.Shape(0));

    public override string Math(Node node, Func<int, string> nameOf) => Name + "(" + nameOf(node.Inputs[0]) + ")";

    public override void Emit(IEmitContext context, Node node) =>
        context.Kernel(Name, node);

    public override bool IsElementwise => true;
}

internal sealed record NegOp : ElementwiseUnaryOp
{

    public override string? Element(Node node, IElementSyntax syntax) => syntax.Negate(syntax.Operand(0));

    public override string Name => "Neg";

    public override string Math(Node node, Func<int, string> nameOf) => "-" + nameOf(node.Inputs[0]);

    public override void Differentiate(IGradientBuilder builder, Node node, int gradient) =>
        builder.Accumulate(node.Inputs[0], builder.Add(new NegOp(), builder.GradientName(node.Inputs[0]), gradient));
}

internal sealed record ReluOp : ElementwiseUnaryOp
{

    public override string? Element(Node node, IElementSyntax syntax) => syntax.Function("Relu", syntax.Operand(0));

    public override string Name => "Relu";

    public override void Differentiate(IGradientBuilder builder, Node node, int gradient) =>
        builder.Accumulate(node.Inputs[0], builder.Add(new ReluBackwardOp(), builder.GradientName(node.Inputs[0]), gradient, node.Id));
}

internal sealed record TanhOp : ElementwiseUnaryOp
{
    public override string? Element(Node node, IElementSyntax syntax) => syntax.Function("Tanh", syntax.Operand(0));

    public override string Name => "Tanh";

    public override void Differentiate(IGradientBuilder builder, Node node, int gradient) =>
        builder.Accumulate(node.Inputs[0], builder.Add(new TanhBackwardOp(), builder.GradientName(node.Inputs[0]), gradient, node.Id));
}

internal sealed record SigmoidOp : ElementwiseUnaryOp
{
    public override string? Element(Node node, IElementSyntax syntax) => syntax.Function("Sigmoid", syntax.Operand(0));

    public override string Name => "Sigmoid";

    public override void Differentiate(IGradientBuilder builder, Node node, int gradient) =>
        builder.Accumulate(node.Inputs[0], builder.Add(new SigmoidBackwardOp(), builder.GradientName(node.Inputs[0]), gradient, node.Id));
}

internal sealed record ExpOp : ElementwiseUnaryOp
{
    public override string? Element(Node node, IElementSyntax syntax) => syntax.Function("Exp", syntax.Operand(0));

    public override string Name => "Exp";

    public override void Differentiate(IGradientBuilder builder, Node node, int gradient) =>
        builder.Accumulate(node.Inputs[0], builder.Add(new MulOp(), builder.GradientName(node.Inputs[0]), gradient, node.Id));
}

internal sealed record LogOp : ElementwiseUnaryOp
{
    public override string? Element(Node node, IElementSyntax syntax) => syntax.Function("Log", syntax.Operand(0));

    public override string Name => "Log";

    public override void Differentiate(IGradientBuilder builder, Node node, int gradient) =>
        builder.Accumulate(node.Inputs[0], builder.Add(new DivOp(), builder.GradientName(node.Inputs[0]), gradient, node.Inputs[0]));
}

internal sealed record SquareOp : ElementwiseUnaryOp
{

    public override string? Element(Node node, IElementSyntax syntax) => syntax.Binary(syntax.Operand(0), '*', syntax.Operand(0));

    public override string Name => "Square";

    public override void Differentiate(IGradientBuilder builder, Node node, int gradient)
    {
        var x = node.Inputs[0];
        var name = builder.GradientName(x);
        var half = builder.Add(new MulOp(), name + "Half", gradient, x);
        builder.Accumulate(x, builder.Add(new MulOp(), name, half, builder.Number(2)));
    }
}

internal sealed record SqrtOp : ElementwiseUnaryOp
{

    public override string? Element(Node node, IElementSyntax syntax) => syntax.Function("Sqrt", syntax.Operand(0));

    public override string Name => "Sqrt";

    public override void Differentiate(IGradientBuilder builder, Node node, int gradient)
    {
        var x = node.Inputs[0];
        var name = builder.GradientName(x);
        var twice = builder.Add(new MulOp(), name + "Denominator", node.Id, builder.Number(2));
        builder.Accumulate(x, builder.Add(new DivOp(), name, gradient, twice));
    }
}

/// <summary>sign(x): -1, 0 or 1 (0 for NaN, as (0 &lt; x) - (x &lt; 0)); its derivative is zero almost everywhere.</summary>
internal sealed record SignOp : ElementwiseUnaryOp
{

    public override string Name => "Sign";

    public override string? Element(Node node, IElementSyntax syntax) => syntax.Function("Sign", syntax.Operand(0));

    public override void Differentiate(IGradientBuilder builder, Node node, int gradient)
    {
        // Zero almost everywhere (as torch.sign's gradient): nothing flows to x.
    }
}

/// <summary>|x|; d|x|/dx = sign(x) (0 at 0, as in PyTorch).</summary>
internal sealed record AbsOp : ElementwiseUnaryOp
{

    public override string Name => "Abs";

    public override string? Element(Node node, IElementSyntax syntax) => syntax.Function("Abs", syntax.Operand(0));

    public override void Differentiate(IGradientBuilder builder, Node node, int gradient)
    {
        var x = node.Inputs[0];
        var name = builder.GradientName(x);
        var sign = builder.Add(new SignOp(), name + "Sign", x);
        builder.Accumulate(x, builder.Add(new MulOp(), name, gradient, sign));
    }
}
