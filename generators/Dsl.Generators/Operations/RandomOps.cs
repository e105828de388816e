using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Dsl.Generators.Diagnostics;
using Dsl.Generators.Ir;
using Dsl.Generators.Shapes;

namespace Dsl.Generators.Operations;

/// <summary>
/// An op that draws random numbers. In a generated experiment it draws from the experiment's own
/// generator (<see cref="EmitArg.Generator"/>; its state goes into checkpoints), into the node's
/// preallocated buffer, so a warm step allocates nothing. Never pure: two draws of the same shape are
/// two different values (no common-subexpression merging), and an [Update] body may not draw (DSL0305).
/// </summary>
internal abstract record RandomOp : Op
{
    public sealed override bool IsPure => false;
}

/// <summary>What a draw gives: standard normal (<c>Randn</c>), uniform in [0, 1) (<c>Rand</c>) or integers in [low, high) (<c>RandInt</c>).</summary>
internal enum Distribution
{
    Normal,
    Uniform,
    Integers,
}

/// <summary>
/// <c>Randn(shape)</c>, <c>Rand(shape)</c>, <c>RandInt(low, high, shape)</c> (sizes are constants, a
/// model's [Dim] or <c>x.Size(axis)</c>, known at run time), and <c>RandnLike(x)</c>/<c>RandLike(x)</c>
/// (x's shape; x is an input of the node but gets no gradient: a draw does not depend on x's values).
/// Draws exactly what torch.randn/rand/randint draw from the same generator state.
/// </summary>
internal sealed record DrawOp(Distribution Distribution, EquatableArray<Dim> Shape, bool Like = false, long Low = 0, long High = 0) : RandomOp
{
    public override string Name => Distribution switch
    {
        Distribution.Normal => Like ? "RandnLike" : "Randn",
        Distribution.Uniform => Like ? "RandLike" : "Rand",
        _ => "RandInt",
    };

    public override string DefaultValueName => Distribution switch
    {
        Distribution.Normal => "noise",
        Distribution.Uniform => "uniform",
        _ => "randomIndex",
    };

    public override ElementType ResultType => Distribution == Distribution.Integers ? ElementType.Int64 : ElementType.Float;

    public override ShapeResult InferShape(ShapeContext context)
    {
        if (Like)
        {
            if (context.IsNumber(0)) return ShapeResult.Fail(DiagnosticCatalog.ScalarWhereTensor, Name, context.Label(0));
            return ShapeResult.Tensor(context.Shape(0));
        }
        if (Distribution == Distribution.Integers && Low >= High)
        {
            return ShapeResult.Fail(DiagnosticCatalog.BadRandom, Name, "low < high (integers are drawn from [low, high))",
                "low is " + Low.ToString(CultureInfo.InvariantCulture) + " and high is " + High.ToString(CultureInfo.InvariantCulture));
        }
        var dims = Shape.Select(context.Unifier.Resolve).ToArray();
        if (dims.FirstOrDefault(d => d.IsConstant && d.Value < 0) is { } negative)
        {
            return ShapeResult.Fail(DiagnosticCatalog.BadRandom, Name, "sizes ≥ 0", "the shape is " + ShapeRules.Written(Shape) + ", with the size " +
                negative.Value.ToString(CultureInfo.InvariantCulture));
        }
        return ShapeResult.Tensor(new SymShape(dims.ToEquatableArray()));
    }

    // A draw has no derivative (RandnLike(x) does not depend on x's values): it is a constant of the step.
    public override void Differentiate(IGradientBuilder builder, Node node, int gradient)
    {
    }

    public override void Emit(IEmitContext context, Node node)
    {
        switch (Distribution)
        {
            case Distribution.Normal:
                context.Call("Randn", EmitArg.Generator, EmitArg.Output(node));
                break;
            case Distribution.Uniform:
                context.Call("Rand", EmitArg.Generator, EmitArg.Output(node));
                break;
            default:
                context.Call("RandInt", EmitArg.Long(Low), EmitArg.Long(High), EmitArg.Generator, EmitArg.Output(node));
                break;
        }
    }

    public override string Math(Node node, Func<int, string> nameOf)
    {
        var of = Like ? "shape of " + nameOf(node.Inputs[0]) : ShapeRules.Written(Shape);
        return Distribution switch
        {
            Distribution.Normal => "N(0, 1) draws, " + of,
            Distribution.Uniform => "U[0, 1) draws, " + of,
            _ => "integers in [" + Low.ToString(CultureInfo.InvariantCulture) + ", " + High.ToString(CultureInfo.InvariantCulture) + ") drawn, " + of,
        };
    }
}

/// <summary>
/// <c>Bernoulli(input)</c>: 1 with probability input[i], else 0 (torch.bernoulli(input));
/// <c>Bernoulli(input, p)</c>: 1 with probability p (a number), of input's shape. No gradient.
/// </summary>
internal sealed record BernoulliOp(bool WithProbability) : RandomOp
{
    public override string Name => "Bernoulli";

