using Dsl.Testing;
using Spectre.Console;
using Xunit;

namespace Dsl.Runtime.Tests.Training;

public sealed class ProgressReporterTests
{
    private static readonly Dictionary<string, double> Epoch1 = new() { ["train.loss"] = 0.5, ["valid.loss"] = 0.625 };
    private static readonly Dictionary<string, double> Epoch2 = new() { ["train.loss"] = 0.25, ["valid.loss"] = 0.5 };

    /// <summary>
    /// Two epochs of 15 steps, 32 examples and 20 ms each, loss 1/step; epoch lines after steps 15 and 30.
    /// </summary>
    private static void RunTwoEpochs(IProgressReporter reporter, ManualClock clock)
    {
        reporter.Start(new ProgressPlan("Mlp", epochs: 2, stepsPerEpoch: 15));
        for (var step = 1; step <= 30; step++)
        {
            clock.Advance(TimeSpan.FromMilliseconds(20));
            var epoch = (step - 1) / 15 + 1;
            reporter.Step(new StepProgress(step, epoch, (step - 1) % 15 + 1, 1.0 / step, Examples: 32));
            if (step == 15) reporter.Epoch(new EpochSummary(1, Epoch1));
            if (step == 30) reporter.Epoch(new EpochSummary(2, Epoch2));
        }
        reporter.Message("restored the best weights (epoch 2)");
        reporter.Complete("best valid.loss 0.5 at epoch 2");
    }

    private static string[] Lines(StringWriter output) =>
        output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToArray();

    [Fact]
    public void Plain_mode_writes_a_start_line_step_lines_every_n_steps_epoch_lines_and_a_final_line()
    {
        var clock = new ManualClock();
        var output = new StringWriter();
        using var reporter = ProgressReporters.Create(new ProgressOptions
        {
            Output = output, Interactive = false, ReportEverySteps = 10, ReportInterval = null, Clock = clock,
        });
        RunTwoEpochs(reporter, clock);

        // By hand: a line every 10 steps = every 200 ms with 320 examples, so 1600 ex/s and
        // 50 steps/s; at step 10, 20 steps remain: 0.4 s. Each epoch takes 15 × 20 ms = 0.3 s;
        // the run 0.6 s for 960 examples, 1600 ex/s.
        Assert.Equal(
        [
            "Mlp: 2 epochs of 15 steps (30 steps)",
            "step 10/30 (33.3%)  epoch 1/2  batch 10/15  loss 0.1  1600 ex/s  eta 0.4s",
            "epoch 1/2 done in 0.3s  train.loss 0.5  valid.loss 0.625",
            "step 20/30 (66.7%)  epoch 2/2  batch 5/15  loss 0.05  1600 ex/s  eta 0.2s",
            "step 30/30 (100.0%)  epoch 2/2  batch 15/15  loss 0.03333  1600 ex/s  eta 0.0s",
            "epoch 2/2 done in 0.3s  train.loss 0.25  valid.loss 0.5",
            "restored the best weights (epoch 2)",
            "Mlp done: step 30 after 0.6s", // the summary below states the throughput: no second rate
            "best valid.loss 0.5 at epoch 2",
        ], Lines(output));
    }

    [Fact]
    public void Plain_mode_time_rule_prints_a_step_line_once_the_interval_has_passed()
    {
        var clock = new ManualClock();
        var output = new StringWriter();
        using var reporter = ProgressReporters.Create(new ProgressOptions
        {
            Output = output, Interactive = false, ReportInterval = TimeSpan.FromSeconds(1), Clock = clock,
        });
        reporter.Start(new ProgressPlan("Mlp", epochs: 1, stepsPerEpoch: 10));
        for (var step = 1; step <= 10; step++)
        {
            clock.Advance(TimeSpan.FromMilliseconds(300));
            reporter.Step(new StepProgress(step, 1, step, Loss: null));
        }
        reporter.Complete();

        // 300 ms per step: 1 s has passed at step 4 (1.2 s) and again at step 8 (2.4 s, 1.2 s later).
        // No loss was given and no examples counted, so the line shows steps per second: 4 / 1.2 s.
        var lines = Lines(output);
        Assert.Equal(
        [
            "step 4/10 (40.0%)  epoch 1/1  batch 4/10  3.33 steps/s  eta 1.8s",
            "step 8/10 (80.0%)  epoch 1/1  batch 8/10  3.33 steps/s  eta 0.6s",
        ], lines.Where(l => l.StartsWith("step ", StringComparison.Ordinal)));
        Assert.Equal("Mlp done: step 10 after 3.0s, 3.33 steps/s", lines[^1]);
    }

