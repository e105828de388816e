using System;
using System.Globalization;
using System.Linq;
using Dsl.Generators.Diagnostics;
using Dsl.Generators.Ir;
using Dsl.Generators.Shapes;

namespace Dsl.Generators.Operations;

/// <summary>
/// <c>c ? a : b</c> with a run-time number condition c (input 0) and a tensor on at least one side
/// (a number on the other fills the shape): both sides are computed, and the chosen one is copied
/// into the result (<c>if (c) Copy(a) else Copy(b)</c>). The gradient goes whole to the chosen side
/// and the other gets zeros: <c>dA = c ? g : 0</c>, <c>dB = c ? 0 : g</c>. In an update rule's fused
/// loop it is the element's <c>c ? a : b</c>, the same for every element.
/// </summary>
internal sealed record ChooseOp : Op
{
    public override string Name => "Choose";

    public override string DefaultValueName => "choice";

    public override bool IsElementwise => true;

    public override ShapeResult InferShape(ShapeContext context)
    {
        if (context.IsNumber(1) && !context.IsNumber(2)) return ShapeResult.Tensor(context.Shape(2));
        if (!context.IsNumber(1) && context.IsNumber(2)) return ShapeResult.Tensor(context.Shape(1));
        var (a, b) = (context.Shape(1), context.Shape(2));
        var shape = context.IsNumber(1) ? null : Broadcasting.Broadcast(context.Unifier, a, b, out _, out _, out _);
        if (shape is null)
        {
            return ShapeResult.Fail(DiagnosticCatalog.BranchesDiffer, context.Label(0),
                Describe(context, 1), Describe(context, 2));
        }
        return ShapeResult.Tensor(shape);
    }

    private static string Describe(ShapeContext context, int i) =>
        context.Label(i).Length == 0 ? What(context, i) : "'" + context.Label(i) + "' (" + What(context, i) + ")";

    private static string What(ShapeContext context, int i) => context.IsNumber(i) ? "a number" : "a tensor " + context.Shape(i).ToString();

    public override void Differentiate(IGradientBuilder builder, Node node, int gradient)
    {
        var (condition, a, b) = (node.Inputs[0], node.Inputs[1], node.Inputs[2]);
        var zero = builder.Number(0);
        if (builder.IsActive(a)) builder.AccumulateReduced(a, builder.Add(new ChooseOp(), builder.GradientName(a), condition, gradient, zero));
        if (builder.IsActive(b)) builder.AccumulateReduced(b, builder.Add(new ChooseOp(), builder.GradientName(b), condition, zero, gradient));
    }

    public override void Emit(IEmitContext context, Node node) => context.Choose(node);

    public override string? Element(Node node, IElementSyntax syntax) =>
        syntax.Conditional(syntax.Operand(0), syntax.Operand(1), syntax.Operand(2));

    public override string Math(Node node, Func<int, string> nameOf) =>
        nameOf(node.Inputs[0]) + " ? " + nameOf(node.Inputs[1]) + " : " + nameOf(node.Inputs[2]);
}

/// <summary>
/// A [Step]'s effect (a parameter assignment, an update rule applied) written inside a branch: the
/// effect runs only when its condition (the last input) is <see cref="WhenTrue"/>. Nested branches
/// nest guards; emitted as a real <c>if</c> around the effect's lines.
/// </summary>
internal sealed record GuardedEffectOp(EffectOp Effect, bool WhenTrue) : EffectOp
{
    public override string Name => Effect.Name;

    public override ShapeResult InferShape(ShapeContext context) => ShapeResult.Tensor(context.Shape(0));

    /// <summary>The guarded effect's own node: the inputs without the condition.</summary>
    private static Node Inner(Node node) => node with { Inputs = node.Inputs.Take(node.Inputs.Count - 1).ToEquatableArray() };

    private static int Condition(Node node) => node.Inputs[node.Inputs.Count - 1];

    public override string Math(Node node, Func<int, string> nameOf) =>
        "if (" + (WhenTrue ? "" : "!") + nameOf(Condition(node)) + ") " + Effect.Math(Inner(node), nameOf);

    public override void Emit(IEmitContext context, Node node)
    {
        using (context.Guard(Condition(node), WhenTrue)) Effect.Emit(context, Inner(node));
    }
}