    public override string DefaultValueName => "coin";

    public override ShapeResult InferShape(ShapeContext context)
    {
        if (context.IsNumber(0)) return ShapeResult.Fail(DiagnosticCatalog.ScalarWhereTensor, Name, context.Label(0));
        return ShapeResult.Tensor(context.Shape(0));
    }

    public override void Differentiate(IGradientBuilder builder, Node node, int gradient)
    {
    }

    public override void Emit(IEmitContext context, Node node)
    {
        if (WithProbability) context.Call("Bernoulli", EmitArg.Value(node.Inputs[1]), EmitArg.Generator, EmitArg.Output(node));
        else context.Call("Bernoulli", EmitArg.Value(node.Inputs[0]), EmitArg.Generator, EmitArg.Output(node));
    }

    public override string Math(Node node, Func<int, string> nameOf) => WithProbability
        ? "Bernoulli(" + nameOf(node.Inputs[1]) + ") draws, shape of " + nameOf(node.Inputs[0])
        : "Bernoulli(" + nameOf(node.Inputs[0]) + ") draws";
}

/// <summary>
/// <c>Dropout(x, p, training?)</c>: inverted dropout (torch.nn.functional.dropout). In a training step
/// mask ~ Bernoulli(1 - p) (kept in the auxiliary buffer <c>Mask</c>) and y = x ⊙ mask / (1 - p); in an
/// evaluation (EvaluateLoss, Predict) y = x. The derivative is the same mask times the gradient
/// (<see cref="DropoutBackwardOp"/>), itself differentiable.
/// </summary>
internal sealed record DropoutOp(bool? Training) : RandomOp
{
    public const string Mask = "Mask";

    public override string Name => "Dropout";

    public override string DefaultValueName => "dropped";

    public bool IsTraining(IEmitContext context) => Training ?? context.Training;

    public override ShapeResult InferShape(ShapeContext context)
    {
        if (context.IsNumber(0)) return ShapeResult.Fail(DiagnosticCatalog.ScalarWhereTensor, Name, context.Label(0));
        return ShapeResult.Tensor(context.Shape(0));
    }

    public override IEnumerable<AuxiliaryBuffer> Auxiliary(Node node, Func<int, Node> nodeOf) => [new AuxiliaryBuffer(Mask, node.Shape)];

    public override void Differentiate(IGradientBuilder builder, Node node, int gradient)
    {
        var x = node.Inputs[0];
        if (builder.IsActive(x)) builder.Accumulate(x, builder.Add(new DropoutBackwardOp(Training), builder.GradientName(x), gradient, node.Id, node.Inputs[1]));
    }

    public override void Emit(IEmitContext context, Node node)
    {
        if (IsTraining(context))
        {
            context.Call("Dropout", EmitArg.Value(node.Inputs[0]), EmitArg.Value(node.Inputs[1]), EmitArg.Generator, EmitArg.Output(node), EmitArg.Auxiliary(node, Mask));
        }
        else
        {
            context.Call("Copy", EmitArg.Value(node.Inputs[0]), EmitArg.Output(node));
        }
    }

    public override string Math(Node node, Func<int, string> nameOf) =>
        nameOf(node.Inputs[0]) + " ⊙ mask / (1 - " + nameOf(node.Inputs[1]) + "), mask ~ Bernoulli(1 - " + nameOf(node.Inputs[1]) + ")"
        + (Training switch { true => " (always)", false => " (never: identity)", _ => " in training, identity in evaluation" });
}

/// <summary>
/// Dropout's gradient: g ⊙ mask / (1 - p) with the forward node's mask (inputs: g, the Dropout node,
/// p); identity where the step evaluates. Linear in g, so its own derivative is itself.
/// </summary>
internal sealed record DropoutBackwardOp(bool? Training) : Op
{
    public override string Name => "DropoutBackward";

    public override ShapeResult InferShape(ShapeContext context) => ShapeResult.Tensor(context.Shape(0));

    public override void Differentiate(IGradientBuilder builder, Node node, int gradient)
    {
        var g = node.Inputs[0];
        if (builder.IsActive(g)) builder.Accumulate(g, builder.Add(this, builder.GradientName(g), gradient, node.Inputs[1], node.Inputs[2]));
    }

    public override void Emit(IEmitContext context, Node node)
    {
        var forward = context.Node(node.Inputs[1]);
        if (Training ?? context.Training)
        {
            context.Call("DropoutBackward", EmitArg.Value(node.Inputs[0]), EmitArg.Auxiliary(forward, DropoutOp.Mask), EmitArg.Value(node.Inputs[2]), EmitArg.Output(node));
        }
        else
        {
            context.Call("Copy", EmitArg.Value(node.Inputs[0]), EmitArg.Output(node));
        }
    }

    public override string Math(Node node, Func<int, string> nameOf) =>
        nameOf(node.Inputs[0]) + " ⊙ mask of " + nameOf(node.Inputs[1]) + " / (1 - " + nameOf(node.Inputs[2]) + ")";
}