    [Fact]
    public void Quiet_mode_keeps_only_epoch_lines_messages_and_the_final_lines()
    {
        var clock = new ManualClock();
        var output = new StringWriter();
        using var reporter = ProgressReporters.Create(new ProgressOptions
        {
            Quiet = true, Output = output, ReportEverySteps = 1, Clock = clock,
        });
        RunTwoEpochs(reporter, clock);

        Assert.Equal(
        [
            "epoch 1/2 done in 0.3s  train.loss 0.5  valid.loss 0.625",
            "epoch 2/2 done in 0.3s  train.loss 0.25  valid.loss 0.5",
            "restored the best weights (epoch 2)",
            "Mlp done: step 30 after 0.6s",
            "best valid.loss 0.5 at epoch 2",
        ], Lines(output));
    }

    [Fact]
    public void A_resumed_run_counts_from_its_start_step_and_a_given_throughput_is_shown_as_given()
    {
        var clock = new ManualClock();
        var output = new StringWriter();
        using var reporter = ProgressReporters.Create(new ProgressOptions
        {
            Output = output, Interactive = false, ReportEverySteps = 5, ReportInterval = null, Clock = clock,
        });
        reporter.Start(new ProgressPlan("Mlp", epochs: 2, stepsPerEpoch: 10, startStep: 10));
        for (var step = 11; step <= 15; step++)
        {
            clock.Advance(TimeSpan.FromSeconds(1));
            reporter.Step(new StepProgress(step, 2, step - 10, 0.125, Examples: 64, ExamplesPerSecond: 999));
        }
        reporter.Complete();

        // 5 steps in 5 s since the resume: 1 step/s, 5 steps left = 5 s.
        Assert.Equal(
        [
            "Mlp: 2 epochs of 10 steps (20 steps), resuming after step 10",
            "step 15/20 (75.0%)  epoch 2/2  batch 5/10  loss 0.125  999 ex/s  eta 5.0s",
            "Mlp done: step 15 after 5.0s, 64 ex/s",
        ], Lines(output));
    }

    [Fact]
    public void Disposing_a_running_reporter_says_where_the_run_stopped()
    {
        var clock = new ManualClock();
        var output = new StringWriter();
        var reporter = ProgressReporters.Create(new ProgressOptions { Output = output, Interactive = false, Clock = clock });
        reporter.Start(new ProgressPlan("Mlp", epochs: 3));
        clock.Advance(TimeSpan.FromSeconds(2));
        reporter.Step(new StepProgress(7, 1, 7, 2.5));
        reporter.Dispose();

        Assert.Equal(["Mlp: 3 epochs", "Mlp stopped: step 7 after 2.0s, 3.5 steps/s"], Lines(output));
        Assert.Throws<InvalidOperationException>(() => reporter.Step(new StepProgress(8, 1, 8, 2.5)));
    }

    [Fact]
    public void Calls_out_of_order_are_refused_with_what_to_do()
    {
        using var reporter = ProgressReporters.Create(output: new StringWriter(), interactive: false);
        var early = Assert.Throws<InvalidOperationException>(() => reporter.Step(new StepProgress(1, 1, 1, 0.5)));
        Assert.Contains("before Start", early.Message);
        reporter.Start(new ProgressPlan("Mlp", 1));
        var twice = Assert.Throws<InvalidOperationException>(() => reporter.Start(new ProgressPlan("Mlp", 1)));
        Assert.Contains("already", twice.Message);
    }

