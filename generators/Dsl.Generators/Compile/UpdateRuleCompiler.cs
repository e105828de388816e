using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Dsl.Generators.Diagnostics;
using Dsl.Generators.Ir;
using Dsl.Generators.Optimization;
using Dsl.Generators.Parsing;
using Dsl.Generators.Shapes;

namespace Dsl.Generators.Compile;

/// <summary>
/// An [UpdateRule] on its own: lowers its [Update] body for a parameter of any shape (one symbolic
/// axis of its elements: the body must be elementwise), then plans one fused loop that reads the
/// parameter, the gradient and the state once per element and writes back what the body assigns.
/// The rule compiles once, in the assembly that declares it, so experiments elsewhere (a user's
/// project using the runtime's Adam) call it through <c>Dsl.IUpdateRule</c>.
/// </summary>
internal static class UpdateRuleCompiler
{
    internal sealed record Result(UpdateRulePlan? Plan, EquatableArray<DiagnosticInfo> Diagnostics);

    public static Result Compile(UpdateRuleSpec spec)
    {
        var diagnostics = new List<DiagnosticInfo>();
        if (spec.HasErrors || spec.Update is null) return new Result(null, diagnostics.ToImmutableArray());
        var method = InnerRuleComposition.Prepare(spec, spec.Update, diagnostics);
        if (method is null) return new Result(null, diagnostics.ToImmutableArray());
        var composes = spec.InnerRule is not null;
        var lowering = new Lowering(new Dictionary<string, ModelSpec>(), diagnostics) { ElementwiseOnly = true, ElementwiseOwner = spec.Name };
        var graph = lowering.Graph;
        var elements = SymShape.Of([Dim.Symbol(spec.Name, "Elements")]);
        var parameterName = method.Parameters[0].Name;
        var gradientName = method.Parameters[1].Name;
        var parameter = graph.Add(new InputOp(parameterName), [], elements, ValueKind.Tensor, parameterName, NamePriority.Fixed);
        var gradient = graph.Add(new InputOp(gradientName), [], elements, ValueKind.Tensor, gradientName, NamePriority.Fixed);
        var states = new Dictionary<string, int>(System.StringComparer.Ordinal);
        foreach (var state in spec.States)
        {
            states[state] = graph.Add(new StateOp(state, parameterName), [], elements, ValueKind.Tensor, state, NamePriority.Fixed);
        }
        // A rule that wraps another assigns the gradient it hands on as if it were a state the loop writes.
        if (composes) states[UpdateRulePlan.InnerGradientTarget] = gradient;
        var numberStates = new Dictionary<string, int>(System.StringComparer.Ordinal);
        foreach (var state in spec.NumberStates)
        {
            numberStates[state] = graph.Add(new NumberOp(NumberSource.Generated, UpdateRulePlan.NumberStateLocal(state), 0, state), [], SymShape.Scalar,
                ValueKind.Number, state, NamePriority.Fixed);
        }
        var hasLearningRate = spec.Numbers.Any(n => n.Name == UpdateRulePlan.LearningRateField && !n.IsStatic);
        var overrides = hasLearningRate
            ? new Dictionary<string, NumberOp> { [UpdateRulePlan.LearningRateField] = new NumberOp(NumberSource.Generated, UpdateRulePlan.ScaledLearningRate, 0, UpdateRulePlan.LearningRateField) }
            : null;

        Guard.ThrowIfRequested("lowering the update rule");
        var lowered = lowering.LowerUpdate(composes ? spec with { Update = method } : spec, parameter, gradient, "step", states, overrides, numberStates);
        if (lowered is null) return new Result(null, diagnostics.ToImmutableArray());
        if (composes && lowered.FinalValues.TryGetValue(UpdateRulePlan.InnerGradientTarget, out var handedOn) && graph[handedOn].IsNumber)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticCatalog.BadInnerApply, At(spec.Locations, lowered.Assignments.Last(a => a.Target == UpdateRulePlan.InnerGradientTarget).Loc),
                spec.InnerRule + ".Apply", spec.Name, "the gradient handed on is a number; the inner rule steps on a tensor of the parameter's shape (an expression of 'grad')"));
            return new Result(null, diagnostics.ToImmutableArray());
        }

        // What the loop writes back: the parameter and each state that the body assigned, with its final value.
        var targets = new List<(string Target, int Value)>();
        if (lowered.FinalValues.TryGetValue(parameterName, out var finalParameter)) targets.Add((parameterName, finalParameter));
        foreach (var state in spec.States)
        {
            if (lowered.FinalValues.TryGetValue(state, out var value)) targets.Add((state, value));
        }
        if (composes) targets.Add((UpdateRulePlan.InnerGradientTarget, lowered.FinalValues[UpdateRulePlan.InnerGradientTarget]));
        else if (targets.Count == 0 || !lowered.FinalValues.ContainsKey(parameterName))
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticCatalog.BadUpdateRule, At(spec.Locations, method.Loc), spec.Name,
                "the [Update] body never assigns '" + parameterName + "' (write 'param -= ...' or 'param = ...')"));
            return new Result(null, diagnostics.ToImmutableArray());
        }

        Guard.ThrowIfRequested("planning the update rule");
        // Number states the body assigned: stored once per update, before the loop.
        var numberTargets = new List<(string Target, int Value)>();
        foreach (var state in spec.NumberStates)
        {
            if (lowered.FinalValues.TryGetValue(state, out var value)) numberTargets.Add((state, value));
        }
        var (nodes, remap) = DeadCode.Eliminate(graph.Nodes, targets.Concat(numberTargets).Select(t => t.Value).ToList());
        nodes = ValueNaming.Assign(nodes);
        var writes = targets.Select(t => new ElementWritePlan(t.Target,
            t.Target == parameterName ? -1 : t.Target == UpdateRulePlan.InnerGradientTarget ? UpdateRulePlan.InnerGradientState : spec.States.AsImmutableArray().IndexOf(t.Target),
            remap[t.Value])).ToImmutableArray();
        var plan = new UpdateRulePlan(spec.Namespace, spec.Name, parameterName, gradientName, spec.States, hasLearningRate,
            nodes.ToImmutableArray(), writes)
        {
            InitFromParameter = spec.InitFromParameter,
            NumberStates = spec.NumberStates,
            NumberWrites = numberTargets.Select(t => new ElementWritePlan(t.Target, spec.NumberStates.AsImmutableArray().IndexOf(t.Target), remap[t.Value])).ToImmutableArray(),
            EvaluationState = spec.EvaluationState,
            InnerRule = spec.InnerRule,
        };
        return new Result(plan, diagnostics.ToImmutableArray());
    }

    private static LocationInfo? At(EquatableArray<LocationInfo> locations, int loc) => loc >= 0 && loc < locations.Count ? locations[loc] : null;
}
