using System.Collections.Generic;
using System.Linq;
using Dsl.Generators.Ir;
using Dsl.Generators.Shapes;

namespace Dsl.Generators.Autodiff;

/// <summary>
/// Reverse mode over a small expression that a derivative rule builds inside the graph, with its own
/// gradients and activity, so a rule can differentiate an op by differentiating a composition of
/// simpler ops. A backward op computed by one kernel (layer normalization's, attention's) gets its
/// derivative this way: the rule rebuilds the forward op from elementwise and reduction ops, takes
/// its vector-Jacobian product (the composed backward), then that product's own (the second
/// derivative), and hands the results to the enclosing pass. The composed nodes are used only by the
/// second derivative; the first derivative keeps its kernel.
/// <para>
/// Nodes are appended through the enclosing builder (the graph may return an existing node for a
/// pure op already applied to the same inputs); activity is worked out per product, from the
/// values differentiated with respect to, never past them.
/// </para>
/// </summary>
internal sealed class LocalReverse(IGradientBuilder outer, IAdjointOps ops) : IGradientBuilder
{
    private Dictionary<int, int> _gradients = [];
    private Dictionary<int, bool> _active = [];

    public bool IsActive(int id) => _active.TryGetValue(id, out var active) && active;

    public Node Node(int id) => outer.Node(id);

    public SymShape ResolvedShape(int id) => outer.ResolvedShape(id);

    public string GradientName(int id) => outer.GradientName(id);

    public int Add(Op op, string name, params int[] inputs) => outer.Add(op, name, inputs);

    public int Number(double value) => outer.Number(value);

    public void Accumulate(int target, int contribution)
    {
        if (!IsActive(target)) return;
        _gradients[target] = _gradients.TryGetValue(target, out var existing) ? outer.Add(ops.Add(), GradientName(target), existing, contribution) : contribution;
    }

    public bool TryGetGradient(int id, out int gradient) => _gradients.TryGetValue(id, out gradient);

    /// <summary>A structured node reached through its results (a run-time loop): its rule runs with gradient -1. Compositions hold none today.</summary>
    public void Reach(int id)
    {
        if (IsActive(id) && !_gradients.ContainsKey(id)) _gradients[id] = -1;
    }

    public void AccumulateReduced(int target, int contribution)
    {
        if (!IsActive(target)) return;
        if (Broadcasting.NeedsReduction(Node(contribution).Shape, Node(target).Shape))
        {
            contribution = outer.Add(ops.SumToShape(), GradientName(target), contribution, target);
        }
        Accumulate(target, contribution);
    }

    /// <summary>
    /// The vector-Jacobian product of <paramref name="output"/> with <paramref name="seed"/> (a value of
    /// the output's shape): for each of <paramref name="wrt"/> the output depends on, the node of
    /// Σ seed ⊙ ∂output/∂that value. Throws <see cref="MissingDerivativeException"/> for an op without a rule.
    /// </summary>
    public IReadOnlyDictionary<int, int> Product(int output, int seed, IReadOnlyCollection<int> wrt)
    {
        _gradients = [];
        _active = [];
        if (wrt.Count == 0) return _gradients;
        var lowest = wrt.Min();
        var leaves = new HashSet<int>(wrt);
        for (var id = lowest; id <= output; id++)
        {
            var node = outer.Node(id);
            _active[id] = leaves.Contains(id)
                || (!node.IsNumber && node.Op is not SourceOp && node.Op.ResultType == ElementType.Float && node.Inputs.Any(IsActive));
        }
        if (!IsActive(output)) return new Dictionary<int, int>();
        _gradients[output] = seed;
        for (var id = output; id >= lowest; id--)
        {
            if (leaves.Contains(id) || !IsActive(id) || !_gradients.TryGetValue(id, out var gradient)) continue;
            var node = outer.Node(id);
            node.Op.Differentiate(this, node, gradient);
        }
        return wrt.Where(_gradients.ContainsKey).ToDictionary(id => id, id => _gradients[id]);
    }
}
