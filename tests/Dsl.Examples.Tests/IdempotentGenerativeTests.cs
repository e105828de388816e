using Dsl.Testing;
using Xunit;
using Xunit.Abstractions;

namespace Dsl.Examples.Tests;

/// <summary>
/// examples/IdempotentGenerative at reduced length: after training, data maps to itself, f is
/// idempotent on its own outputs, one step from noise lands much closer to the data than the noise
/// (and than a plain autoencoder's one step), and corrupted data is moved back towards the modes.
/// </summary>
public sealed class IdempotentGenerativeTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "dsl-ign-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_folder)) Directory.Delete(_folder, recursive: true);
    }

    private const int Steps = 1500;

    [Theory]
    [InlineData(11ul)]
    [InlineData(12ul)]
    public void The_network_projects_noise_and_corrupted_data_onto_the_data(ulong seed)
    {
        var ign = IgnRuns.Train(Steps, 256, 2e-3, seed, autoencoder: false, log: null).Result;
        var plain = IgnRuns.Train(Steps, 256, 2e-3, seed, autoencoder: true, log: null).Result;
        output.WriteLine($"IGN: {ign}");
        output.WriteLine($"autoencoder: {plain}");

        // Thresholds from runs of 1,500 steps on seeds 11-15 (README), with margins.
        Assert.True(ign.Reconstruction < THRESHOLD_REC, $"data is not mapped to itself: mean |f(x) - x| = {ign.Reconstruction}");
        Assert.True(ign.Idempotence < THRESHOLD_IDEM, $"f(f(z)) is not f(z): mean |f(f(z)) - f(z)| = {ign.Idempotence}");
        Assert.True(ign.MmdSamples < 0.5 * ign.MmdNoise, $"one step from noise is not nearer the data: MMD² {ign.MmdSamples} against the noise's {ign.MmdNoise}");
        Assert.True(ign.MmdSamples < 0.5 * plain.MmdSamples, $"IGN's one step {ign.MmdSamples} is not below the autoencoder's {plain.MmdSamples}");
        Assert.True(ign.CorruptedAfter < 0.5 * ign.CorruptedBefore,
            $"corrupted data is not projected back: distance to the nearest mode {ign.CorruptedBefore} before, {ign.CorruptedAfter} after");
    }

    [Fact]
    public void The_program_prints_its_table_and_writes_the_figures()
    {
        var (exit, text) = QuickstartTests.Run("IdempotentGenerative", $"--epochs 1 --out \"{_folder}\" --quiet");
        Assert.True(exit == 0, text);
        Assert.Contains("MMD² of f(z) to held-out data", text);
        foreach (var figure in new[] { "samples.svg", "corrupted.svg", "mmd.svg" }) Assert.True(File.Exists(Path.Combine(_folder, figure)), text);
    }

    [Fact]
    public void A_warm_step_allocates_no_managed_memory()
    {
        var experiment = new IdempotentNetwork();
        experiment.Initialize(0);
        using var x = Tensor.FromArray(IgnRuns.Mixture(64, new Random(1)), 64, 2);
        experiment.TrainStep(x);

        Assert.Equal(0, Allocations.Measure(() => experiment.TrainStep(x)));
    }
}
