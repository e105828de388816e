using System;
using Dsl.Generators.Autodiff;
using Dsl.Generators.Diagnostics;
using Dsl.Generators.Emit;
using Dsl.Generators.Shapes;

namespace Dsl.Generators.Ir;

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
    protected virtual string? ElementOperator => null;

    public override string? Element(Node node, Func<int, string> operand) =>
        ElementOperator is { } op ? "(" + operand(0) + " " + op + " " + operand(1) + ")" : null;

    public override bool IsElementwise => ElementOperator is not null;

    public override string? VectorElement(Node node, Func<int, string> operand) => Element(node, operand);
}

internal sealed record AddOp : ElementwiseBinaryOp
{
    protected override string? ElementOperator => "+";

    public override string Name => "Add";

    public override string Symbol => "+";

    public override void Differentiate(GradientBuilder builder, Node node, int gradient)
    {
        builder.AccumulateReduced(node.Inputs[0], gradient);
        builder.AccumulateReduced(node.Inputs[1], gradient);
    }

    public override void Emit(EmitContext context, Node node) => context.Line(RuntimeApi.Binary("Add", context, node, commutative: true));
}

internal sealed record SubOp : ElementwiseBinaryOp
{
    protected override string? ElementOperator => "-";

    public override string Name => "Sub";

    public override string Symbol => "-";

    public override void Differentiate(GradientBuilder builder, Node node, int gradient)
    {
        var (a, b) = (node.Inputs[0], node.Inputs[1]);
        builder.AccumulateReduced(a, gradient);
        if (builder.IsActive(b)) builder.AccumulateReduced(b, builder.Add(new NegOp(), builder.GradientName(b), gradient));
    }

    public override void Emit(EmitContext context, Node node) => context.Line(RuntimeApi.Binary("Sub", context, node, commutative: false));
}

internal sealed record MulOp : ElementwiseBinaryOp
{
    protected override string? ElementOperator => "*";

    public override string Name => "Mul";

    public override string Symbol => "·";

    public override void Differentiate(GradientBuilder builder, Node node, int gradient)
    {
        var (a, b) = (node.Inputs[0], node.Inputs[1]);
        if (builder.IsActive(a)) builder.AccumulateReduced(a, builder.Add(new MulOp(), builder.GradientName(a), gradient, b));
        if (builder.IsActive(b)) builder.AccumulateReduced(b, builder.Add(new MulOp(), builder.GradientName(b), gradient, a));
    }

    public override void Emit(EmitContext context, Node node) => context.Line(RuntimeApi.Binary("Mul", context, node, commutative: true));
}

internal sealed record DivOp : ElementwiseBinaryOp
{
    protected override string? ElementOperator => "/";

    public override string Name => "Div";

    public override string Symbol => "/";

    public override void Differentiate(GradientBuilder builder, Node node, int gradient)
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

    public override void Emit(EmitContext context, Node node) => context.Line(RuntimeApi.Binary("Div", context, node, commutative: false));
}

/// <summary>An elementwise function of one tensor; the result has the operand's shape.</summary>
internal abstract record ElementwiseUnaryOp : Op
{
    public override ShapeResult InferShape(ShapeContext context) =>
        context.IsNumber(0)
            ? ShapeResult.Fail(DiagnosticCatalog.ScalarWhereTensor, Name, context.Label(0))
            : ShapeResult.Tensor(context.Shape(0));

    public override string Math(Node node, Func<int, string> nameOf) => Name + "(" + nameOf(node.Inputs[0]) + ")";

    public override void Emit(EmitContext context, Node node) =>
        context.Line(RuntimeApi.Unary(Name, context.Ref(node.Inputs[0]), context.Out(node)));

    public override bool IsElementwise => true;
}

internal sealed record NegOp : ElementwiseUnaryOp
{
    public override string? VectorElement(Node node, Func<int, string> operand) => "(-" + operand(0) + ")";

    public override string? Element(Node node, Func<int, string> operand) => "(-" + operand(0) + ")";

    public override string Name => "Neg";

    public override string Math(Node node, Func<int, string> nameOf) => "-" + nameOf(node.Inputs[0]);

    public override void Differentiate(GradientBuilder builder, Node node, int gradient) =>
        builder.Accumulate(node.Inputs[0], builder.Add(new NegOp(), builder.GradientName(node.Inputs[0]), gradient));
}

internal sealed record ReluOp : ElementwiseUnaryOp
{
    public override string? VectorElement(Node node, Func<int, string> operand) => "global::System.Numerics.Vector.Max(" + operand(0) + ", global::System.Numerics.Vector<double>.Zero)";

    public override string? Element(Node node, Func<int, string> operand) => RuntimeApi.Math + ".Max(" + operand(0) + ", 0d)";

    public override string Name => "Relu";

    public override void Differentiate(GradientBuilder builder, Node node, int gradient) =>
        builder.Accumulate(node.Inputs[0], builder.Add(new ReluBackwardOp(), builder.GradientName(node.Inputs[0]), gradient, node.Id));
}

