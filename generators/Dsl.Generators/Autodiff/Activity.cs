using System.Collections.Generic;
using Dsl.Generators.Ir;

namespace Dsl.Generators.Autodiff;

/// <summary>
/// Activity analysis: a value is active when it depends on a trainable parameter. Only active
/// values get gradients, so no backward work is spent on inputs, labels, frozen parameters or
/// anything computed from them alone.
/// </summary>
internal static class Activity
{
    public static bool[] Analyze(Graph graph, int upTo) => Analyze(graph, upTo, node => node.Op is ParameterOp { Frozen: false });

    /// <summary>Values that depend on a node <paramref name="isSeed"/> picks (for <c>Grad(y, x)</c>: x itself).</summary>
    public static bool[] Analyze(Graph graph, int upTo, System.Func<Node, bool> isSeed)
    {
        var active = new bool[graph.Count];
        for (var id = 0; id <= upTo && id < graph.Count; id++)
        {
            var node = graph[id];
            if (isSeed(node))
            {
                active[id] = true;
                continue;
            }
            // Numbers, sources, masks and indices (Bool/Int64 results) carry no gradient.
            if (node.IsNumber || node.Op is SourceOp || node.Op.ResultType != ElementType.Float) continue;
            foreach (var input in node.Inputs)
            {
                if (active[input])
                {
                    active[id] = true;
                    break;
                }
            }
        }
        return active;
    }
}
