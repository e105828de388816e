using System;
using System.Collections.Generic;
using Dsl.Generators.Shapes;
using Microsoft.CodeAnalysis;

namespace Dsl.Generators.Ir;

/// <summary>
/// One kind of IR operation. Each op keeps its rules together, so adding an op is one place to
/// touch: the shape rule (<see cref="InferShape"/>), the derivative rule (<see cref="Differentiate"/>,
/// which builds more IR, so derivatives can be differentiated again), the emission rule
/// (<see cref="Emit"/>: which runtime call computes it, through <see cref="IEmitContext"/>; the C# text
/// is written by the Emit stage) and the math shown above the emitted line (<see cref="Math"/>). Ops
/// are records: their settings take part in equality. The concrete ops live in the Ops stage, which
/// comes after Ir and Autodiff; this contract names only interfaces defined here.
/// </summary>
internal abstract record Op
{
    /// <summary>Name in messages and the default stem of the values it makes (<c>matMul1</c>).</summary>
    public abstract string Name { get; }

    public virtual string DefaultValueName => LowerNames.GetOrAdd(Name, Naming.LowerFirst);

    /// <summary>Each op name in lower camel case, made once (every node of a long expression asks).</summary>
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> LowerNames = new(StringComparer.Ordinal);

    /// <summary>Shape and kind of the result, or a diagnostic naming the operands and their shapes.</summary>
    public abstract ShapeResult InferShape(ShapeContext context);

    /// <summary>Adds the gradient contributions of this node's inputs, given the gradient of its output.</summary>
    public virtual void Differentiate(IGradientBuilder builder, Node node, int gradient) =>
        throw new MissingDerivativeException(Name);

    /// <summary>Extra buffers the node's emission writes besides its result (values saved for the backward pass).</summary>
    public virtual IEnumerable<AuxiliaryBuffer> Auxiliary(Node node, Func<int, Node> nodeOf) => [];

    /// <summary>Says which runtime calls compute this node into its buffer (Emit renders them as C#).</summary>
    public abstract void Emit(IEmitContext context, Node node);

    /// <summary>The right-hand side of the math comment, with the operands' names.</summary>
    public abstract string Math(Node node, Func<int, string> nameOf);

    /// <summary>
    /// One element of the result, for fused loops such as update rules, written through
    /// <paramref name="syntax"/> (operands, arithmetic and elementwise functions; Emit decides the C#,
    /// scalar or <c>Vector&lt;T&gt;</c>, in double or float); null when the op is not elementwise.
    /// </summary>
    public virtual string? Element(Node node, IElementSyntax syntax) => null;

    /// <summary>
    /// Whether two nodes of this op (equal settings) on the same inputs always compute the same value,
    /// so the graph keeps one (common-subexpression elimination). False for effects, random ops and
    /// user functions the generator cannot see into.
    /// </summary>
    public virtual bool IsPure => true;

    /// <summary>The element type of the node's buffer: the parameters' floating type, or Int64/Bool (indices, masks).</summary>
    public virtual ElementType ResultType => ElementType.Float;

    /// <summary>Whether <see cref="Element"/> gives the op's elements (the op may appear in a fused elementwise loop).</summary>
    public virtual bool IsElementwise => false;

    /// <summary>
    /// Whether, in a training step (<paramref name="training"/>) or an evaluation, another node's fused call
    /// writes this node's buffer (Optimization/Fusion), so nothing is emitted for this node there, not even its math line.
    /// </summary>
    public virtual bool IsWrittenByFusedOp(bool training) => false;
}

/// <summary>Values that come from outside the computation (inputs, parameters, numbers, state); they are not emitted.</summary>
internal abstract record SourceOp : Op
{
    public override void Differentiate(IGradientBuilder builder, Node node, int gradient)
    {
    }

    public override void Emit(IEmitContext context, Node node)
    {
    }
}

/// <summary>
/// An active node's op has no derivative rule (only backward ops can lack one, so this arises when
/// differentiating a derivative). Compilers turn it into DSL0202, never a crash.
/// </summary>
internal class MissingDerivativeException(string op) : Exception("the op " + op + " has no derivative rule yet")
{
    public string Op { get; } = op;
}

/// <summary>A buffer an op writes besides its result, named after the node (<c>_loss</c> + <c>LogProbs</c>).</summary>
internal sealed record AuxiliaryBuffer(string Suffix, SymShape Shape, ElementType Type = ElementType.Float);

/// <summary>What a buffer holds: the parameters' floating dtype (Float32 or Float64), class indices, or a mask.</summary>
internal enum ElementType
{
    Float,
    Int64,
    Bool,
}

/// <summary>The result of a shape rule.</summary>
internal readonly struct ShapeResult
{
    private ShapeResult(SymShape? shape, ValueKind kind, DiagnosticDescriptor? error, string[]? arguments, bool needsKnownSizes = false)
    {
        Shape = shape;
        Kind = kind;
        Error = error;
        Arguments = arguments ?? [];
        NeedsKnownSizes = needsKnownSizes;
    }

    public SymShape? Shape { get; }

    public ValueKind Kind { get; }

    public DiagnosticDescriptor? Error { get; }

    public string[] Arguments { get; }

    public static ShapeResult Tensor(SymShape shape) => new(shape, ValueKind.Tensor, null, null);

    public static ShapeResult Number() => new(SymShape.Scalar, ValueKind.Number, null, null);

    public static ShapeResult Fail(DiagnosticDescriptor descriptor, params string[] arguments) => new(null, ValueKind.Tensor, descriptor, arguments);

    /// <summary>
    /// The failure is only that a size the rule computes with (a kernel, a spatial size) is not known
    /// at compile time. A shipped layer's Forward checked on its own, with its [Dim]s as symbols, is
    /// not an error for this: it is checked where an experiment holds the layer with its dims set.
    /// </summary>
    public bool NeedsKnownSizes { get; }

    /// <summary>A failure because a size is not known at compile time (<see cref="NeedsKnownSizes"/>).</summary>
    public static ShapeResult FailUnknownSize(DiagnosticDescriptor descriptor, params string[] arguments) =>
        new(null, ValueKind.Tensor, descriptor, arguments, needsKnownSizes: true);
}

/// <summary>What a shape rule sees: the operands' shapes and kinds, how to name them in messages, and the unifier.</summary>
internal sealed class ShapeContext(ShapeUnifier unifier, IReadOnlyList<SymShape> shapes, IReadOnlyList<ValueKind> kinds, IReadOnlyList<OperandLabel> labels)
{
    public ShapeUnifier Unifier { get; } = unifier;

    public int Count => shapes.Count;

    public SymShape Shape(int i) => Unifier.Resolve(shapes[i]);

    public ValueKind Kind(int i) => kinds[i];

    public bool IsNumber(int i) => kinds[i] == ValueKind.Number;

    /// <summary>The operand as the user wrote it (<c>x</c>, <c>Net.W1</c>, <c>Relu(h)</c>).</summary>
    public string Label(int i) => labels[i].Text;
}
