using System;
using System.Collections.Generic;
using System.Linq;
using Dsl.Generators.Autodiff;
using Dsl.Generators.Diagnostics;
using Dsl.Generators.Ir;
using Dsl.Generators.Shapes;

namespace Dsl.Generators.Operations;

// Run-time loops (docs/ARCHITECTURE-generator.md, "Run-time loops"). A `for` whose bound is known only
// when the step runs is one LoopOp node holding its body as a graph of its own; the body's sources are
// the loop variable, the carried values (as an iteration reads them) and the values it reads from outside
// (the loop node's inputs). One LoopResultOp per carried value follows the loop node. Differentiating the
// loop node builds a LoopBackwardOp whose body is the forward body followed by the body's reverse-mode
// derivative; it runs in a reversed loop, reading the carried values the forward loop saved per iteration.

/// <summary>The loop variable inside a run-time loop's body: a number, the C# loop counter.</summary>
internal sealed record LoopIndexOp(int Loop, string Variable) : SourceOp
{
    public override string Name => "LoopIndex";

    public override ShapeResult InferShape(ShapeContext context) => ShapeResult.Number();

    public override string Math(Node node, Func<int, string> nameOf) => Variable;
}

/// <summary>A value the loop carries, as an iteration reads it (the value before the loop, then the previous iteration's).</summary>
internal sealed record LoopCarryOp(int Loop, int Index, string Variable) : SourceOp
{
    public override string Name => "LoopCarry";

    public override ShapeResult InferShape(ShapeContext context) => throw new InvalidOperationException("sources are created with their shape");

    public override string Math(Node node, Func<int, string> nameOf) => Variable;
}

/// <summary>A value from outside the loop that its body reads: input <see cref="Index"/> after the bound and the carried values.</summary>
internal sealed record LoopInputOp(int Index, string Display) : SourceOp
{
    public override string Name => "LoopInput";

    public override ShapeResult InferShape(ShapeContext context) => throw new InvalidOperationException("sources are created with their shape");

    public override string Math(Node node, Func<int, string> nameOf) => Display;
}

/// <summary>In the backward body: the gradient of carried value <see cref="Index"/> at the end of an iteration.</summary>
internal sealed record LoopGradientInOp(int Index, string Variable) : SourceOp
{
    public override string Name => "LoopGradientIn";

    public override ShapeResult InferShape(ShapeContext context) => throw new InvalidOperationException("sources are created with their shape");

    public override string Math(Node node, Func<int, string> nameOf) => "d" + Naming.UpperFirst(Variable);
}

/// <summary>
/// A loop body: its nodes (ids are positions in <see cref="Nodes"/>), the loop variable's node, the carried
/// values as an iteration reads them and as it leaves them, and the nodes of the values read from outside
/// (-1 where the body no longer reads one). Must stay immutable and structurally equal.
/// </summary>
internal sealed record LoopBody(EquatableArray<Node> Nodes, int Index, EquatableArray<int> CarryIn, EquatableArray<int> CarryOut, EquatableArray<int> Inputs);

/// <summary>The suffixes of the buffers a loop keeps besides its body's (Emit names the fields node name + suffix).</summary>
internal static class LoopBuffers
{
    /// <summary>The carried value between iterations.</summary>
    public static string Carry(string variable) => "_" + variable;

    /// <summary>The carried value saved at the start of each iteration (a leading length axis), for the backward pass.</summary>
    public static string Rows(string variable) => "_" + variable + "_rows";

    /// <summary>The gradient of a carried value between iterations of the reversed loop.</summary>
    public static string CarryGradient(string variable) => "_d_" + variable;

    /// <summary>The gradient of an outside value, summed over the iterations of the reversed loop.</summary>
    public static string InputGradient(int index) => "_dInput_" + index.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The carried values of one segment between checkpoints, recomputed by the backward pass.</summary>
    public static string Segment(string variable) => "_" + variable + "_segment";

    /// <summary>A value of the body, computed anew by each iteration.</summary>
    public static string Body(string name) => "_" + name;

    public static bool IsComputed(Node node) => node.Op is not SourceOp and not EffectOp && !node.IsNumber;
}

/// <summary>
/// <c>for (var t = Start; t &lt; bound; t++)</c> with a bound known when the step runs. Inputs: the bound (a number),
/// the carried values before the loop, then the outside values the body reads. Its own value is unused
/// (the results are the <see cref="LoopResultOp"/> nodes right after it).
/// </summary>
internal sealed record LoopOp(int Loop, string Variable, long Start, string Header, EquatableArray<string> Carried, LoopBody Body) : Op
{
    public override string Name => "Loop";

    public override bool IsPure => false;

    public int InputOffset => 1 + Carried.Count;

    public override ShapeResult InferShape(ShapeContext context) => ShapeResult.Tensor(SymShape.Scalar);

