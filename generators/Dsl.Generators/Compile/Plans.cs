using Dsl.Generators.Ir;
using Dsl.Generators.Parsing;

namespace Dsl.Generators.Emit;

// What the emitters see: plain data decided by the earlier stages (no Roslyn types, no locations).
// Every record must stay immutable and structurally equal: a plan equal to the last one means the
// generated file is reused as it is.

/// <summary>A [Param] as the model's Initialize and Parameters need it. Must stay immutable and structurally equal.</summary>
internal sealed record ParamPlan(
    string Name,
    EquatableArray<string> Shape,
    string ShapeDisplay,
    InitKind Init,
    double Scale,
    string FanIn,
    string FanOut,
    bool Frozen,
    bool IsProperty,
    string Storage,
    string? PartialModifiers = null,
    EquatableArray<string> PartialAccessors = default);

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
    EquatableArray<string> UserMembers = default);

/// <summary>A model's Forward compiled into buffers it owns (its Predict). Must stay immutable and structurally equal.</summary>
internal sealed record PredictPlan(
    EquatableArray<StepParameterPlan> Parameters,
    EquatableArray<RuntimeDimPlan> RuntimeDims,
    EquatableArray<DimCheckPlan> DimChecks,
    EquatableArray<Node> Nodes,
    EquatableArray<BufferPlan> Buffers,
    int Output);

/// <summary>One axis of a step input: the C# value it must have and how the [Shape] wrote it. Must stay immutable and structurally equal.</summary>
internal sealed record AxisPlan(string Expected, string Display, long? Constant = null);

/// <summary>A parameter of TrainStep (a [Loss] parameter). Must stay immutable and structurally equal.</summary>
internal sealed record StepParameterPlan(string Name, bool IsTensor, string NumberType, EquatableArray<AxisPlan> Axes, bool IsIndex = false)
{
    public string Declared => "[" + string.Join(", ", System.Linq.Enumerable.Select(Axes, a => a.Display)) + "]";
}

/// <summary>A dimension only known at run time, read from an input at each step (<c>Batch</c>). Must stay immutable and structurally equal.</summary>
internal sealed record RuntimeDimPlan(string Field, string Local, string Source, string Display);

/// <summary>A model [Dim] left to run time whose value must agree with another dimension. Must stay immutable and structurally equal.</summary>
internal sealed record DimCheckPlan(string Expression, string Expected, string Display);

/// <summary>A preallocated tensor for one node (its result, or an auxiliary buffer its emission also writes). Must stay immutable and structurally equal.</summary>
internal sealed record BufferPlan(int Node, string Field, EquatableArray<string> Shape, bool IsAuxiliary);

/// <summary>The gradient of one trainable parameter. Must stay immutable and structurally equal.</summary>
internal sealed record GradientPlan(string Path, int Node);

/// <summary>One parameter updated by the experiment's update rule: the field holding its state, the parameter, its gradient. Must stay immutable and structurally equal.</summary>
internal sealed record RuleUpdatePlan(string StateField, string Parameter, int Gradient);

/// <summary>The state one update rule keeps for one parameter: its field, the rule's field, the parameter. Must stay immutable and structurally equal.</summary>
internal sealed record RuleStatePlan(string Field, string Rule, string Parameter);

/// <summary>A [Metric] method: which step inputs (by index among the tensor inputs) it takes. Must stay immutable and structurally equal.</summary>
internal sealed record MetricPlan(string Name, EquatableArray<int> Inputs, bool ReturnsTensor, bool HigherIsBetter);

/// <summary>One write of the update: <c>Net.W1 -= value</c> or <c>state = value</c>. Must stay immutable and structurally equal.</summary>
internal sealed record UpdatePlan(string Target, string TargetName, AssignOperator Operator, int Value, string Alpha);

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
    EquatableArray<ElementWritePlan> Writes);
