using Dsl.Testing;
using Xunit;
using Xunit.Abstractions;

namespace Dsl.Examples.Tests;

/// <summary>
/// examples/StreamingParity at reduced length: an RNN trained on the running parity of sequences of
/// 1 to 14 bits jumps from chance to (near) perfect accuracy on sequences of 1,000 bits, while one
/// trained on 1 to 3 bits stays at chance there; the training loop changes the length every batch.
/// </summary>
public sealed class StreamingParityTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "dsl-parity-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_folder)) Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public void Enough_training_lengths_generalize_to_1000_bits_and_too_few_do_not()
    {
        // Measured (README): trained on 1-14 bits, seeds 0-4 first reached 99% at length 1,000 at step 200
        // (evaluated every 100 steps) and ended at 100%; on 1-3 bits, seeds 0-4 ended at 49-54%.
        var long_ = ParityRuns.Train(maxLength: 14, steps: 2000, batchSize: 64, learningRate: 1e-2, seed: 3);
        var short_ = ParityRuns.Train(maxLength: 3, steps: 2000, batchSize: 64, learningRate: 1e-2, seed: 3);
        output.WriteLine("1-14: " + string.Join(", ", long_.Curve.Select(p => $"{p.Step}: {p.Accuracy:F3}")));
        output.WriteLine("1-14 final: " + string.Join(", ", long_.Final.Select(p => $"length {p.Length}: {p.Accuracy:F3}")));
        output.WriteLine("1-3 final: " + string.Join(", ", short_.Final.Select(p => $"length {p.Length}: {p.Accuracy:F3}")));

        Assert.True(long_.Curve[0].Accuracy < 0.65, $"before training the accuracy at length 1000 is already {long_.Curve[0].Accuracy}");
        Assert.All(long_.Final, p => Assert.True(p.Accuracy >= 0.98, $"trained on 1-14 bits: accuracy {p.Accuracy} at length {p.Length}"));
        var atThousand = short_.Final.Single(p => p.Length == 1000).Accuracy;
        Assert.True(atThousand < 0.65, $"trained on 1-3 bits the accuracy at length 1000 is {atThousand}");
    }

    [Fact]
    public void The_program_prints_its_table_and_writes_the_figure()
    {
        var (exit, text) = QuickstartTests.Run("StreamingParity", $"--epochs 1 --out \"{_folder}\" --quiet");
        Assert.True(exit == 0, text);
        Assert.Contains("length 1000", text);
        Assert.Contains("1–14", text);
        Assert.True(File.Exists(Path.Combine(_folder, "accuracy.svg")), text);
    }

    [Fact]
    public void Warm_steps_whose_length_changes_every_step_allocate_no_managed_memory()
    {
        var experiment = new ParityTraining();
        experiment.Initialize(0);
        var random = new Random(1);
        var batches = new[] { 3, 9, 1 }.Select(l => (Bits: Tensor.Empty([8, l, 1]), Parity: Tensor.Empty([8, l, 1]))).ToArray();
        foreach (var (bits, parity) in batches)
        {
            ParityRuns.Fill(random, bits, parity);
            experiment.TrainStep(bits, parity);
        }

        Assert.Equal(0, Allocations.Measure(() => experiment.TrainStep(batches[1].Bits, batches[1].Parity)));
        // The length changes at every step, as in training: the step's buffers do not depend on it.
        Assert.Equal(0, Allocations.Measure(() => { foreach (var (bits, parity) in batches) experiment.TrainStep(bits, parity); }));
        foreach (var (bits, parity) in batches) { bits.Dispose(); parity.Dispose(); }
    }
}
