using System.ComponentModel;

namespace Dsl;

/// <summary>
/// The update-rule state an experiment holds, one <see cref="UpdateRuleState"/> per (rule, parameter).
/// The generator implements it on every [Experiment]; user code calls <see cref="RuleStates.UsingState"/>
/// and <see cref="RuleStates.UsingEvaluationState"/> instead.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public interface IRuleStates
{
    /// <summary>How many (rule, parameter) states the experiment keeps.</summary>
    int RuleStateCount { get; }

    /// <summary>The state at <paramref name="index"/>, made now if no step has made it yet, with the rule and the parameter it belongs to.</summary>
    UpdateRuleState RuleState(int index, out IUpdateRule rule, out Tensor parameter);
}

/// <summary>
/// An open evaluation at an update rule's state: until it is disposed, the parameters the rule updates
/// hold that state's values (Schedule-Free's x, an EMA of the weights) and the state holds the training
/// values. Opening and disposing swap the two tensors' contents in place: nothing is allocated and
/// nothing is copied twice. A value type: <c>using var _ = experiment.UsingState(...)</c> allocates nothing.
/// </summary>
public readonly struct RuleStateScope : IDisposable
{
    private readonly IRuleStates? _owner;
    private readonly IUpdateRule? _rule;

    internal RuleStateScope(IRuleStates owner, IUpdateRule? rule)
    {
        _owner = owner;
        _rule = rule;
    }

    /// <summary>Puts the training values back into the parameters (the state gets its own back). Disposing twice does nothing more.</summary>
    public void Dispose()
    {
        if (_owner is null) return;
        for (var i = 0; i < _owner.RuleStateCount; i++)
        {
            var state = _owner.RuleState(i, out var rule, out var parameter);
            if (state.SwappedIn < 0 || (_rule is not null && !ReferenceEquals(rule, _rule))) continue;
            RuleStates.Swap(state, state.SwappedIn, parameter);
            state.SwappedIn = -1;
        }
    }
}

/// <summary>Evaluating or predicting at an update rule's state instead of the parameters (<c>optimizer.eval()</c> of Schedule-Free in PyTorch).</summary>
public static class RuleStates
{
    /// <summary>
    /// Swaps the state tensor named <paramref name="state"/> of <paramref name="rule"/> into every parameter the rule
    /// updates, until the returned scope is disposed:
    /// <c>using (experiment.UsingState(experiment.Optimizer, "x")) { var r = experiment.Evaluate(valid); }</c>.
    /// Training steps are refused meanwhile; scopes do not nest.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="rule"/> is not one of the experiment's rules, or has no tensor state named <paramref name="state"/>.</exception>
    /// <exception cref="InvalidOperationException">A scope is already open on this experiment.</exception>
    public static RuleStateScope UsingState(this IRuleStates experiment, IUpdateRule rule, string state)
    {
        ArgumentNullException.ThrowIfNull(experiment);
        ArgumentNullException.ThrowIfNull(rule);
        ArgumentNullException.ThrowIfNull(state);
        ThrowIfOpen(experiment);
        var index = -1;
        for (var i = 0; i < experiment.RuleStateCount; i++)
        {
            var held = experiment.RuleState(i, out var owner, out _);
            if (!ReferenceEquals(owner, rule)) continue;
            index = held.IndexOf(state);
            if (index < 0)
            {
                var what = held.NumberNames.Contains(state)
                    ? $"'{state}' is a number state (a double), not a tensor of the parameter's shape; only a tensor state can stand in for the parameters"
                    : $"it has no state named '{state}'";
                throw new ArgumentException($"{rule.Name}: {what}. Its tensor states: {Names(held.Names)}.", nameof(state));
            }
            break;
        }
        if (index < 0) throw new ArgumentException(NotARule(experiment, rule), nameof(rule));
        for (var i = 0; i < experiment.RuleStateCount; i++)
        {
            var held = experiment.RuleState(i, out var owner, out var parameter);
            if (!ReferenceEquals(owner, rule)) continue;
            Swap(held, index, parameter);
            held.SwappedIn = index;
        }
        return new RuleStateScope(experiment, rule);
    }

    /// <summary>
    /// Swaps every rule's evaluation state (<see cref="IUpdateRule.EvaluationState"/>, declared
    /// <c>[State(EvaluateAt = true)]</c>) into the parameters it updates, until the scope is disposed; parameters of
    /// rules without one keep their values. Fit's validation and <c>Trainer.Evaluate</c> do this themselves.
    /// </summary>
    /// <exception cref="InvalidOperationException">A scope is already open on this experiment.</exception>
    public static RuleStateScope UsingEvaluationState(this IRuleStates experiment)
    {
        ArgumentNullException.ThrowIfNull(experiment);
        ThrowIfOpen(experiment);
        for (var i = 0; i < experiment.RuleStateCount; i++)
        {
            var held = experiment.RuleState(i, out var rule, out var parameter);
            if (rule.EvaluationState is not { } name) continue;
            var index = held.IndexOf(name);
            if (index < 0)
            {
                throw new InvalidOperationException($"{rule.Name}: its evaluation state '{name}' is not one of its state tensors ({Names(held.Names)}).");
            }
            Swap(held, index, parameter);
            held.SwappedIn = index;
        }
        return new RuleStateScope(experiment, rule: null);
    }

