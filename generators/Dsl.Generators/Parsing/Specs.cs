using Dsl.Generators.Diagnostics;

namespace Dsl.Generators.Parsing;

// The parser's output: what the user declared, as plain data. Every record here must stay
// immutable and structurally equal (strings, enums, primitives, EquatableArray, other specs):
// Roslyn's incremental cache compares them to decide whether anything downstream re-runs.
// No ISymbol, SyntaxNode or Compilation may appear here (a reflection test enforces it).
//
// Locations: AST nodes and specs carry an int index into their declaration's Locations table
// instead of a location. The table is stripped before code generation (see WithoutLocations), so
// an edit that only moves code re-runs diagnostics but not the emitter.

/// <summary>A dimension as written: a constant (<c>784</c>) or a name (<c>"Batch"</c>, <c>nameof(Hidden)</c>). Must stay immutable and structurally equal.</summary>
internal sealed record DimRef(long Constant, string? Name)
{
    public bool IsConstant => Name is null;

    public static DimRef Of(long value) => new(value, null);

    public static DimRef Of(string name) => new(0, name);

    public override string ToString() => Name ?? Constant.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>How a parameter is initialized; mirrors <c>Dsl.Init</c>.</summary>
internal enum InitKind
{
    UniformFanIn,
    Normal,
    XavierUniform,
    Zeros,
    Ones,
    TorchFanIn,
}

/// <summary>
/// A [Param] tensor field or property. Must stay immutable and structurally equal. A partial
/// property the user only declared (<see cref="PartialModifiers"/> set) is implemented by the
/// generator over a field of its own; its accessors are kept as written (<c>get</c>, <c>private set</c>).
/// </summary>
internal sealed record ParamSpec(string Name, EquatableArray<DimRef> Shape, InitKind Init, double InitScale, bool Frozen, bool IsProperty, int Loc,
    string? PartialModifiers = null, EquatableArray<string> PartialAccessors = default, string? FanInOf = null);

/// <summary>A constant given to a sub-model's [Dim] in its object initializer. Must stay immutable and structurally equal.</summary>
internal sealed record DimBinding(string Dim, long Value);

/// <summary>A field holding a sub-model (or an update rule): <c>public Mlp Net = new() { Inputs = 784 };</c>. Must stay immutable and structurally equal.</summary>
internal sealed record MemberInstanceSpec(string Name, string TypeName, EquatableArray<DimBinding> Bindings, int Loc);

/// <summary>The numeric type of a number field or parameter.</summary>
internal enum NumberType
{
    Float,
    Double,
    Int,
    Long,
}

/// <summary>A number field (a hyperparameter such as LearningRate), read at run time. Must stay immutable and structurally equal.</summary>
internal sealed record NumberFieldSpec(string Name, NumberType Type, bool IsStatic);

/// <summary>A method parameter: a tensor with a declared shape, or a number. Must stay immutable and structurally equal.</summary>
internal sealed record ParameterSpec(string Name, bool IsTensor, NumberType NumberType, bool HasShape, EquatableArray<DimRef> Shape, int Loc);

/// <summary>A method the generator compiles (Forward, [Loss], [Update]). Must stay immutable and structurally equal.</summary>
internal sealed record MethodSpec(string Name, EquatableArray<ParameterSpec> Parameters, EquatableArray<Stmt> Body, int Loc);

/// <summary>
/// A [Model] class. Must stay immutable and structurally equal. HasErrors: the parser reported
/// errors for it, so later stages skip it (its errors are already reported; no cascades).
/// </summary>
internal sealed record ModelSpec(
    string Namespace,
    string Name,
    string FullName,
    EquatableArray<string> Dims,
    EquatableArray<ParamSpec> Params,
    EquatableArray<MemberInstanceSpec> SubModels,
    EquatableArray<NumberFieldSpec> Numbers,
    MethodSpec? Forward,
    bool HasUserConstructor,
    EquatableArray<string> MemberNames,
    int Loc,
    EquatableArray<LocationInfo> Locations,
    bool HasErrors = false,
    ShippedSource? Shipped = null)
{
    public ModelSpec WithoutLocations() => this with { Locations = EquatableArray<LocationInfo>.Empty };
}

/// <summary>An [Experiment] class. Must stay immutable and structurally equal.</summary>
internal sealed record ExperimentSpec(
    string Namespace,
    string Name,
    string FullName,
    EquatableArray<MemberInstanceSpec> Models,
    EquatableArray<NumberFieldSpec> Numbers,
    EquatableArray<MemberInstanceSpec> Rules,
    MethodSpec? Loss,
    MethodSpec? Step,
    EquatableArray<MetricSpec> Metrics,
    bool HasParameterlessConstructor,
    EquatableArray<string> MemberNames,
    int Loc,
    EquatableArray<LocationInfo> Locations,
    bool HasErrors = false)
{
    /// <summary>The update-rule field of a [Loss] experiment (its only one); a [Step] may use several.</summary>
    public MemberInstanceSpec? Optimizer => Rules.Count > 0 ? Rules[0] : null;

    public ExperimentSpec WithoutLocations() => this with { Locations = EquatableArray<LocationInfo>.Empty };
}

/// <summary>A [Metric] method: its name, its parameters (inputs of the step, by name), whether it returns a tensor. Must stay immutable and structurally equal.</summary>
internal sealed record MetricSpec(string Name, EquatableArray<string> Parameters, bool ReturnsTensor, bool HigherIsBetter, int Loc);

/// <summary>An [UpdateRule] class. Must stay immutable and structurally equal.</summary>
internal sealed record UpdateRuleSpec(
    string Namespace,
    string Name,
    string FullName,
    EquatableArray<NumberFieldSpec> Numbers,
    EquatableArray<string> States,
    MethodSpec? Update,
    int Loc,
    EquatableArray<LocationInfo> Locations,
    bool HasErrors = false)
{
    /// <summary>For each of <see cref="States"/>, whether it starts as a copy of the parameter (<c>[State(Init = StateInit.Parameter)]</c>) instead of zeros.</summary>
    public EquatableArray<bool> InitFromParameter { get; init; } = EquatableArray<bool>.Empty;

    /// <summary>The <c>[State] double</c> fields: one number per parameter, starting at 0.</summary>
    public EquatableArray<string> NumberStates { get; init; } = EquatableArray<string>.Empty;

    /// <summary>The state marked <c>[State(EvaluateAt = true)]</c>, or null.</summary>
    public string? EvaluationState { get; init; }

    /// <summary>The field holding the rule this one wraps (any <c>Dsl.IUpdateRule</c>; its [Update] ends with <c>Inner.Apply(param, ĝ, step)</c>), or null.</summary>
    public string? InnerRule { get; init; }

    public UpdateRuleSpec WithoutLocations() => this with { Locations = EquatableArray<LocationInfo>.Empty };
}

/// <summary>The declaration of a public model its assembly ships ([assembly: ShipModels]): the file it is declared in. Must stay immutable and structurally equal.</summary>
internal sealed record ShippedSource(string Type, string Path, string Text);
