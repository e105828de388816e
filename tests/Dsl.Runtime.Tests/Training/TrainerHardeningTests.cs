using Xunit;

namespace Dsl.Runtime.Tests.Training;

/// <summary>Issue 11: clipping after a callback that reallocates (finding 2), ignored labels (8), loss windows (10).</summary>
public sealed class TrainerHardeningTests
{
    private static FitOptions Quiet(FitOptions options) => options with { Verbosity = FitVerbosity.Silent };

    [Fact]
    public void ClippingKeepsWorkingAfterACallbackReallocatesTheBuffers()
    {
        using var data = Synthetic.Blobs(100, classes: 3, features: 2, seed: 4);
        var experiment = new BlobsExperiment();
        var report = experiment.Fit(data, Quiet(new FitOptions
        {
            Epochs = 3, BatchSize = 20, ClipGradientNorm = 0.5,
            // Each callback frees or resizes the step's buffers between two clipped steps.
            OnStep = context => { if (context.Step % 3 == 0) experiment.Evaluate(data, batchSize: 7); },
            OnEpoch = _ => experiment.ReleaseBuffers(),
        }));
        Assert.Equal(15, report.Steps);
    }

    private static TensorDataset Labelled(long[] labels)
    {
        using var generator = new Generator(11);
        var features = Tensor.Randn([labels.Length, 2], generator);
        return TensorDataset.Owning(("features", features), ("labels", Tensor.FromArray(labels)));
    }

    [Fact]
    public void IgnoredLabelsAreCountedInTheReport()
    {
        var labels = Enumerable.Range(0, 60).Select(i => i % 7 == 0 ? -100L : i % 3).ToArray();
        using var data = Labelled(labels);
        var report = new BlobsExperiment().Fit(data, Quiet(new FitOptions { Epochs = 2, BatchSize = 20 }));
        Assert.Equal(2 * labels.Count(l => l == -100), report.IgnoredLabels);
        Assert.Contains("labels ignored", report.ToString());
    }

    [Fact]
    public void AnAllIgnoredBatchIsNamedAsTheCauseOfANaNLoss()
    {
        var labels = Enumerable.Range(0, 40).Select(i => i < 20 ? -100L : i % 3).ToArray();
        using var data = Labelled(labels);
        var error = Assert.Throws<NonFiniteLossException>(() =>
            new BlobsExperiment().Fit(data, Quiet(new FitOptions { Epochs = 1, BatchSize = 20, Shuffle = false })));
        Assert.Contains("Every label of this batch (20) is -100", error.Message);
        Assert.DoesNotContain("learning rate", error.Message);
    }

    [Fact]
    public void LossWindowsAreWeightedByExamplesAndTheShortTailIsFolded()
    {
        // 100 examples in batches of 32: 32, 32, 32, 4 per epoch.
        using var data = Synthetic.Blobs(100, classes: 3, features: 2, seed: 4);
        var sizes = new[] { 32, 32, 32, 4 };
        var losses = new List<double>();
        var epochLosses = new List<double>();
        var report = new BlobsExperiment().Fit(data, Quiet(new FitOptions
        {
            Epochs = 2, BatchSize = 32, LogEverySteps = 3, Shuffle = false,
            OnStep = context => losses.Add(context.Loss),
            OnEpoch = context => epochLosses.Add(context.Loss),
        }));

        // The window of steps 1-3 would leave one batch (4 examples) alone: it runs on to the epoch's end.
        var logged = report.History.Series("train.loss");
        Assert.Equal([4L, 8L], logged.Select(p => p.Step));
        for (var epoch = 0; epoch < 2; epoch++)
        {
            var window = losses.Skip(4 * epoch).Take(4).ToArray();
            var weighted = window.Select((loss, i) => loss * sizes[i]).Sum() / 100;
            Assert.Equal(weighted, logged[epoch].Value, 1e-9);
            Assert.Equal(weighted, epochLosses[epoch], 1e-9);
        }
        // The final figure is the last epoch's mean, not the last window's.
        Assert.Equal(epochLosses[^1], report.FinalMetrics["train.loss"], 1e-12);
    }

    [Fact]
    public void TheFinalTrainingLossIsTheEpochMeanEvenWhenTheLastWindowIsShort()
    {
        using var data = Synthetic.Blobs(100, classes: 3, features: 2, seed: 4);
        var epochLosses = new List<double>();
        var report = new BlobsExperiment().Fit(data, Quiet(new FitOptions
        {
            Epochs = 1, BatchSize = 32, LogEverySteps = 2, Shuffle = false,
            OnEpoch = context => epochLosses.Add(context.Loss),
        }));
        // Windows: steps 1-2, then 3-4 (36 examples).
        Assert.Equal([2L, 4L], report.History.Series("train.loss").Select(p => p.Step));
        Assert.Equal(epochLosses[0], report.FinalMetrics["train.loss"], 1e-12);
    }
}
