using System.Collections.Generic;
using System.Linq;
using Dsl.Generators.Ir;
using Dsl.Generators.Operations;
using Dsl.Generators.Optimization;
using Dsl.Generators.Shapes;

namespace Dsl.Generators.Compile;

/// <summary>
/// Finishes the bodies of run-time loops once the step's graph is final: drops the body values nothing
/// carried (or, in a reversed loop, no gradient) needs, names the rest and resolves their shapes, as the
/// step does for its own values.
/// </summary>
internal static class LoopPlanning
{
    public static List<Node> Finish(List<Node> nodes, ShapeUnifier unifier) => nodes.Select(node => node.Op switch
    {
        LoopOp loop => node with { Op = loop with { Body = Finish(loop.Body, loop.Body.CarryOut, unifier, out _) } },
        LoopBackwardOp backward => node with { Op = Finish(backward, unifier) },
        _ => node,
    }).ToList();

    private static LoopBackwardOp Finish(LoopBackwardOp backward, ShapeUnifier unifier)
    {
        var roots = backward.CarryGradients.Concat(backward.InputGradients).Where(id => id >= 0).ToList();
        var body = Finish(backward.Body, roots, unifier, out var remap);
        return backward with
        {
            Body = body,
            GradientIn = backward.GradientIn.Select(id => Remap(remap, id)).ToEquatableArray(),
            CarryGradients = backward.CarryGradients.Select(id => Remap(remap, id)).ToEquatableArray(),
            InputGradients = backward.InputGradients.Select(id => Remap(remap, id)).ToEquatableArray(),
        };
    }

    private static LoopBody Finish(LoopBody body, IEnumerable<int> roots, ShapeUnifier unifier, out int[] remap)
    {
        var (nodes, map) = DeadCode.Eliminate(body.Nodes, roots);
        remap = map;
        var named = ValueNaming.Assign(nodes).Select(n => n with { Shape = unifier.Resolve(n.Shape) }).ToEquatableArray();
        var m = map;
        return new LoopBody(named, Remap(m, body.Index), body.CarryIn.Select(id => Remap(m, id)).ToEquatableArray(),
            body.CarryOut.Select(id => Remap(m, id)).ToEquatableArray(), body.Inputs.Select(id => Remap(m, id)).ToEquatableArray());
    }

    private static int Remap(int[] remap, int id) => id >= 0 && id < remap.Length ? remap[id] : -1;
}
