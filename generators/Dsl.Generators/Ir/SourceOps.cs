using System;

namespace Dsl.Generators.Ir;

// Values that come from outside the computed graph. They are never emitted as statements; the
// emitter refers to them by their C# expression.

/// <summary>A tensor argument of the [Loss] method (or of a standalone Forward).</summary>
internal sealed record InputOp(string Parameter) : SourceOp
{
    public override string Name => "Input";

    public override ShapeResult InferShape(ShapeContext context) => throw new InvalidOperationException("sources are created with their shape");

    public override string Math(Node node, Func<int, string> nameOf) => Parameter;
}

/// <summary>
/// A model parameter, by its path from the experiment (<c>Net.W1</c>). A frozen one gets no gradient.
/// A [Step] that updates a parameter reads a new <see cref="Version"/> after the update.
/// </summary>
internal sealed record ParameterOp(string Path, bool Frozen, int Version = 0) : SourceOp
{
    public override string Name => "Parameter";

    public override ShapeResult InferShape(ShapeContext context) => throw new InvalidOperationException("sources are created with their shape");

    public override string Math(Node node, Func<int, string> nameOf) => Path;
}

/// <summary>Per-parameter state of an update rule (Adam's m and v), a tensor the experiment owns.</summary>
internal sealed record StateOp(string Field, string Parameter) : SourceOp
{
    public override string Name => "State";

    public override ShapeResult InferShape(ShapeContext context) => throw new InvalidOperationException("sources are created with their shape");

    public override string Math(Node node, Func<int, string> nameOf) => Field;
}

/// <summary>
/// A run-time number: a literal, a hyperparameter field (<c>LearningRate</c>, <c>Optimizer.Beta1</c>),
/// a [Dim] read as a number, or a number parameter. <see cref="Expression"/> is its C# text.
/// </summary>
internal sealed record NumberOp(string Expression, string Display) : SourceOp
{
    public override string Name => "Number";

    public override ShapeResult InferShape(ShapeContext context) => ShapeResult.Number();

    public override string Math(Node node, Func<int, string> nameOf) => Display;
}

/// <summary>
/// <c>NoGrad(x)</c>: the value of x, through which no gradient flows. It is a source for
/// differentiation (never active, so nothing upstream of it gets a contribution from this use) and
/// an alias for emission (it refers to x's buffer; nothing is copied).
/// </summary>
internal sealed record NoGradOp : SourceOp
{
    public override string Name => "NoGrad";

    public override ShapeResult InferShape(ShapeContext context) =>
        context.IsNumber(0) ? ShapeResult.Number() : ShapeResult.Tensor(context.Shape(0));

    public override string Math(Node node, Func<int, string> nameOf) => "NoGrad(" + nameOf(node.Inputs[0]) + ")";
}
