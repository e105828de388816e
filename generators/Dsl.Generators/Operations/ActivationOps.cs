using System;
using System.Linq;
using Dsl.Generators.Diagnostics;
using Dsl.Generators.Ir;
using Dsl.Generators.Parsing;

namespace Dsl.Generators.Operations;

// Activations and other elementwise functions of issue 9. Each derivative is either composed from
// existing ops (so it is differentiable again) or a backward kernel whose own derivative rule is
// composed, so every op here has second derivatives where torch's has them.

/// <summary>GELU, exact (x Φ(x)) or with torch's tanh approximation; backward by gelu_backward.</summary>
internal sealed record GeluOp(bool TanhApproximation = false) : ElementwiseUnaryOp
{
    public override string Name => "Gelu";

    public override bool IsElementwise => false;

    public override string Math(Node node, Func<int, string> nameOf) => (TanhApproximation ? "Gelu_tanh(" : "Gelu(") + nameOf(node.Inputs[0]) + ")";

    public override void Emit(IEmitContext context, Node node) =>
        context.Call("Gelu", EmitArg.Value(node.Inputs[0]), EmitArg.Output(node), EmitArg.Bool(TanhApproximation));

    public override void Differentiate(IGradientBuilder builder, Node node, int gradient) =>
        builder.Accumulate(node.Inputs[0], builder.Add(new GeluBackwardOp(TanhApproximation), builder.GradientName(node.Inputs[0]), gradient, node.Inputs[0]));
}

/// <summary>g ⊙ gelu'(x). Inputs: g, x.</summary>
internal sealed record GeluBackwardOp(bool TanhApproximation) : Op
{
    public override string Name => "GeluBackward";

    public override ShapeResult InferShape(ShapeContext context) => ShapeResult.Tensor(context.Shape(1));

    public override void Emit(IEmitContext context, Node node) =>
        context.Call("GeluBackward", EmitArg.Value(node.Inputs[0]), EmitArg.Value(node.Inputs[1]), EmitArg.Bool(TanhApproximation), EmitArg.Output(node));

    public override string Math(Node node, Func<int, string> nameOf) => nameOf(node.Inputs[0]) + " ⊙ Gelu'(" + nameOf(node.Inputs[1]) + ")";

    // Linear in g; for x: upstream ⊙ g ⊙ gelu''(x).
    public override void Differentiate(IGradientBuilder builder, Node node, int gradient)
    {
        var (g, x) = (node.Inputs[0], node.Inputs[1]);
        if (builder.IsActive(g)) builder.Accumulate(g, builder.Add(this, builder.GradientName(g), gradient, x));
        if (!builder.IsActive(x)) return;
        var c = new Compose(builder, builder.GradientName(x));
        var square = c.Square(x, "Square");
        int curvature;
        if (!TanhApproximation)
        {
            // gelu'' = φ(x) (2 - x²), φ the standard normal density.
            var density = c.Scale(c.Exp(c.Scale(square, -0.5, "Exponent"), "Gauss"), 1 / System.Math.Sqrt(2 * System.Math.PI), "Density");
            curvature = c.Mul(density, c.Sub(c.Number(2), square, "Slope"), "Curvature");
        }
        else
        {
            // u = k(x + c x³), t = tanh(u): gelu'' = (1 - t²)(u' + x u''/2 - x t u'²), u' = k(1 + 3c x²), u'' = 6kc x.
            const double C = 0.044715;
            var k = System.Math.Sqrt(2 / System.Math.PI);
            var cube = c.Mul(square, x, "Cube");
            var t = c.Apply(new TanhOp(), "Tanh", c.Scale(c.Add(x, c.Scale(cube, C, "Cubic"), "Inner"), k, "Argument"));
            var sech = c.Sub(c.Number(1), c.Square(t, "TanhSquare"), "Sech");
            var slope = c.Add(c.Scale(square, 3 * C * k, "SlopeCubic"), c.Number(k), "ArgumentSlope");
            var bend = c.Scale(square, 3 * C * k, "Bend");
            var pull = c.Mul(c.Mul(x, t, "Pull"), c.Square(slope, "SlopeSquare"), "PullSlope");
            curvature = c.Mul(sech, c.Sub(c.Add(slope, bend, "Rise"), pull, "Net"), "Curvature");
        }
        builder.Accumulate(x, c.Mul(c.Mul(gradient, g, "Upstream"), curvature, ""));
    }
}

