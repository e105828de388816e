using System.Collections.Generic;
using Dsl.Generators.Shapes;

namespace Dsl.Generators.Ir;

/// <summary>What a value is at run time: a tensor, or a plain number (a double) such as a hyperparameter.</summary>
internal enum ValueKind
{
    Tensor,
    Number,
    /// <summary>The gradients of a model (<c>Grad(loss, model)</c>), only for an update rule's <c>Apply</c>.</summary>
    Gradients,
}

/// <summary>How sure a node's name is; a stronger name replaces a weaker one (a local's name beats an op's default).</summary>
internal enum NamePriority
{
    Auto,
    Output,
    Role,
    Local,
    Fixed,
}

/// <summary>
/// One SSA value: an op applied to earlier values. Ids are positions in the graph, so every input
/// precedes its users and the id order is an execution order. Must stay immutable and structurally equal.
/// </summary>
internal sealed record Node(int Id, Op Op, EquatableArray<int> Inputs, SymShape Shape, ValueKind Kind, string Name, NamePriority NamePriority)
{
    public bool IsNumber => Kind == ValueKind.Number;
}

/// <summary>
/// A graph under construction (lowering and differentiation append to it). Adding a pure op on
/// inputs that an earlier node already applies it to returns that node (common-subexpression
/// elimination as the graph is built): <c>Exp(logits)</c> written twice, or a derivative rule
/// rebuilding a value the forward pass has, is computed once.
/// </summary>
internal sealed class Graph
{
    private readonly List<Node> _nodes = [];
    private readonly Dictionary<(Op Op, EquatableArray<int> Inputs, ValueKind Kind), int> _pure = new();

    public IReadOnlyList<Node> Nodes => _nodes;

    public Node this[int id] => _nodes[id];

    public int Count => _nodes.Count;

    public int Add(Op op, IReadOnlyList<int> inputs, SymShape shape, ValueKind kind, string name, NamePriority priority)
    {
        var key = (op, inputs.ToEquatableArray(), kind);
        if (op.IsPure && _pure.TryGetValue(key, out var known)) return known;
        var node = new Node(_nodes.Count, op, key.Item2, shape, kind, name, priority);
        _nodes.Add(node);
        if (op.IsPure) _pure[key] = node.Id;
        return node.Id;
    }

    /// <summary>Gives a node a better name when the new one is stronger than the one it has.</summary>
    public void Rename(int id, string name, NamePriority priority)
    {
        var node = _nodes[id];
        // Sources keep their names, except computed numbers (a 'var stepSize = ...' local names its value).
        if ((node.Op is SourceOp && !(node.IsNumber && node.Op is not NumberOp)) || priority <= node.NamePriority) return;
        _nodes[id] = node with { Name = name, NamePriority = priority };
    }

    public void Replace(Node node) => _nodes[node.Id] = node;
}
