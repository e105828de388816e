using System.ComponentModel;

namespace Dsl;

/// <summary>A declared input of an experiment's step: a <c>[Shape]</c>-annotated tensor parameter of its [Loss] or [Step].</summary>
/// <param name="Name">The parameter's name (<c>images</c>); data set columns are matched to it by name.</param>
/// <param name="Dims">Each axis: its size when it is a constant, null when it is a name known only at run time (<c>Batch</c>).</param>
/// <param name="Display">The shape as declared (<c>[Batch, 784]</c>), for messages.</param>
/// <param name="IsIndex">Whether the step reads it as class indices (the labels of a cross-entropy): it must be Int64.</param>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed record StepInput(string Name, IReadOnlyList<long?> Dims, string Display, bool IsIndex);

/// <summary>A declared metric: a [Metric] method of the experiment.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed record MetricInfo(string Name, bool HigherIsBetter);

/// <summary>
/// What the trainer (<see cref="Trainer"/>) needs of an experiment. Members only the trainer and the
/// generated code use are hidden from IntelliSense (<see cref="EditorBrowsableAttribute"/>). The generator implements it on
/// every [Experiment] whose step takes only tensors; user code normally calls the generated members
/// (<c>TrainStep</c>, <c>Fit</c>, <c>Evaluate</c>, <c>Save</c>) instead.
/// </summary>
public interface IExperiment
{
    /// <summary>The experiment's class name.</summary>
    string Name { get; }

    /// <summary>The step's tensor inputs, in parameter order; a batch lists one tensor per input in this order.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    IReadOnlyList<StepInput> Inputs { get; }

    /// <summary>The declared metrics, in declaration order.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    IReadOnlyList<MetricInfo> Metrics { get; }

    /// <summary>Whether gradients and the update are separate (a [Loss] experiment): the trainer can check the loss and clip gradients in between.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    bool HasSeparateUpdate { get; }

    /// <summary>Whether the experiment has a loss that <see cref="EvaluateLoss"/> computes without training (a [Loss] experiment).</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    bool HasLoss { get; }

    /// <summary>Updates applied so far.</summary>
    long StepCount { get; }

    /// <summary>Whether every model has been initialized (or loaded).</summary>
    bool IsInitialized { get; }

    /// <summary>The dtype of the parameters (Float32 unless initialized otherwise).</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    DType ParameterDType { get; }

    /// <summary>Initializes every model from <paramref name="seed"/> and forgets update-rule state and the step count.</summary>
    void Initialize(ulong seed, DType dtype = DType.Float32);

    /// <summary>A whole training step on a batch; returns the loss before the update.</summary>
    float TrainStep(IReadOnlyList<Tensor> batch, double learningRateFactor = 1d);

    /// <summary>Forward and backward only (a [Loss] experiment): the loss; gradients in <see cref="Gradients"/>.</summary>
    float ComputeGradients(IReadOnlyList<Tensor> batch);

    /// <summary>The update with the gradients of the last <see cref="ComputeGradients"/> (a [Loss] experiment).</summary>
    void ApplyUpdate(double learningRateFactor = 1d);

    /// <summary>The loss on a batch without gradients or update (a [Loss] experiment).</summary>
    float EvaluateLoss(IReadOnlyList<Tensor> batch);

    /// <summary>Each declared metric on a batch, in <see cref="Metrics"/> order.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    void EvaluateMetrics(IReadOnlyList<Tensor> batch, Span<double> values);

    /// <summary>Every parameter of every model by path (<c>Net.W1</c>).</summary>
    IReadOnlyList<(string Name, Tensor Value)> Parameters { get; }

    /// <summary>The gradients of the last <see cref="ComputeGradients"/> by parameter path.</summary>
    IReadOnlyList<(string Name, Tensor Value)> Gradients { get; }

    /// <summary>
    /// The update rules' state by <c>rule/parameter/state</c> (<c>Optimizer/Net.W1/m</c>), allocating any state not made yet
    /// (so a checkpoint has the same tensors before and after the first step).
    /// </summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    IReadOnlyList<(string Name, Tensor Value)> UpdateState { get; }

    /// <summary>Sets the update count (a resumed run continues its bias corrections and schedules).</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    void RestoreStep(long step);

    /// <summary>
    /// The generator the step's random ops (Randn, Dropout, ...) draw from, seeded by <see cref="Initialize"/>;
    /// null when the step draws none. Checkpoints save its state (<c>dsl.rng_state</c>) and restore it, so a
    /// resumed run draws what an uninterrupted one would.
    /// </summary>
    Generator? RandomGenerator => null;
}