/// <summary>SiLU x σ(x); backward by silu_backward.</summary>
internal sealed record SiluOp : ElementwiseUnaryOp
{
    public override string Name => "Silu";

    public override bool IsElementwise => false;

    public override void Differentiate(IGradientBuilder builder, Node node, int gradient) =>
        builder.Accumulate(node.Inputs[0], builder.Add(new SiluBackwardOp(), builder.GradientName(node.Inputs[0]), gradient, node.Inputs[0]));
}

/// <summary>g ⊙ silu'(x) = g ⊙ σ(x)(1 + x(1 - σ(x))). Inputs: g, x.</summary>
internal sealed record SiluBackwardOp : Op
{
    public override string Name => "SiluBackward";

    public override ShapeResult InferShape(ShapeContext context) => ShapeResult.Tensor(context.Shape(1));

    public override void Emit(IEmitContext context, Node node) => context.Kernel("SiluBackward", node);

    public override string Math(Node node, Func<int, string> nameOf) => nameOf(node.Inputs[0]) + " ⊙ Silu'(" + nameOf(node.Inputs[1]) + ")";

    // Linear in g; for x: upstream ⊙ g ⊙ silu''(x), silu'' = σ(1 - σ)(2 + x(1 - 2σ)).
    public override void Differentiate(IGradientBuilder builder, Node node, int gradient)
    {
        var (g, x) = (node.Inputs[0], node.Inputs[1]);
        if (builder.IsActive(g)) builder.Accumulate(g, builder.Add(this, builder.GradientName(g), gradient, x));
        if (!builder.IsActive(x)) return;
        var c = new Compose(builder, builder.GradientName(x));
        var s = c.Apply(new SigmoidOp(), "Sigmoid", x);
        var spread = c.Mul(s, c.Sub(c.Number(1), s, "Complement"), "Spread");
        var tilt = c.Mul(x, c.Sub(c.Number(1), c.Scale(s, 2, "Twice"), "Tilt"), "Lean");
        var curvature = c.Mul(spread, c.Add(tilt, c.Number(2), "Shift"), "Curvature");
        builder.Accumulate(x, c.Mul(c.Mul(gradient, g, "Upstream"), curvature, ""));
    }
}

/// <summary>
/// Clamp(x, min?, max?) with run-time number bounds (at least one), as torch.clamp: the gradient
/// passes where min ≤ x ≤ max (bounds included), else 0.
/// </summary>
internal sealed record ClampOp(bool HasMin, bool HasMax) : Op
{
    public override string Name => "Clamp";

    public override ShapeResult InferShape(ShapeContext context)
    {
        if (context.IsNumber(0)) return ShapeResult.Fail(DiagnosticCatalog.ScalarWhereTensor, Name, context.Label(0));
        if (!HasMin && !HasMax) return ShapeResult.Fail(DiagnosticCatalog.BadArgument, Name, "give 'min', 'max' or both (torch.clamp needs at least one bound)");
        return ShapeResult.Tensor(context.Shape(0));
    }

    private int? Min(Node node) => HasMin ? node.Inputs[1] : null;

    private int? Max(Node node) => HasMax ? node.Inputs[HasMin ? 2 : 1] : null;

    public override void Differentiate(IGradientBuilder builder, Node node, int gradient)
    {
        var x = node.Inputs[0];
        if (!builder.IsActive(x)) return;
        var c = new Compose(builder, builder.GradientName(x));
        var result = gradient;
        if (Min(node) is { } min) result = c.Mul(result, c.Compare("Ge", x, min, "AboveMin"), HasMax ? "Lower" : "");
        if (Max(node) is { } max) result = c.Mul(result, c.Compare("Le", x, max, "BelowMax"), "");
        builder.Accumulate(x, result);
    }

