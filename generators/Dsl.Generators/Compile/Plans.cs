using Dsl.Generators.Ir;
using Dsl.Generators.Parsing;

namespace Dsl.Generators.Compile;

// What the emitters see: plain data decided by the compile stage (no Roslyn types, no locations, no
// C# text: names, dimensions as DimValue, flags; Emit renders them).
// Every record must stay immutable and structurally equal: a plan equal to the last one means the
// generated file is reused as it is.

/// <summary>Where a dimension's value comes from (Emit writes the C#).</summary>
internal enum DimSource
{
    /// <summary>A constant size.</summary>
    Constant,

    /// <summary>A [Dim] field of a model, by its path (<c>Hidden</c>, <c>Net.Hidden</c>).</summary>
    Member,

    /// <summary>A size read from an input at each step, by its name (<c>batch</c>): a local while checking, a field between steps.</summary>
    Runtime,

    /// <summary>A symbol nothing gives a value (should not reach emitted code; rendered so it fails to compile loudly).</summary>
    Unbound,
}

/// <summary>One dimension as data. Must stay immutable and structurally equal.</summary>
internal sealed record DimValue(DimSource Source, long Constant = 0, string Name = "")
{
    public static DimValue Of(long constant) => new(DimSource.Constant, constant);

    public static DimValue Member(string path) => new(DimSource.Member, 0, path);
}

/// <summary>A [Param] as the model's Initialize and Parameters need it. Must stay immutable and structurally equal.</summary>
internal sealed record ParamPlan(
    string Name,
    EquatableArray<DimValue> Shape,
    string ShapeDisplay,
    InitKind Init,
    double Scale,
    DimValue FanIn,
    DimValue FanOut,
    bool Frozen,
    bool IsProperty,
    string? PartialModifiers = null,
    EquatableArray<string> PartialAccessors = default,
    EquatableArray<DimValue> FanInFactors = default);

/// <summary>
/// How much of a computation a generated class's summary lists. A long one (a 16,000-term sum has
/// ~50,000 values) would make a doc comment no tooltip can show and no one reads, and cost the
/// generator as much as the code itself; the summary then lists the first values and says how many
/// more there are: each is still written above the line that computes it.
/// </summary>
internal static class SummaryLines
{
    public const int MaxValues = 64;

    public static string LeftOut(int count, string where) =>
        "… and " + count.ToString(System.Globalization.CultureInfo.InvariantCulture) + " more value" + (count == 1 ? "" : "s") + where;
}

/// <summary>The generated half of a [Model]. Must stay immutable and structurally equal.</summary>
internal sealed record ModelPlan(
    string Namespace,
    string Name,
    EquatableArray<string> Dims,
    EquatableArray<ParamPlan> Params,
    EquatableArray<string> SubModels,
    bool GenerateConstructor,
    EquatableArray<string> ForwardMath,
    PredictPlan? Predict = null,
    EquatableArray<string> UserMembers = default,
    ShippedSource? Shipped = null,
    int ForwardMathLeftOut = 0);

/// <summary>A model's Forward compiled into buffers it owns (its Predict). Must stay immutable and structurally equal.</summary>
internal sealed record PredictPlan(
    EquatableArray<StepParameterPlan> Parameters,
    EquatableArray<RuntimeDimPlan> RuntimeDims,
    EquatableArray<DimCheckPlan> DimChecks,
    EquatableArray<Node> Nodes,
    EquatableArray<BufferPlan> Buffers,
    int Output);

/// <summary>One axis of a step input: the value it must have and how the [Shape] wrote it. Must stay immutable and structurally equal.</summary>
internal sealed record AxisPlan(DimValue Expected, string Display, long? Constant = null);

/// <summary>A parameter of TrainStep (a [Loss] parameter). Must stay immutable and structurally equal.</summary>
internal sealed record StepParameterPlan(string Name, bool IsTensor, NumberType NumberType, EquatableArray<AxisPlan> Axes, bool IsIndex = false)
{
    public string Declared => "[" + string.Join(", ", System.Linq.Enumerable.Select(Axes, a => a.Display)) + "]";
}

/// <summary>A dimension only known at run time, read from axis <see cref="Axis"/> of the input <see cref="Input"/> at each step (<c>batch</c>). Must stay immutable and structurally equal.</summary>
internal sealed record RuntimeDimPlan(string Name, string Input, int Axis, string Display);

/// <summary>A model [Dim] field (<see cref="Member"/>) left to run time whose value must agree with another dimension. Must stay immutable and structurally equal.</summary>
internal sealed record DimCheckPlan(string Member, DimValue Expected, string Display);

/// <summary>A preallocated tensor for one node (its result, or an auxiliary buffer its emission also writes), named after the value. Must stay immutable and structurally equal.</summary>
internal sealed record BufferPlan(int Node, string Name, EquatableArray<DimValue> Shape, bool IsAuxiliary, ElementType Type = ElementType.Float);

