namespace Dsl;

/// <summary>
/// What a training run reports while it runs: once at the start, every step, once per epoch,
/// occasional messages, and once at the end. Implementations throttle their output, so
/// <see cref="Step"/> can be called on every step: it stores a few numbers and allocates nothing.
/// </summary>
/// <remarks>
/// Calls come from the training thread, in order: <see cref="Start"/>, then any mix of
/// <see cref="Step"/>, <see cref="Epoch"/> and <see cref="Message"/>, then <see cref="Complete"/>.
/// Disposing without <see cref="Complete"/> (the run threw or was cancelled) ends the display and
/// says at which step the run stopped.
/// </remarks>
public interface IProgressReporter : IDisposable
{
    /// <summary>Begins the display of a run.</summary>
    void Start(ProgressPlan plan);

    /// <summary>Records a finished step. Cheap: no allocation, no output unless a line is due.</summary>
    void Step(in StepProgress progress);

    /// <summary>Reports a finished epoch with its metrics; always shown (quiet mode included).</summary>
    void Epoch(EpochSummary summary);

    /// <summary>Shows one line of text, such as "early stopping at epoch 7"; always shown.</summary>
    void Message(string text);

    /// <summary>Ends the display with a final line; <paramref name="summary"/>, if given, follows it.</summary>
    void Complete(string? summary = null);
}

/// <summary>The shape of a run, given to <see cref="IProgressReporter.Start"/>.</summary>
public sealed record ProgressPlan
{
    /// <summary>Describes a run of <paramref name="epochs"/> epochs.</summary>
    /// <param name="experiment">The name shown in the display (the experiment's class name, say).</param>
    /// <param name="epochs">Epochs the run will train for (early stopping may end it sooner).</param>
    /// <param name="stepsPerEpoch">Steps (batches) in one epoch, or null when the data set cannot tell.</param>
    /// <param name="startStep">Steps already done before this run: 0 for a new run, the checkpoint's step for a resumed one.</param>
    /// <param name="totalSteps">Steps the whole run will have done at its end; defaults to
    /// <paramref name="epochs"/> × <paramref name="stepsPerEpoch"/>, null (unknown) when that is unknown.</param>
    public ProgressPlan(string experiment, int epochs, int? stepsPerEpoch = null, long startStep = 0, long? totalSteps = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(experiment);
        if (epochs < 1)
            throw new ArgumentOutOfRangeException(nameof(epochs), epochs, "A run has at least one epoch.");
        if (stepsPerEpoch < 1)
            throw new ArgumentOutOfRangeException(nameof(stepsPerEpoch), stepsPerEpoch, "An epoch has at least one step (or pass null when the count is unknown).");
        if (startStep < 0)
            throw new ArgumentOutOfRangeException(nameof(startStep), startStep, "The start step counts steps already done, so it cannot be negative.");
        totalSteps ??= stepsPerEpoch * (long)epochs;
        if (totalSteps < startStep)
            throw new ArgumentOutOfRangeException(nameof(totalSteps), totalSteps, $"The run would end at step {totalSteps}, before its start step {startStep}.");

        Experiment = experiment;
        Epochs = epochs;
        StepsPerEpoch = stepsPerEpoch;
        StartStep = startStep;
        TotalSteps = totalSteps;
    }

    /// <summary>The name shown in the display.</summary>
    public string Experiment { get; }

    /// <summary>Epochs the run will train for.</summary>
    public int Epochs { get; }

    /// <summary>Steps in one epoch, or null when unknown.</summary>
    public int? StepsPerEpoch { get; }

    /// <summary>Steps done before this run started (resumed runs).</summary>
    public long StartStep { get; }

    /// <summary>The step count at the end of the run, or null when unknown.</summary>
    public long? TotalSteps { get; }
}

/// <summary>One finished training step, as <see cref="IProgressReporter.Step"/> receives it.</summary>
/// <param name="Step">Steps done so far in the whole run, this one included (1 after the first step; resumed runs continue the count).</param>
/// <param name="Epoch">The epoch this step belongs to, from 1.</param>
/// <param name="Batch">The batch within the epoch, from 1.</param>
/// <param name="Loss">The step's loss, or null when the trainer did not read it this step (the display keeps the last value).</param>
/// <param name="Examples">Examples in this step (the batch size), from which the reporter computes throughput; 0 to show steps per second instead.</param>
/// <param name="ExamplesPerSecond">A throughput the trainer measured itself; NaN (the default) to let the reporter compute it.</param>
public readonly record struct StepProgress(
    long Step,
    int Epoch,
    int Batch,
    double? Loss,
    int Examples = 0,
    double ExamplesPerSecond = double.NaN);

/// <summary>A finished epoch and its metrics, as <see cref="IProgressReporter.Epoch"/> receives it.</summary>
/// <param name="Epoch">The epoch, from 1.</param>
/// <param name="Metrics">Metric name to value, shown in the given order ("train.loss", "valid.loss", "valid.accuracy").</param>
public sealed record EpochSummary(int Epoch, IReadOnlyDictionary<string, double> Metrics);
