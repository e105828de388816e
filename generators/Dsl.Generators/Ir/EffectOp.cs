using System;

namespace Dsl.Generators.Ir;

// Statements of a [Step] that change a model's parameters (the records are in Ops/EffectOps.cs). They
// have no value and no buffer; they are emitted where they stand (node order is program order).

/// <summary>An effect on a parameter: input 0 is the parameter (the version before the effect).</summary>
internal abstract record EffectOp : Op
{
    public override bool IsPure => false;

    public override void Differentiate(IGradientBuilder builder, Node node, int gradient)
    {
        // Nothing is computed from an effect, so no gradient reaches one.
    }
}

/// <summary>The gradients <c>Grad(loss, model)</c> gives: one input per parameter that got one (<see cref="Paths"/>, in order).</summary>
internal sealed record GradientSetOp(string Model, EquatableArray<string> Paths) : SourceOp
{
    public override string Name => "Gradients";

    public override ShapeResult InferShape(ShapeContext context) => throw new InvalidOperationException("gradient sets are created with their inputs");

    public override string Math(Node node, Func<int, string> nameOf) => "∇" + Model;
}
