namespace Dsl;

// The declaration language's attributes. The generator (generators/Dsl.Generators) finds them by
// metadata name; docs/DSL.md describes what each one means.

/// <summary>A model: <see cref="ParamAttribute"/> tensors, <see cref="DimAttribute"/> sizes and a <c>Forward</c> method.</summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class ModelAttribute : Attribute;

/// <summary>
/// A trainable parameter of the given shape. Each dimension is a constant (<c>784</c>) or the name
/// of a <see cref="DimAttribute"/> field (<c>nameof(Hidden)</c>).
/// </summary>
[AttributeUsage(AttributeTargets.Field | AttributeTargets.Property, Inherited = false)]
public sealed class ParamAttribute(params object[] dims) : Attribute
{
    public object[] Dims { get; } = dims;

    /// <summary>A frozen parameter takes part in the forward computation but gets no gradient.</summary>
    public bool Frozen { get; init; }
}

/// <summary>A size of the model (an <c>int</c> field), set in an object initializer.</summary>
[AttributeUsage(AttributeTargets.Field | AttributeTargets.Property, Inherited = false)]
public sealed class DimAttribute : Attribute;

/// <summary>How a parameter is initialized; without it, like torch.nn.Linear (uniform ±1/√fan_in).</summary>
[AttributeUsage(AttributeTargets.Field | AttributeTargets.Property, Inherited = false)]
public sealed class InitAttribute(Init kind, double scale = 1) : Attribute
{
    public Init Kind { get; } = kind;
    public double Scale { get; } = scale;

    /// <summary>For <see cref="Init.TorchFanIn"/> on a bias: the weight parameter whose fan-in bounds it (<c>nameof(Weight)</c>).</summary>
    public string? FanInOf { get; init; }
}

/// <summary>Initialization schemes for <see cref="InitAttribute"/>.</summary>
public enum Init
{
    /// <summary>Uniform in ±scale/√fan_in (torch.nn.Linear's default with scale 1).</summary>
    UniformFanIn,
    /// <summary>Normal with standard deviation scale.</summary>
    Normal,
    /// <summary>Xavier/Glorot uniform: ±scale·√(6/(fan_in + fan_out)).</summary>
    XavierUniform,
    /// <summary>All zeros.</summary>
    Zeros,
    /// <summary>All ones.</summary>
    Ones,

    /// <summary>
    /// Uniform in ±scale/√fan_in with fan_in as torch.nn computes it for a weight in torch's layout
    /// ([out, in, kernel...]): size(1) times the product of the sizes after it; for a bias, the fan-in
    /// of the weight named by <see cref="InitAttribute.FanInOf"/>. With scale 1 this is torch.nn.Linear's
    /// and Conv's default (kaiming_uniform_ with a = √5, and their bias init).
    /// </summary>
    TorchFanIn,
}

/// <summary>The shape of a tensor argument: constants and dimension names (<c>"Batch"</c>, <c>nameof(Inputs)</c>).</summary>
[AttributeUsage(AttributeTargets.Parameter | AttributeTargets.ReturnValue, Inherited = false)]
public sealed class ShapeAttribute(params object[] dims) : Attribute
{
    public object[] Dims { get; } = dims;
}

/// <summary>The loss of an <see cref="ExperimentAttribute"/>: a scalar tensor the training step minimizes.</summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class LossAttribute : Attribute;

/// <summary>An experiment: models, an update rule and a loss; the generator writes its <c>TrainStep</c>.</summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class ExperimentAttribute : Attribute;

/// <summary>An optimizer written in the DSL: <see cref="StateAttribute"/> tensors and an <see cref="UpdateAttribute"/> method.</summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class UpdateRuleAttribute : Attribute;

/// <summary>
/// Per-parameter state of an update rule, allocated once when the rule first updates a parameter: a
/// <c>Tensor</c> of the parameter's shape (zeros, or a copy of the parameter with
/// <see cref="Init"/> = <see cref="StateInit.Parameter"/>), or a <c>double</c> (a running number such as
/// a sum of squared learning rates, starting at 0). A checkpoint saves and restores both.
/// </summary>
[AttributeUsage(AttributeTargets.Field, Inherited = false)]
public sealed class StateAttribute : Attribute
{
    /// <summary>What a state tensor holds when it is created: zeros (the default) or the parameter's values.</summary>
    public StateInit Init { get; set; }

