using System.Collections.Generic;
using System.Globalization;
using Dsl.Generators.Ir;
using Dsl.Generators.Operations;

namespace Dsl.Generators.Emit;

/// <summary>
/// Writes run-time loops (docs/ARCHITECTURE-generator.md, "Run-time loops"): a C# <c>for</c> over one set
/// of body buffers. The forward loop copies each carried value into its carry buffer, saves it per
/// iteration when a training step is written, and runs the body; the reversed loop of the backward pass
/// restores the saved value of each iteration, recomputes the body and runs its derivative, summing the
/// gradients of the outside values.
/// </summary>
internal static class LoopEmitter
{
    public static void Emit(EmitContext context, Node node)
    {
        switch (node.Op)
        {
            case LoopOp loop:
                Forward(context, node, loop);
                break;
            case LoopBackwardOp backward:
                Backward(context, node, backward);
                break;
        }
    }

    private static string Counter(string variable) => Identifiers.Generated(variable);

    /// <summary>The experiment's setting: save the carried values every this many iterations (1: every iteration).</summary>
    public const string CheckpointProperty = "LoopCheckpointInterval";

    private const string Every = "global::System.Math.Max(1, " + CheckpointProperty + ")";

    public static void CheckpointSetting(CodeWriter writer)
    {
        writer.Line("/// <summary>");
        writer.Line("/// Run-time loops save their carried values for the backward pass every this many iterations (1, the default:");
        writer.Line("/// every iteration). With k &gt; 1 the backward pass runs each segment of k iterations forward again from its");
        writer.Line("/// saved values: memory for a loop of n iterations falls from n to about n / k + k carried values, for one");
        writer.Line("/// more forward pass of the loop's body. Gradients are the same either way.");
        writer.Line("/// </summary>");
        writer.Line("public int " + CheckpointProperty + " { get; set; } = 1;");
    }

    private static string Start(long start) => start.ToString(CultureInfo.InvariantCulture);

    private static string Row(string counter, long start) => start == 0 ? counter : counter + " - " + Start(start);

    private static void Forward(EmitContext context, Node node, LoopOp loop)
    {
        var writer = context.Writer;
        var body = loop.Body;
        var counter = Counter(loop.Variable);
        var bound = context.Ref(node.Inputs[0]);
        var refs = new Dictionary<int, string>();
        if (body.Index >= 0) refs[body.Index] = counter;
        for (var k = 0; k < loop.Carried.Count; k++)
        {
            var carry = context.Auxiliary(node, LoopBuffers.Carry(loop.Carried[k]));
            writer.Line(RuntimeApi.Copy(context.Ref(node.Inputs[1 + k]), carry));
            if (body.CarryIn[k] >= 0) refs[body.CarryIn[k]] = carry;
        }
        if (context.Training)
        {
            // One saved row per iteration, or per segment of Every iterations (checkpointing).
            for (var k = 0; k < loop.Carried.Count; k++)
            {
                writer.Line(RuntimeApi.GrowRows(context.Auxiliary(node, LoopBuffers.Rows(loop.Carried[k])), "((long)(" + bound + ")" + (loop.Start == 0 ? "" : " - " + Start(loop.Start)) + " + " + Every + " - 1) / " + Every,
                    context.Auxiliary(node, LoopBuffers.Carry(loop.Carried[k]))));
            }
        }
        for (var j = 0; j < body.Inputs.Count; j++)
        {
            if (body.Inputs[j] >= 0) refs[body.Inputs[j]] = context.Ref(node.Inputs[loop.InputOffset + j]);
        }
        BodyRefs(context, node, body, refs);
        var nested = context.Nested(body.Nodes, refs);
        using (writer.Block(RuntimeApi.For(counter, Start(loop.Start), bound, reverse: false)))
        {
            if (context.Training)
            {
                writer.Line("// save the carried values for the backward pass (each iteration's, or each " + CheckpointProperty + "-th's)");
                using (writer.Block("if ((" + Row(counter, loop.Start) + ") % " + Every + " == 0)"))
                {
                    for (var k = 0; k < loop.Carried.Count; k++)
                    {
                        var carry = context.Auxiliary(node, LoopBuffers.Carry(loop.Carried[k]));
                        writer.Line(RuntimeApi.CopyToRow(carry, context.Auxiliary(node, LoopBuffers.Rows(loop.Carried[k])), "(" + Row(counter, loop.Start) + ") / " + Every));
                    }
                }
            }
            Nodes(writer, nested, body.Nodes);
            for (var k = 0; k < loop.Carried.Count; k++)
            {
                var carry = context.Auxiliary(node, LoopBuffers.Carry(loop.Carried[k]));
                var next = nested.Ref(body.CarryOut[k]);
                if (next == carry) continue;
                writer.Line("// " + loop.Carried[k] + " for the next iteration");
                writer.Line(RuntimeApi.Copy(next, carry));
            }
        }
    }

