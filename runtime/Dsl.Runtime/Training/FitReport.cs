namespace Dsl;

/// <summary>What a <see cref="Trainer.Fit"/> run did: every logged metric, how far it went and why it stopped.</summary>
public sealed class FitReport
{
    internal FitReport(MetricHistory history) => History = history;

    /// <summary>Every metric logged, by name (<c>train.loss</c> per logged step and per epoch, <c>valid.*</c> per evaluation).</summary>
    public MetricHistory History { get; }

    /// <summary>Updates applied in total (a resumed run counts the earlier ones too).</summary>
    public long Steps { get; internal set; }

    /// <summary>Epochs completed.</summary>
    public int Epochs { get; internal set; }

    /// <summary>Why training ended before the last epoch (early stopping, a callback), or null.</summary>
    public string? StopReason { get; internal set; }

    /// <summary>Batches skipped for a non-finite loss (<see cref="NonFiniteLossAction.SkipBatch"/>).</summary>
    public long SkippedBatches { get; internal set; }

    /// <summary>
    /// Training labels equal to <see cref="Trainer.IgnoredLabel"/> (-100, CrossEntropy's ignore index) seen by the
    /// applied and skipped steps of this call: they added nothing to the loss.
    /// </summary>
    public long IgnoredLabels { get; internal set; }

    /// <summary>Wall-clock time of this call.</summary>
    public TimeSpan Elapsed { get; internal set; }

    /// <summary>
    /// Training examples per second inside the training steps (forward, backward and update), over this
    /// call: the time spent loading batches, evaluating, checkpointing and reporting is excluded.
    /// </summary>
    public double ExamplesPerSecond { get; internal set; }

    /// <summary>Training examples per second of wall-clock time over this call (<see cref="Elapsed"/>): data loading, evaluation, checkpoints and reports included.</summary>
    public double OverallExamplesPerSecond { get; internal set; }

    /// <summary>The last value of each metric.</summary>
    public IReadOnlyDictionary<string, double> FinalMetrics { get; internal set; } = new Dictionary<string, double>();

    /// <summary>The run folder, when one was written.</summary>
    public string? RunFolder { get; internal set; }

    /// <summary>The monitored metric's best value and where it was reached (the best checkpoint), when there was one.</summary>
    public (string Metric, MetricPoint Point)? Best { get; internal set; }

    public override string ToString() =>
        $"{Steps} steps, {Epochs} epochs in {Elapsed.TotalSeconds:F1} s ({ExamplesPerSecond:F0} examples/s in the training steps, {OverallExamplesPerSecond:F0} overall)"
        + string.Concat(FinalMetrics.Select(m => $", {m.Key} {m.Value:G4}"))
        + (IgnoredLabels > 0 ? $"; {IgnoredLabels} labels ignored ({Trainer.IgnoredLabel})" : "")
        + (StopReason is null ? "" : $"; stopped: {StopReason}");
}

/// <summary>Metrics of an evaluation, averaged over examples: <c>loss</c> (a [Loss] experiment) and each [Metric].</summary>
public sealed class EvaluationResult
{
    internal EvaluationResult(IReadOnlyDictionary<string, double> metrics, long examples)
    {
        Metrics = metrics;
        Examples = examples;
    }

    /// <summary>By name: <c>loss</c>, then the experiment's metrics with a lower-case first letter (<c>accuracy</c>).</summary>
    public IReadOnlyDictionary<string, double> Metrics { get; }

    /// <summary>Examples evaluated.</summary>
    public long Examples { get; }

    /// <summary>A metric by name.</summary>
    public double this[string name] => Metrics.TryGetValue(name, out var value) ? value
        : throw new KeyNotFoundException($"no metric '{name}' was evaluated; there are: {string.Join(", ", Metrics.Keys)}");

    /// <summary>The mean loss (a [Loss] experiment).</summary>
    public double Loss => this["loss"];

    public override string ToString() => string.Join(", ", Metrics.Select(m => $"{m.Key} {m.Value:G4}")) + $" ({Examples} examples)";
}

/// <summary>A step's loss was NaN or infinite and <see cref="FitOptions.OnNonFiniteLoss"/> is <see cref="NonFiniteLossAction.Stop"/>.</summary>
public sealed class NonFiniteLossException : Exception
{
    internal NonFiniteLossException(string message, long step, int epoch, int batch, string? lastCheckpoint, FitReport report) : base(message)
    {
        Step = step;
        Epoch = epoch;
        Batch = batch;
        LastCheckpoint = lastCheckpoint;
        Report = report;
    }

    /// <summary>The step whose loss was not finite (counting from 1).</summary>
    public long Step { get; }

    /// <summary>Its epoch, from 0.</summary>
    public int Epoch { get; }

    /// <summary>Its batch within the epoch, from 0.</summary>
    public int Batch { get; }

    /// <summary>The latest checkpoint, written before that step (null without a run folder or before the first one).</summary>
    public string? LastCheckpoint { get; }

    /// <summary>What the run did until then.</summary>
    public FitReport Report { get; }
}