internal sealed record TanhOp : ElementwiseUnaryOp
{
    public override string? Element(Node node, Func<int, string> operand) => RuntimeApi.Math + ".Tanh(" + operand(0) + ")";

    public override string Name => "Tanh";

    public override void Differentiate(GradientBuilder builder, Node node, int gradient) =>
        builder.Accumulate(node.Inputs[0], builder.Add(new TanhBackwardOp(), builder.GradientName(node.Inputs[0]), gradient, node.Id));
}

internal sealed record SigmoidOp : ElementwiseUnaryOp
{
    public override string? Element(Node node, Func<int, string> operand) => "(1d / (1d + " + RuntimeApi.Math + ".Exp(-" + operand(0) + ")))";

    public override string Name => "Sigmoid";

    public override void Differentiate(GradientBuilder builder, Node node, int gradient) =>
        builder.Accumulate(node.Inputs[0], builder.Add(new SigmoidBackwardOp(), builder.GradientName(node.Inputs[0]), gradient, node.Id));
}

internal sealed record ExpOp : ElementwiseUnaryOp
{
    public override string? Element(Node node, Func<int, string> operand) => RuntimeApi.Math + ".Exp(" + operand(0) + ")";

    public override string Name => "Exp";

    public override void Differentiate(GradientBuilder builder, Node node, int gradient) =>
        builder.Accumulate(node.Inputs[0], builder.Add(new MulOp(), builder.GradientName(node.Inputs[0]), gradient, node.Id));
}

internal sealed record LogOp : ElementwiseUnaryOp
{
    public override string? Element(Node node, Func<int, string> operand) => RuntimeApi.Math + ".Log(" + operand(0) + ")";

    public override string Name => "Log";

    public override void Differentiate(GradientBuilder builder, Node node, int gradient) =>
        builder.Accumulate(node.Inputs[0], builder.Add(new DivOp(), builder.GradientName(node.Inputs[0]), gradient, node.Inputs[0]));
}

internal sealed record SquareOp : ElementwiseUnaryOp
{
    public override string? VectorElement(Node node, Func<int, string> operand) => "(" + operand(0) + " * " + operand(0) + ")";

    public override string? Element(Node node, Func<int, string> operand) => "(" + operand(0) + " * " + operand(0) + ")";

    public override string Name => "Square";

    public override void Differentiate(GradientBuilder builder, Node node, int gradient)
    {
        var x = node.Inputs[0];
        var name = builder.GradientName(x);
        var half = builder.Add(new MulOp(), name + "Half", gradient, x);
        builder.Accumulate(x, builder.Add(new MulOp(), name, half, builder.Number(2)));
    }
}

internal sealed record SqrtOp : ElementwiseUnaryOp
{
    public override string? VectorElement(Node node, Func<int, string> operand) => "global::System.Numerics.Vector.SquareRoot(" + operand(0) + ")";

    public override string? Element(Node node, Func<int, string> operand) => RuntimeApi.Math + ".Sqrt(" + operand(0) + ")";

    public override string Name => "Sqrt";

    public override void Differentiate(GradientBuilder builder, Node node, int gradient)
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
    public override string? VectorElement(Node node, Func<int, string> operand) => "global::System.Numerics.Vector.ConditionalSelect(global::System.Numerics.Vector.GreaterThan(" + operand(0) + ", global::System.Numerics.Vector<double>.Zero), global::System.Numerics.Vector<double>.One, global::System.Numerics.Vector.ConditionalSelect(global::System.Numerics.Vector.LessThan(" + operand(0) + ", global::System.Numerics.Vector<double>.Zero), -global::System.Numerics.Vector<double>.One, global::System.Numerics.Vector<double>.Zero))";

    public override string Name => "Sign";

    public override string? Element(Node node, Func<int, string> operand) =>
        "(" + operand(0) + " > 0d ? 1d : " + operand(0) + " < 0d ? -1d : 0d)";

    public override void Differentiate(GradientBuilder builder, Node node, int gradient)
    {
        // Zero almost everywhere (as torch.sign's gradient): nothing flows to x.
    }
}

/// <summary>|x|; d|x|/dx = sign(x) (0 at 0, as in PyTorch).</summary>
internal sealed record AbsOp : ElementwiseUnaryOp
{
    public override string? VectorElement(Node node, Func<int, string> operand) => "global::System.Numerics.Vector.Abs(" + operand(0) + ")";

    public override string Name => "Abs";

    public override string? Element(Node node, Func<int, string> operand) => RuntimeApi.Math + ".Abs(" + operand(0) + ")";

    public override void Differentiate(GradientBuilder builder, Node node, int gradient)
    {
        var x = node.Inputs[0];
        var name = builder.GradientName(x);
        var sign = builder.Add(new SignOp(), name + "Sign", x);
        builder.Accumulate(x, builder.Add(new MulOp(), name, gradient, sign));
    }
}
