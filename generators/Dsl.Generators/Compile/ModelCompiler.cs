using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Dsl.Generators.Diagnostics;
using Dsl.Generators.Ir;
using Dsl.Generators.Operations;
using Dsl.Generators.Optimization;
using Dsl.Generators.Parsing;
using Dsl.Generators.Shapes;

namespace Dsl.Generators.Compile;

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
        // A shipped layer's sizes are set by the experiments that hold it (Conv2d's Kernel): on its own
        // it may need sizes its symbols leave open; then it has no Predict of its own (its holder's has it).
        var lowering = new Lowering(modelMap, diagnostics) { DeferUnknownSizes = spec.Shipped is not null };
        var self = lowering.CreateStandalone(spec);
        int? output = null;
        if (spec.Forward is not null && !lowering.Incomplete)
        {
            output = lowering.LowerEntry(spec.Forward, spec.Locations, self, self.Children, [], "", "Forward");
        }
        var graph = lowering.Graph;
        lowering.NameParameters();

        var math = new List<string>();
        var mathLeftOut = 0;
        PredictPlan? predict = null;
        if (output is not null)
        {
            var (nodes, remap) = DeadCode.Eliminate(Fusion.Fuse(graph.Nodes, [output.Value], lowering.Unifier), [output.Value]);
            nodes = ValueNaming.Assign(nodes);
            // Named as Predict's comments name them (a number by its value, not as 'number').
            var nameOf = MathNames.Of(nodes);
            // Shapes are shared between nodes: each is resolved and written once.
            var shapeTexts = new Dictionary<SymShape, string>(ReferenceComparer<SymShape>.Instance);
            foreach (var node in nodes)
            {
                if (!ValueNaming.Computed(node)) continue;
                if (math.Count == SummaryLines.MaxValues)
                {
                    mathLeftOut++;
                    continue;
                }
                if (!shapeTexts.TryGetValue(node.Shape, out var shape)) shapeTexts[node.Shape] = shape = lowering.Unifier.Resolve(node.Shape).ToString();
                math.Add(node.Name + " = " + node.Op.Math(node, nameOf) + "   " + shape);
            }
            if (diagnostics.Count == 0 && !lowering.Incomplete && !lowering.SizesDeferred) predict = PlanPredict(spec.Forward!, lowering, nodes, remap[output.Value]);
        }

        if (lowering.Incomplete) return new Result(null, diagnostics.ToImmutableArray());
        var fanIns = BiasFanIns(graph);
        var parameters = spec.Params.Select(p =>
        {
            var shape = p.Shape.Select(d => d.IsConstant ? DimValue.Of(d.Constant) : DimValue.Member(d.Name!)).ToEquatableArray();
            var fanIn = fanIns.TryGetValue(p.Name, out var weightFanIn) ? weightFanIn : shape.Count > 0 ? shape[0] : DimValue.Of(1);
            var fanOut = shape.Count > 1 ? shape[1] : shape.Count > 0 ? shape[0] : DimValue.Of(1);
            return new ParamPlan(p.Name, shape, "[" + string.Join(", ", p.Shape.Select(d => d.ToString())) + "]", p.Init, p.InitScale, fanIn, fanOut, p.Frozen,
                p.IsProperty, p.PartialModifiers, p.PartialAccessors, TorchFanIn(spec, p));
        }).ToImmutableArray();

        var plan = new ModelPlan(spec.Namespace, spec.Name, spec.Dims, parameters, spec.SubModels.Select(s => s.Name).ToImmutableArray(),
            !spec.HasUserConstructor, math.ToImmutableArray(), predict, spec.MemberNames, spec.Shipped, mathLeftOut);
        return new Result(plan, diagnostics.ToImmutableArray());
    }

    /// <summary>
    /// Forward compiled like a step's forward pass, into buffers the model owns: the same nodes,
    /// run-time sizes read from the inputs (a model [Dim] an input axis gives is checked against the
    /// field), one buffer per value, fields prefixed so they cannot meet the model's own.
    /// </summary>
    private static PredictPlan? PlanPredict(MethodSpec forward, Lowering lowering, List<Node> nodes, int output)
    {
        if (forward.Parameters.Any(p => p.IsTensor && !p.HasShape)) return null;
        var resolved = LoopPlanning.Finish(StepPlanning.ResolveShapes(nodes, lowering.Unifier), lowering.Unifier);
        var dims = StepPlanning.RuntimeDims(lowering);
        var parameters = forward.Parameters.Select(p => new StepParameterPlan(p.Name, p.IsTensor, p.NumberType,
            p.IsTensor ? StepPlanning.AxesOf(lowering, p.Name, dims) : EquatableArray<AxisPlan>.Empty)).ToImmutableArray();
        var checks = dims.Checks.ToList();
        foreach (var (symbol, expression) in lowering.InstanceDims)
        {
            // A [Dim] of this model that an input axis also gives: the input wins for the buffers, so check the field agrees.
            var value = dims.Value(symbol);
            if (!lowering.Unifier.Resolve(symbol).IsConstant && value != DimValue.Member(expression) && !expression.Contains('.'))
            {
                checks.Add(new DimCheckPlan(expression, value, expression));
            }
        }
        var runtimeDims = dims.Plans.ToImmutableArray();
        var buffers = StepPlanning.Buffers(resolved, dims, lowering.Unifier);
        return new PredictPlan(parameters, runtimeDims, checks.ToImmutableArray(), resolved.ToImmutableArray(), buffers, output);
    }

    /// <summary>
    /// torch.nn's fan-in for <see cref="InitKind.TorchFanIn"/>: size(1) times the sizes after it, of this
    /// parameter or of the weight FanInOf names; empty for other kinds.
    /// </summary>
    private static EquatableArray<DimValue> TorchFanIn(ModelSpec spec, ParamSpec p)
    {
        if (p.Init != InitKind.TorchFanIn) return EquatableArray<DimValue>.Empty;
        var weight = p.FanInOf is { } of ? spec.Params.FirstOrDefault(q => q.Name == of) ?? p : p;
        var dims = weight.Shape.Count >= 2 ? weight.Shape.Skip(1) : weight.Shape.Take(1);
        return dims.Select(d => d.IsConstant ? DimValue.Of(d.Constant) : DimValue.Member(d.Name!)).ToEquatableArray();
    }

    /// <summary>Bias parameters added to the product x · W of a weight parameter: their fan-in is W's first dimension.</summary>
    private static Dictionary<string, DimValue> BiasFanIns(Graph graph)
    {
        var result = new Dictionary<string, DimValue>(System.StringComparer.Ordinal);
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
                if (!result.ContainsKey(biasPath)) result[biasPath] = first.IsConstant ? DimValue.Of(first.Value) : DimValue.Member(first.Name!);
            }
        }
        return result;
    }
}
