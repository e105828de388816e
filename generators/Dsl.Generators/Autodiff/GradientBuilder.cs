using System;
using System.Collections.Generic;
using System.Linq;
using Dsl.Generators.Ir;
using Dsl.Generators.Shapes;

namespace Dsl.Generators.Autodiff;

/// <summary>
/// What derivative rules use to append the backward pass to the graph: make nodes (their shapes
/// are inferred by the same rules as the forward pass), and accumulate gradient contributions
/// (summing on fan-out, summing back over broadcast axes).
/// </summary>
internal sealed class GradientBuilder : IGradientBuilder
{
    private readonly Graph _graph;
    private readonly bool[] _active;
    private readonly ShapeUnifier _unifier;
    private readonly Dictionary<int, int> _gradients = [];
    private readonly HashSet<int> _named = [];
    private readonly IAdjointOps _ops;

    public GradientBuilder(Graph graph, bool[] active, IAdjointOps ops, ShapeUnifier? unifier = null)
    {
        _ops = ops;
        _unifier = unifier ?? new ShapeUnifier();
        _graph = graph;
        _active = active;
    }

    public IReadOnlyDictionary<int, int> Gradients => _gradients;

    public bool IsActive(int id) => id < _active.Length && _active[id];

    public Node Node(int id) => _graph[id];

    public SymShape ResolvedShape(int id) => _unifier.Resolve(_graph[id].Shape);

    /// <summary>"d" + the value's name: <c>dLogits</c>, <c>dW1</c>.</summary>
    public string GradientName(int id)
    {
        return "d" + Naming.UpperFirst(_graph[id].Name);
    }

    /// <summary>Appends a tensor op applied to earlier values.</summary>
    public int Add(Op op, string name, params int[] inputs)
    {
        var shapes = new SymShape[inputs.Length];
        var kinds = new ValueKind[inputs.Length];
        var labels = new OperandLabel[inputs.Length];
        for (var i = 0; i < inputs.Length; i++) (shapes[i], kinds[i], labels[i]) = (_graph[inputs[i]].Shape, _graph[inputs[i]].Kind, _graph[inputs[i]].Name);
        var context = new ShapeContext(_unifier, shapes, kinds, labels);
        var result = op.InferShape(context);
        if (result.Error is not null)
        {
            throw new InvalidOperationException("the derivative rule of " + op.Name + " made inconsistent shapes: " + string.Join(", ", result.Arguments));
        }
        return _graph.Add(op, inputs, result.Shape!, result.Kind, name, NamePriority.Auto);
    }

    /// <summary>A run-time number constant used by a derivative rule.</summary>
    public int Number(double value) =>
        _graph.Add(NumberOp.Constant(value), [],
            SymShape.Scalar, ValueKind.Number, "number", NamePriority.Fixed);

    public int Seed(int loss)
    {
        var seed = Add(_ops.Ones(), GradientName(loss));
        _graph.Rename(seed, GradientName(loss), NamePriority.Fixed);
        _named.Add(seed);
        return _gradients[loss] = seed;
    }

    public bool TryGetGradient(int id, out int gradient) => _gradients.TryGetValue(id, out gradient);

    /// <summary>A structured node reached through its results: its rule runs with gradient -1 (it reads its results' gradients).</summary>
    public void Reach(int id)
    {
        if (IsActive(id) && !_gradients.ContainsKey(id)) _gradients[id] = -1;
    }

    /// <summary>Adds a contribution to the gradient of <paramref name="target"/>; a second one is summed.</summary>
    public void Accumulate(int target, int contribution)
    {
        if (!IsActive(target)) return;
        if (_gradients.TryGetValue(target, out var existing))
        {
            _gradients[target] = Add(_ops.Add(), GradientName(target), existing, contribution);
            return;
        }
        _gradients[target] = contribution;
        // A contribution made for this target is named after it; one shared with another value
        // (Add passes its gradient through unchanged) keeps that value's name.
        if (contribution >= _active.Length && _named.Add(contribution)) _graph.Rename(contribution, GradientName(target), NamePriority.Fixed);
    }

    /// <summary>Like <see cref="Accumulate"/>, first summing over the axes along which target was broadcast.</summary>
    public void AccumulateReduced(int target, int contribution)
    {
        if (!IsActive(target)) return;
        var from = _graph[contribution].Shape;
        var to = _graph[target].Shape;
        if (Broadcasting.NeedsReduction(from, to))
        {
            contribution = Add(_ops.SumToShape(), GradientName(target), contribution, target);
        }
        Accumulate(target, contribution);
    }
}