    private static void Backward(EmitContext context, Node node, LoopBackwardOp backward)
    {
        var writer = context.Writer;
        var loopNode = context.Node(node.Inputs[0]);
        var body = backward.Body;
        var counter = Counter(backward.Variable);
        var bound = context.Ref(node.Inputs[1]);
        var inputCount = body.Inputs.Count;
        var refs = new Dictionary<int, string>();
        if (body.Index >= 0) refs[body.Index] = counter;
        var upstream = 2 + inputCount;
        for (var k = 0; k < backward.Carried.Count; k++)
        {
            var gradient = context.Auxiliary(node, LoopBuffers.CarryGradient(backward.Carried[k]));
            if (backward.HasUpstream[k]) writer.Line(RuntimeApi.Copy(context.Ref(node.Inputs[upstream++]), gradient));
            else writer.Line(RuntimeApi.Fill(gradient, "0d"));
            if (backward.GradientIn[k] >= 0) refs[backward.GradientIn[k]] = gradient;
            if (body.CarryIn[k] >= 0) refs[body.CarryIn[k]] = context.Auxiliary(loopNode, LoopBuffers.Carry(backward.Carried[k]));
        }
        for (var j = 0; j < inputCount; j++)
        {
            if (body.Inputs[j] >= 0) refs[body.Inputs[j]] = context.Ref(node.Inputs[2 + j]);
            if (backward.InputGradients[j] >= 0) writer.Line(RuntimeApi.Fill(context.Auxiliary(node, LoopBuffers.InputGradient(j)), "0d"));
        }
        BodyRefs(context, node, body, refs);
        var nested = context.Nested(body.Nodes, refs);
        var loop = (LoopOp)loopNode.Op;
        var length = "(long)(" + bound + ")" + (backward.Start == 0 ? "" : " - " + Start(backward.Start));
        using (writer.Block("if (" + Every + " == 1)"))
        {
            writer.Line("// every iteration's carried values were saved");
            using (writer.Block(RuntimeApi.For(counter, Start(backward.Start), bound, reverse: true)))
            {
                Restore(writer, context, loopNode, backward, body, LoopBuffers.Rows, Row(counter, backward.Start));
                Reverse(writer, context, node, backward, body, nested);
            }
        }
        using (writer.Block("else if (" + length + " > 0)"))
        {
            writer.Line("// checkpoints every " + CheckpointProperty + " iterations: each segment, last first, runs forward again from its checkpoint, then backward");
            for (var k = 0; k < backward.Carried.Count; k++)
            {
                writer.Line(RuntimeApi.GrowRows(context.Auxiliary(loopNode, LoopBuffers.Segment(backward.Carried[k])), Every, context.Auxiliary(loopNode, LoopBuffers.Carry(backward.Carried[k]))));
            }
            var segment = Identifiers.Generated("segment");
            var first = Identifiers.Generated("first");
            var end = Identifiers.Generated("end");
            using (writer.Block("for (long " + segment + " = (" + length + " - 1) / " + Every + "; " + segment + " >= 0; " + segment + "--)"))
            {
                writer.Line("var " + first + " = " + Start(backward.Start) + " + " + segment + " * " + Every + ";");
                writer.Line("var " + end + " = global::System.Math.Min((long)(" + bound + "), " + first + " + " + Every + ");");
                for (var k = 0; k < backward.Carried.Count; k++)
                {
                    writer.Line(RuntimeApi.CopyFromRow(context.Auxiliary(loopNode, LoopBuffers.Rows(backward.Carried[k])), segment, context.Auxiliary(loopNode, LoopBuffers.Carry(backward.Carried[k]))));
                }
                var forwardRefs = new Dictionary<int, string>();
                var forwardBody = loop.Body;
                if (forwardBody.Index >= 0) forwardRefs[forwardBody.Index] = counter;
                for (var k = 0; k < loop.Carried.Count; k++)
                {
                    if (forwardBody.CarryIn[k] >= 0) forwardRefs[forwardBody.CarryIn[k]] = context.Auxiliary(loopNode, LoopBuffers.Carry(loop.Carried[k]));
                }
                for (var j = 0; j < forwardBody.Inputs.Count; j++)
                {
                    if (forwardBody.Inputs[j] >= 0) forwardRefs[forwardBody.Inputs[j]] = context.Ref(loopNode.Inputs[loop.InputOffset + j]);
                }
                BodyRefs(context, loopNode, forwardBody, forwardRefs);
                var forwardNested = context.Nested(forwardBody.Nodes, forwardRefs);
                using (writer.Block("for (long " + counter + " = " + first + "; " + counter + " < " + end + "; " + counter + "++)"))
                {
                    for (var k = 0; k < loop.Carried.Count; k++)
                    {
                        var carry = context.Auxiliary(loopNode, LoopBuffers.Carry(loop.Carried[k]));
                        writer.Line(RuntimeApi.CopyToRow(carry, context.Auxiliary(loopNode, LoopBuffers.Segment(loop.Carried[k])), counter + " - " + first));
                    }
                    Nodes(writer, forwardNested, forwardBody.Nodes);
                    for (var k = 0; k < loop.Carried.Count; k++)
                    {
                        var carry = context.Auxiliary(loopNode, LoopBuffers.Carry(loop.Carried[k]));
                        var next = forwardNested.Ref(forwardBody.CarryOut[k]);
                        if (next != carry) writer.Line(RuntimeApi.Copy(next, carry));
                    }
                }
                using (writer.Block("for (long " + counter + " = " + end + " - 1; " + counter + " >= " + first + "; " + counter + "--)"))
                {
                    Restore(writer, context, loopNode, backward, body, LoopBuffers.Segment, counter + " - " + first);
                    Reverse(writer, context, node, backward, body, nested);
                }
            }
        }
    }