    public override IEnumerable<AuxiliaryBuffer> Auxiliary(Node node, Func<int, Node> nodeOf)
    {
        for (var k = 0; k < Carried.Count; k++)
        {
            var shape = nodeOf(node.Inputs[1 + k]).Shape;
            yield return new AuxiliaryBuffer(LoopBuffers.Carry(Carried[k]), shape);
            // Allocated with one row; the step grows it to the loop's length (Kernels.GrowRows).
            yield return new AuxiliaryBuffer(LoopBuffers.Rows(Carried[k]), new SymShape(new[] { Dim.Constant(1) }.Concat(shape.Dims).ToEquatableArray()));
            yield return new AuxiliaryBuffer(LoopBuffers.Segment(Carried[k]), new SymShape(new[] { Dim.Constant(1) }.Concat(shape.Dims).ToEquatableArray()));
        }
        foreach (var bodyNode in Body.Nodes.Where(LoopBuffers.IsComputed))
        {
            yield return new AuxiliaryBuffer(LoopBuffers.Body(bodyNode.Name), bodyNode.Shape, bodyNode.Op.ResultType);
            foreach (var auxiliary in bodyNode.Op.Auxiliary(bodyNode, id => Body.Nodes[id]))
            {
                yield return auxiliary with { Suffix = LoopBuffers.Body(bodyNode.Name) + auxiliary.Suffix };
            }
        }
    }

    public override void Emit(IEmitContext context, Node node) => context.Structured(node);

    public override string Math(Node node, Func<int, string> nameOf) =>
        "for " + Variable + " from " + Start.ToString(System.Globalization.CultureInfo.InvariantCulture) + " while " + Variable + " < " + nameOf(node.Inputs[0])
        + ": " + string.Join(", ", Carried.Select((c, k) => c + " ← " + Body.Nodes[Body.CarryOut[k]].Op.Math(Body.Nodes[Body.CarryOut[k]], id => Body.Nodes[id].Name)));

    /// <summary>
    /// Backpropagation through time: the gradients of the results (those that have one) flow back through
    /// a reversed loop whose body is the forward body (recomputed from the saved carried value) followed by
    /// its derivative; the gradients of the outside values are summed over the iterations.
    /// </summary>
    public override void Differentiate(IGradientBuilder builder, Node node, int gradient)
    {
        var carried = Carried.Count;
        var upstream = new int?[carried];
        for (var k = 0; k < carried; k++)
        {
            var id = node.Id + 1 + k;
            if (builder.Node(id).Op is LoopResultOp result && result.Index == k && builder.Node(id).Inputs[0] == node.Id
                && builder.TryGetGradient(id, out var g) && g >= 0)
            {
                upstream[k] = g;
            }
        }
        if (upstream.All(u => u is null)) return;

        // The backward body: the forward body, then its derivative with respect to the carried values and the active outside values.
        var graph = new Graph();
        foreach (var bodyNode in Body.Nodes) graph.Add(bodyNode.Op, bodyNode.Inputs, bodyNode.Shape, bodyNode.Kind, bodyNode.Name, bodyNode.NamePriority);
        var forwardCount = graph.Count;
        var seeds = new HashSet<int>(Body.CarryIn);
        for (var j = 0; j < Body.Inputs.Count; j++)
        {
            if (Body.Inputs[j] >= 0 && builder.IsActive(node.Inputs[InputOffset + j])) seeds.Add(Body.Inputs[j]);
        }
        var active = Activity.Analyze(graph, forwardCount - 1, n => seeds.Contains(n.Id));
        var inner = new GradientBuilder(graph, active, OpCatalog.Adjoint);
        var gradientIn = new int[carried];
        for (var k = 0; k < carried; k++)
        {
            var carryIn = Body.Nodes[Body.CarryIn[k]];
            gradientIn[k] = graph.Add(new LoopGradientInOp(k, Carried[k]), [], carryIn.Shape, ValueKind.Tensor, "d" + Naming.UpperFirst(Carried[k]) + "Next", NamePriority.Fixed);
        }
        for (var k = 0; k < carried; k++)
        {
            if (inner.IsActive(Body.CarryOut[k])) inner.Accumulate(Body.CarryOut[k], gradientIn[k]);
        }
        for (var id = forwardCount - 1; id >= 0; id--)
        {
            var bodyNode = graph[id];
            if (!active[id] || bodyNode.Op is SourceOp || !inner.TryGetGradient(id, out var g)) continue;
            bodyNode.Op.Differentiate(inner, bodyNode, g);
        }
        var carryGradients = new int[carried];
        for (var k = 0; k < carried; k++) carryGradients[k] = inner.TryGetGradient(Body.CarryIn[k], out var g) ? g : -1;
        var inputGradients = new int[Body.Inputs.Count];
        for (var j = 0; j < inputGradients.Length; j++)
        {
            inputGradients[j] = Body.Inputs[j] >= 0 && seeds.Contains(Body.Inputs[j]) && inner.TryGetGradient(Body.Inputs[j], out var g) ? g : -1;
        }

        var backwardBody = Body with { Nodes = graph.Nodes.ToEquatableArray() };
        var op = new LoopBackwardOp(Loop, Variable, Start, Carried, backwardBody, gradientIn.ToEquatableArray(), carryGradients.ToEquatableArray(),
            inputGradients.ToEquatableArray(), upstream.Select(u => u is not null).ToEquatableArray());
        var inputs = new List<int> { node.Id, node.Inputs[0] };
        for (var j = 0; j < Body.Inputs.Count; j++) inputs.Add(node.Inputs[InputOffset + j]);
        inputs.AddRange(upstream.Where(u => u is not null).Select(u => u!.Value));
        var backward = builder.Add(op, "loopBackward", inputs.ToArray());

        for (var k = 0; k < carried; k++)
        {
            var initial = node.Inputs[1 + k];
            if (!builder.IsActive(initial)) continue;
            builder.Accumulate(initial, builder.Add(new LoopGradientOp(LoopBuffers.CarryGradient(Carried[k]), builder.Node(initial).Shape), builder.GradientName(initial), backward));
        }
        for (var j = 0; j < inputGradients.Length; j++)
        {
            var outside = node.Inputs[InputOffset + j];
            if (inputGradients[j] < 0 || !builder.IsActive(outside)) continue;
            builder.AccumulateReduced(outside, builder.Add(new LoopGradientOp(LoopBuffers.InputGradient(j), builder.Node(outside).Shape), builder.GradientName(outside), backward));
        }
    }
}

