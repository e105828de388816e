using System.Collections.Generic;
using Dsl.Generators.Shapes;

namespace Dsl.Generators.Ir;

/// <summary>
/// The arguments of one call of a language function, bound to its parameters by lowering: the
/// values that become the node's inputs (tensors and run-time numbers, in parameter order) and the
/// settings fixed at compile time (axes, sizes, flags, constants, a reduction, an equation), by
/// parameter name. An op's factory reads the settings into the op record, so they take part in its
/// equality and reach its shape, derivative and emission rules.
/// </summary>
internal sealed class OpArguments
{
    private readonly Dictionary<string, object> _settings = new(System.StringComparer.Ordinal);
    private readonly Dictionary<string, (int First, int Count)> _inputs = new(System.StringComparer.Ordinal);
    private readonly List<int> _nodes = [];
    private readonly List<OperandLabel> _labels = [];

    /// <summary>The node ids that become the op's inputs, in parameter order (a tensor list flattened).</summary>
    public IReadOnlyList<int> Inputs => _nodes;

    /// <summary>Each input as the user wrote it.</summary>
    public IReadOnlyList<OperandLabel> Labels => _labels;

    public void AddInput(string parameter, int node, OperandLabel label)
    {
        _inputs[parameter] = _inputs.TryGetValue(parameter, out var known) ? (known.First, known.Count + 1) : (_nodes.Count, 1);
        _nodes.Add(node);
        _labels.Add(label);
    }

    /// <summary>Marks a list parameter present even when it holds no item.</summary>
    public void AddEmptyList(string parameter) => _inputs[parameter] = (_nodes.Count, 0);

    public void Set(string parameter, object value) => _settings[parameter] = value;

    /// <summary>Whether the parameter was given (or has a default).</summary>
    public bool Has(string parameter) => _settings.ContainsKey(parameter) || _inputs.ContainsKey(parameter);

    /// <summary>Where a parameter's input(s) sit among <see cref="Inputs"/>; Count is 0 when absent.</summary>
    public (int First, int Count) InputsOf(string parameter) => _inputs.TryGetValue(parameter, out var range) ? range : (-1, 0);

    public long Int(string parameter, long fallback = 0) => _settings.TryGetValue(parameter, out var v) && v is long l ? l : fallback;

    public bool Bool(string parameter, bool fallback = false) => _settings.TryGetValue(parameter, out var v) && v is bool b ? b : fallback;

    public double Constant(string parameter, double fallback = 0) => _settings.TryGetValue(parameter, out var v) && v is double d ? d : fallback;

    public string? Text(string parameter) => _settings.TryGetValue(parameter, out var v) ? v as string : null;

    /// <summary>The reduction named (Mean, Sum or None).</summary>
    public string Reduction(string parameter, string fallback = "Mean") =>
        _settings.TryGetValue(parameter, out var v) && v is ReductionSetting r ? r.Name : fallback;

    /// <summary>Axes or sizes (constants, -1, or model [Dim] symbols); null when the parameter is absent.</summary>
    public EquatableArray<Dim>? Dims(string parameter) => _settings.TryGetValue(parameter, out var v) && v is EquatableArray<Dim> dims ? dims : null;

    /// <summary>Axes as constants (a symbol is not an axis; lowering rejects it for Int parameters).</summary>
    public EquatableArray<long>? Axes(string parameter)
    {
        if (Dims(parameter) is not { } dims) return null;
        var axes = new long[dims.Count];
        for (var i = 0; i < axes.Length; i++)
        {
            if (!dims[i].IsConstant) return null;
            axes[i] = dims[i].Value;
        }
        return EquatableArray.Create(axes);
    }
}

/// <summary>A reduction setting (<c>Reduction.Sum</c>), kept apart from text.</summary>
internal sealed record ReductionSetting(string Name);
