using System.Text;

namespace Dsl.Training;

/// <summary>
/// What the plain and the live display share: the order of calls, the latest step's numbers, the
/// clock, and the wording of the start, epoch and end lines.
/// </summary>
/// <remarks>
/// The step fields are written by the training thread and, in the live display, read by its
/// render thread. Each is a single aligned field of at most 64 bits, so no read is torn; a frame
/// that mixes two neighbouring steps' numbers is on screen for a fraction of a second and harmless,
/// which is why there is no lock on the per-step path.
/// </remarks>
internal abstract class ProgressReporterBase : IProgressReporter
{
    private enum RunState { NotStarted, Running, Ended }

    private RunState _state;
    private long _epochStartTimestamp;

    protected ProgressReporterBase(TimeProvider clock, bool quiet)
    {
        Clock = clock;
        Quiet = quiet;
    }

    protected TimeProvider Clock { get; }
    protected bool Quiet { get; }
    protected ProgressPlan Plan { get; private set; } = null!;
    protected long StartTimestamp { get; private set; }

    // Latest step, see the remarks on the class.
    protected long LatestStep;
    protected int LatestEpoch;
    protected int LatestBatch;
    protected double LatestLoss = double.NaN;
    protected bool HasLoss;
    protected long ExamplesSeen;       // examples in this run's steps (not counting a resumed run's earlier steps)
    protected double GivenExamplesPerSecond = double.NaN;

    public void Start(ProgressPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        if (_state != RunState.NotStarted)
            throw new InvalidOperationException("Start was already called: a progress reporter shows one run.");
        _state = RunState.Running;
        Plan = plan;
        LatestStep = plan.StartStep;
        StartTimestamp = _epochStartTimestamp = Clock.GetTimestamp();
        OnStart();
    }

    public void Step(in StepProgress progress)
    {
        if (_state != RunState.Running) ThrowNotRunning(nameof(Step));
        LatestEpoch = progress.Epoch;
        LatestBatch = progress.Batch;
        if (progress.Loss is { } loss)
        {
            LatestLoss = loss;
            HasLoss = true;
        }
        ExamplesSeen += progress.Examples;
        if (!double.IsNaN(progress.ExamplesPerSecond)) GivenExamplesPerSecond = progress.ExamplesPerSecond;
        Volatile.Write(ref LatestStep, progress.Step);
        OnStep();
    }

    public void Epoch(EpochSummary summary)
    {
        ArgumentNullException.ThrowIfNull(summary);
        if (_state != RunState.Running) ThrowNotRunning(nameof(Epoch));
        var now = Clock.GetTimestamp();
        var duration = Clock.GetElapsedTime(_epochStartTimestamp, now);
        _epochStartTimestamp = now;

        var text = new StringBuilder();
        ProgressText.AppendEpoch(text, summary.Epoch, Plan.Epochs);
        text.Append(" done in ");
        ProgressText.AppendDuration(text, duration);
        foreach (var (name, value) in summary.Metrics)
        {
            text.Append("  ").Append(name).Append(' ');
            ProgressText.AppendValue(text, value);
        }
        WriteLine(text.ToString());
    }

    public void Message(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (_state != RunState.Running) ThrowNotRunning(nameof(Message));
        WriteLine(text);
    }

    public void Complete(string? summary = null)
    {
        if (_state != RunState.Running) ThrowNotRunning(nameof(Complete));
        _state = RunState.Ended;
        var text = new StringBuilder();
        text.Append(Plan.Experiment).Append(" done: ");
        // A summary (Fit's) states the throughput itself, measured over the same examples with its own
        // clock: a second rate here would disagree with it, so the final line then gives steps and time only.
        AppendTotals(text, withRate: string.IsNullOrEmpty(summary));
        OnEnd(text.ToString(), summary);
    }

    public void Dispose()
    {
        if (_state == RunState.Running)
        {
            // The run threw or was cancelled: end the display and leave a line that says where.
            _state = RunState.Ended;
            var text = new StringBuilder();
            text.Append(Plan.Experiment).Append(" stopped: ");
            AppendTotals(text);
            OnEnd(text.ToString(), null);
        }
        _state = RunState.Ended;
        OnDispose();
    }

    /// <summary>"DigitClassifier: 10 epochs of 938 steps (9380 steps), resuming after step 500".</summary>
    protected string StartLine()
    {
        var text = new StringBuilder();
        text.Append(Plan.Experiment).Append(": ").Append(Plan.Epochs).Append(Plan.Epochs == 1 ? " epoch" : " epochs");
        if (Plan.StepsPerEpoch is { } perEpoch) text.Append(" of ").Append(perEpoch).Append(perEpoch == 1 ? " step" : " steps");
        if (Plan.TotalSteps is { } total) text.Append(" (").Append(total).Append(" steps)");
        if (Plan.StartStep > 0) text.Append(", resuming after step ").Append(Plan.StartStep);
        return text.ToString();
    }

    /// <summary>Time left at <paramref name="stepsPerSecond"/>, or null when the total or the rate is unknown.</summary>
    protected TimeSpan? Remaining(long step, double stepsPerSecond)
    {
        if (Plan.TotalSteps is not { } total || !(stepsPerSecond > 0) || double.IsInfinity(stepsPerSecond)) return null;
        return TimeSpan.FromSeconds(Math.Max(0, total - step) / stepsPerSecond);
    }

    /// <summary>Appends "step 9380 after 5m02s, 3100 ex/s" for the run so far (without the rate when <paramref name="withRate"/> is false).</summary>
    private void AppendTotals(StringBuilder text, bool withRate = true)
    {
        var elapsed = Clock.GetElapsedTime(StartTimestamp);
        var step = Volatile.Read(ref LatestStep);
        text.Append("step ").Append(step).Append(" after ");
        ProgressText.AppendDuration(text, elapsed);
        var seconds = elapsed.TotalSeconds;
        if (withRate && seconds > 0 && step > Plan.StartStep)
        {
            text.Append(", ");
            if (ExamplesSeen > 0) ProgressText.AppendRate(text, ExamplesSeen / seconds, examples: true);
            else ProgressText.AppendRate(text, (step - Plan.StartStep) / seconds, examples: false);
        }
    }

    private void ThrowNotRunning(string call) => throw new InvalidOperationException(_state == RunState.NotStarted
        ? $"{call} was called before Start: call Start(plan) first."
        : $"{call} was called after the run ended (Complete or Dispose).");

    protected abstract void OnStart();
    protected abstract void OnStep();
    protected abstract void WriteLine(string line);
    protected abstract void OnEnd(string finalLine, string? summary);
    protected abstract void OnDispose();
}
