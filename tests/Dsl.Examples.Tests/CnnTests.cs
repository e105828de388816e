using System.Globalization;
using System.Text.RegularExpressions;
using Dsl.Testing;
using Xunit;

namespace Dsl.Examples.Tests;

/// <summary>examples/Cnn: the LeNet-style CNN with BatchNorm learns the synthetic digits, and its generated step allocates nothing once warm.</summary>
public sealed class CnnTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "dsl-cnn-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_folder)) Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public void Cnn_reaches_95_percent_validation_accuracy_in_one_epoch()
    {
        var run = Path.Combine(_folder, "run");
        var (exit, output) = QuickstartTests.Run("Cnn", $"--epochs 1 --quiet --out \"{run}\"");
        Assert.True(exit == 0, output);

        var accuracy = Regex.Match(output, @"accuracy (\d+\.\d+)% on 2000 examples");
        Assert.True(accuracy.Success, output);
        Assert.True(double.Parse(accuracy.Groups[1].Value, CultureInfo.InvariantCulture) >= 95, output);

        // The running statistics are trained state: they are in the checkpoint, moved off their initial zeros and ones.
        var checkpoint = DigitCnn.Load(Path.Combine(run, "checkpoints", "latest.safetensors"));
        var runningMean = checkpoint.Net.Norm1.RunningMean.ToArray<float>();
        var runningVar = checkpoint.Net.Norm2.RunningVar.ToArray<float>();
        Assert.Contains(runningMean, m => Math.Abs(m) > 1e-3);
        Assert.Contains(runningVar, v => Math.Abs(v - 1) > 1e-3);
    }

    [Fact]
    public void Generated_train_step_allocates_no_managed_memory_once_warm()
    {
        using var data = Synthetic.Digits(64, seed: 3, noise: 0.5);
        using var images = data["images"];
        using var labels = data["labels"];
        var experiment = new DigitCnn();
        experiment.Initialize(seed: 1);

        var bytes = Allocations.Measure(() => experiment.TrainStep(images, labels), repetitions: 5);

        Assert.Equal(0, bytes);
        Assert.Equal(6, experiment.StepCount);
    }
}