    /// <summary>Whether a <see cref="RuleStateScope"/> is open on the experiment (some parameter holds a state's values).</summary>
    public static bool IsEvaluatingAtState(this IRuleStates experiment)
    {
        ArgumentNullException.ThrowIfNull(experiment);
        for (var i = 0; i < experiment.RuleStateCount; i++)
        {
            if (experiment.RuleState(i, out _, out _).SwappedIn >= 0) return true;
        }
        return false;
    }

    /// <summary>Refuses a training step while a scope is open (it would train the evaluated weights); called by generated steps before anything changes.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public static void ThrowIfEvaluating(IRuleStates experiment, string member)
    {
        ArgumentNullException.ThrowIfNull(experiment);
        if (SwappedIn(experiment) is ({ } rule, { } held))
        {
            throw new InvalidOperationException($"{experiment.GetType().Name}.{member}: the parameters hold {rule.Name}'s state '{held.Names[held.SwappedIn]}' "
                + "for evaluation (a UsingState or UsingEvaluationState scope is open); dispose that scope before training.");
        }
    }

    private static void ThrowIfOpen(IRuleStates experiment)
    {
        if (SwappedIn(experiment) is ({ } rule, { } held))
        {
            throw new InvalidOperationException($"{experiment.GetType().Name}: the parameters already hold {rule.Name}'s state '{held.Names[held.SwappedIn]}' "
                + "(a UsingState or UsingEvaluationState scope is open); dispose it first: scopes do not nest.");
        }
    }

    /// <summary>The rule and state whose tensor the parameters hold now (an open scope), or null.</summary>
    private static (IUpdateRule Rule, UpdateRuleState Held)? SwappedIn(IRuleStates experiment)
    {
        for (var i = 0; i < experiment.RuleStateCount; i++)
        {
            var held = experiment.RuleState(i, out var rule, out _);
            if (held.SwappedIn >= 0) return (rule, held);
        }
        return null;
    }

    private static string NotARule(IRuleStates experiment, IUpdateRule rule)
    {
        var rules = new List<string>();
        for (var i = 0; i < experiment.RuleStateCount; i++)
        {
            experiment.RuleState(i, out var owner, out _);
            if (!rules.Contains(owner.Name)) rules.Add(owner.Name);
        }
        return $"{experiment.GetType().Name}: this {rule.Name} is not an update rule of the experiment (pass the experiment's own rule object, "
            + $"such as experiment.Optimizer); its rules: {(rules.Count == 0 ? "none" : string.Join(", ", rules))}.";
    }

    private static string Names(IReadOnlyList<string> names) => names.Count == 0 ? "none" : string.Join(", ", names);

    /// <summary>Exchanges the contents of a state tensor and its parameter in place, a few kilobytes at a time through the stack.</summary>
    internal static void Swap(UpdateRuleState state, int index, Tensor parameter)
    {
        var tensor = state[index];
        if (tensor.DType != parameter.DType || tensor.NumElements != parameter.NumElements)
        {
            throw new InvalidOperationException($"{state.Rule.Name}: state '{state.Names[index]}' is {tensor.DType} {tensor.Shape} but its parameter is "
                + $"{parameter.DType} {parameter.Shape}; they must agree to be swapped (call Initialize to start afresh).");
        }
        switch (parameter.DType)
        {
            case DType.Float64:
                Swap(tensor.AsSpan<double>(), parameter.AsSpan<double>());
                break;
            case DType.Float32:
                Swap(tensor.AsSpan<float>(), parameter.AsSpan<float>());
                break;
            default:
                throw new InvalidOperationException($"{state.Rule.Name}: parameters must be Float32 or Float64 to swap in a state, but this one is {parameter.DType}.");
        }
    }

    private static void Swap<T>(Span<T> a, Span<T> b) where T : unmanaged
    {
        Span<T> chunk = stackalloc T[512];
        for (var start = 0; start < a.Length; start += chunk.Length)
        {
            var length = Math.Min(chunk.Length, a.Length - start);
            var x = a.Slice(start, length);
            var y = b.Slice(start, length);
            var t = chunk[..length];
            x.CopyTo(t);
            y.CopyTo(x);
            t.CopyTo(y);
        }
    }
}