    public override void Emit(IEmitContext context, Node node) =>
        context.Call("Clamp", EmitArg.Value(node.Inputs[0]), Min(node) is { } min ? EmitArg.Value(min) : EmitArg.Null,
            Max(node) is { } max ? EmitArg.Value(max) : EmitArg.Null, EmitArg.Output(node));

    public override string Math(Node node, Func<int, string> nameOf) =>
        "clamp(" + nameOf(node.Inputs[0]) + (Min(node) is { } min ? ", min " + nameOf(min) : "") + (Max(node) is { } max ? ", max " + nameOf(max) : "") + ")";

    public override string? Element(Node node, IElementSyntax syntax)
    {
        var value = syntax.Operand(0);
        if (HasMin) value = syntax.Function("Maximum", value, syntax.Operand(1));
        if (HasMax) value = syntax.Function("Minimum", value, syntax.Operand(HasMin ? 2 : 1));
        return value;
    }

    public override bool IsElementwise => true;
}

/// <summary>
/// Pow(x, p) for a tensor x and a run-time number p (torch.pow(x, p)); d/dx = p x^(p-1). A number
/// base with a number exponent is evaluated inline (lowering); a tensor exponent is not supported.
/// </summary>
internal sealed record PowOp : Op
{
    public override string Name => "Pow";

    public override ShapeResult InferShape(ShapeContext context)
    {
        if (context.IsNumber(0)) return ShapeResult.Fail(DiagnosticCatalog.BadArgument, Name, "the base must be a tensor when the exponent '" + context.Label(1) + "' is one (a tensor exponent is not supported)");
        if (!context.IsNumber(1)) return ShapeResult.Fail(DiagnosticCatalog.BadArgument, Name, "the exponent must be a number, but '" + context.Label(1) + "' is a tensor (a tensor exponent is not supported)");
        return ShapeResult.Tensor(context.Shape(0));
    }

    public override void Differentiate(IGradientBuilder builder, Node node, int gradient)
    {
        var (x, p) = (node.Inputs[0], node.Inputs[1]);
        if (!builder.IsActive(x)) return;
        var c = new Compose(builder, builder.GradientName(x));
        var lowered = builder.Node(p).Op is NumberOp { Source: NumberSource.Constant } constant
            ? c.Number(constant.Value - 1)
            : builder.Add(new NumberArithmeticOp(BinaryOperator.Subtract), "exponentLess1", p, c.Number(1));
        var slope = c.Mul(c.Apply(new PowOp(), "Power", x, lowered), p, "Slope");
        builder.Accumulate(x, c.Mul(gradient, slope, ""));
    }

    public override void Emit(IEmitContext context, Node node) => context.Binary("Pow", node, commutative: false);

    public override string Math(Node node, Func<int, string> nameOf) => nameOf(node.Inputs[0]) + "^" + nameOf(node.Inputs[1]);

    public override string? Element(Node node, IElementSyntax syntax) => syntax.Function("Pow", syntax.Operand(0), syntax.Operand(1));

    public override bool IsElementwise => true;
}

/// <summary>A backward kernel's op: inputs g, x, then the forward op's number settings; the kernel takes them in that order.</summary>
internal abstract record ActivationBackwardOp : Op
{
    public override ShapeResult InferShape(ShapeContext context) => ShapeResult.Tensor(context.Shape(1));

    public override void Emit(IEmitContext context, Node node) => context.Kernel(Name, node);

    public override string Math(Node node, Func<int, string> nameOf) => nameOf(node.Inputs[0]) + " ⊙ " + Name.Replace("Backward", "") + "'(" + nameOf(node.Inputs[1]) + ")";

    /// <summary>The second derivative of the activation at x (node inputs 1 onward), or null where it is zero.</summary>
    protected abstract int? Curvature(Compose c, Node node);

    // Linear in g (the same op on the upstream gradient); for x: upstream ⊙ g ⊙ f''(x).
    public override void Differentiate(IGradientBuilder builder, Node node, int gradient)
    {
        var (g, x) = (node.Inputs[0], node.Inputs[1]);
        if (builder.IsActive(g))
        {
            var inputs = node.Inputs.ToArray();
            inputs[0] = gradient;
            builder.Accumulate(g, builder.Add(this, builder.GradientName(g), inputs));
        }
        if (!builder.IsActive(x)) return;
        var c = new Compose(builder, builder.GradientName(x));
        if (Curvature(c, node) is { } curvature) builder.Accumulate(x, c.Mul(c.Mul(gradient, g, "Upstream"), curvature, ""));
    }
}

