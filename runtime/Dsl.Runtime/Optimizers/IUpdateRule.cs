namespace Dsl;

/// <summary>
/// An optimizer's per-parameter update. Classes marked <see cref="UpdateRuleAttribute"/> implement
/// it in generated code: the <see cref="UpdateAttribute"/> method's body becomes one fused loop over
/// the parameter, its gradient and its <see cref="StateAttribute"/> tensors.
/// </summary>
public interface IUpdateRule
{
    /// <summary>The rule's name (its class name), for messages and checkpoints.</summary>
    string Name { get; }

    /// <summary>The names of the per-parameter state tensors, in the order <see cref="UpdateRuleState"/> holds them.</summary>
    IReadOnlyList<string> StateNames { get; }

    /// <summary>Allocates the state for one parameter: zeros of its shape and dtype, one tensor per state name.</summary>
    UpdateRuleState CreateState(Tensor parameter);

    /// <summary>
    /// Updates <paramref name="parameter"/> in place from <paramref name="gradient"/> (and the rule's
    /// state for that parameter). <paramref name="step"/> counts updates from 1;
    /// <paramref name="learningRateFactor"/> scales the rule's <c>LearningRate</c> (a schedule's factor).
    /// </summary>
    void Update(UpdateRuleState state, Tensor parameter, Tensor gradient, long step, double learningRateFactor = 1d);

    /// <summary>
    /// The state tensor the model is evaluated at (<c>[State(EvaluateAt = true)]</c>: Schedule-Free's x, an EMA of the
    /// weights), or null when the parameters themselves are (most rules). Fit's validation and
    /// <c>Trainer.Evaluate</c> swap it into the parameters while they evaluate.
    /// </summary>
    string? EvaluationState => null;
}

/// <summary>
/// The state an <see cref="IUpdateRule"/> keeps for one parameter (Adam's m and v), owned by whoever created it.
/// A rule that wraps another (a filter around AdamW) also holds the wrapped rule's state: <see cref="Inner"/>,
/// whose tensors and numbers are listed after its own, named <c>Inner.m</c> after the field that holds the rule.
/// </summary>
public sealed partial class UpdateRuleState : IDisposable
{
    private readonly Tensor[] _tensors;
    private string[] _names;

    private readonly Tensor[] _numbers;
    private string[] _numberNames;

    /// <summary>Zeros of the parameter's shape and dtype, one tensor per name.</summary>
    public UpdateRuleState(IUpdateRule rule, Tensor parameter, IReadOnlyList<string> names)
        : this(rule, parameter, names, inits: null, numberNames: null)
    {
    }

    /// <summary>
    /// One tensor per name, of the parameter's shape and dtype: zeros, or a copy of
    /// <paramref name="parameter"/> where <paramref name="inits"/> says <see cref="StateInit.Parameter"/>
    /// (null: all zeros); and one number per name of <paramref name="numberNames"/>, starting at 0
    /// (held in a Float64 scalar tensor, so checkpoints save it with the tensors).
    /// </summary>
    public UpdateRuleState(IUpdateRule rule, Tensor parameter, IReadOnlyList<string> names, IReadOnlyList<StateInit>? inits,
        IReadOnlyList<string>? numberNames)
    {
        ArgumentNullException.ThrowIfNull(rule);
        ArgumentNullException.ThrowIfNull(parameter);
        ArgumentNullException.ThrowIfNull(names);
        if (inits is not null && inits.Count != names.Count)
        {
            throw new ArgumentException($"{rule.Name}: {names.Count} state names but {inits.Count} initializations; give one per name.", nameof(inits));
        }
        Rule = rule;
        _names = names.ToArray();
        Shape = parameter.Shape;
        DType = parameter.DType;
        _tensors = new Tensor[_names.Length];
        for (var i = 0; i < _tensors.Length; i++)
        {
            var init = inits is null ? StateInit.Zeros : inits[i];
            _tensors[i] = init switch
            {
                StateInit.Zeros => Tensor.Zeros(Shape, DType, parameter.Device),
                StateInit.Parameter => parameter.Clone(),
                _ => throw new ArgumentOutOfRangeException(nameof(inits), init, $"{rule.Name}: state '{_names[i]}' has no initialization {init}; expected Zeros or Parameter."),
            };
        }
        _numberNames = numberNames?.ToArray() ?? [];
        _numbers = new Tensor[_numberNames.Length];
        for (var i = 0; i < _numbers.Length; i++) _numbers[i] = Tensor.Zeros(Shape.Scalar, DType.Float64);
    }

    /// <summary>The rule this state belongs to.</summary>
    public IUpdateRule Rule { get; }

    /// <summary>The shape of the parameter (and of every state tensor).</summary>
    public Shape Shape { get; }

    /// <summary>The dtype of the parameter (and of every state tensor).</summary>
    public DType DType { get; }

