using System.Collections.Concurrent;
using System.Text;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Dsl.Training;

/// <summary>
/// A live Spectre.Console progress bar for interactive terminals:
/// <c>DigitClassifier ━━━━━━━╺━━━━━ step 1200/9380 (12.8%)  epoch 2/10  loss 0.3412  3200 ex/s  eta 4m12s</c>,
/// with epoch lines and messages printed above it.
/// </summary>
/// <remarks>
/// All console work happens on one render thread that wakes a few times per second, reads the
/// latest step's numbers and redraws; <see cref="IProgressReporter.Step"/> only stores numbers, so
/// the training thread never waits on the terminal. Lines from <see cref="IProgressReporter.Epoch"/>
/// and <see cref="IProgressReporter.Message"/> are queued for the render thread, which keeps
/// Spectre's console single-threaded. A display that fails (a closed terminal, say) stops
/// drawing but never stops the training run.
/// </remarks>
internal sealed class LiveProgressReporter : ProgressReporterBase
{
    private readonly IAnsiConsole _console;
    private readonly TextWriter? _fallback;
    private readonly TimeSpan _refreshInterval;
    private readonly ConcurrentQueue<string> _lines = new();
    private readonly ManualResetEventSlim _stop = new(false);
    private readonly StringBuilder _statsBuilder = new(160);
    private Thread? _renderThread;
    private string? _finalLine;
    private string? _finalSummary;
    private ThroughputWindow _window = null!;

    /// <param name="console">Where the bar is drawn.</param>
    /// <param name="fallback">Where lines go if the display fails (the writer under the console), or null.</param>
    /// <param name="options">The refresh interval and the clock.</param>
    public LiveProgressReporter(IAnsiConsole console, TextWriter? fallback, ProgressOptions options)
        : base(options.Clock, quiet: false)
    {
        _console = console;
        _fallback = fallback;
        _refreshInterval = options.RefreshInterval > TimeSpan.Zero ? options.RefreshInterval : TimeSpan.FromMilliseconds(250);
    }

    /// <summary>The exception that stopped the display, if one did (tests check it stays null).</summary>
    internal Exception? RenderError { get; private set; }

    /// <summary>The text right of the bar, rebuilt by the render thread before each redraw.</summary>
    internal string StatsText { get; private set; } = "";

    protected override void OnStart()
    {
        // Samples one refresh apart; the rate is measured across the last ten seconds of them.
        var samples = (int)Math.Clamp(Math.Ceiling(TimeSpan.FromSeconds(10) / _refreshInterval) + 1, 2, 200);
        _window = new ThroughputWindow(samples);
        // The start is the first sample, so the first frames already have a rate to show.
        _window.Add(StartTimestamp, Plan.StartStep, 0);
        _renderThread = new Thread(Render) { IsBackground = true, Name = "Dsl progress display" };
        _renderThread.Start();
    }

    protected override void OnStep() { }

    protected override void WriteLine(string line)
    {
        if (RenderError is null) _lines.Enqueue(line);
        else WriteFallback(line);
    }

    protected override void OnEnd(string finalLine, string? summary)
    {
        _finalLine = finalLine;
        _finalSummary = summary;
        _stop.Set();
        _renderThread?.Join();
        if (RenderError is not null)
        {
            while (_lines.TryDequeue(out var line)) WriteFallback(line);
            WriteFallback(finalLine);
            if (!string.IsNullOrEmpty(summary)) WriteFallback(summary);
        }
    }

    private void WriteFallback(string line)
    {
        try
        {
            _fallback?.WriteLine(line);
            _fallback?.Flush();
        }
        catch (IOException)
        {
            // The output itself is gone; the run goes on without a display.
        }
    }

    protected override void OnDispose() => _stop.Dispose();