/// <summary>Softplus(x, beta?, threshold?) = log(1 + exp(βx)) / β, x itself where βx &gt; threshold (torch's); backward by softplus_backward.</summary>
internal sealed record SoftplusOp : ElementwiseUnaryOp
{
    public override string Name => "Softplus";

    public override bool IsElementwise => false;

    public override void Differentiate(IGradientBuilder builder, Node node, int gradient) =>
        builder.Accumulate(node.Inputs[0], builder.Add(new SoftplusBackwardOp(), builder.GradientName(node.Inputs[0]), gradient, node.Inputs[0], node.Inputs[1], node.Inputs[2]));
}

/// <summary>g ⊙ σ(βx) (g where βx &gt; threshold). Inputs: g, x, β, threshold.</summary>
internal sealed record SoftplusBackwardOp : ActivationBackwardOp
{
    public override string Name => "SoftplusBackward";

    // β σ(βx)(1 - σ(βx)) where βx ≤ threshold, else 0 (as torch's softplus double backward).
    protected override int? Curvature(Compose c, Node node)
    {
        var (x, beta, threshold) = (node.Inputs[1], node.Inputs[2], node.Inputs[3]);
        var scaled = c.Mul(x, beta, "Scaled");
        var s = c.Apply(new SigmoidOp(), "Sigmoid", scaled);
        var spread = c.Mul(c.Mul(s, c.Sub(c.Number(1), s, "Complement"), "Spread"), beta, "Bend");
        return c.Mul(spread, c.Compare("Le", scaled, threshold, "Smooth"), "Curvature");
    }
}

/// <summary>LeakyRelu(x, negativeSlope?): x where x &gt; 0, else slope · x; backward by leaky_relu_backward.</summary>
internal sealed record LeakyReluOp : ElementwiseUnaryOp
{
    public override string Name => "LeakyRelu";

    public override bool IsElementwise => false;

    public override void Differentiate(IGradientBuilder builder, Node node, int gradient) =>
        builder.Accumulate(node.Inputs[0], builder.Add(new LeakyReluBackwardOp(), builder.GradientName(node.Inputs[0]), gradient, node.Inputs[0], node.Inputs[1]));
}

/// <summary>g where x &gt; 0, else slope · g. Inputs: g, x, slope. Piecewise linear: no curvature.</summary>
internal sealed record LeakyReluBackwardOp : ActivationBackwardOp
{
    public override string Name => "LeakyReluBackward";

    protected override int? Curvature(Compose c, Node node) => null;
}

/// <summary>Elu(x, alpha?): x where x &gt; 0, else α(eˣ - 1); backward by elu_backward.</summary>
internal sealed record EluOp : ElementwiseUnaryOp
{
    public override string Name => "Elu";

    public override bool IsElementwise => false;

    public override void Differentiate(IGradientBuilder builder, Node node, int gradient) =>
        builder.Accumulate(node.Inputs[0], builder.Add(new EluBackwardOp(), builder.GradientName(node.Inputs[0]), gradient, node.Inputs[0], node.Inputs[1]));
}

/// <summary>g where x &gt; 0, else g α eˣ. Inputs: g, x, α.</summary>
internal sealed record EluBackwardOp : ActivationBackwardOp
{
    public override string Name => "EluBackward";

    // α eˣ where x ≤ 0, else 0.
    protected override int? Curvature(Compose c, Node node)
    {
        var (x, alpha) = (node.Inputs[1], node.Inputs[2]);
        var bend = c.Mul(c.Exp(x, "Exp"), alpha, "Bend");
        return c.Mul(bend, c.Compare("Le", x, c.Number(0), "Negative"), "Curvature");
    }
}

