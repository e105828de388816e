using System;
using Dsl.Generators.Diagnostics;
using Dsl.Generators.Ir;
using Dsl.Generators.Shapes;

namespace Dsl.Generators.Operations;

/// <summary>
/// a ∘ b for ∘ one of Gt, Ge, Lt, Le, Eq, Ne (torch.gt, ...), broadcast: a Bool mask. A mask gets no
/// gradient and passes none (a Bool value is never active), so it only selects: <c>Where(Gt(x, 0), x, y)</c>
/// or <c>x * Gt(x, 0)</c>.
/// </summary>
internal sealed record CompareOp(string Comparison) : ElementwiseBinaryOp
{
    public override string Name => Comparison;

    public override string Symbol => Comparison switch
    {
        "Gt" => ">",
        "Ge" => "≥",
        "Lt" => "<",
        "Le" => "≤",
        "Eq" => "=",
        _ => "≠",
    };

    public override ElementType ResultType => ElementType.Bool;

    /// <summary>The comparison with its operands swapped (a &gt; b is b &lt; a).</summary>
    public static string Flipped(string comparison) => comparison switch
    {
        "Gt" => "Lt",
        "Lt" => "Gt",
        "Ge" => "Le",
        "Le" => "Ge",
        _ => comparison,
    };

    public override void Differentiate(IGradientBuilder builder, Node node, int gradient)
    {
        // A mask is constant almost everywhere: nothing flows back (as torch, where it has no grad_fn).
    }

    public override string Math(Node node, Func<int, string> nameOf) => "[" + nameOf(node.Inputs[0]) + " " + Symbol + " " + nameOf(node.Inputs[1]) + "]";

    public override void Emit(IEmitContext context, Node node) => context.Binary(Comparison, node, commutative: false);
}

/// <summary>
/// Where(condition, a, b): a where the Bool condition holds, else b, the three broadcast together
/// (torch.where). Gradient: g where the condition holds to a, the rest to b (the condition gets none).
/// </summary>
internal sealed record WhereOp : Op
{
    public override string Name => "Where";

    public override ShapeResult InferShape(ShapeContext context)
    {
        var shape = context.Shape(0);
        for (var i = 1; i < 3; i++)
        {
            var next = context.Shape(i);
            var result = Broadcasting.Broadcast(context.Unifier, shape, next, out var axis, out var left, out var right);
            if (result is null)
            {
                return ShapeResult.Fail(DiagnosticCatalog.Broadcast, Name, i == 1 ? context.Label(0) : "the broadcast of " + context.Label(0) + " and " + context.Label(1),
                    shape.ToString(), context.Label(i), next.ToString(), axis.ToString(System.Globalization.CultureInfo.InvariantCulture), left!.ToString(), right!.ToString());
            }
            shape = result;
        }
        return ShapeResult.Tensor(shape);
    }

    public override void Differentiate(IGradientBuilder builder, Node node, int gradient)
    {
        var (condition, a, b) = (node.Inputs[0], node.Inputs[1], node.Inputs[2]);
        if (!builder.IsActive(a) && !builder.IsActive(b)) return;
        var compose = new Compose(builder, builder.GradientName(a));
        // g ⊙ mask (a Bool mask multiplies as 0/1); b's share is g - that, exactly 0 or g.
        var toA = compose.Mul(gradient, condition, "");
        builder.AccumulateReduced(a, toA);
        if (builder.IsActive(b)) builder.AccumulateReduced(b, builder.Add(new SubOp(), builder.GradientName(b), gradient, toA));
    }

    public override void Emit(IEmitContext context, Node node) => context.Kernel("Where", node);

    public override string Math(Node node, Func<int, string> nameOf) =>
        nameOf(node.Inputs[0]) + " ? " + nameOf(node.Inputs[1]) + " : " + nameOf(node.Inputs[2]);
}

/// <summary>
/// Maximum(a, b) / Minimum(a, b) elementwise, broadcast; either operand may be a number. The gradient
/// goes to the larger (smaller) operand, split in halves where they are equal, as torch.maximum's.
/// </summary>
internal abstract record ExtremumOp : ElementwiseBinaryOp
{
    /// <summary>The comparison that holds where a wins (Gt for Maximum).</summary>
    protected abstract string Wins { get; }

    public override string Math(Node node, Func<int, string> nameOf) => Symbol + "(" + nameOf(node.Inputs[0]) + ", " + nameOf(node.Inputs[1]) + ")";

    public override string? Element(Node node, IElementSyntax syntax) => syntax.Function(Name, syntax.Operand(0), syntax.Operand(1));

    public override bool IsElementwise => true;

    public override ShapeResult InferShape(ShapeContext context) =>
        context.IsNumber(0) && context.IsNumber(1) ? ShapeResult.Fail(DiagnosticCatalog.ScalarWhereTensor, Name, context.Label(0)) : base.InferShape(context);

    public override void Differentiate(IGradientBuilder builder, Node node, int gradient)
    {
        var (a, b) = (node.Inputs[0], node.Inputs[1]);
        var target = builder.IsActive(a) ? a : b;
        if (!builder.IsActive(target)) return;
        var compose = new Compose(builder, builder.GradientName(target));
        var wins = compose.Compare(Wins, a, b, "Wins");
        var ties = compose.Compare("Eq", a, b, "Ties");
        var won = compose.Mul(gradient, wins, "Won");
        var shared = compose.Scale(compose.Mul(gradient, ties, "Tied"), 0.5, "Shared");
        var toA = builder.Add(new AddOp(), builder.GradientName(a), won, shared);
        builder.AccumulateReduced(a, toA);
        // b's share is g minus a's: exactly 0, g/2 or g.
        if (builder.IsActive(b)) builder.AccumulateReduced(b, builder.Add(new SubOp(), builder.GradientName(b), gradient, toA));
    }

    public override void Emit(IEmitContext context, Node node)
    {
        var (a, b) = (node.Inputs[0], node.Inputs[1]);
        if (!context.IsNumber(a) && !context.IsNumber(b))
        {
            context.Binary(Name, node, commutative: true);
            return;
        }
        // With a number: a clamp from one side (max(x, s) = clamp(x, min: s)).
        var (tensor, number) = context.IsNumber(a) ? (b, a) : (a, b);
        var bound = EmitArg.Value(number);
        context.Call("Clamp", EmitArg.Value(tensor), Wins == "Gt" ? bound : EmitArg.Null, Wins == "Gt" ? EmitArg.Null : bound, EmitArg.Output(node));
    }
}

internal sealed record MaximumOp : ExtremumOp
{
    public override string Name => "Maximum";

    public override string Symbol => "max";

    protected override string Wins => "Gt";
}

internal sealed record MinimumOp : ExtremumOp
{
    public override string Name => "Minimum";

    public override string Symbol => "min";

    protected override string Wins => "Lt";
}
