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
            for (var k = 0; k < loop.Carried.Count; k++)
            {
                writer.Line(RuntimeApi.GrowRows(context.Auxiliary(node, LoopBuffers.Rows(loop.Carried[k])), "(long)(" + bound + ")" + (loop.Start == 0 ? "" : " - " + Start(loop.Start)),
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
                writer.Line("// save the carried values for the backward pass");
                for (var k = 0; k < loop.Carried.Count; k++)
                {
                    var carry = context.Auxiliary(node, LoopBuffers.Carry(loop.Carried[k]));
                    writer.Line(RuntimeApi.CopyToRow(carry, context.Auxiliary(node, LoopBuffers.Rows(loop.Carried[k])), Row(counter, loop.Start)));
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
        using (writer.Block(RuntimeApi.For(counter, Start(backward.Start), bound, reverse: true)))
        {
            writer.Line("// the carried values this iteration started from");
            for (var k = 0; k < backward.Carried.Count; k++)
            {
                if (body.CarryIn[k] < 0) continue;
                writer.Line(RuntimeApi.CopyFromRow(context.Auxiliary(loopNode, LoopBuffers.Rows(backward.Carried[k])), Row(counter, backward.Start),
                    context.Auxiliary(loopNode, LoopBuffers.Carry(backward.Carried[k]))));
            }
            Nodes(writer, nested, body.Nodes);
            for (var j = 0; j < inputCount; j++)
            {
                if (backward.InputGradients[j] < 0) continue;
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
                if (previous != gradient) writer.Line(RuntimeApi.Copy(previous, gradient));
            }
        }
    }

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
        string NameOf(int id)
        {
            var node = nodes[id];
            if (node.Op is NoGradOp) return node.Op.Math(node, NameOf);
            if (!node.IsNumber) return node.Name;
            var math = node.Op.Math(node, NameOf);
            return node.Op is NumberArithmeticOp ? "(" + math + ")" : math;
        }
        foreach (var node in nodes)
        {
            if (!Optimization.ValueNaming.Emitted(node)) continue;
            writer.Line("// " + (node.Op is EffectOp ? node.Op.Math(node, NameOf) : node.Name + " = " + node.Op.Math(node, NameOf)));
            node.Op.Emit(nested, node);
        }
    }
}