    private void Render()
    {
        try
        {
            var progress = new Progress(_console) { AutoRefresh = false, AutoClear = false, HideCompleted = false };
            progress.Columns(
                new TaskDescriptionColumn { Alignment = Justify.Left },
                new ProgressBarColumn { Width = 24 },
                new StatsColumn(this));
            progress.Start(context =>
            {
                var task = context.AddTask(Markup.Escape(Plan.Experiment), autoStart: true, maxValue: Plan.TotalSteps ?? 1);
                task.IsIndeterminate = Plan.TotalSteps is null;
                while (true)
                {
                    var stopping = _stop.Wait(_refreshInterval);
                    WriteQueuedLines();
                    Update(task);
                    context.Refresh();
                    if (stopping) break;
                }
                task.StopTask();
                context.Refresh();
            });
            WriteQueuedLines();
            if (_finalLine is not null) _console.WriteLine(_finalLine);
            if (!string.IsNullOrEmpty(_finalSummary)) _console.WriteLine(_finalSummary);
        }
        catch (Exception e)
        {
            RenderError = e;
            WriteFallback($"(the progress display stopped: {e.Message})");
        }
    }

    private void WriteQueuedLines()
    {
        while (_lines.TryDequeue(out var line)) _console.WriteLine(line);
    }

    private void Update(ProgressTask task)
    {
        var step = Volatile.Read(ref LatestStep);
        var now = Clock.GetTimestamp();
        _window.Add(now, step, ExamplesSeen);
        var seconds = _window.Seconds(Clock.TimestampFrequency);
        var stepsPerSecond = seconds > 0 ? _window.Steps / seconds : double.NaN;

        if (Plan.TotalSteps is not null) task.Value = step;

        var stats = _statsBuilder.Clear();
        ProgressText.AppendStep(stats, step, Plan.TotalSteps);
        if (LatestEpoch > 0)
        {
            stats.Append("  ");
            ProgressText.AppendEpoch(stats, LatestEpoch, Plan.Epochs);
        }
        if (HasLoss)
        {
            stats.Append("  loss ");
            ProgressText.AppendValue(stats, LatestLoss);
        }
        if (!double.IsNaN(GivenExamplesPerSecond))
        {
            stats.Append("  ");
            ProgressText.AppendRate(stats, GivenExamplesPerSecond, examples: true);
        }
        else if (seconds > 0 && _window.Steps > 0)
        {
            stats.Append("  ");
            if (_window.Examples > 0) ProgressText.AppendRate(stats, _window.Examples / seconds, examples: true);
            else ProgressText.AppendRate(stats, stepsPerSecond, examples: false);
        }
        if (Remaining(step, stepsPerSecond) is { } remaining)
        {
            stats.Append("  eta ");
            ProgressText.AppendDuration(stats, remaining);
        }
        StatsText = stats.ToString();
    }

    /// <summary>The numbers right of the bar.</summary>
    private sealed class StatsColumn(LiveProgressReporter owner) : ProgressColumn
    {
        protected override bool NoWrap => true;

        public override IRenderable Render(RenderOptions options, ProgressTask task, TimeSpan deltaTime) =>
            new Text(owner.StatsText);
    }
}

/// <summary>
/// The last few (timestamp, step, examples) samples in a ring, so the live display's throughput
/// follows the recent pace rather than the whole run's average.
/// </summary>
internal sealed class ThroughputWindow(int capacity)
{
    private readonly long[] _timestamps = new long[capacity];
    private readonly long[] _steps = new long[capacity];
    private readonly long[] _examples = new long[capacity];
    private int _count;
    private int _next;

    public void Add(long timestamp, long step, long examples)
    {
        _timestamps[_next] = timestamp;
        _steps[_next] = step;
        _examples[_next] = examples;
        _next = (_next + 1) % capacity;
        if (_count < capacity) _count++;
    }

    private int Newest => (_next - 1 + capacity) % capacity;
    private int Oldest => (_next - _count + capacity) % capacity;

    /// <summary>Seconds between the oldest and the newest sample.</summary>
    public double Seconds(long timestampFrequency) =>
        _count < 2 ? 0 : (_timestamps[Newest] - _timestamps[Oldest]) / (double)timestampFrequency;

    /// <summary>Steps between the oldest and the newest sample.</summary>
    public long Steps => _count < 2 ? 0 : _steps[Newest] - _steps[Oldest];

    /// <summary>Examples between the oldest and the newest sample.</summary>
    public long Examples => _count < 2 ? 0 : _examples[Newest] - _examples[Oldest];
}
