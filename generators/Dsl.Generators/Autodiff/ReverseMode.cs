using System.Collections.Generic;
using Dsl.Generators.Ir;

namespace Dsl.Generators.Autodiff;

/// <summary>
/// Reverse-mode differentiation as an IR → IR transform: walks the forward nodes from the loss
/// back, asking each active node's op for its derivative rule, which appends backward nodes to
/// the same graph. The result maps each trainable parameter to the node of its gradient.
/// </summary>
internal static class ReverseMode
{
    public static Dictionary<int, int> Differentiate(Graph graph, int loss, IReadOnlyList<int> parameters, IAdjointOps ops)
    {
        var active = Activity.Analyze(graph, loss);
        var result = new Dictionary<int, int>();
        if (!active[loss]) return result;

        var builder = new GradientBuilder(graph, active, ops);
        builder.Seed(loss);
        for (var id = loss; id >= 0; id--)
        {
            if (!active[id] || !builder.TryGetGradient(id, out var gradient)) continue;
            var node = graph[id];
            node.Op.Differentiate(builder, node, gradient);
        }
        foreach (var parameter in parameters)
        {
            if (builder.TryGetGradient(parameter, out var gradient)) result[parameter] = gradient;
        }
        return result;
    }

    /// <summary>
    /// The gradients of a scalar y with respect to each of <paramref name="targets"/> (a model's
    /// parameters in a [Step]), appended to the graph; targets y does not depend on are absent.
    /// </summary>
    public static Dictionary<int, int> GradientsOf(Graph graph, int y, IReadOnlyCollection<int> targets, IAdjointOps ops, Shapes.ShapeUnifier unifier)
    {
        var result = new Dictionary<int, int>();
        if (targets.Count == 0) return result;
        var set = new HashSet<int>(targets);
        var active = Activity.Analyze(graph, y, node => set.Contains(node.Id));
        if (!active[y]) return result;
        var builder = new GradientBuilder(graph, active, ops, unifier);
        builder.Seed(y);
        var lowest = int.MaxValue;
        foreach (var target in targets) lowest = System.Math.Min(lowest, target);
        for (var id = y; id >= lowest; id--)
        {
            if (set.Contains(id) || !active[id] || !builder.TryGetGradient(id, out var gradient)) continue;
            var node = graph[id];
            node.Op.Differentiate(builder, node, gradient);
        }
        foreach (var target in targets)
        {
            if (builder.TryGetGradient(target, out var gradient)) result[target] = gradient;
        }
        return result;
    }

    /// <summary>
    /// The graph of dy/dx for a scalar y, appended to <paramref name="graph"/> (so it can be
    /// differentiated again); null when y does not depend on x. Throws
    /// <see cref="MissingDerivativeException"/> for an op without a rule.
    /// </summary>
    public static int? Gradient(Graph graph, int y, int x, IAdjointOps ops, Shapes.ShapeUnifier unifier)
    {
        var active = Activity.Analyze(graph, y, node => node.Id == x);
        if (!active[y]) return null;
        var builder = new GradientBuilder(graph, active, ops, unifier);
        builder.Seed(y);
        for (var id = y; id >= x; id--)
        {
            if (!active[id] || !builder.TryGetGradient(id, out var gradient)) continue;
            var node = graph[id];
            if (id == x) break;
            node.Op.Differentiate(builder, node, gradient);
        }
        return builder.TryGetGradient(x, out var result) ? result : null;
    }
}