/// <summary>Carried value <see cref="Index"/> after the loop (input 0 is the loop node).</summary>
internal sealed record LoopResultOp(int Index, string Variable, SymShape Shape) : Op
{
    public override string Name => "LoopResult";

    public override ShapeResult InferShape(ShapeContext context) => ShapeResult.Tensor(Shape);

    public override void Differentiate(IGradientBuilder builder, Node node, int gradient) => builder.Reach(node.Inputs[0]);

    public override void Emit(IEmitContext context, Node node) =>
        context.Call("Copy", EmitArg.Auxiliary(context.Node(node.Inputs[0]), LoopBuffers.Carry(Variable)), EmitArg.Output(node));

    public override string Math(Node node, Func<int, string> nameOf) => Variable + " after " + nameOf(node.Inputs[0]);
}

/// <summary>
/// The reversed loop of a <see cref="LoopOp"/>. Inputs: the loop node, the bound, the outside values, then the
/// gradients of the results that have one (<see cref="HasUpstream"/>). Its body's extra sources are the
/// gradients of the carried values at the end of an iteration (<see cref="GradientIn"/>); it leaves the
/// gradients of the carried values at its start (<see cref="CarryGradients"/>) and of the outside values
/// (<see cref="InputGradients"/>; -1 where none).
/// </summary>
internal sealed record LoopBackwardOp(int Loop, string Variable, long Start, EquatableArray<string> Carried, LoopBody Body,
    EquatableArray<int> GradientIn, EquatableArray<int> CarryGradients, EquatableArray<int> InputGradients, EquatableArray<bool> HasUpstream) : Op
{
    public override string Name => "LoopBackward";

    public override bool IsPure => false;

    public override ShapeResult InferShape(ShapeContext context) => ShapeResult.Tensor(SymShape.Scalar);

    public override void Differentiate(IGradientBuilder builder, Node node, int gradient) => throw new LoopSecondDerivativeException();

    public override IEnumerable<AuxiliaryBuffer> Auxiliary(Node node, Func<int, Node> nodeOf)
    {
        var loop = nodeOf(node.Inputs[0]);
        for (var k = 0; k < Carried.Count; k++) yield return new AuxiliaryBuffer(LoopBuffers.CarryGradient(Carried[k]), nodeOf(loop.Inputs[1 + k]).Shape);
        for (var j = 0; j < InputGradients.Count; j++)
        {
            if (InputGradients[j] >= 0) yield return new AuxiliaryBuffer(LoopBuffers.InputGradient(j), nodeOf(node.Inputs[2 + j]).Shape);
        }
        foreach (var bodyNode in Body.Nodes.Where(LoopBuffers.IsComputed))
        {
            yield return new AuxiliaryBuffer(LoopBuffers.Body(bodyNode.Name), bodyNode.Shape, bodyNode.Op.ResultType);
            foreach (var auxiliary in bodyNode.Op.Auxiliary(bodyNode, id => Body.Nodes[id]))
            {
                yield return auxiliary with { Suffix = LoopBuffers.Body(bodyNode.Name) + auxiliary.Suffix };
            }
        }
    }

    public override void Emit(IEmitContext context, Node node) => context.Structured(node);

    public override string Math(Node node, Func<int, string> nameOf) =>
        "the gradients through " + nameOf(node.Inputs[0]) + ", " + Variable + " from " + nameOf(node.Inputs[1]) + " - 1 down to " + Start.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>A gradient the reversed loop leaves (input 0 is the <see cref="LoopBackwardOp"/> node), by its buffer's suffix.</summary>
internal sealed record LoopGradientOp(string Suffix, SymShape Shape) : Op
{
    public override string Name => "LoopGradient";

    public override ShapeResult InferShape(ShapeContext context) => ShapeResult.Tensor(Shape);

    public override void Differentiate(IGradientBuilder builder, Node node, int gradient) => throw new LoopSecondDerivativeException();

    public override void Emit(IEmitContext context, Node node) =>
        context.Call("Copy", EmitArg.Auxiliary(context.Node(node.Inputs[0]), Suffix), EmitArg.Output(node));

    public override string Math(Node node, Func<int, string> nameOf) => nameOf(node.Inputs[0]) + Suffix;
}

/// <summary>A derivative of a derivative through a run-time loop: DSL0205 for now.</summary>
internal sealed class LoopSecondDerivativeException() : MissingDerivativeException("LoopBackward");

/// <summary><c>x.Size(axis)</c>: a number known when the step runs.</summary>
internal sealed record SizeOfOp(int Axis) : Op
{
    public override string Name => "Size";

    public override ShapeResult InferShape(ShapeContext context) => ShapeResult.Number();

    public override void Differentiate(IGradientBuilder builder, Node node, int gradient)
    {
    }

    public override void Emit(IEmitContext context, Node node)
    {
    }

    public override string Math(Node node, Func<int, string> nameOf) => nameOf(node.Inputs[0]) + ".Size(" + Axis.ToString(System.Globalization.CultureInfo.InvariantCulture) + ")";
}

/// <summary><c>Select(x, dim, t)</c> at a position known only when the step runs (input 1, a number: a loop variable).</summary>
internal sealed record SelectAtOp(long Dim) : Op
{
    public override string Name => "Select";

    public override ShapeResult InferShape(ShapeContext context)
    {
        if (context.IsNumber(0)) return ShapeResult.Fail(DiagnosticCatalog.ScalarWhereTensor, Name, context.Label(0));
        var x = context.Shape(0);
        if (!Axes.TryNormalize(context, Name, Dim, 0, x.Rank, out var axis, out var failure)) return failure;
        return ShapeResult.Tensor(Axes.Reduce(x, [axis], keepdim: false));
    }

    public int Axis(Node x) => (int)(Dim < 0 ? Dim + x.Shape.Rank : Dim);

    public override void Differentiate(IGradientBuilder builder, Node node, int gradient)
    {
        var x = node.Inputs[0];
        if (builder.IsActive(x)) builder.Accumulate(x, builder.Add(new SelectAtBackwardOp(Dim), builder.GradientName(x), gradient, x, node.Inputs[1]));
    }

    public override void Emit(IEmitContext context, Node node) =>
        context.Call("Select", EmitArg.Value(node.Inputs[0]), EmitArg.Long(Axis(context.Node(node.Inputs[0]))), new IndexArg(node.Inputs[1]), EmitArg.Output(node));

    public override string Math(Node node, Func<int, string> nameOf) => nameOf(node.Inputs[0]) + " at " + nameOf(node.Inputs[1]) + " along axis " + Dim.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>Its backward: zeros of input 1's shape with the gradient (input 0) at the position (input 2).</summary>
internal sealed record SelectAtBackwardOp(long Dim) : Op
{
    public override string Name => "SelectBackward";

    public override ShapeResult InferShape(ShapeContext context) => ShapeResult.Tensor(context.Shape(1));

    public override void Differentiate(IGradientBuilder builder, Node node, int gradient)
    {
        var g = node.Inputs[0];
        if (builder.IsActive(g)) builder.Accumulate(g, builder.Add(new SelectAtOp(Dim), builder.GradientName(g), gradient, node.Inputs[2]));
    }

    public override void Emit(IEmitContext context, Node node) =>
        context.Call("SelectBackward", EmitArg.Value(node.Inputs[0]), EmitArg.Long(new SelectAtOp(Dim).Axis(context.Node(node.Inputs[1]))), new IndexArg(node.Inputs[2]), EmitArg.Output(node));

    public override string Math(Node node, Func<int, string> nameOf) =>
        "zeros like " + nameOf(node.Inputs[1]) + " with " + nameOf(node.Inputs[0]) + " at " + nameOf(node.Inputs[2]) + " along axis " + Dim.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
