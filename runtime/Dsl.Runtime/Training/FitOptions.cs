namespace Dsl;

/// <summary>What <see cref="Trainer.Fit"/> does when a step's loss is NaN or infinite.</summary>
public enum NonFiniteLossAction
{
    /// <summary>Stop with a <see cref="NonFiniteLossException"/> naming the step; the last checkpoint written stays the latest one.</summary>
    Stop,

    /// <summary>Skip the batch: no update is applied (a [Loss] experiment only), and training goes on.</summary>
    SkipBatch,
}

/// <summary>How much <see cref="Trainer.Fit"/> prints (<see cref="FitOptions.Verbosity"/>).</summary>
public enum FitVerbosity
{
    /// <summary>A start line, a step line every 10 seconds (a live bar in a terminal), a line per epoch, messages and the summary.</summary>
    Steps,

    /// <summary>Only the epoch lines, messages (resumed, skipped batches, stops) and the summary.</summary>
    Epochs,

    /// <summary>Nothing. Failures still throw, and the run folder (when set) is still written.</summary>
    Silent,
}

/// <summary>Stop when a monitored metric has not improved for <see cref="Patience"/> evaluations.</summary>
/// <param name="Metric">The metric watched (<c>valid.loss</c>, <c>valid.accuracy</c>, <c>train.loss</c>).</param>
/// <param name="Patience">Evaluations without improvement before stopping.</param>
/// <param name="MinDelta">The least change that counts as an improvement.</param>
/// <param name="HigherIsBetter">Which way is better; by default, what the experiment's [Metric] says, and lower for losses.</param>
public sealed record EarlyStopping(string Metric = "valid.loss", int Patience = 5, double MinDelta = 0, bool? HigherIsBetter = null);

/// <summary>Where a training run is, seen from a callback; <see cref="RequestStop"/> ends the run after this step or epoch.</summary>
public sealed class TrainingContext
{
    internal string? StopReason { get; private set; }

    /// <summary>Updates applied so far (after this step).</summary>
    public long Step { get; internal set; }

    /// <summary>The epoch, from 0.</summary>
    public int Epoch { get; internal set; }

    /// <summary>The batch within the epoch, from 0.</summary>
    public int Batch { get; internal set; }

    /// <summary>This step's loss (in <see cref="FitOptions.OnStep"/>) or the epoch's mean training loss (in <see cref="FitOptions.OnEpoch"/>).</summary>
    public double Loss { get; internal set; }

    /// <summary>Metrics of the epoch (in <see cref="FitOptions.OnEpoch"/>): <c>train.loss</c>, <c>valid.loss</c>, <c>valid.accuracy</c>, ...</summary>
    public IReadOnlyDictionary<string, double> Metrics { get; internal set; } = new Dictionary<string, double>();

    /// <summary>Ends the run after the current step (or epoch); the reason goes into the report.</summary>
    public void RequestStop(string reason) => StopReason ??= reason;
}

/// <summary>How <see cref="Trainer.Fit"/> trains. Every setting has a default; <c>new FitOptions { Epochs = 5 }</c> is a run.</summary>
public sealed record FitOptions
{
    /// <summary>Passes over the training data.</summary>
    public int Epochs { get; init; } = 10;

    /// <summary>Examples per step.</summary>
    public int BatchSize { get; init; } = 32;

    /// <summary>Seeds the initialization (when the experiment was not initialized) and the shuffling.</summary>
    public ulong Seed { get; init; }

    /// <summary>Whether each epoch visits the examples in a new order (a permutation from <see cref="Seed"/> and the epoch).</summary>
    public bool Shuffle { get; init; } = true;

    /// <summary>Whether an epoch's last, smaller batch is left out.</summary>
    public bool DropLast { get; init; }

    /// <summary>Evaluate on the validation data every this many epochs (and after the last).</summary>
    public int EvaluateEveryEpochs { get; init; } = 1;

    /// <summary>Also evaluate every this many steps (0: only at epoch ends).</summary>
    public long EvaluateEverySteps { get; init; }

