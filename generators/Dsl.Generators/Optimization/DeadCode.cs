using System.Collections.Generic;
using Dsl.Generators.Ir;

namespace Dsl.Generators.Optimization;

/// <summary>
/// Drops nodes no root depends on (derivative rules may build values nothing uses) and renumbers
/// the rest densely, keeping their order.
/// </summary>
internal static class DeadCode
{
    public static (List<Node> Nodes, int[] Remap) Eliminate(IReadOnlyList<Node> nodes, IEnumerable<int> roots)
    {
        var live = Live(nodes, roots);
        var remap = new int[nodes.Count];
        var result = new List<Node>();
        for (var id = 0; id < nodes.Count; id++)
        {
            remap[id] = -1;
            if (!live[id]) continue;
            remap[id] = result.Count;
            var node = nodes[id];
            var moved = node.Id != result.Count;
            for (var i = 0; i < node.Inputs.Count && !moved; i++) moved = remap[node.Inputs[i]] != node.Inputs[i];
            if (!moved)
            {
                // Nothing before it was dropped: the node stands as it is (records are immutable).
                result.Add(node);
                continue;
            }
            var inputs = new int[node.Inputs.Count];
            for (var i = 0; i < inputs.Length; i++) inputs[i] = remap[node.Inputs[i]];
            result.Add(node with { Id = result.Count, Inputs = inputs.ToEquatableArray() });
        }
        return (result, remap);
    }

    /// <summary>Which nodes the roots read, directly or through other nodes (an explicit stack: a 16,000-term sum is a graph as deep).</summary>
    public static bool[] Live(IReadOnlyList<Node> nodes, IEnumerable<int> roots)
    {
        var live = new bool[nodes.Count];
        var stack = new Stack<int>(roots);
        while (stack.Count > 0)
        {
            var id = stack.Pop();
            if (live[id]) continue;
            live[id] = true;
            foreach (var input in nodes[id].Inputs) stack.Push(input);
        }
        return live;
    }
}
