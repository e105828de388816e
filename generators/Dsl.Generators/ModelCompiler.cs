using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Dsl.Generators.Diagnostics;
using Dsl.Generators.Emit;
using Dsl.Generators.Ir;
using Dsl.Generators.Optimization;
using Dsl.Generators.Parsing;

namespace Dsl.Generators;

/// <summary>
/// A model on its own: lowers its Forward with its [Dim]s as symbols (so shape errors inside a
/// model are reported even before any experiment uses it), and plans its Initialize and
/// Parameters. A bias added to x · W takes W's fan-in, as torch.nn.Linear does.
/// </summary>
internal static class ModelCompiler
{
    internal sealed record Result(ModelPlan? Plan, EquatableArray<DiagnosticInfo> Diagnostics);

    public static Result Compile(ModelSpec spec, ImmutableArray<ModelSpec> models)
    {
        var diagnostics = new List<DiagnosticInfo>();
        if (spec.HasErrors) return new Result(null, diagnostics.ToImmutableArray());
        var modelMap = new Dictionary<string, ModelSpec>(System.StringComparer.Ordinal);
        foreach (var model in models) modelMap[model.FullName] = model;
        modelMap[spec.FullName] = spec;

        Guard.ThrowIfRequested("checking the model");
        var lowering = new Lowering(modelMap, diagnostics);
        var self = lowering.CreateStandalone(spec);
        int? output = null;
        if (spec.Forward is not null && !lowering.Incomplete)
        {
            output = lowering.LowerEntry(spec.Forward, spec.Locations, self, self.Children, [], "", "Forward");
        }
        var graph = lowering.Graph;
        lowering.NameParameters();

        var math = new List<string>();
        if (output is not null)
        {
            var (nodes, _) = DeadCode.Eliminate(graph.Nodes, [output.Value]);
            nodes = ValueNaming.Assign(nodes);
            foreach (var node in nodes.Where(ValueNaming.Computed))
            {
                math.Add(node.Name + " = " + node.Op.Math(node, id => nodes[id].Name) + "   " + lowering.Unifier.Resolve(node.Shape));
            }
        }

        if (lowering.Incomplete) return new Result(null, diagnostics.ToImmutableArray());
        var fanIns = BiasFanIns(graph);
        var parameters = spec.Params.Select(p =>
        {
            var shape = p.Shape.Select(d => d.IsConstant ? CSharp.Literal(d.Constant) : d.Name!).ToEquatableArray();
            var fanIn = fanIns.TryGetValue(p.Name, out var weightFanIn) ? weightFanIn : shape.Count > 0 ? shape[0] : "1";
            var fanOut = shape.Count > 1 ? shape[1] : shape.Count > 0 ? shape[0] : "1";
            return new ParamPlan(p.Name, shape, "[" + string.Join(", ", p.Shape.Select(d => d.ToString())) + "]", p.Init, p.InitScale, fanIn, fanOut, p.Frozen, p.IsProperty);
        }).ToImmutableArray();

        var plan = new ModelPlan(spec.Namespace, spec.Name, spec.Dims, parameters, spec.SubModels.Select(s => s.Name).ToImmutableArray(),
            !spec.HasUserConstructor, math.ToImmutableArray());
        return new Result(plan, diagnostics.ToImmutableArray());
    }

    /// <summary>Bias parameters added to the product x · W of a weight parameter: their fan-in is W's first dimension.</summary>
    private static Dictionary<string, string> BiasFanIns(Graph graph)
    {
        var result = new Dictionary<string, string>(System.StringComparer.Ordinal);
        foreach (var node in graph.Nodes)
        {
            if (node.Op is not AddOp) continue;
            for (var side = 0; side < 2; side++)
            {
                var bias = graph[node.Inputs[side]];
                var product = graph[node.Inputs[1 - side]];
                if (bias.Op is not ParameterOp { Path: var biasPath } || biasPath.Contains('.') || bias.Shape.Rank != 1) continue;
                if (product.Op is not MatMulOp { TransposeA: false, TransposeB: false }) continue;
                var weight = graph[product.Inputs[1]];
                if (weight.Op is not ParameterOp { Path: var weightPath } || weightPath.Contains('.') || weight.Shape.Rank != 2) continue;
                var first = weight.Shape[0];
                if (!result.ContainsKey(biasPath)) result[biasPath] = first.IsConstant ? CSharp.Literal(first.Value) : first.Name!;
            }
        }
        return result;
    }
}
