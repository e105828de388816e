namespace Dsl.Generators.Ir;

/// <summary>
/// What an op's derivative rule (<see cref="Op.Differentiate"/>) may do: read nodes, make nodes
/// (their shapes are inferred by the same rules as the forward pass) and add gradient
/// contributions. Implemented by the Autodiff stage; defined here so ops need not know it.
/// Ids are node ids of the region being differentiated: a structured op (a run-time loop) would
/// differentiate its body through a builder of its own region, so nothing here assumes one flat graph.
/// </summary>
internal interface IGradientBuilder
{
    /// <summary>Whether the value depends on what is differentiated (only active values get gradients).</summary>
    bool IsActive(int id);

    Node Node(int id);

    /// <summary>The value's shape with every dimension in its current best form (a symbol since unified with a constant is that constant).</summary>
    Shapes.SymShape ResolvedShape(int id);

    /// <summary>"d" + the value's name: <c>dLogits</c>, <c>dW1</c>.</summary>
    string GradientName(int id);

    /// <summary>Appends an op applied to earlier values; returns its id.</summary>
    int Add(Op op, string name, params int[] inputs);

    /// <summary>A number constant used by a derivative rule.</summary>
    int Number(double value);

    /// <summary>Adds a contribution to the gradient of <paramref name="target"/>; a second one is summed.</summary>
    void Accumulate(int target, int contribution);

    /// <summary>Like <see cref="Accumulate"/>, first summing over the axes along which target was broadcast.</summary>
    void AccumulateReduced(int target, int contribution);

    // ---- loops: structured ops with several results ----

    /// <summary>The gradient accumulated so far for a value (a loop reads those of its results).</summary>
    bool TryGetGradient(int id, out int gradient);

    /// <summary>
    /// Marks a node whose results (separate nodes that read it) got gradients, so its derivative rule
    /// runs although it has no gradient of its own (a run-time loop and its carried values).
    /// </summary>
    void Reach(int id);
}