/// <summary>LogSigmoid(x) = log σ(x), stable; backward by log_sigmoid_backward (g ⊙ σ(-x)).</summary>
internal sealed record LogSigmoidOp : ElementwiseUnaryOp
{
    public override string Name => "LogSigmoid";

    public override bool IsElementwise => false;

    public override void Differentiate(IGradientBuilder builder, Node node, int gradient) =>
        builder.Accumulate(node.Inputs[0], builder.Add(new LogSigmoidBackwardOp(), builder.GradientName(node.Inputs[0]), gradient, node.Inputs[0]));
}

/// <summary>g ⊙ σ(-x). Inputs: g, x.</summary>
internal sealed record LogSigmoidBackwardOp : ActivationBackwardOp
{
    public override string Name => "LogSigmoidBackward";

    // -σ(x) σ(-x).
    protected override int? Curvature(Compose c, Node node)
    {
        var x = node.Inputs[1];
        var up = c.Apply(new SigmoidOp(), "Sigmoid", x);
        var down = c.Apply(new SigmoidOp(), "Complement", c.Neg(x, "Negated"));
        return c.Neg(c.Mul(up, down, "Spread"), "Curvature");
    }
}

/// <summary>erf(x); d/dx = 2/√π e^(-x²).</summary>
internal sealed record ErfOp : ElementwiseUnaryOp
{
    public override string Name => "Erf";

    public override bool IsElementwise => false;

    public override void Differentiate(IGradientBuilder builder, Node node, int gradient)
    {
        var x = node.Inputs[0];
        var c = new Compose(builder, builder.GradientName(x));
        var density = c.Scale(c.Exp(c.Neg(c.Square(x, "Square"), "Exponent"), "Gauss"), 2 / System.Math.Sqrt(System.Math.PI), "Density");
        builder.Accumulate(x, c.Mul(gradient, density, ""));
    }
}

/// <summary>log(1 + x), accurate near 0; d/dx = 1 / (1 + x).</summary>
internal sealed record Log1pOp : ElementwiseUnaryOp
{
    public override string Name => "Log1p";

    public override bool IsElementwise => false;

    public override void Differentiate(IGradientBuilder builder, Node node, int gradient)
    {
        var x = node.Inputs[0];
        var c = new Compose(builder, builder.GradientName(x));
        builder.Accumulate(x, c.Div(gradient, c.Add(x, c.Number(1), "Shifted"), ""));
    }
}

/// <summary>eˣ - 1, accurate near 0; d/dx = eˣ = result + 1 (as torch).</summary>
internal sealed record Expm1Op : ElementwiseUnaryOp
{
    public override string Name => "Expm1";

    public override bool IsElementwise => false;

    public override void Differentiate(IGradientBuilder builder, Node node, int gradient)
    {
        var x = node.Inputs[0];
        var c = new Compose(builder, builder.GradientName(x));
        builder.Accumulate(x, c.Mul(gradient, c.Add(node.Id, c.Number(1), "Exp"), ""));
    }
}

/// <summary>sin(x); d/dx = cos(x).</summary>
internal sealed record SinOp : ElementwiseUnaryOp
{
    public override string Name => "Sin";

    public override string? Element(Node node, IElementSyntax syntax) => syntax.Function("Sin", syntax.Operand(0));

    public override void Differentiate(IGradientBuilder builder, Node node, int gradient)
    {
        var x = node.Inputs[0];
        var c = new Compose(builder, builder.GradientName(x));
        builder.Accumulate(x, c.Mul(gradient, c.Apply(new CosOp(), "Cos", x), ""));
    }
}

/// <summary>cos(x); d/dx = -sin(x).</summary>
internal sealed record CosOp : ElementwiseUnaryOp
{
    public override string Name => "Cos";

    public override string? Element(Node node, IElementSyntax syntax) => syntax.Function("Cos", syntax.Operand(0));

    public override void Differentiate(IGradientBuilder builder, Node node, int gradient)
    {
        var x = node.Inputs[0];
        var c = new Compose(builder, builder.GradientName(x));
        builder.Accumulate(x, c.Neg(c.Mul(gradient, c.Apply(new SinOp(), "Sin", x), "Sin"), ""));
    }
}
