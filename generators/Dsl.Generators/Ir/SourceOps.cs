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

/// <summary>Where a run-time number comes from (Emit writes the C#).</summary>
internal enum NumberSource
{
    /// <summary>A constant: <see cref="NumberOp.Value"/>.</summary>
    Constant,

    /// <summary>A member of the generated class or of a member of it: <c>LearningRate</c>, <c>Net.Hidden</c>, <c>Optimizer.Beta1</c>.</summary>
    Member,

    /// <summary>A static member by its type's full name: <c>global::Demo.Adam.Beta1</c>.</summary>
    StaticMember,

    /// <summary>A parameter or local of the generated method (a [Loss]'s number parameter, an update's <c>step</c>).</summary>
    Local,

    /// <summary>A value the generated method computes itself under a reserved name (an update rule's scaled learning rate).</summary>
    Generated,
}

/// <summary>
/// A run-time number: a literal, a hyperparameter field (<c>LearningRate</c>, <c>Optimizer.Beta1</c>),
/// a [Dim] read as a number, or a number parameter. It carries where the number comes from as data
/// (<see cref="Source"/>, <see cref="Path"/>, <see cref="Value"/>); Emit renders it.
/// </summary>
internal sealed record NumberOp(NumberSource Source, string Path, double Value, string Display) : SourceOp
{
    public override string Name => "Number";

    public static NumberOp Constant(double value) =>
        new(NumberSource.Constant, "", value, value.ToString("R", System.Globalization.CultureInfo.InvariantCulture));

    public static NumberOp Member(string path, string display) => new(NumberSource.Member, path, 0, display);

    public static NumberOp Local(string name, string display) => new(NumberSource.Local, name, 0, display);

    public static NumberOp Static(string path, string display) => new(NumberSource.StaticMember, path, 0, display);

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
