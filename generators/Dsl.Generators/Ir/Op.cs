using System;
using System.Collections.Generic;
using Dsl.Generators.Autodiff;
using Dsl.Generators.Emit;
using Dsl.Generators.Shapes;
using Microsoft.CodeAnalysis;

namespace Dsl.Generators.Ir;

/// <summary>
/// One kind of IR operation. Each op keeps its rules together, so adding an op is one place to
/// touch: the shape rule (<see cref="InferShape"/>), the derivative rule (<see cref="Differentiate"/>,
/// which builds more IR, so derivatives can be differentiated again), the emission rule
/// (<see cref="Emit"/>, C# through <see cref="RuntimeApi"/>) and the math shown above the emitted
/// line (<see cref="Math"/>). Ops are records: their settings take part in equality.
/// </summary>
internal abstract record Op
{
    /// <summary>Name in messages and the default stem of the values it makes (<c>matMul1</c>).</summary>
    public abstract string Name { get; }

    public virtual string DefaultValueName => char.ToLowerInvariant(Name[0]) + Name.Substring(1);

    /// <summary>Shape and kind of the result, or a diagnostic naming the operands and their shapes.</summary>
    public abstract ShapeResult InferShape(ShapeContext context);

    /// <summary>Adds the gradient contributions of this node's inputs, given the gradient of its output.</summary>
    public virtual void Differentiate(GradientBuilder builder, Node node, int gradient) =>
        throw new MissingDerivativeException(Name);

    /// <summary>Extra buffers the node's emission writes besides its result (values saved for the backward pass).</summary>
    public virtual IEnumerable<AuxiliaryBuffer> Auxiliary(Node node, Func<int, Node> nodeOf) => [];

    /// <summary>Writes the C# statements computing this node into its buffer.</summary>
    public abstract void Emit(EmitContext context, Node node);

    /// <summary>The right-hand side of the math comment, with the operands' names.</summary>
    public abstract string Math(Node node, Func<int, string> nameOf);

    /// <summary>
    /// One element of the result as a C# <c>double</c> expression over the operands' elements
    /// (<paramref name="operand"/> gives each input's text: a loop local or a hoisted number), for
    /// fused loops such as update rules; null when the op is not elementwise.
    /// </summary>
    public virtual string? Element(Node node, Func<int, string> operand) => null;

    /// <summary>
    /// The same as <see cref="Element"/> for operands of type <c>System.Numerics.Vector&lt;double&gt;</c>
    /// (numbers arrive as vectors too); null when the op has no vector form (the loop stays scalar).
    /// </summary>
    public virtual string? VectorElement(Node node, Func<int, string> operand) => null;

    /// <summary>Whether <see cref="Element"/> gives the op's elements (the op may appear in a fused elementwise loop).</summary>
    public virtual bool IsElementwise => false;
}

/// <summary>Values that come from outside the computation (inputs, parameters, numbers, state); they are not emitted.</summary>
internal abstract record SourceOp : Op
{
    public override void Differentiate(GradientBuilder builder, Node node, int gradient)
    {
    }

    public override void Emit(EmitContext context, Node node)
    {
    }
}

/// <summary>
/// An active node's op has no derivative rule (only backward ops can lack one, so this arises when
/// differentiating a derivative). Compilers turn it into DSL0202, never a crash.
/// </summary>
internal sealed class MissingDerivativeException(string op) : Exception("the op " + op + " has no derivative rule yet")
{
    public string Op { get; } = op;
}

/// <summary>A buffer an op writes besides its result, named after the node (<c>_loss</c> + <c>LogProbs</c>).</summary>
internal sealed record AuxiliaryBuffer(string Suffix, SymShape Shape);

/// <summary>The result of a shape rule.</summary>
internal readonly struct ShapeResult
{
    private ShapeResult(SymShape? shape, ValueKind kind, DiagnosticDescriptor? error, string[]? arguments)
    {
        Shape = shape;
        Kind = kind;
        Error = error;
        Arguments = arguments ?? [];
    }

    public SymShape? Shape { get; }

    public ValueKind Kind { get; }

    public DiagnosticDescriptor? Error { get; }

    public string[] Arguments { get; }

    public static ShapeResult Tensor(SymShape shape) => new(shape, ValueKind.Tensor, null, null);

    public static ShapeResult Number() => new(SymShape.Scalar, ValueKind.Number, null, null);

    public static ShapeResult Fail(DiagnosticDescriptor descriptor, params string[] arguments) => new(null, ValueKind.Tensor, descriptor, arguments);
}

/// <summary>What a shape rule sees: the operands' shapes and kinds, how to name them in messages, and the unifier.</summary>
internal sealed class ShapeContext(ShapeUnifier unifier, IReadOnlyList<SymShape> shapes, IReadOnlyList<ValueKind> kinds, IReadOnlyList<string> labels)
{
    public ShapeUnifier Unifier { get; } = unifier;

    public int Count => shapes.Count;

    public SymShape Shape(int i) => Unifier.Resolve(shapes[i]);

    public ValueKind Kind(int i) => kinds[i];

    public bool IsNumber(int i) => kinds[i] == ValueKind.Number;

    /// <summary>The operand as the user wrote it (<c>x</c>, <c>Net.W1</c>, <c>Relu(h)</c>).</summary>
    public string Label(int i) => labels[i];
}