/// <summary>The gradient of one trainable parameter. Must stay immutable and structurally equal.</summary>
internal sealed record GradientPlan(string Path, int Node);

/// <summary>One parameter updated by the experiment's update rule: the field holding its state, the parameter, its gradient. Must stay immutable and structurally equal.</summary>
internal sealed record RuleUpdatePlan(string StateField, string Parameter, int Gradient);

/// <summary>The state one update rule keeps for one parameter: its field, the rule's field, the parameter. Must stay immutable and structurally equal.</summary>
internal sealed record RuleStatePlan(string Field, string Rule, string Parameter);

/// <summary>A [Metric] method: which step inputs (by index among the tensor inputs) it takes. Must stay immutable and structurally equal.</summary>
internal sealed record MetricPlan(string Name, EquatableArray<int> Inputs, bool ReturnsTensor, bool HigherIsBetter);

/// <summary>One write of the update: <c>Net.W1 -= LearningRate · value</c> (scaled by the learning rate and the step's factor when <see cref="Scaled"/>). Must stay immutable and structurally equal.</summary>
internal sealed record UpdatePlan(string Target, string TargetName, AssignOperator Operator, int Value, bool Scaled);

/// <summary>The generated half of an [Experiment]: its training step. Must stay immutable and structurally equal.</summary>
internal sealed record ExperimentPlan(
    string Namespace,
    string Name,
    string LossMethod,
    bool CustomStep,
    EquatableArray<StepParameterPlan> Parameters,
    EquatableArray<RuntimeDimPlan> RuntimeDims,
    EquatableArray<DimCheckPlan> DimChecks,
    EquatableArray<string> Models,
    EquatableArray<string> AllParameters,
    EquatableArray<Node> Nodes,
    EquatableArray<BufferPlan> Buffers,
    int Loss,
    int BackwardStart,
    int UpdateStart,
    EquatableArray<GradientPlan> Gradients,
    EquatableArray<UpdatePlan> Updates,
    string? Optimizer,
    EquatableArray<RuleUpdatePlan> RuleUpdates,
    EquatableArray<RuleStatePlan> RuleStates,
    EquatableArray<MetricPlan> Metrics,
    bool HasParameterlessConstructor,
    EquatableArray<string> UserMembers,
    string UpdateRule,
    bool DeclareLearningRate);

/// <summary>One store at the end of an update loop's body: the parameter (State = -1) or a state tensor, from a node's value. Must stay immutable and structurally equal.</summary>
internal sealed record ElementWritePlan(string Target, int State, int Node);

/// <summary>The generated half of an [UpdateRule]: one fused elementwise loop. Must stay immutable and structurally equal.</summary>
internal sealed record UpdateRulePlan(
    string Namespace,
    string Name,
    string Parameter,
    string Gradient,
    EquatableArray<string> States,
    bool HasLearningRate,
    EquatableArray<Node> Nodes,
    EquatableArray<ElementWritePlan> Writes)
{
    /// <summary>For each of <see cref="States"/>, whether it starts as a copy of the parameter instead of zeros.</summary>
    public EquatableArray<bool> InitFromParameter { get; init; } = EquatableArray<bool>.Empty;

    /// <summary>The number states (<c>[State] double</c>), read before the loop and written once per update.</summary>
    public EquatableArray<string> NumberStates { get; init; } = EquatableArray<string>.Empty;

    /// <summary>The stores of the number states: <see cref="ElementWritePlan.State"/> indexes <see cref="NumberStates"/>.</summary>
    public EquatableArray<ElementWritePlan> NumberWrites { get; init; } = EquatableArray<ElementWritePlan>.Empty;

    /// <summary>The state the model is evaluated at (<c>[State(EvaluateAt = true)]</c>), or null.</summary>
    public string? EvaluationState { get; init; }

    /// <summary>The field holding the rule this one wraps, or null: the loop then writes ĝ (<see cref="InnerGradientTarget"/>) and the inner rule updates the parameter from it.</summary>
    public string? InnerRule { get; init; }

    /// <summary>The write target of the gradient a wrapping rule hands on (a reserved name: no user's state meets it).</summary>
    public const string InnerGradientTarget = "__innerGradient";

    /// <summary><see cref="ElementWritePlan.State"/> of that write.</summary>
    public const int InnerGradientState = -2;

    /// <summary>The generated local a number state is read into (the reserved prefix, so no user name meets it).</summary>
    public static string NumberStateLocal(string state) => state + "State";

    /// <summary>The number field a schedule scales: inside the loop it reads <c>LearningRate · learningRateFactor</c>.</summary>
    public const string LearningRateField = "LearningRate";

    /// <summary>The name of that scaled value (a local of the generated Update, under the reserved prefix).</summary>
    public const string ScaledLearningRate = "learningRate";
}