    private static void Restore(CodeWriter writer, EmitContext context, Node loopNode, LoopBackwardOp backward, LoopBody body, System.Func<string, string> rows, string row)
    {
        writer.Line("// the carried values this iteration started from");
        for (var k = 0; k < backward.Carried.Count; k++)
        {
            if (body.CarryIn[k] < 0) continue;
            writer.Line(RuntimeApi.CopyFromRow(context.Auxiliary(loopNode, rows(backward.Carried[k])), row, context.Auxiliary(loopNode, LoopBuffers.Carry(backward.Carried[k]))));
        }
    }

    /// <summary>One iteration of the reversed loop: the body and its derivative, then the sums and the carried gradients.</summary>
    private static void Reverse(CodeWriter writer, EmitContext context, Node node, LoopBackwardOp backward, LoopBody body, EmitContext nested)
    {
        Nodes(writer, nested, body.Nodes);
        for (var j = 0; j < body.Inputs.Count; j++)
        {
            if (backward.InputGradients[j] < 0) continue;
            writer.Line("// the gradient of " + Display(body, j) + " summed over the iterations");
            writer.Line(RuntimeApi.AddInto(context.Auxiliary(node, LoopBuffers.InputGradient(j)), nested.Ref(backward.InputGradients[j])));
        }
        for (var k = 0; k < backward.Carried.Count; k++)
        {
            var gradient = context.Auxiliary(node, LoopBuffers.CarryGradient(backward.Carried[k]));
            if (backward.CarryGradients[k] < 0)
            {
                writer.Line(RuntimeApi.Fill(gradient, "0d"));
                continue;
            }
            var previous = nested.Ref(backward.CarryGradients[k]);
            if (previous == gradient) continue;
            writer.Line("// the gradient of " + backward.Carried[k] + " for the previous iteration");
            writer.Line(RuntimeApi.Copy(previous, gradient));
        }
    }

    /// <summary>How the body names outside value <paramref name="index"/> (<c>Net.W</c>).</summary>
    private static string Display(LoopBody body, int index) =>
        body.Inputs[index] >= 0 && body.Nodes[body.Inputs[index]].Op is LoopInputOp input ? input.Display : "input " + index.ToString(CultureInfo.InvariantCulture);

    /// <summary>The body's computed values live in the loop node's auxiliary buffers.</summary>
    private static void BodyRefs(EmitContext context, Node node, LoopBody body, Dictionary<int, string> refs)
    {
        foreach (var bodyNode in body.Nodes)
        {
            if (LoopBuffers.IsComputed(bodyNode) && !refs.ContainsKey(bodyNode.Id)) refs[bodyNode.Id] = context.Auxiliary(node, LoopBuffers.Body(bodyNode.Name));
        }
    }

    private static void Nodes(CodeWriter writer, EmitContext nested, EquatableArray<Node> nodes)
    {
        var nameOf = MathNames.Of(nodes);
        foreach (var node in nodes)
        {
            if (!Optimization.ValueNaming.Emitted(node)) continue;
            writer.Line("// " + (node.Op is EffectOp ? node.Op.Math(node, nameOf) : node.Name + " = " + node.Op.Math(node, nameOf)));
            node.Op.Emit(nested, node);
        }
    }
}
