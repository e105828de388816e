using System.Collections.Generic;
using Dsl.Generators.Ir;

namespace Dsl.Generators.Emit;

/// <summary>What an op's emission rule sees: the C# text of its operands and output, and where to write.</summary>
internal sealed class EmitContext(IReadOnlyList<Node> nodes, IReadOnlyDictionary<int, string> buffers, CodeWriter writer)
{
    /// <summary>The C# expression of a value: a buffer field, an input, a parameter, a state field or an inline number.</summary>
    public string Ref(int id)
    {
        if (buffers.TryGetValue(id, out var field)) return field;
        var node = nodes[id];
        return node.Op switch
        {
            InputOp input => input.Parameter,
            ParameterOp parameter => parameter.Path,
            StateOp state => state.Field,
            NumberOp number => number.Expression,
            NumberArithmeticOp arithmetic => arithmetic.Inline(this, node),
            NumberNegateOp negate => negate.Inline(this, node),
            NumberFunctionOp function => function.Inline(this, node),
            NoGradOp => Ref(node.Inputs[0]),
            _ => throw new System.InvalidOperationException("no buffer for " + node.Name),
        };
    }

    public string Out(Node node) => buffers[node.Id];

    public Node Node(int id) => nodes[id];

    /// <summary>The field of an auxiliary buffer of a node (see <see cref="Op.Auxiliary"/>).</summary>
    public string Auxiliary(Node node, string suffix) => AuxiliaryField(buffers[node.Id], suffix);

    public static string AuxiliaryField(string field, string suffix) => field + suffix;

    public bool IsNumber(int id) => nodes[id].IsNumber;

    public void Line(string statement) => writer.Line(statement);
}
