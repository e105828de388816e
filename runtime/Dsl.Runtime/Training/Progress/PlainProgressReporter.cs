using System.Text;

namespace Dsl.Training;

/// <summary>
/// Progress as plain lines, for CI logs and redirected output: a start line, a step line now and
/// then (at every multiple of <see cref="ProgressOptions.ReportEverySteps"/> and whenever
/// <see cref="ProgressOptions.ReportInterval"/> has passed since the last line), one line per
/// epoch, messages, and a final line. Quiet mode keeps only the epoch lines, messages and the final line.
/// </summary>
internal sealed class PlainProgressReporter : ProgressReporterBase
{
    private readonly TextWriter _output;
    private readonly int _everySteps;            // 0: no step-count rule
    private readonly long _intervalTicks;        // in Clock timestamp units; long.MaxValue: no time rule
    private readonly StringBuilder _line = new(160);

    // Where the previous step line (or the start) left off, for the throughput since then.
    private long _lastLineTimestamp;
    private long _lastLineStep;
    private long _lastLineExamples;

    public PlainProgressReporter(TextWriter output, ProgressOptions options)
        : base(options.Clock, options.Quiet)
    {
        _output = output;
        _everySteps = options.ReportEverySteps ?? 0;
        _intervalTicks = options.ReportInterval is { } interval
            ? (long)Math.Min(long.MaxValue / 2.0, interval.TotalSeconds * options.Clock.TimestampFrequency)
            : long.MaxValue;
    }

    protected override void OnStart()
    {
        _lastLineTimestamp = StartTimestamp;
        _lastLineStep = Plan.StartStep;
        _lastLineExamples = 0;
        if (!Quiet) WriteLine(StartLine());
    }

    protected override void OnStep()
    {
        if (Quiet) return;
        var step = LatestStep;
        var now = Clock.GetTimestamp();
        var due = (_everySteps > 0 && step % _everySteps == 0) || now - _lastLineTimestamp >= _intervalTicks;
        if (due) WriteStepLine(step, now);
    }

    /// <summary>"step 1200/9380 (12.8%)  epoch 2/10  batch 262/938  loss 0.3412  3200 ex/s  eta 4m12s".</summary>
    private void WriteStepLine(long step, long now)
    {
        var seconds = (now - _lastLineTimestamp) / (double)Clock.TimestampFrequency;
        var line = _line.Clear();
        ProgressText.AppendStep(line, step, Plan.TotalSteps);
        line.Append("  ");
        ProgressText.AppendEpoch(line, LatestEpoch, Plan.Epochs);
        ProgressText.AppendInteger(line.Append("  batch "), LatestBatch);
        if (Plan.StepsPerEpoch is { } perEpoch) ProgressText.AppendInteger(line.Append('/'), perEpoch);
        if (HasLoss)
        {
            line.Append("  loss ");
            ProgressText.AppendValue(line, LatestLoss);
        }
        var stepsPerSecond = seconds > 0 ? (step - _lastLineStep) / seconds : double.NaN;
        if (!double.IsNaN(GivenExamplesPerSecond))
        {
            line.Append("  ");
            ProgressText.AppendRate(line, GivenExamplesPerSecond, examples: true);
        }
        else if (seconds > 0)
        {
            line.Append("  ");
            if (ExamplesSeen > 0) ProgressText.AppendRate(line, (ExamplesSeen - _lastLineExamples) / seconds, examples: true);
            else ProgressText.AppendRate(line, stepsPerSecond, examples: false);
        }
        if (Remaining(step, stepsPerSecond) is { } remaining)
        {
            line.Append("  eta ");
            ProgressText.AppendDuration(line, remaining);
        }
        _output.WriteLine(line);
        _output.Flush();

        _lastLineTimestamp = now;
        _lastLineStep = step;
        _lastLineExamples = ExamplesSeen;
    }

    protected override void WriteLine(string line)
    {
        _output.WriteLine(line);
        _output.Flush();
    }

    protected override void OnEnd(string finalLine, string? summary)
    {
        WriteLine(finalLine);
        if (!string.IsNullOrEmpty(summary)) WriteLine(summary);
    }

    // The output is the caller's (or the console): it stays open.
    protected override void OnDispose() { }
}