    /// <summary>Batch size of evaluations; 0 (the default) uses <see cref="BatchSize"/>, so evaluation reuses the step's buffers instead of reallocating them.</summary>
    public int EvaluationBatchSize { get; init; }

    /// <summary>
    /// Evaluate at the update rules' evaluation state (<c>[State(EvaluateAt = true)]</c>: Schedule-Free's average x, an EMA of
    /// the weights) instead of the training parameters, as <c>optimizer.eval()</c> does in PyTorch. Rules without one are not affected.
    /// </summary>
    public bool EvaluateAtRuleState { get; init; } = true;

    /// <summary>Stop early when a metric stops improving; null trains all epochs.</summary>
    public EarlyStopping? EarlyStopping { get; init; }

    /// <summary>Scales the update rule's learning rate at each step; null keeps it constant.</summary>
    public LearningRateSchedule? Schedule { get; init; }

    /// <summary>Clip the gradients' global L2 norm to this before each update (a [Loss] experiment); null does not clip.</summary>
    public double? ClipGradientNorm { get; init; }

    /// <summary>What to do when a loss is NaN or infinite.</summary>
    public NonFiniteLossAction OnNonFiniteLoss { get; init; } = NonFiniteLossAction.Stop;

    /// <summary>A folder for the run: config.json, metrics.csv, checkpoints/latest and best, report.html. Null writes nothing.</summary>
    public string? RunFolder { get; init; }

    /// <summary>Continue the run in <see cref="RunFolder"/> from its latest checkpoint (parameters, update-rule state, step, data position).</summary>
    public bool Resume { get; init; }

    /// <summary>Write the latest checkpoint every this many steps (0: at each epoch end only). Needs <see cref="RunFolder"/>.</summary>
    public long CheckpointEverySteps { get; init; }

    /// <summary>Log the mean training loss to metrics.csv every this many steps.</summary>
    public long LogEverySteps { get; init; } = 10;

    /// <summary>
    /// How much Fit prints: <see cref="FitVerbosity.Steps"/> (the default: a start line, step lines or a live
    /// bar, epoch lines, messages and the summary), <see cref="FitVerbosity.Epochs"/> (epoch lines, messages
    /// and the summary) or <see cref="FitVerbosity.Silent"/> (nothing; errors are still thrown).
    /// Ignored when <see cref="Progress"/> is given.
    /// </summary>
    public FitVerbosity Verbosity { get; init; } = FitVerbosity.Steps;

    /// <summary>The former name of <see cref="Verbosity"/> = <see cref="FitVerbosity.Epochs"/>: it never silenced Fit.</summary>
    [Obsolete("Quiet = true kept the epoch lines and the summary; say what you want: Verbosity = FitVerbosity.Epochs, or FitVerbosity.Silent for no output.")]
    public bool Quiet
    {
        get => Verbosity == FitVerbosity.Epochs;
        init => Verbosity = value ? FitVerbosity.Epochs : FitVerbosity.Steps;
    }

    /// <summary>Where progress goes (the console by default).</summary>
    public TextWriter? Output { get; init; }

    /// <summary>A progress reporter of your own, instead of the default one.</summary>
    public IProgressReporter? Progress { get; init; }

    /// <summary>More entries for the run's configuration (config.json and the report), such as hyperparameters.</summary>
    public IReadOnlyDictionary<string, string>? Configuration { get; init; }

    /// <summary>
    /// Train data-parallel with the members of a <see cref="ProcessGroup"/>: each trains on its shard of
    /// every epoch and gradients are averaged before each update. Only rank 0 writes the run folder. Null trains alone.
    /// </summary>
    public DataParallel? DataParallel { get; init; }

    /// <summary>Called after every step (with its loss); may request a stop.</summary>
    public Action<TrainingContext>? OnStep { get; init; }

    /// <summary>Called after every epoch (with its metrics); may request a stop.</summary>
    public Action<TrainingContext>? OnEpoch { get; init; }
}