    /// <summary>How many state tensors: the rule's own, then its inner rule's (<see cref="Names"/>).</summary>
    public int Count => _names.Length;

    /// <summary>The state tensors' names: the rule's own, then its inner rule's prefixed by the field (<c>Inner.m</c>).</summary>
    public IReadOnlyList<string> Names => _names;

    /// <summary>The state tensor at <paramref name="index"/> of <see cref="Names"/> (an inner rule's after the rule's own).</summary>
    public Tensor this[int index] => index < _tensors.Length || Inner is null ? _tensors[index] : Inner[index - _tensors.Length];

    /// <summary>The state tensors, then the number states (Float64 scalars), by name (<c>("m", tensor)</c>), then the inner rule's, for checkpoints.</summary>
    public IEnumerable<(string Name, Tensor Value)> Named()
    {
        for (var i = 0; i < _tensors.Length; i++) yield return (_names[i], _tensors[i]);
        for (var i = 0; i < _numbers.Length; i++) yield return (_numberNames[i], _numbers[i]);
        if (Inner is null) yield break;
        foreach (var (name, value) in Inner.Named()) yield return (InnerField + "." + name, value);
    }

    /// <summary>The names of the number states (<c>[State] double</c> fields), in the order <see cref="GetNumber"/> reads them (the inner rule's after the rule's own).</summary>
    public IReadOnlyList<string> NumberNames => _numberNames;

    /// <summary>The value of the number state at <paramref name="index"/> (of <see cref="NumberNames"/>).</summary>
    public double GetNumber(int index) => index < _numbers.Length || Inner is null ? _numbers[index].AsSpan<double>()[0] : Inner.GetNumber(index - _numbers.Length);

    /// <summary>Sets the number state at <paramref name="index"/> (the generated update does, once per step).</summary>
    public void SetNumber(int index, double value)
    {
        if (index < _numbers.Length || Inner is null) _numbers[index].AsSpan<double>()[0] = value;
        else Inner.SetNumber(index - _numbers.Length, value);
    }

    /// <summary>The index of the state tensor named <paramref name="name"/> in <see cref="Names"/> (<c>Inner.m</c> for an inner rule's), or -1.</summary>
    public int IndexOf(string name) => Array.IndexOf(_names, name);

    /// <summary>
    /// The state tensor whose values the parameter holds now (<see cref="RuleStateScope"/> swapped them), or -1 when
    /// the parameter holds its own. An update is refused meanwhile: it would train the evaluated weights.
    /// </summary>
    public int SwappedIn { get; internal set; } = -1;

    /// <summary>
    /// Checks what a fused update loop relies on: this state was made by a rule of <paramref name="rule"/>'s type for a
    /// parameter of this shape and dtype, and parameter and gradient agree (that all are contiguous
    /// CPU tensors is checked when the loop takes their memory, <see cref="Tensor.AsSpan{T}"/>).
    /// Allocation-free when everything is right.
    /// </summary>
    public void Validate(IUpdateRule rule, Tensor parameter, Tensor gradient)
    {
        if (SwappedIn >= 0)
        {
            throw new InvalidOperationException($"{rule.Name}: the parameters hold the state '{_names[SwappedIn]}' for evaluation "
                + "(a UsingState or UsingEvaluationState scope is open); dispose that scope before training.");
        }
        // Another instance of the same rule may take over the state (an experiment's rule field replaced
        // to change a hyperparameter); another kind of rule may not: its state means something else.
        if (!ReferenceEquals(rule, Rule) && rule.GetType() != Rule.GetType())
        {
            throw new ArgumentException($"{rule.Name}: this state was created by another update rule ({Rule.Name}: {string.Join(", ", _names)}); "
                + "state belongs to one kind of rule (call the experiment's Initialize to start afresh with another rule).");
        }
        var dtype = parameter.DType;
        if (dtype != DType.Float32 && dtype != DType.Float64)
        {
            throw new ArgumentException($"{rule.Name}: parameters must be Float32 or Float64, but this one is {dtype}.");
        }
        if (dtype != DType || gradient.DType != dtype)
        {
            throw new ArgumentException($"{rule.Name}: parameter {dtype}, gradient {gradient.DType} and state {DType} must have one dtype.");
        }
        if (!SameShape(parameter) || !SameShape(gradient))
        {
            throw new ArgumentException($"{rule.Name}: parameter {parameter.Shape} and gradient {gradient.Shape} must both have the state's shape {Shape}.");
        }
    }

    private bool SameShape(Tensor tensor)
    {
        var rank = tensor.Rank;
        if (rank != Shape.Rank) return false;
        for (var i = 0; i < rank; i++)
        {
            if (tensor.Size(i) != Shape[i]) return false;
        }
        return true;
    }

    public void Dispose()
    {
        foreach (var tensor in _tensors) tensor.Dispose();
        foreach (var number in _numbers) number.Dispose();
        InnerGradient?.Dispose();
        Inner?.Dispose();
    }
}