    /// <summary>
    /// Evaluate the model at this state: while the experiment evaluates (Fit's validation, <c>Evaluate</c>,
    /// <c>UsingEvaluationState()</c>) the parameters hold this tensor instead of their training values
    /// (Schedule-Free's average x, an EMA of the weights). At most one state of a rule.
    /// </summary>
    public bool EvaluateAt { get; set; }
}

/// <summary>The initial value of an update rule's <see cref="StateAttribute"/> tensor.</summary>
public enum StateInit
{
    /// <summary>Zeros of the parameter's shape and dtype (Adam's moments).</summary>
    Zeros,

    /// <summary>A copy of the parameter when the state is created (Schedule-Free's z and x, an EMA of the weights).</summary>
    Parameter,
}

/// <summary>The per-parameter update: <c>void Update(Tensor param, Tensor grad, long step)</c>.</summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class UpdateAttribute : Attribute;

/// <summary>
/// A static tensor function (<c>static Tensor F(Tensor x, ...)</c>) written with the same constructs as
/// <c>Forward</c>. The generator inlines its body where it is called from a model or a loss, so it is
/// differentiated like code written in place; eagerly it is ordinary C#.
/// </summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class DifferentiableAttribute : Attribute;

/// <summary>
/// The derivative rule of the static function named <paramref name="function"/> in the same class:
/// <c>static Tensor Rule(Tensor x, Tensor gradOutput)</c> returns the gradient with respect to x. The
/// generated forward pass calls the function and the backward pass calls the rule (both eagerly, so
/// they allocate their results).
/// </summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class DerivativeAttribute(string function) : Attribute
{
    public string Function { get; } = function;
}

/// <summary>
/// A custom training step of an <see cref="ExperimentAttribute"/>, used instead of a <see cref="LossAttribute"/>
/// and an update-rule field: a method returning the loss to report, whose body may compute several
/// losses, take <c>Grad(loss, model)</c>, apply update rules (<c>Optimizer.Apply(model, gradients)</c>)
/// and update parameters directly (<c>Net.W += ...</c>), in order.
/// </summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class StepAttribute : Attribute;

/// <summary>
/// A metric of an <see cref="ExperimentAttribute"/> that <c>Evaluate</c> and <c>Fit</c> report: a method
/// returning a scalar (a <see cref="Tensor"/> or a number) whose parameters are inputs of the step,
/// matched by name (<c>Accuracy(images, labels)</c>). It runs eagerly, averaged over examples.
/// </summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class MetricAttribute : Attribute
{
    /// <summary>Whether a larger value is better (accuracy) or a smaller one (an error rate); early stopping and "best" use it.</summary>
    public bool HigherIsBetter { get; init; } = true;
}

/// <summary>
/// Ships this assembly's public <see cref="ModelAttribute"/> classes as declarations: the generator
/// embeds each one's source (<see cref="ModelSourceAttribute"/>), so experiments in assemblies that
/// reference this one can hold them as sub-models (<c>public Linear L1 = new() { In = 784, Out = 256 };</c>)
/// and the generator compiles their Forward into the referencing step. Dsl.Runtime ships its layers so.
/// </summary>
[AttributeUsage(AttributeTargets.Assembly)]
public sealed class ShipModelsAttribute : Attribute;

/// <summary>The declaration source of a shipped model (written by the generator; see <see cref="ShipModelsAttribute"/>).</summary>
[AttributeUsage(AttributeTargets.Assembly, AllowMultiple = true)]
[System.ComponentModel.EditorBrowsable(System.ComponentModel.EditorBrowsableState.Never)]
public sealed class ModelSourceAttribute(string type, string path, string source) : Attribute
{
    public string Type { get; } = type;

    public string Path { get; } = path;

    public string Source { get; } = source;
}
