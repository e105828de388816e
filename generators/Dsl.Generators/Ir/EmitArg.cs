using System.Collections.Generic;

namespace Dsl.Generators.Ir;

/// <summary>
/// One argument of a runtime call an op's emission rule asks for (<see cref="IEmitContext.Call"/>):
/// a value of the graph, the node's buffer or one of its auxiliary buffers, or a setting. Emit renders
/// each as C#; ops never write C# text.
/// </summary>
internal abstract record EmitArg
{
    /// <summary>The value of a node: its buffer, an input, a parameter, or a number's expression.</summary>
    public static EmitArg Value(int node) => new ValueArg(node);

    /// <summary>The buffer of the node being emitted.</summary>
    public static EmitArg Output(Node node) => new AuxiliaryArg(node.Id, null);

    /// <summary>An auxiliary buffer of a node (<see cref="Op.Auxiliary"/>), by suffix.</summary>
    public static EmitArg Auxiliary(Node node, string suffix) => new AuxiliaryArg(node.Id, suffix);

    public static EmitArg Long(long value) => new LongArg(value);

    public static EmitArg Double(double value) => new DoubleArg(value);

    public static EmitArg Bool(bool value) => new BoolArg(value);

    /// <summary>Integers passed as a <c>ReadOnlySpan&lt;long&gt;</c> (axes, sizes).</summary>
    public static EmitArg Longs(IEnumerable<long> values) => new LongsArg(values.ToEquatableArray());

    /// <summary>Values passed as a <c>ReadOnlySpan&lt;Tensor&gt;</c> (Cat's operands).</summary>
    public static EmitArg Values(IEnumerable<int> nodes) => new ValuesArg(nodes.ToEquatableArray());

    /// <summary>A 2-d size (<c>Size2</c>) of height and width.</summary>
    public static EmitArg Size2(long height, long width) => new Size2Arg(height, width);

    /// <summary><c>Reduction.Mean</c>, <c>.Sum</c> or <c>.None</c>.</summary>
    public static EmitArg Reduction(string name) => new ReductionArg(name);

    public static EmitArg Text(string value) => new TextArg(value);

    /// <summary>An absent optional tensor.</summary>
    public static EmitArg Null { get; } = new NullArg();

    /// <summary>The generator random ops draw from: the experiment's own (a model's Predict: libtorch's global one).</summary>
    public static EmitArg Generator { get; } = new GeneratorArg();
}

internal sealed record ValueArg(int Node) : EmitArg;

internal sealed record AuxiliaryArg(int Node, string? Suffix) : EmitArg;

internal sealed record LongArg(long Number) : EmitArg;

internal sealed record DoubleArg(double Number) : EmitArg;

internal sealed record BoolArg(bool Flag) : EmitArg;

internal sealed record LongsArg(EquatableArray<long> Items) : EmitArg;

internal sealed record ValuesArg(EquatableArray<int> Nodes) : EmitArg;

internal sealed record Size2Arg(long Height, long Width) : EmitArg;

internal sealed record ReductionArg(string Name) : EmitArg;

internal sealed record TextArg(string Content) : EmitArg;

internal sealed record NullArg : EmitArg;

// ---- loops: a number used as a position (the loop variable of a run-time loop) ----

/// <summary>A number value passed as a <c>long</c> (a position such as <c>Select(x, 1, t)</c>'s <c>t</c>).</summary>
internal sealed record IndexArg(int Node) : EmitArg;

// ---- control: random ops ----

/// <summary>The experiment's random-number generator (<c>__random</c>), or null for libtorch's global one where there is none (Predict, eager code).</summary>
internal sealed record GeneratorArg : EmitArg;
