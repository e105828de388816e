using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Dsl.Generators.Autodiff;
using Dsl.Generators.Diagnostics;
using Dsl.Generators.Ir;
using Dsl.Generators.Operations;
using Dsl.Generators.Optimization;
using Dsl.Generators.Parsing;
using Dsl.Generators.Shapes;

namespace Dsl.Generators.Compile;

/// <summary>
/// The middle of the pipeline for one experiment: lower the loss (inlining models) with shape
/// checks, differentiate, add the update, drop dead code, name values and plan buffers. Produces
/// the plan the emitter writes and the diagnostics found on the way.
/// </summary>
internal static class ExperimentCompiler
{
    internal sealed record Result(ExperimentPlan? Plan, EquatableArray<DiagnosticInfo> Diagnostics);

    public static Result Compile(ExperimentSpec spec, ImmutableArray<ModelSpec> models, ImmutableArray<UpdateRuleSpec> rules)
    {
        var diagnostics = new List<DiagnosticInfo>();
        var plan = Compile(spec, models, rules, diagnostics);
        return new Result(plan, diagnostics.ToImmutableArray());
    }

    private static ExperimentPlan? Compile(ExperimentSpec spec, ImmutableArray<ModelSpec> models, ImmutableArray<UpdateRuleSpec> rules, List<DiagnosticInfo> diagnostics)
    {
        var method = spec.Step ?? spec.Loss;
        if (method is null || spec.HasErrors) return null;
        // A rule declared in this compilation with errors: its class does not implement IUpdateRule, so stop here (its errors are reported).
        foreach (var field in spec.Rules)
        {
            var rule = rules.FirstOrDefault(r => r.FullName == field.TypeName);
            if (rule is not null && (rule.Update is null || rule.HasErrors)) return null;
        }
        var modelMap = new Dictionary<string, ModelSpec>(System.StringComparer.Ordinal);
        foreach (var model in models) modelMap[model.FullName] = model;
        var lowering = new Lowering(modelMap, diagnostics);
        var graph = lowering.Graph;

        // Lower: the loss (or the step) with every model inlined; shapes are checked as nodes are made.
        Guard.ThrowIfRequested("lowering");
        var instances = new Dictionary<string, Lowering.Instance>(System.StringComparer.Ordinal);
        var modelFields = new List<string>();
        foreach (var field in spec.Models)
        {
            var instance = lowering.CreateInstance(field.Name, field, spec.Locations);
            if (instance is null) continue;
            instances[field.Name] = instance;
            modelFields.Add(field.Name);
        }
        if (lowering.Incomplete) return null;
        foreach (var field in spec.Rules) lowering.Rules[field.Name] = Naming.LowerFirst(field.Name) + "State";
        var lossId = spec.Step is not null
            ? lowering.LowerStep(spec.Step, spec.Locations, instances, spec.Numbers)
            : lowering.LowerEntry(method, spec.Locations, null, instances, spec.Numbers, "", method.Name);
        if (lossId is not { } loss) return null;
        if (graph[loss].Kind != ValueKind.Tensor || graph[loss].Shape.Rank != 0)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticCatalog.LossNotScalar, At(spec.Locations, method.Loc), method.Name,
                graph[loss].IsNumber ? "a number" : graph[loss].Kind == ValueKind.Gradients ? "gradients" : lowering.Unifier.Resolve(graph[loss].Shape).ToString()));
            return null;
        }
        graph.Rename(loss, "loss", NamePriority.Role);
        lowering.NameParameters();
        // Forward names are final before differentiating, so gradients are named after them (dRelu1).
        foreach (var named in ValueNaming.Assign(graph.Nodes.ToList(), fix: true)) graph.Replace(named);

        var backwardStart = graph.Count;
        var updateStart = graph.Count;
        var gradientList = new List<(Lowering.ParameterInfo Parameter, int Node, int Gradient)>();
        var updates = new List<(string Target, string TargetName, AssignOperator Operator, int Value, bool Scaled)>();
        var ruleUpdates = new List<(string StateField, string Parameter, int Gradient)>();
        var ruleStates = new List<(string Field, string Rule, string Parameter)>();
        var updateRule = spec.Step is not null ? "custom step" : "SGD";
        var declareLearningRate = false;
        var roots = new List<int> { loss };
        if (spec.Step is not null)
        {
            // A custom step: its gradients and updates were made while lowering, in program order.
            roots.AddRange(lowering.Effects);
            ruleStates.AddRange(lowering.RuleStates.Select(r => (r.StateField, r.Rule, r.Parameter)));
        }
        else
        {
            // Differentiate with respect to every trainable parameter the loss uses.
            Guard.ThrowIfRequested("differentiating");
            var trainable = lowering.Parameters.Where(p => !p.Spec.Frozen && lowering.IsParameterUsed(p)).ToList();
            Dictionary<int, int> gradients;
            try
            {
                gradients = ReverseMode.Differentiate(graph, loss, trainable.Select(lowering.ParameterNodeOf).ToList(), OpCatalog.Adjoint);
            }
            catch (MissingDerivativeException missing)
            {
                // Only backward ops lack rules, so only a Grad(...) in the loss gets here.
                diagnostics.Add(missing is LoopSecondDerivativeException
                    ? DiagnosticInfo.Create(DiagnosticCatalog.LoopSecondDerivative, lowering.FirstGrad ?? At(spec.Locations, method.Loc), method.Name)
                    : DiagnosticInfo.Create(DiagnosticCatalog.NoSecondDerivative, lowering.FirstGrad ?? At(spec.Locations, method.Loc), method.Name, missing.Op));
                return null;
            }
            if (gradients.Count == 0)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticCatalog.NoParameterDependence, At(spec.Locations, method.Loc), method.Name));
            }
            gradientList = trainable.Where(p => gradients.ContainsKey(lowering.ParameterNodeOf(p)))
                .Select(p => (Parameter: p, Node: lowering.ParameterNodeOf(p), Gradient: gradients[lowering.ParameterNodeOf(p)])).ToList();

            // The update: the experiment's [UpdateRule] (compiled on its own into a fused loop, called per
            // parameter through Dsl.IUpdateRule with state it allocates once), or plain SGD.
            updateStart = graph.Count;
            if (spec.Optimizer is { } optimizer)
            {
                updateRule = ShortName(optimizer.TypeName);
                foreach (var (parameter, node, gradient) in gradientList)
                {
                    var field = Naming.Join(Naming.LowerFirst(optimizer.Name) + "State", graph[node].Name);
                    ruleUpdates.Add((field, parameter.Path, gradient));
                    ruleStates.Add((field, optimizer.Name, parameter.Path));
                }
            }
            else
            {
                declareLearningRate = !spec.Numbers.Any(n => n.Name == "LearningRate");
                foreach (var (parameter, node, gradient) in gradientList)
                {
                    updates.Add((parameter.Path, graph[node].Name, AssignOperator.SubtractAssign, gradient, true));
                }
            }
            roots.AddRange(gradientList.Select(g => g.Gradient));
            roots.AddRange(updates.Select(u => u.Value));
        }

        // Optimize: fuse node groups into single calls, keep what the loss, the gradients and the updates need; name values.
        Guard.ThrowIfRequested("planning");
        var (nodes, remap) = DeadCode.Eliminate(Fusion.Fuse(graph.Nodes, roots, lowering.Unifier, lossGradient: true), roots);
        nodes = ValueNaming.Assign(nodes);
        var resolvedNodes = LoopPlanning.Finish(StepPlanning.ResolveShapes(nodes, lowering.Unifier), lowering.Unifier);
        if (spec.Step is not null && StaleRead(resolvedNodes) is { } stale)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticCatalog.UsedAfterUpdate, At(spec.Locations, method.Loc), method.Name, stale.Reader, stale.Parameter));
            return null;
        }

        var dims = StepPlanning.RuntimeDims(lowering);
        // Inputs read as Int64 indices: the targets of a class loss, the index of Gather/IndexSelect,
        // the indices of Embedding, also through a regrouping (Unsqueeze(targets, 1)).
        int Source(int id)
        {
            while (resolvedNodes[id].Op is RegroupOp) id = resolvedNodes[id].Inputs[0];
            return id;
        }
        var indexInputs = new HashSet<string>(resolvedNodes.Where(n => n.Op is CrossEntropyOp or ClassLossOp or IndexOp or EmbeddingOp)
            .Select(n => resolvedNodes[Source(n.Inputs[1])].Op).OfType<InputOp>().Select(i => i.Parameter), System.StringComparer.Ordinal);
        var parameters = method.Parameters.Select(p => new StepParameterPlan(p.Name, p.IsTensor, p.NumberType,
            p.IsTensor ? StepPlanning.AxesOf(lowering, p.Name, dims) : EquatableArray<AxisPlan>.Empty, indexInputs.Contains(p.Name))).ToImmutableArray();

        var metrics = ImmutableArray.CreateBuilder<MetricPlan>();
        foreach (var metric in spec.Metrics)
        {
            var indexes = metric.Parameters.Select(name => parameters.Where(p => p.IsTensor).Select(p => p.Name).ToList().IndexOf(name)).ToImmutableArray();
            var missing = metric.Parameters.Where((_, i) => indexes[i] < 0).ToList();
            if (missing.Count > 0)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticCatalog.BadMetric, At(spec.Locations, metric.Loc), metric.Name,
                    "'" + missing[0] + "' is not a tensor input of " + method.Name + " (a metric's parameters are matched by name to the step's inputs: "
                    + string.Join(", ", parameters.Where(p => p.IsTensor).Select(p => p.Name)) + ")"));
                continue;
            }
            metrics.Add(new MetricPlan(metric.Name, indexes, metric.ReturnsTensor, metric.HigherIsBetter));
        }

        var buffers = StepPlanning.Buffers(resolvedNodes, dims, lowering.Unifier);

        return new ExperimentPlan(
            spec.Namespace,
            spec.Name,
            method.Name,
            spec.Step is not null,
            parameters,
            dims.Plans.ToImmutableArray(),
            dims.Checks.ToImmutableArray(),
            modelFields.ToImmutableArray(),
            lowering.Parameters.Select(p => p.Path).ToImmutableArray(),
            resolvedNodes.ToImmutableArray(),
            buffers,
            remap[loss],
            FirstAtOrAfter(remap, backwardStart, resolvedNodes.Count),
            FirstAtOrAfter(remap, updateStart, resolvedNodes.Count),
            gradientList.Select(g => new GradientPlan(g.Parameter.Path, remap[g.Gradient])).ToImmutableArray(),
            updates.Select(u => new UpdatePlan(u.Target, u.TargetName, u.Operator, remap[u.Value], u.Scaled)).ToImmutableArray(),
            spec.Optimizer?.Name,
            ruleUpdates.Select(u => new RuleUpdatePlan(u.StateField, u.Parameter, remap[u.Gradient])).ToImmutableArray(),
            ruleStates.Select(r => new RuleStatePlan(r.Field, r.Rule, r.Parameter)).ToImmutableArray(),
            metrics.ToImmutable(),
            spec.HasParameterlessConstructor,
            spec.MemberNames,
            updateRule,
            declareLearningRate);
    }

    /// <summary>
    /// A value emitted after an update of a parameter that reads the parameter from before the
    /// update (a backward pass through a value computed before it): it would see the new values.
    /// </summary>
    private static (string Reader, string Parameter)? StaleRead(List<Node> nodes)
    {
        var version = new Dictionary<string, int>(System.StringComparer.Ordinal);
        foreach (var node in nodes)
        {
            for (var i = node.Op is EffectOp ? 1 : 0; i < node.Inputs.Count; i++)
            {
                if (nodes[node.Inputs[i]].Op is ParameterOp p && version.TryGetValue(p.Path, out var current) && p.Version < current)
                {
                    return (node.Name, p.Path);
                }
            }
            if (node.Op is EffectOp && nodes[node.Inputs[0]].Op is ParameterOp updated) version[updated.Path] = updated.Version + 1;
        }
        return null;
    }

    /// <summary>The first surviving node at or after an original id (where a section starts after dead code is gone).</summary>
    private static int FirstAtOrAfter(int[] remap, int original, int count)
    {
        for (var id = original; id < remap.Length; id++)
        {
            if (remap[id] >= 0) return remap[id];
        }
        return count;
    }

    private static LocationInfo? At(EquatableArray<LocationInfo> locations, int loc) => loc >= 0 && loc < locations.Count ? locations[loc] : null;

    /// <summary>The type's name without namespace or <c>global::</c> (<c>Adam</c>).</summary>
    private static string ShortName(string fullName) => fullName.Substring(fullName.LastIndexOf('.') + 1).Replace("global::", "");
}