    [Fact]
    public void Plans_that_cannot_be_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new ProgressPlan("Mlp", epochs: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ProgressPlan("Mlp", epochs: 1, stepsPerEpoch: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ProgressPlan("Mlp", epochs: 1, stepsPerEpoch: 10, startStep: 11));
        Assert.Equal(30, new ProgressPlan("Mlp", epochs: 3, stepsPerEpoch: 10).TotalSteps);
        Assert.Null(new ProgressPlan("Mlp", epochs: 3).TotalSteps);
    }

    [Fact]
    public void A_step_allocates_nothing_whether_or_not_it_prints_a_line()
    {
        var clock = new ManualClock();
        var silent = new CountingWriter();
        using var throttled = ProgressReporters.Create(new ProgressOptions { Output = silent, Interactive = false, Clock = clock });
        throttled.Start(new ProgressPlan("Mlp", epochs: 1, stepsPerEpoch: 1000));
        var progress = new StepProgress(5, 1, 5, 0.25, Examples: 32);
        Assert.Equal(0, Allocations.Measure(() => throttled.Step(in progress), repetitions: 1000));

        var printing = new CountingWriter();
        using var everyStep = ProgressReporters.Create(new ProgressOptions { Output = printing, Interactive = false, ReportEverySteps = 1, Clock = clock });
        everyStep.Start(new ProgressPlan("Mlp", epochs: 1, stepsPerEpoch: 1000));
        var linesBefore = printing.Lines;
        var bytes = Allocations.Measure(() => { clock.Advance(TimeSpan.FromMilliseconds(10)); everyStep.Step(in progress); }, repetitions: 100);
        Assert.Equal(0, bytes);
        Assert.Equal(101, printing.Lines - linesBefore); // the warm-up run and 100 measured ones each printed
    }

    [Fact]
    public void Interactive_detection_follows_redirection_TERM_and_CI()
    {
        static Func<string, string?> Env(params (string Name, string Value)[] values) =>
            name => values.FirstOrDefault(v => v.Name == name).Value;

        Assert.True(ProgressReporters.IsInteractive(false, Env()));
        Assert.False(ProgressReporters.IsInteractive(true, Env()));
        Assert.False(ProgressReporters.IsInteractive(false, Env(("TERM", "dumb"))));
        Assert.True(ProgressReporters.IsInteractive(false, Env(("TERM", "xterm-256color"))));
        Assert.False(ProgressReporters.IsInteractive(false, Env(("CI", "true"))));
        Assert.False(ProgressReporters.IsInteractive(false, Env(("CI", "1"))));
        Assert.True(ProgressReporters.IsInteractive(false, Env(("CI", "false"))));
        Assert.True(ProgressReporters.IsInteractive(false, Env(("CI", "0"))));
    }

    [Fact]
    public void A_writer_that_is_not_the_console_gets_plain_lines_unless_the_live_bar_is_forced()
    {
        var output = new StringWriter();
        using (var reporter = ProgressReporters.Create(output: output))
        {
            reporter.Start(new ProgressPlan("Mlp", 1, 4));
            reporter.Complete();
        }
        Assert.DoesNotContain('\u001b', output.ToString());
        Assert.StartsWith("Mlp: 1 epoch of 4 steps (4 steps)", output.ToString());
    }

