using System.Globalization;
using System.Text.RegularExpressions;
using Dsl.Testing;
using Xunit;

namespace Dsl.Examples.Tests;

/// <summary>examples/Transformer: the causal transformer learns to sort, and its generated step allocates nothing once warm.</summary>
public sealed class TransformerTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "dsl-transformer-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_folder)) Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public async Task Transformer_sorts_more_than_95_percent_of_output_tokens_right()
    {
        // Two epochs (500 steps): one already reached 96% in the run the README reports.
        using var process = QuickstartTests.Start("Transformer", $"--epochs 2 --out \"{Path.Combine(_folder, "run")}\" --quiet");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        // A generous limit: the shared build machine can be many times slower than an idle one.
        if (!process.WaitForExit(TimeSpan.FromMinutes(15))) process.Kill(entireProcessTree: true);
        var output = await stdout + await stderr;
        Assert.True(process.ExitCode == 0, output);

        var accuracy = Regex.Match(output, @"accuracy (\d+\.\d+)% of output tokens on 2000 sequences");
        Assert.True(accuracy.Success, output);
        Assert.True(double.Parse(accuracy.Groups[1].Value, CultureInfo.InvariantCulture) >= 95, output);
    }

    [Fact]
    public void The_generated_transformer_step_allocates_no_managed_memory_once_warm()
    {
        var experiment = new Sorting();
        experiment.Initialize(0);
        using var data = SortingData.Create(32, seed: 0);
        using var tokens = data["tokens"];
        using var targets = data["targets"];
        experiment.TrainStep(tokens, targets);

        Assert.Equal(0, Allocations.Measure(() => experiment.TrainStep(tokens, targets)));
    }
}
