using System.ComponentModel;

namespace Dsl;

// ---- composed update rules: a rule that transforms the gradient and hands it to an inner rule ----

public sealed partial class UpdateRuleState
{
    /// <summary>
    /// The state of a rule that wraps another: its own tensors and numbers as
    /// <see cref="UpdateRuleState(IUpdateRule, Tensor, IReadOnlyList{string}, IReadOnlyList{StateInit}?, IReadOnlyList{string}?)"/>
    /// makes them, the wrapped rule's state <paramref name="inner"/> (made by that rule's <c>CreateState</c>), and a
    /// tensor of the parameter's shape for the gradient the wrapping rule hands on (<see cref="InnerGradient"/>, not saved:
    /// each update writes it before it is read).
    /// </summary>
    public UpdateRuleState(IUpdateRule rule, Tensor parameter, IReadOnlyList<string> names, IReadOnlyList<StateInit>? inits,
        IReadOnlyList<string>? numberNames, string innerField, UpdateRuleState inner)
        : this(rule, parameter, names, inits, numberNames)
    {
        ArgumentNullException.ThrowIfNull(innerField);
        ArgumentNullException.ThrowIfNull(inner);
        if (inner.DType != DType || inner.Shape != Shape)
        {
            inner.Dispose();
            throw new ArgumentException($"{rule.Name}: the state of its inner rule '{innerField}' ({inner.Rule.Name}) is {inner.DType} {inner.Shape}, "
                + $"but the parameter is {DType} {Shape}; an inner rule's CreateState must make state of the parameter's shape and dtype.", nameof(inner));
        }
        InnerField = innerField;
        Inner = inner;
        InnerGradient = Tensor.Zeros(Shape, DType, parameter.Device);
        _names = [.. _names, .. inner.Names.Select(n => innerField + "." + n)];
        _numberNames = [.. _numberNames, .. inner.NumberNames.Select(n => innerField + "." + n)];
    }

    /// <summary>The state of the rule this one wraps (<c>Inner.Apply(param, ĝ, step)</c> in its [Update]), or null.</summary>
    public UpdateRuleState? Inner { get; }

    /// <summary>The name of the field that holds the wrapped rule (<c>Inner</c>); the inner state's names carry it as a prefix.</summary>
    public string? InnerField { get; }

    /// <summary>The gradient handed to the wrapped rule (ĝ), written by each update before the inner rule reads it; null when the rule wraps none.</summary>
    public Tensor? InnerGradient { get; }

    /// <summary>
    /// The inner rule a wrapping rule's generated code calls: <paramref name="inner"/>, or, when the field holds none, an
    /// exception that names the rule and the field and says what to put there.
    /// </summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public static IUpdateRule InnerRule(IUpdateRule? inner, IUpdateRule rule, string field) =>
        inner ?? throw new InvalidOperationException($"{rule.Name}: its inner rule '{field}' is null; expected the update rule it wraps "
            + $"(for example {field} = new AdamW {{ LearningRate = 1e-3 }}).");

    /// <summary>
    /// The inner state of a wrapping rule's state, checked: the state must have been made with one, by a rule of the
    /// inner rule's kind (another kind of inner rule is refused, as a rule of another kind is).
    /// </summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public UpdateRuleState InnerState(IUpdateRule rule, IUpdateRule inner)
    {
        if (Inner is null || InnerGradient is null)
        {
            throw new ArgumentException($"{rule.Name}: this state holds no inner rule's state; it was not made by this rule's CreateState.");
        }
        if (!ReferenceEquals(inner, Inner.Rule) && inner.GetType() != Inner.Rule.GetType())
        {
            throw new ArgumentException($"{rule.Name}: its inner rule '{InnerField}' is now {inner.Name}, but its state was made for {Inner.Rule.Name} "
                + $"({string.Join(", ", Inner.Names)}); state belongs to one kind of rule (call the experiment's Initialize to start afresh with another inner rule).");
        }
        return Inner;
    }
}

/// <summary>What an [Update] body may do with the rule it wraps.</summary>
public static class InnerRuleExtensions
{
    /// <summary>
    /// In an [Update] body: the wrapped rule updates <paramref name="parameter"/> from <paramref name="gradient"/> (the
    /// gradient this rule computed, ĝ), with its own state for this parameter, the same <paramref name="step"/> and the
    /// learning-rate factor of the schedule (<c>Inner.Apply(param, grad + Lambda * h, step)</c>). The generator compiles it.
    /// </summary>
    /// <exception cref="NotSupportedException">Always, when called eagerly.</exception>
    public static void Apply(this IUpdateRule rule, Tensor parameter, Tensor gradient, long step) =>
        throw new NotSupportedException("Inner.Apply(param, gradient, step) is compiled by the generator, inside an [Update] body");
}