    [Fact]
    public void Live_mode_forced_over_a_writer_draws_the_bar_with_step_counter_loss_and_epoch_lines()
    {
        var clock = new ManualClock();
        var output = new StringWriter();
        using (var reporter = ProgressReporters.Create(new ProgressOptions
        {
            Output = output, Interactive = true, RefreshInterval = TimeSpan.FromMilliseconds(5), Clock = clock,
        }))
        {
            RunTwoEpochs(reporter, clock);
        }
        var text = output.ToString();
        Assert.Contains('\u001b', text); // drawn in place with ANSI control sequences
        Assert.Contains("step 30/30 (100.0%)", text);
        Assert.Contains("loss 0.03333", text);
        Assert.Contains("epoch 1/2 done in 0.3s  train.loss 0.5  valid.loss 0.625", text);
        Assert.Contains("restored the best weights (epoch 2)", text);
        Assert.Contains("Mlp done: step 30 after 0.6s", text);
        Assert.DoesNotContain("0.6s, 1600 ex/s", text); // the summary states the throughput
        Assert.Contains("best valid.loss 0.5 at epoch 2", text);
    }

    [Fact]
    public void Live_mode_on_a_Spectre_console_renders_without_error()
    {
        var clock = new ManualClock();
        var output = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.Yes,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.Yes,
            Out = new AnsiConsoleOutput(output),
        });
        console.Profile.Width = 140;
        var reporter = (Dsl.Training.LiveProgressReporter)ProgressReporters.CreateLive(
            console, output, new ProgressOptions { RefreshInterval = TimeSpan.FromMilliseconds(5), Clock = clock });

        reporter.Start(new ProgressPlan("Mlp [net]", epochs: 1, stepsPerEpoch: 100));
        for (var step = 1; step <= 100; step++)
        {
            clock.Advance(TimeSpan.FromMilliseconds(10));
            reporter.Step(new StepProgress(step, 1, step, 1.0 / step, Examples: 16));
        }
        reporter.Epoch(new EpochSummary(1, new Dictionary<string, double> { ["valid.accuracy"] = 0.875 }));
        reporter.Complete();
        reporter.Dispose();

        Assert.Null(reporter.RenderError);
        // The final frame, by hand: 100 steps of 16 examples in 1 s; the loss of step 100 is 0.01.
        Assert.Equal("step 100/100 (100.0%)  epoch 1/1  loss 0.01  1600 ex/s  eta 0.0s", reporter.StatsText);
        var text = output.ToString();
        Assert.Contains("Mlp [net]", text); // brackets are Spectre markup: the name is escaped and shown as written
        Assert.Contains("step 100/100 (100.0%)", text);
        Assert.Contains("loss 0.01", text);
        Assert.Contains("epoch 1/1 done in 1.0s  valid.accuracy 0.875", text);
        Assert.Contains("Mlp [net] done: step 100 after 1.0s, 1600 ex/s", text);
    }

    [Fact]
    public void Live_mode_with_an_unknown_total_shows_the_step_count_alone()
    {
        var clock = new ManualClock();
        var output = new StringWriter();
        using (var reporter = ProgressReporters.Create(new ProgressOptions
        {
            Output = output, Interactive = true, RefreshInterval = TimeSpan.FromMilliseconds(5), Clock = clock,
        }))
        {
            reporter.Start(new ProgressPlan("Stream", epochs: 1));
            for (var step = 1; step <= 12; step++)
            {
                clock.Advance(TimeSpan.FromMilliseconds(100));
                reporter.Step(new StepProgress(step, 1, step, 0.5));
            }
            reporter.Complete();
        }
        var text = output.ToString();
        Assert.Contains("step 12  epoch 1/1  loss 0.5", text);
        Assert.DoesNotContain("eta", text);
    }

    /// <summary>Counts lines and keeps nothing, so writing allocates nothing of its own.</summary>
    private sealed class CountingWriter : TextWriter
    {
        public int Lines { get; private set; }
        public override System.Text.Encoding Encoding => System.Text.Encoding.UTF8;
        public override void Write(char value) { if (value == '\n') Lines++; }
        public override void Write(ReadOnlySpan<char> buffer) { foreach (var c in buffer) Write(c); }
        public override void Write(char[] buffer, int index, int count) => Write(buffer.AsSpan(index, count));
    }
}
