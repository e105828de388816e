using Dsl.Training;
using Spectre.Console;

namespace Dsl;

/// <summary>How a progress reporter from <see cref="ProgressReporters.Create(ProgressOptions)"/> shows a run.</summary>
public sealed record ProgressOptions
{
    /// <summary>
    /// Only the epoch lines, messages and the final line: no start line, no step lines, no live bar
    /// (even in a terminal). For no output at all use <see cref="ProgressReporters.None"/>.
    /// </summary>
    public bool Quiet { get; init; }

    /// <summary>Where to write; null for the console's standard output.</summary>
    public TextWriter? Output { get; init; }

    /// <summary>
    /// True for the live bar, false for plain lines, null to decide: live only when the output is
    /// the console, the console is not redirected, TERM is not "dumb" and no CI variable is set
    /// (see <see cref="ProgressReporters.IsInteractiveConsole"/>).
    /// </summary>
    public bool? Interactive { get; init; }

    /// <summary>Plain lines: also print a step line at every multiple of this step (null: only the time rule).</summary>
    public int? ReportEverySteps { get; init; }

    /// <summary>Plain lines: print a step line once this long has passed since the last one (null: only the step rule). 10 s by default.</summary>
    public TimeSpan? ReportInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Live bar: how often it is redrawn. 250 ms by default.</summary>
    public TimeSpan RefreshInterval { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>The clock for throughput, ETA and the time rule; tests pass a controllable one.</summary>
    public TimeProvider Clock { get; init; } = TimeProvider.System;
}

/// <summary>Creates the progress display a training run reports to.</summary>
public static class ProgressReporters
{
    /// <summary>A reporter that shows nothing.</summary>
    public static IProgressReporter None { get; } = new SilentProgressReporter();

    /// <summary>
    /// A live Spectre.Console progress bar (step / total, epoch, loss, throughput, ETA) when the
    /// output is an interactive terminal; otherwise plain lines that read well in CI logs and
    /// redirected files: a start line, a step line every 10 seconds, a line per epoch, messages
    /// and a final line. <paramref name="quiet"/> keeps only the epoch lines, messages and the final line.
    /// </summary>
    /// <param name="quiet">Only epoch lines, messages and the final line.</param>
    /// <param name="output">Where to write; null for the console.</param>
    /// <param name="interactive">Force the live bar (true) or plain lines (false); null to detect.</param>
    public static IProgressReporter Create(bool quiet = false, TextWriter? output = null, bool? interactive = null) =>
        Create(new ProgressOptions { Quiet = quiet, Output = output, Interactive = interactive });

    /// <summary>A reporter configured by <paramref name="options"/>; see <see cref="ProgressOptions"/>.</summary>
    public static IProgressReporter Create(ProgressOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.ReportEverySteps < 1)
            throw new ArgumentOutOfRangeException(nameof(options), options.ReportEverySteps, "ReportEverySteps must be at least 1 (or null for no step rule).");
        if (options.ReportInterval < TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(options), options.ReportInterval, "ReportInterval cannot be negative (null for no time rule).");

        var toConsole = options.Output is null || ReferenceEquals(options.Output, Console.Out);
        var output = options.Output ?? Console.Out;
        var live = !options.Quiet && (options.Interactive ?? (toConsole && IsInteractiveConsole()));
        if (!live) return new PlainProgressReporter(output, options);

        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(output),
            // A forced live bar over a writer that is not a terminal still needs ANSI cursor
            // movement to redraw in place; Spectre's detection would say no and print fallback lines.
            Ansi = toConsole && options.Interactive is null ? AnsiSupport.Detect : AnsiSupport.Yes,
            Interactive = InteractionSupport.Yes,
        });
        return CreateLive(console, output, options);
    }

    /// <summary>A live bar drawn on a given Spectre console (tests use one over a StringWriter).</summary>
    internal static IProgressReporter CreateLive(IAnsiConsole console, TextWriter? fallback, ProgressOptions options) =>
        new LiveProgressReporter(console, fallback, options);

    /// <summary>
    /// Whether the console's standard output is a terminal a live display can redraw: not
    /// redirected to a file or pipe, TERM is not "dumb", and the CI variable (set by GitHub Actions,
    /// GitLab, Azure Pipelines and most others) is unset, empty, "0" or "false".
    /// </summary>
    public static bool IsInteractiveConsole() =>
        IsInteractive(Console.IsOutputRedirected, Environment.GetEnvironmentVariable);

    internal static bool IsInteractive(bool outputRedirected, Func<string, string?> environment)
    {
        if (outputRedirected) return false;
        if (string.Equals(environment("TERM"), "dumb", StringComparison.OrdinalIgnoreCase)) return false;
        var ci = environment("CI");
        return string.IsNullOrWhiteSpace(ci) || ci.Trim() is "0" || ci.Trim().Equals("false", StringComparison.OrdinalIgnoreCase);
    }

    private sealed class SilentProgressReporter : IProgressReporter
    {
        public void Start(ProgressPlan plan) { }
        public void Step(in StepProgress progress) { }
        public void Epoch(EpochSummary summary) { }
        public void Message(string text) { }
        public void Complete(string? summary = null) { }
        public void Dispose() { }
    }
}
