using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Dsl.Generators.Autodiff;
using Dsl.Generators.Diagnostics;
using Dsl.Generators.Emit;
using Dsl.Generators.Ir;
using Dsl.Generators.Optimization;
using Dsl.Generators.Parsing;
using Dsl.Generators.Shapes;

namespace Dsl.Generators;

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
        if (spec.Loss is null || spec.HasErrors) return null;
        var modelMap = new Dictionary<string, ModelSpec>(System.StringComparer.Ordinal);
        foreach (var model in models) modelMap[model.FullName] = model;
        var lowering = new Lowering(modelMap, diagnostics);
        var graph = lowering.Graph;

        // Lower: the loss with every model inlined; shapes are checked as nodes are made.
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
        var lossId = lowering.LowerEntry(spec.Loss, spec.Locations, null, instances, spec.Numbers, "", spec.Loss.Name);
        if (lossId is not { } loss) return null;
        if (graph[loss].IsNumber || graph[loss].Shape.Rank != 0)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticCatalog.LossNotScalar, At(spec.Locations, spec.Loss.Loc), spec.Loss.Name,
                graph[loss].IsNumber ? "a number" : lowering.Unifier.Resolve(graph[loss].Shape).ToString()));
            return null;
        }
        graph.Rename(loss, "loss", NamePriority.Role);
        lowering.NameParameters();
        // Forward names are final before differentiating, so gradients are named after them (dRelu1).
        foreach (var named in ValueNaming.Assign(graph.Nodes.ToList())) graph.Replace(named with { NamePriority = NamePriority.Fixed });

        // Differentiate with respect to every trainable parameter the loss uses.
        Guard.ThrowIfRequested("differentiating");
        var trainable = lowering.Parameters.Where(p => !p.Spec.Frozen && lowering.IsParameterUsed(p)).ToList();
        var backwardStart = graph.Count;
        Dictionary<int, int> gradients;
        try
        {
            gradients = ReverseMode.Differentiate(graph, loss, trainable.Select(lowering.ParameterNodeOf).ToList());
        }
        catch (MissingDerivativeException missing)
        {
            // Only backward ops lack rules, so only a Grad(...) in the loss gets here.
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticCatalog.NoSecondDerivative, lowering.FirstGrad ?? At(spec.Locations, spec.Loss.Loc), spec.Loss.Name, missing.Op));
            return null;
        }
        if (gradients.Count == 0)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticCatalog.NoParameterDependence, At(spec.Locations, spec.Loss.Loc), spec.Loss.Name));
        }
        var gradientList = trainable.Where(p => gradients.ContainsKey(lowering.ParameterNodeOf(p)))
            .Select(p => (Parameter: p, Node: lowering.ParameterNodeOf(p), Gradient: gradients[lowering.ParameterNodeOf(p)])).ToList();

        // The update: the experiment's [UpdateRule] (compiled on its own into a fused loop, called per
        // parameter through Dsl.IUpdateRule with state it allocates once), or plain SGD.
        var updateStart = graph.Count;
        var updates = new List<(string Target, string TargetName, AssignOperator Operator, int Value, string Alpha)>();
        var ruleUpdates = new List<(string StateField, string Parameter, int Gradient)>();
        var updateRule = "SGD";
        var declareLearningRate = false;
        if (spec.Optimizer is not null)
        {
            // A rule declared in this compilation with errors: its class does not implement IUpdateRule, so stop here (its errors are reported).
            var rule = rules.FirstOrDefault(r => r.FullName == spec.Optimizer.TypeName);
            if (rule is not null && (rule.Update is null || rule.HasErrors)) return null;
            updateRule = ShortName(spec.Optimizer.TypeName);
            foreach (var (parameter, node, gradient) in gradientList)
            {
                ruleUpdates.Add(("_" + Lowering.Camel(spec.Optimizer.Name) + "State" + Capitalize(graph[node].Name), parameter.Path, gradient));
            }
        }
        else
        {
            declareLearningRate = !spec.Numbers.Any(n => n.Name == "LearningRate");
            foreach (var (_, node, gradient) in gradientList)
            {
                updates.Add((lowering.Parameters.First(p => lowering.ParameterNodeOf(p) == node).Path, graph[node].Name, AssignOperator.SubtractAssign, gradient, "LearningRate * learningRateFactor"));
            }
        }

        // Optimize: keep what the loss, the gradients and the update need; name values.
        Guard.ThrowIfRequested("planning");
        var roots = new List<int> { loss };
        roots.AddRange(gradientList.Select(g => g.Gradient));
        roots.AddRange(updates.Select(u => u.Value));
        var (nodes, remap) = DeadCode.Eliminate(graph.Nodes, roots);
        nodes = ValueNaming.Assign(nodes);
        var resolvedNodes = nodes.Select(n => n with { Shape = lowering.Unifier.Resolve(n.Shape) }).ToList();

        var dims = RuntimeDims(lowering);
        var parameters = spec.Loss.Parameters.Select(p => new StepParameterPlan(p.Name, p.IsTensor, CSharp.NumberType(p.NumberType),
            p.IsTensor ? AxesOf(lowering, p.Name, dims) : EquatableArray<AxisPlan>.Empty)).ToImmutableArray();

        var buffers = ImmutableArray.CreateBuilder<BufferPlan>();
        foreach (var node in resolvedNodes.Where(ValueNaming.Computed))
        {
            buffers.Add(new BufferPlan(node.Id, "_" + node.Name, node.Shape.Dims.Select(d => dims.Expression(d)).ToEquatableArray(), false));
            foreach (var auxiliary in node.Op.Auxiliary(node, id => resolvedNodes[id]))
            {
                buffers.Add(new BufferPlan(node.Id, EmitContext.AuxiliaryField("_" + node.Name, auxiliary.Suffix),
                    lowering.Unifier.Resolve(auxiliary.Shape).Dims.Select(d => dims.Expression(d)).ToEquatableArray(), true));
            }
        }

        return new ExperimentPlan(
            spec.Namespace,
            spec.Name,
            spec.Loss.Name,
            parameters,
            dims.Plans.ToImmutableArray(),
            dims.Checks.ToImmutableArray(),
            modelFields.ToImmutableArray(),
            lowering.Parameters.Select(p => p.Path).ToImmutableArray(),
            resolvedNodes.ToImmutableArray(),
            buffers.ToImmutable(),
            remap[loss],
            FirstAtOrAfter(remap, backwardStart, resolvedNodes.Count),
            FirstAtOrAfter(remap, updateStart, resolvedNodes.Count),
            gradientList.Select(g => new GradientPlan(g.Parameter.Path, remap[g.Gradient])).ToImmutableArray(),
            updates.Select(u => new UpdatePlan(u.Target, u.TargetName, u.Operator, remap[u.Value], u.Alpha)).ToImmutableArray(),
            spec.Optimizer?.Name,
            ruleUpdates.Select(u => new RuleUpdatePlan(u.StateField, u.Parameter, remap[u.Gradient])).ToImmutableArray(),
            updateRule,
            declareLearningRate);
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

    private static EquatableArray<AxisPlan> AxesOf(Lowering lowering, string parameter, DimTable dims)
    {
        var input = lowering.Inputs.FirstOrDefault(i => i.Name == parameter);
        if (input is null) return EquatableArray<AxisPlan>.Empty;
        return input.Shape.Dims.Select(d => new AxisPlan(dims.Expression(d, local: true), d.ToString())).ToEquatableArray();
    }

    /// <summary>
    /// Where each run-time dimension's value comes from: the first input axis that has it
    /// (<c>images.Size(0)</c>), else a model's [Dim] field; and which other places must agree.
    /// </summary>
    private static DimTable RuntimeDims(Lowering lowering)
    {
        var table = new DimTable(lowering.Unifier);
        foreach (var input in lowering.Inputs)
        {
            for (var axis = 0; axis < input.Shape.Rank; axis++)
            {
                var resolved = lowering.Unifier.Resolve(input.Shape[axis]);
                if (resolved.IsConstant || table.Has(resolved)) continue;
                table.AddInput(resolved, RuntimeApi.Size(input.Name, axis));
            }
        }
        foreach (var (symbol, expression) in lowering.InstanceDims)
        {
            var resolved = lowering.Unifier.Resolve(symbol);
            if (!resolved.IsConstant && !table.Has(resolved) && resolved.Key == symbol.Key)
            {
                table.AddInstance(resolved, expression);
                continue;
            }
            if (resolved.Key == symbol.Key) continue;
            table.Checks.Add(new DimCheckPlan(expression, table.Expression(resolved, local: true), symbol.Name + " of " + expression.Substring(0, System.Math.Max(0, expression.LastIndexOf('.')))));
        }
        return table;
    }

    private sealed class DimTable(ShapeUnifier unifier)
    {
        private readonly Dictionary<string, (string Field, string Local, bool FromInput, string Source)> _byKey = new(System.StringComparer.Ordinal);
        private readonly HashSet<string> _locals = new(System.StringComparer.Ordinal);

        public List<RuntimeDimPlan> Plans { get; } = [];

        public List<DimCheckPlan> Checks { get; } = [];

        public bool Has(Dim symbol) => _byKey.ContainsKey(symbol.Key);

        public void AddInput(Dim symbol, string source)
        {
            var local = Lowering.Camel(symbol.Name!);
            if (CSharp.IsKeyword(local) || !_locals.Add(local))
            {
                var n = 2;
                while (!_locals.Add(local + n.ToString(System.Globalization.CultureInfo.InvariantCulture))) n++;
                local += n.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }
            _byKey[symbol.Key] = ("_" + local, local, true, source);
            Plans.Add(new RuntimeDimPlan("_" + local, local, source, symbol.Name!));
        }

        public void AddInstance(Dim symbol, string expression) => _byKey[symbol.Key] = ("(long)" + expression, "(long)" + expression, false, expression);

        /// <summary>The C# value of a dimension: a literal, the field holding an input's size, or a model's [Dim] field.</summary>
        public string Expression(Dim dim, bool local = false)
        {
            var resolved = unifier.Resolve(dim);
            if (resolved.IsConstant) return CSharp.Literal(resolved.Value);
            if (_byKey.TryGetValue(resolved.Key, out var entry)) return local ? entry.Local : entry.Field;
            return "(long)" + resolved.Key;
        }
    }

    private static LocationInfo? At(EquatableArray<LocationInfo> locations, int loc) => loc >= 0 && loc < locations.Count ? locations[loc] : null;

    /// <summary>The type's name without namespace or <c>global::</c> (<c>Adam</c>).</summary>
    private static string ShortName(string fullName) => fullName.Substring(fullName.LastIndexOf('.') + 1).Replace("global::", "");

    private static string Capitalize(string name) => name.Length == 0 ? name : char.ToUpperInvariant(name[0]) + name.Substring(1);
}
