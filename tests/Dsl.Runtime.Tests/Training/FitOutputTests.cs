using Xunit;

namespace Dsl.Runtime.Tests.Training;

/// <summary>What Fit prints at each <see cref="FitVerbosity"/>, and its throughput lines.</summary>
public sealed class FitOutputTests
{
    private static string[] Fit(FitVerbosity verbosity, out FitReport report)
    {
        using var data = Synthetic.Blobs(200, classes: 3, features: 2, seed: 4);
        var output = new StringWriter();
        report = new BlobsExperiment().Fit(data, new FitOptions { Epochs = 2, BatchSize = 20, Verbosity = verbosity, Output = output });
        return output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToArray();
    }

    [Fact]
    public void Silent_prints_nothing_epochs_prints_epoch_lines_and_the_summary_steps_adds_a_start_line()
    {
        Assert.Empty(Fit(FitVerbosity.Silent, out var silent));
        Assert.Equal(20, silent.Steps);                      // it still trained

        var epochs = Fit(FitVerbosity.Epochs, out _);
        Assert.Equal(2, epochs.Count(l => l.StartsWith("epoch ", StringComparison.Ordinal)));
        Assert.DoesNotContain(epochs, l => l.StartsWith("BlobsExperiment: 2 epochs", StringComparison.Ordinal));
        Assert.Contains(epochs, l => l.StartsWith("BlobsExperiment done: step 20 after", StringComparison.Ordinal));

        var steps = Fit(FitVerbosity.Steps, out _);
        Assert.Equal("BlobsExperiment: 2 epochs of 10 steps (20 steps)", steps[0]);
        Assert.Equal(epochs.Length + 1, steps.Length);       // short run: no step line is due
    }

#pragma warning disable CS0618 // the obsolete name still means what it meant
    [Fact]
    public void The_former_Quiet_flag_means_epoch_lines()
    {
        Assert.Equal(FitVerbosity.Epochs, new FitOptions { Quiet = true }.Verbosity);
        Assert.Equal(FitVerbosity.Steps, new FitOptions { Quiet = false }.Verbosity);
    }
#pragma warning restore CS0618

    [Fact]
    public void The_summary_states_both_throughputs_with_what_each_measures_and_the_final_line_none()
    {
        var lines = Fit(FitVerbosity.Epochs, out var report);
        var summary = lines[^1];
        Assert.Equal(report.ToString(), summary);
        Assert.Contains($"({report.ExamplesPerSecond:F0} examples/s in the training steps, {report.OverallExamplesPerSecond:F0} overall)", summary);
        // Overall counts the same 400 examples over the whole call, so it is the slower of the two.
        Assert.InRange(report.OverallExamplesPerSecond, 1, report.ExamplesPerSecond);
        Assert.Equal(400 / report.Elapsed.TotalSeconds, report.OverallExamplesPerSecond, 6);
        var final = lines[^2];
        Assert.StartsWith("BlobsExperiment done: step 20 after", final);
        Assert.DoesNotContain("ex/s", final);
    }
}
