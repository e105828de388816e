using Dsl.Testing;
using Xunit;
using Xunit.Abstractions;

namespace Dsl.Runtime.Tests.Training;

/// <summary>
/// Steps that draw random numbers (Dropout, Rand, RandnLike in a loss): they train, draw from the
/// experiment's own generator (same seed, same draws; torch's draws for torch's seed), resume bit-identically
/// from checkpoints that hold the generator's state, and refuse a checkpoint without one.
/// </summary>
public sealed class RandomStepTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "dsl-random-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_folder)) Directory.Delete(_folder, recursive: true);
    }

    private static FitOptions Quiet(FitOptions options) => options with { Output = TextWriter.Null, Quiet = true };

    /// <summary>Two clusters in the plane, the data flow matching learns to sample.</summary>
    private static TensorDataset TwoClusters(int count, ulong seed)
    {
        using var generator = new Generator(seed);
        using var noise = Tensor.Randn([count, 2], generator);
        var values = noise.ToArray<float>();
        for (var i = 0; i < count; i++)
        {
            var sign = i % 2 == 0 ? 1f : -1f;
            values[2 * i] = 0.2f * values[2 * i] + 2 * sign;
            values[2 * i + 1] = 0.2f * values[2 * i + 1] + 2 * sign;
        }
        return new TensorDataset(("x", Tensor.FromArray(values, count, 2)));
    }

    /// <summary>The first <paramref name="count"/> examples as one batch, a tensor per column.</summary>
    private static Tensor[] FirstBatch(IDataset data, int count)
    {
        var tensors = data.Columns.Select(c => Tensor.Empty([count, .. c.ExampleShape.Dims.ToArray()], c.DType)).ToArray();
        data.Gather(Enumerable.Range(0, count).Select(i => (long)i).ToArray(), tensors);
        return tensors;
    }

    private static double[] Doubles(Tensor t)
    {
        if (t.DType == DType.Float64) return t.ToArray<double>();
        return t.ToArray<float>().Select(v => (double)v).ToArray();
    }

    private static void AssertSameState(IExperiment expected, IExperiment actual)
    {
        var a = expected.Parameters.Concat(expected.UpdateState).ToList();
        var b = actual.Parameters.Concat(actual.UpdateState).ToList();
        Assert.Equal(a.Select(p => p.Name), b.Select(p => p.Name));
        for (var i = 0; i < a.Count; i++)
        {
            Assert.True(a[i].Value.ToArray<float>().AsSpan().SequenceEqual(b[i].Value.ToArray<float>()), a[i].Name + " differs after resume");
        }
        using var stateA = expected.RandomGenerator!.GetState();
        using var stateB = actual.RandomGenerator!.GetState();
        Assert.True(stateA.ToArray<byte>().AsSpan().SequenceEqual(stateB.ToArray<byte>()), "the generators' states differ after resume");
    }

    /// <summary>Trains whole, and stopped at <paramref name="stopAt"/> then resumed in new objects; returns both final experiments and the whole run's report.</summary>
    private (T Whole, T Resumed, FitReport Report) WholeAndResumed<T>(IDataset train, FitOptions options, int stopAt, IDataset? valid = null) where T : IExperiment, new()
    {
        var whole = new T();
        var report = Trainer.Fit(whole, train, options with { RunFolder = Path.Combine(_folder, typeof(T).Name + "-whole") }, valid);
        var run = Path.Combine(_folder, typeof(T).Name + "-halves");
        var half = Trainer.Fit(new T(), train, options with
        {
            RunFolder = run,
            OnStep = context => { if (context.Step == stopAt) context.RequestStop("half-way"); },
        }, valid);
        Assert.Equal(stopAt, half.Steps);
        var resumed = new T();
        Trainer.Fit(resumed, train, options with { RunFolder = run, Resume = true }, valid);
        Assert.Equal(whole.StepCount, resumed.StepCount);
        return (whole, resumed, report);
    }

    [Fact]
    public void DropoutMlpTrainsAndResumesBitIdentically()
    {
        using var data = Synthetic.Digits(600, seed: 7);
        var (train, valid) = data.Split(0.8, seed: 8);
        var options = Quiet(new FitOptions { Epochs = 3, BatchSize = 25, Seed = 9, LogEverySteps = 5 });

        var (whole, resumed, report) = WholeAndResumed<DropoutDigitsExperiment>(train, options, stopAt: 29, valid);

        AssertSameState(whole, resumed);
        var losses = report.History.Series("train.loss");
        output.WriteLine($"dropout MLP: first logged train.loss {losses[0].Value:F4}, last epoch {report.FinalMetrics["train.loss"]:F4}, valid.accuracy {report.FinalMetrics["valid.accuracy"]:F4}");
        Assert.True(losses[0].Value > 2 * report.FinalMetrics["train.loss"], report.ToString());
        Assert.True(report.FinalMetrics["valid.accuracy"] > 0.6, report.ToString());   // 0.71 here: 480 examples, dropout 0.3, 3 epochs
    }

    [Fact]
    public void FlowMatchingWithNoiseDrawnInTheLossTrainsAndResumesBitIdentically()
    {
        using var train = TwoClusters(1000, seed: 3);
        var options = Quiet(new FitOptions { Epochs = 8, BatchSize = 50, Seed = 4, LogEverySteps = 10 });

        var (whole, resumed, report) = WholeAndResumed<FlowMatchingExperiment>(train, options, stopAt: 73);

        AssertSameState(whole, resumed);
        var losses = report.History.Series("train.loss");
        output.WriteLine($"flow matching: first logged train.loss {losses[0].Value:F4}, last epoch {report.FinalMetrics["train.loss"]:F4}");
        // E|x - noise|² is about 9 for these clusters at the start; the best velocity field leaves far less.
        Assert.True(losses[0].Value > 1.5 * report.FinalMetrics["train.loss"], report.ToString());
    }

    [Fact]
    public void TwoExperimentsWithTheSameSeedDrawTheSameNumbers()
    {
        using var data = Synthetic.Digits(50, seed: 1);
        var batch = FirstBatch(data, 50);
        float[] Losses(ulong seed)
        {
            var experiment = new DropoutDigitsExperiment();
            experiment.Initialize(seed);
            return Enumerable.Range(0, 3).Select(_ => experiment.TrainStep(batch[0], batch[1])).ToArray();
        }
        Assert.Equal(Losses(5), Losses(5));
        Assert.NotEqual(Losses(5), Losses(6));
    }

    [Theory]
    [InlineData(DType.Float32)]
    [InlineData(DType.Float64)]
    public void RandnAndRandInAStepDrawWhatTorchDrawsForTheSameSeed(DType dtype)
    {
        var experiment = new DrawProbeExperiment();
        experiment.Initialize(1, dtype);
        using var x = Tensor.Zeros([2, 6], dtype);
        ((IExperiment)experiment).RandomGenerator!.Reseed(1234);
        experiment.ComputeGradients(x);
        var gradients = experiment.Gradients.ToDictionary(g => g.Name, g => g.Value);

        var torch = TorchReference.Evaluate([(
            "torch.manual_seed(1234)\nnormal = torch.randn(4, 5, dtype=" + (dtype == DType.Float64 ? "torch.float64" : "torch.float32")
            + ")\nuniform = torch.rand(3, 6, dtype=" + (dtype == DType.Float64 ? "torch.float64" : "torch.float32") + ")\nresult = (normal, uniform)",
            new Dictionary<string, Tensor>())])[0].Values;
        var normal = Doubles(gradients["Probe.A"]);
        var uniform = Doubles(gradients["Probe.U"]);
        Assert.Equal(torch.Take(20), normal);
        Assert.Equal(torch.Skip(20), uniform);
    }

    [Fact]
    public void EvaluationAndPredictDoNotDrop()
    {
        using var data = Synthetic.Digits(40, seed: 2);
        var batch = FirstBatch(data, 40);
        var experiment = new DropoutDigitsExperiment();
        experiment.Initialize(3);
        var evaluated = experiment.EvaluateLoss(batch[0], batch[1]);
        Assert.Equal(evaluated, experiment.EvaluateLoss(batch[0], batch[1]));
        Assert.NotEqual(experiment.ComputeGradients(batch[0], batch[1]), experiment.ComputeGradients(batch[0], batch[1]));
        // Without dropout the same weights give the same logits: the plain MLP's Predict is the reference.
        var plain = new Mlp { Inputs = 784, Hidden = 32, Classes = 10 };
        plain.Initialize(0);
        foreach (var ((_, from), (_, to)) in experiment.Net.Parameters.Zip(plain.Parameters)) Kernels.Copy(from, to);
        using var expected = plain.Predict(batch[0]);
        using var predicted = experiment.Net.Predict(batch[0]);
        Assert.Equal(expected.ToArray<float>(), predicted.ToArray<float>());
    }

    [Fact]
    public void CheckpointsHoldTheGeneratorStateAndRefuseAFileWithoutIt()
    {
        using var data = Synthetic.Digits(20, seed: 2);
        var batch = FirstBatch(data, 20);
        Directory.CreateDirectory(_folder);
        var path = Path.Combine(_folder, "dropout.safetensors");
        var experiment = new DropoutDigitsExperiment();
        experiment.Initialize(3);
        experiment.TrainStep(batch[0], batch[1]);
        experiment.Save(path);
        var next = experiment.ComputeGradients(batch[0], batch[1]);

        var restored = DropoutDigitsExperiment.Load(path);
        Assert.NotNull(ExperimentCheckpoint.ReadPosition(path).RngState);
        Assert.Equal(next, restored.ComputeGradients(batch[0], batch[1]));

        // Written without a state (as by an older writer): refused, naming what is missing, before anything changes.
        var without = Path.Combine(_folder, "without.safetensors");
        using (var file = SafeTensors.Open(path))
        {
            var tensors = file.Names.Select(n => (n, file.Read(n))).ToList();
            var metadata = file.Metadata.Where(m => m.Key != "dsl.rng_state").ToDictionary(m => m.Key, m => m.Value);
            SafeTensors.Save(without, tensors, metadata);
        }
        var fresh = new DropoutDigitsExperiment();
        fresh.Initialize(11);
        var before = fresh.Net.W1.ToArray<float>();
        var missing = Assert.Throws<CheckpointException>(() => fresh.Restore(without));
        Assert.Contains("dsl.rng_state", missing.Message);
        Assert.Contains("draws random numbers", missing.Message);
        Assert.Equal(before, fresh.Net.W1.ToArray<float>());

        // A state the generator does not take (valid base64, wrong length): refused too.
        var corrupt = Path.Combine(_folder, "corrupt.safetensors");
        using (var file = SafeTensors.Open(path))
        {
            var tensors = file.Names.Select(n => (n, file.Read(n))).ToList();
            var metadata = file.Metadata.ToDictionary(m => m.Key, m => m.Value);
            metadata["dsl.rng_state"] = Convert.ToBase64String(new byte[12]);
            SafeTensors.Save(corrupt, tensors, metadata);
        }
        var bad = Assert.Throws<CheckpointException>(() => fresh.Restore(corrupt));
        Assert.Contains("not a state of the random generator", bad.Message);
        Assert.Contains("12 bytes", bad.Message);
        Assert.Equal(before, fresh.Net.W1.ToArray<float>());
    }

    [Fact]
    public void AWarmStepWithDropoutAndNoiseAllocatesNothing()
    {
        using var data = Synthetic.Digits(32, seed: 2);
        var batch = FirstBatch(data, 32);
        var dropout = new DropoutDigitsExperiment();
        dropout.Initialize(1);
        Assert.Equal(0, Allocations.Measure(() => dropout.TrainStep(batch[0], batch[1])));

        using var clusters = TwoClusters(32, seed: 1);
        var x = FirstBatch(clusters, 32)[0];
        var flow = new FlowMatchingExperiment();
        flow.Initialize(1);
        Assert.Equal(0, Allocations.Measure(() => flow.TrainStep(x)));
    }
}
