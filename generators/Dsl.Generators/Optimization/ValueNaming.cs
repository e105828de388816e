using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Dsl.Generators.Ir;

namespace Dsl.Generators.Optimization;

/// <summary>
/// Final names of computed values, from the math: a local keeps its name (<c>h</c>), op results are
/// numbered per op (<c>matMul1</c>, <c>matMul2</c>), gradients are <c>d</c> + the value
/// (<c>dLogits</c>). Names are made unique; inputs and parameters keep theirs.
/// </summary>
internal static class ValueNaming
{
    /// <param name="fix">Also make every name final (<see cref="NamePriority.Fixed"/>), in the same copy of each node.</param>
    public static List<Node> Assign(List<Node> nodes, bool fix = false)
    {
        var taken = new HashSet<string>(nodes.Where(n => !Computed(n)).Select(n => n.Name), System.StringComparer.Ordinal);
        var counters = new Dictionary<string, int>(System.StringComparer.Ordinal);
        // Per base name, the suffix the last "name2, name3, ..." search stopped at: every smaller one
        // is taken (names are only ever added), so the next search starts there instead of at 2.
        var nextSuffix = new Dictionary<string, int>(System.StringComparer.Ordinal);
        var result = new List<Node>(nodes.Count);
        foreach (var node in nodes)
        {
            if (!Computed(node))
            {
                result.Add(fix && node.NamePriority != NamePriority.Fixed ? node with { NamePriority = NamePriority.Fixed } : node);
                continue;
            }
            string name;
            if (node.NamePriority == NamePriority.Auto)
            {
                var separator = char.IsDigit(node.Name[node.Name.Length - 1]) ? "_" : "";
                counters.TryGetValue(node.Name, out var n);
                do
                {
                    n++;
                    name = node.Name + separator + n.ToString(CultureInfo.InvariantCulture);
                }
                while (taken.Contains(name));
                counters[node.Name] = n;
            }
            else if (node.NamePriority == NamePriority.Fixed && !taken.Contains(node.Name))
            {
                name = node.Name;
            }
            else
            {
                name = node.Name;
                if (taken.Contains(name))
                {
                    nextSuffix.TryGetValue(node.Name, out var n);
                    for (n = System.Math.Max(n, 2); taken.Contains(name = node.Name + n.ToString(CultureInfo.InvariantCulture)); n++) { }
                    nextSuffix[node.Name] = n;
                }
            }
            taken.Add(name);
            if (name == node.Name && (!fix || node.NamePriority == NamePriority.Fixed)) result.Add(node);
            else result.Add(fix ? node with { Name = name, NamePriority = NamePriority.Fixed } : node with { Name = name });
        }
        return result;
    }

    /// <summary>A value the step computes into a buffer (not an input, parameter, state or number).</summary>
    public static bool Computed(Node node) => node.Op is not SourceOp and not EffectOp && !node.IsNumber;

    /// <summary>A node the step emits: a computed value, or an effect on a parameter.</summary>
    public static bool Emitted(Node node) => Computed(node) || node.Op is EffectOp;
}
