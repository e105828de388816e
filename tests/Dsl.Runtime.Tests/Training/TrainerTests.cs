using Dsl.Testing;
using Xunit;

namespace Dsl.Runtime.Tests.Training;

/// <summary>Generated experiments trained through Trainer.Fit: learning, evaluation, run folders, resume, bad input.</summary>
public sealed class TrainerTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "dsl-trainer-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_folder)) Directory.Delete(_folder, recursive: true);
    }

    private static FitOptions Quiet(FitOptions options) => options with { Verbosity = FitVerbosity.Silent };

    [Fact]
    public void FitLearnsDigitsAndReportsEveryMetric()
    {
        using var data = Synthetic.Digits(3000, seed: 1);
        var (train, valid) = data.Split(0.8, seed: 2);
        var experiment = new DigitsExperiment();
        var report = experiment.Fit(train, Quiet(new FitOptions { Epochs = 3, BatchSize = 32, Seed = 3, LogEverySteps = 5 }), valid);

        Assert.Equal(3, report.Epochs);
        Assert.Equal(3 * 75, report.Steps);          // 2400 examples / 32
        Assert.Equal(report.Steps, experiment.StepCount);
        Assert.Equal(45, report.History.Series("train.loss").Count);   // every 5 steps
        Assert.True(report.FinalMetrics["valid.loss"] < 0.5, report.ToString());
        Assert.True(report.FinalMetrics["valid.accuracy"] > 0.85, report.ToString());
        Assert.Equal(3, report.History.Series("valid.accuracy").Count);
        Assert.True(report.History.Series("train.loss")[0].Value > 2 * report.FinalMetrics["train.loss"], report.ToString());
        // Evaluate agrees with what Fit logged last.
        var evaluation = experiment.Evaluate(valid);
        Assert.Equal(report.FinalMetrics["valid.loss"], evaluation.Loss, 1e-6);
        Assert.Equal(report.FinalMetrics["valid.accuracy"], evaluation["accuracy"], 1e-6);   // Fit evaluates in batches of 32, Evaluate of 256
        Assert.Equal(600, evaluation.Examples);
    }

    [Fact]
    public void RunFolderHoldsConfigMetricsCheckpointsAndReport()
    {
        using var data = Synthetic.Blobs(400, classes: 3, features: 2, seed: 4);
        var (train, valid) = data.Split(0.75, seed: 5);
        var run = Path.Combine(_folder, "blobs");
        var report = new BlobsExperiment().Fit(train, Quiet(new FitOptions { Epochs = 4, BatchSize = 20, RunFolder = run }), valid);

        Assert.Equal(run, report.RunFolder);
        foreach (var file in new[] { "config.json", "metrics.csv", "report.html", "checkpoints/latest.safetensors", "checkpoints/best.safetensors" })
        {
            Assert.True(File.Exists(Path.Combine(run, file)), file + " is missing");
        }
        var csv = File.ReadAllLines(Path.Combine(run, "metrics.csv"));
        Assert.StartsWith("step,epoch", csv[0]);
        Assert.Contains("valid.loss", csv[0]);
        // One row per epoch end (15, 30, 45, 60) and one every 10 steps where at least 10 batches of the epoch are
        // left after it (20 and 50; 10 and 40 would leave a 5-batch tail, which is folded into the epoch's last window).
        Assert.Equal(6, csv.Skip(1).Select(line => line.Split(',')[0]).Distinct().Count());
        Assert.Equal(8, csv.Length - 1);   // as before the fold, two steps have two rows each (10 rows for 8 steps then)
        Assert.Contains("<svg", File.ReadAllText(Path.Combine(run, "report.html")));
        using (var latest = SafeTensors.Open(Path.Combine(run, "checkpoints/latest.safetensors")))
        {
            Assert.Equal("60", latest.Metadata["dsl.step"]);
            Assert.Equal("4", latest.Metadata["dsl.epoch"]);
            Assert.Contains("param/Net.W1", latest.Names);
        }
        // A second run into the same folder is refused rather than mixing two runs.
        var again = Assert.ThrowsAny<Exception>(() => new BlobsExperiment().Fit(train, Quiet(new FitOptions { Epochs = 1, RunFolder = run })));
        Assert.Contains(run, again.Message);
    }

    [Fact]
    public void ResumedRunIsBitIdenticalToAnUninterruptedOne()
    {
        using var data = Synthetic.Digits(600, seed: 7);
        var (train, valid) = data.Split(0.8, seed: 8);
        var options = Quiet(new FitOptions { Epochs = 3, BatchSize = 25, Seed = 9, Schedule = new CosineSchedule(57), ClipGradientNorm = 5 });

        var whole = new DigitsExperiment();
        whole.Fit(train, options with { RunFolder = Path.Combine(_folder, "whole") }, valid);

        // The same run stopped half-way (mid-epoch: 480/25 = 19.2 batches a epoch), then resumed by a new process's worth of objects.
        var run = Path.Combine(_folder, "halves");
        var first = new DigitsExperiment();
        var half = first.Fit(train, options with
        {
            RunFolder = run,
            OnStep = context => { if (context.Step == 29) context.RequestStop("half-way"); },
        }, valid);
        Assert.Equal(29, half.Steps);
        Assert.Equal("half-way", half.StopReason);
        var second = new DigitsExperiment();
        var rest = second.Fit(train, options with { RunFolder = run, Resume = true }, valid);

        Assert.Equal(whole.StepCount, second.StepCount);
        Assert.Equal(60, rest.Steps);
        var expected = ((IExperiment)whole).Parameters.Concat(((IExperiment)whole).UpdateState).ToList();
        var actual = ((IExperiment)second).Parameters.Concat(((IExperiment)second).UpdateState).ToList();
        Assert.Equal(expected.Select(p => p.Name), actual.Select(p => p.Name));
        for (var i = 0; i < expected.Count; i++)
        {
            Assert.True(expected[i].Value.ToArray<float>().AsSpan().SequenceEqual(actual[i].Value.ToArray<float>()), expected[i].Name + " differs after resume");
        }
        // The resumed run's log continues the first half's without repeating steps.
        var steps = rest.History.Series("train.loss").Select(p => p.Step).ToList();
        Assert.Equal(steps.Distinct().Count(), steps.Count);
    }

    [Fact]
    public void DataThatDisagreesWithTheDeclaredShapeFailsBeforeTheFirstStep()
    {
        using var images = Tensor.Zeros([10, 28, 28]);
        using var labels = Tensor.Zeros([10], DType.Int64);
        using var data = new TensorDataset(("images", images), ("labels", labels));
        var experiment = new DigitsExperiment();
        var error = Assert.Throws<ArgumentException>(() => experiment.Fit(data, Quiet(new FitOptions { Epochs = 1 })));
        Assert.Contains("images", error.Message);
        Assert.Contains("[28, 28]", error.Message);
        Assert.Contains("[Batch, 784]", error.Message);
        Assert.Equal(0, experiment.StepCount);

        using var floatLabels = Tensor.Zeros([10]);
        using var flat = Tensor.Zeros([10, 784]);
        using var wrongType = new TensorDataset(("images", flat), ("labels", floatLabels));
        var dtype = Assert.Throws<ArgumentException>(() => experiment.Fit(wrongType, Quiet(new FitOptions { Epochs = 1 })));
        Assert.Contains("'labels'", dtype.Message);
        Assert.Contains("Int64", dtype.Message);

        using var renamed = new TensorDataset(("pixels", flat), ("classes", labels), ("extra", labels));
        var names = Assert.Throws<ArgumentException>(() => experiment.Fit(renamed, Quiet(new FitOptions { Epochs = 1 })));
        Assert.Contains("no column named 'images', 'labels'", names.Message);
    }

    [Fact]
    public void NonFiniteLossStopsWithTheStepAndKeepsTheLastGoodCheckpoint()
    {
        using var data = BlobsWithNaNAt(row: 95);    // batch 9 (from 0) of epoch 0 with batch size 10, unshuffled
        var run = Path.Combine(_folder, "nan");
        var experiment = new BlobsExperiment();
        var error = Assert.Throws<NonFiniteLossException>(() => experiment.Fit(data, Quiet(new FitOptions
        {
            Epochs = 2, BatchSize = 10, Shuffle = false, RunFolder = run, CheckpointEverySteps = 1,
        })));
        Assert.Equal(10, error.Step);
        Assert.Equal(9, error.Batch);
        Assert.Contains("step 10 (epoch 1, batch 10)", error.Message);
        // The cause is the data, and the message says so instead of blaming the learning rate.
        Assert.Contains("input 'features' holds 1 NaN and 0 infinite values of 20", error.Message);
        Assert.Contains("Look at the data", error.Message);
        Assert.DoesNotContain("Lower the learning rate", error.Message);
        Assert.NotNull(error.LastCheckpoint);
        using (var latest = SafeTensors.Open(error.LastCheckpoint!)) Assert.Equal("9", latest.Metadata["dsl.step"]);
        // The checkpoint holds finite parameters from before the bad batch.
        var restored = BlobsExperiment.Load(error.LastCheckpoint!);
        Assert.All(((IExperiment)restored).Parameters, p => Assert.All(p.Value.ToArray<float>(), v => Assert.True(float.IsFinite(v))));
        Assert.Equal(9, restored.StepCount);
    }

    [Fact]
    public void ADivergingRunWithFiniteDataIsToldToLowerTheLearningRate()
    {
        using var data = Synthetic.Blobs(200, classes: 3, features: 2, seed: 4);
        var experiment = new BlobsExperiment { Optimizer = new Sgd { LearningRate = 1e30 } };
        var error = Assert.Throws<NonFiniteLossException>(() => experiment.Fit(data, Quiet(new FitOptions { Epochs = 5, BatchSize = 10 })));
        Assert.Contains("Lower the learning rate", error.Message);
        Assert.DoesNotContain("Look at the data", error.Message);
    }

    [Fact]
    public void SkipBatchLeavesParametersFiniteAndCountsTheSkips()
    {
        using var data = BlobsWithNaNAt(row: 95);
        var experiment = new BlobsExperiment();
        var report = experiment.Fit(data, Quiet(new FitOptions { Epochs = 2, BatchSize = 10, Shuffle = false, OnNonFiniteLoss = NonFiniteLossAction.SkipBatch }));
        Assert.Equal(2, report.SkippedBatches);
        Assert.Equal(2 * 20 - 2, report.Steps);
        Assert.All(((IExperiment)experiment).Parameters, p => Assert.All(p.Value.ToArray<float>(), v => Assert.True(float.IsFinite(v))));
    }

    private static TensorDataset BlobsWithNaNAt(int row)
    {
        using var blobs = Synthetic.Blobs(200, classes: 3, features: 2, seed: 11);
        var features = blobs["features"].ToArray<float>();
        features[row * 2] = float.NaN;
        using var x = Tensor.FromArray(features, 200, 2);
        using var y = blobs["labels"];
        return new TensorDataset(("features", x), ("labels", y));
    }

    [Fact]
    public void EarlyStoppingEndsARunThatStoppedImproving()
    {
        using var data = Synthetic.Blobs(300, classes: 3, features: 2, seed: 12);
        var (train, valid) = data.Split(0.8, seed: 13);
        var experiment = new BlobsExperiment { Optimizer = new Sgd { LearningRate = 0 } };   // nothing changes: no epoch improves on the first
        var report = experiment.Fit(train, Quiet(new FitOptions { Epochs = 20, BatchSize = 40, EarlyStopping = new EarlyStopping("valid.loss", Patience: 2) }), valid);
        Assert.Equal(3, report.Epochs);
        Assert.NotNull(report.StopReason);
        Assert.Contains("valid.loss did not improve", report.StopReason);
    }

    [Fact]
    public void CallbacksSeeEveryStepAndEpoch()
    {
        using var data = Synthetic.Blobs(100, classes: 3, features: 2, seed: 14);
        var steps = new List<long>();
        var epochs = new List<(int Epoch, double Loss)>();
        var report = new BlobsExperiment().Fit(data, Quiet(new FitOptions
        {
            Epochs = 3, BatchSize = 30, DropLast = true,
            OnStep = c => steps.Add(c.Step),
            OnEpoch = c => epochs.Add((c.Epoch, c.Metrics["train.loss"])),
        }));
        Assert.Equal(Enumerable.Range(1, 9).Select(i => (long)i), steps);
        Assert.Equal([0, 1, 2], epochs.Select(e => e.Epoch));
        Assert.Equal(9, report.Steps);
    }

    [Fact]
    public void ProgressShowsStepsAndEpochsInPlainMode()
    {
        using var data = Synthetic.Blobs(100, classes: 3, features: 2, seed: 15);
        var output = new StringWriter();
        new BlobsExperiment().Fit(data, new FitOptions { Epochs = 2, BatchSize = 50, Output = output });
        var text = output.ToString();
        Assert.Contains("BlobsExperiment", text);
        Assert.Contains("epoch 2", text, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("train.loss", text);
    }

    [Fact]
    public void AMismatchedCheckpointIsRefusedAndChangesNothing()
    {
        var path = Path.Combine(_folder, "blobs.safetensors");
        Directory.CreateDirectory(_folder);
        var blobs = new BlobsExperiment();
        blobs.Initialize(1);
        blobs.Save(path);

        var digits = new DigitsExperiment();
        digits.Initialize(2);
        var before = digits.Net.W1.ToArray<float>();
        var other = Assert.Throws<CheckpointException>(() => digits.Restore(path));
        Assert.Contains("BlobsExperiment", other.Message);

        // Same experiment class, other sizes: the tensor and both shapes are named, nothing is loaded.
        var wider = new BlobsExperiment { Net = new Mlp { Inputs = 2, Hidden = 17, Classes = 3 } };
        wider.Initialize(3);
        var widerBefore = wider.Net.W1.ToArray<float>();
        var shape = Assert.Throws<CheckpointException>(() => wider.Restore(path));
        Assert.Contains("param/Net.W1", shape.Message);
        Assert.Contains("[2, 16]", shape.Message);
        Assert.Contains("[2, 17]", shape.Message);
        Assert.Equal(widerBefore, wider.Net.W1.ToArray<float>());
        Assert.Equal(before, digits.Net.W1.ToArray<float>());

        File.WriteAllBytes(path, File.ReadAllBytes(path).AsSpan(0, 100).ToArray());
        Assert.Throws<CheckpointException>(() => BlobsExperiment.Load(path));
    }

    [Fact]
    public void ACheckpointLoadsInPyTorchAndGivesTheSameOutputs()
    {
        var path = Path.Combine(_folder, "digits.safetensors");
        Directory.CreateDirectory(_folder);
        using var data = Synthetic.Digits(64, seed: 16);
        var experiment = new DigitsExperiment();
        experiment.Fit(data, Quiet(new FitOptions { Epochs = 1, BatchSize = 16 }));
        experiment.Save(path);
        using var images = data["images"];
        using var ours = experiment.Net.Forward(images);

        // PyTorch reads the file with json + torch.frombuffer and runs the same MLP.
        var script = $$"""
            import json, struct
            raw = open({{Python(path)}}, 'rb').read()
            n = struct.unpack('<Q', raw[:8])[0]
            header = json.loads(raw[8:8 + n])
            def tensor(name):
                info = header[name]
                begin, end = info['data_offsets']
                assert info['dtype'] == 'F32'
                return torch.frombuffer(bytearray(raw[8 + n + begin:8 + n + end]), dtype=torch.float32).reshape(info['shape'])
            w1, b1, w2, b2 = (tensor('param/Net.' + p) for p in ('W1', 'B1', 'W2', 'B2'))
            assert header['__metadata__']['dsl.experiment'] == 'DigitsExperiment'
            result = torch.relu(images @ w1 + b1) @ w2 + b2
            """;
        var reference = TorchReference.Evaluate(script, new Dictionary<string, Tensor> { ["images"] = images });
        TensorAssert.Close(reference, ours, rtol: 1e-5, atol: 1e-5);
    }

    [Fact]
    public void ARefusedRunLeavesNoRunFolderBehind()
    {
        using var x = Tensor.Zeros([20, 2], DType.Float64);
        using var y = Tensor.Zeros([20], DType.Int64);
        using var data = new TensorDataset(("features", x), ("labels", y));
        var run = Path.Combine(_folder, "refused");
        var error = Assert.Throws<ArgumentException>(() => new BlobsExperiment().Fit(data, Quiet(new FitOptions { Epochs = 1, RunFolder = run })));
        Assert.Contains("Float64", error.Message);
        Assert.False(Directory.Exists(run), "a refused run created its folder");
    }

    [Fact]
    public void StepCadenceEvaluatesOnAnEpochsLastStepWhenTheEpochEndDoesNot()
    {
        using var data = Synthetic.Blobs(80, classes: 3, features: 2, seed: 17);
        var (train, valid) = data.Split(0.5, seed: 18);   // 40 examples: 4 steps of 10
        var report = new BlobsExperiment().Fit(train, Quiet(new FitOptions
        {
            Epochs = 3, BatchSize = 10, EvaluateEverySteps = 4, EvaluateEveryEpochs = 2,
        }), valid);
        Assert.Equal([4L, 8L, 12L], report.History.Series("valid.loss").Select(p => p.Step));
    }

    [Fact]
    public void OptionsThatCannotWorkAreRefusedBeforeTraining()
    {
        using var data = Synthetic.Blobs(40, classes: 3, features: 2, seed: 19);
        var experiment = new BlobsExperiment();
        var early = Assert.Throws<ArgumentException>(() => experiment.Fit(data, Quiet(new FitOptions { EarlyStopping = new EarlyStopping("valid.loss") })));
        Assert.Contains("never measures", early.Message);
        Assert.Contains("train.loss", early.Message);
        Assert.Throws<ArgumentException>(() => experiment.Fit(data, Quiet(new FitOptions { CheckpointEverySteps = 5 })));
        Assert.Throws<ArgumentOutOfRangeException>(() => experiment.Fit(data, Quiet(new FitOptions { LogEverySteps = -1 })));
        Assert.Equal(0, experiment.StepCount);
    }

    [Fact]
    public void ResumingChecksTheBatchSizeAndAFinishedRunStaysFinished()
    {
        using var data = Synthetic.Blobs(60, classes: 3, features: 2, seed: 20);
        var run = Path.Combine(_folder, "finished");
        var options = Quiet(new FitOptions { Epochs = 2, BatchSize = 20, RunFolder = run });
        new BlobsExperiment().Fit(data, options);

        var again = new BlobsExperiment();
        var report = again.Fit(data, options with { Resume = true });
        Assert.Equal(2, report.Epochs);
        Assert.Equal(6, report.Steps);
        Assert.Equal(6, again.StepCount);

        var other = Assert.Throws<ArgumentException>(() => new BlobsExperiment().Fit(data, options with { Resume = true, BatchSize = 30 }));
        Assert.Contains("batches of 20", other.Message);
    }

    private static string Python(string text) => "'" + text.Replace("\\", "\\\\").Replace("'", "\\'") + "'";
}

/// <summary>A model's generated Predict: Forward compiled into buffers the model owns.</summary>
public sealed class PredictTests
{
    [Fact]
    public void PredictMatchesTheEagerForwardAndAllocatesNothingOnceWarm()
    {
        var net = new Mlp { Inputs = 6, Hidden = 5, Classes = 3 };
        net.Initialize(4, DType.Float64);
        using var g = new Generator(5);
        using var x = Tensor.Randn([7, 6], g, DType.Float64);
        using var eager = net.Forward(x);
        var predicted = net.Predict(x);
        Assert.Equal(eager.ToArray<double>(), predicted.ToArray<double>());

        // The same buffer comes back, and warm calls allocate no managed memory.
        Assert.Same(predicted, net.Predict(x));
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 20; i++) net.Predict(x);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);

        // Another batch size reallocates and still agrees.
        using var three = Tensor.Randn([3, 6], g, DType.Float64);
        using var eagerThree = net.Forward(three);
        Assert.Equal(eagerThree.ToArray<double>(), net.Predict(three).ToArray<double>());
    }

    [Fact]
    public void PredictFollowsANewInitialization()
    {
        var net = new Mlp { Inputs = 6, Hidden = 5, Classes = 3 };
        net.Initialize(1);
        using var x = Tensor.Zeros([2, 6]);
        Assert.Equal(DType.Float32, net.Predict(x).DType);
        net.Hidden = 7;
        net.Initialize(2, DType.Float64);
        using var x64 = Tensor.Zeros([2, 6], DType.Float64);
        using var eager = net.Forward(x64);
        var predicted = net.Predict(x64);
        Assert.Equal(DType.Float64, predicted.DType);
        Assert.Equal(eager.ToArray<double>(), predicted.ToArray<double>());
    }

    [Fact]
    public void PredictChecksItsInputAgainstTheDeclaredShape()
    {
        var net = new Mlp { Inputs = 6, Hidden = 5, Classes = 3 };
        Assert.Contains("call Initialize", Assert.Throws<InvalidOperationException>(() => net.Predict(Tensor.Zeros([2, 6]))).Message);
        net.Initialize(1);
        using var wrongRank = Tensor.Zeros([2, 3, 6]);
        var rank = Assert.Throws<ArgumentException>(() => net.Predict(wrongRank));
        Assert.Contains("Mlp.Predict: 'x' has shape [2, 3, 6] but its [Shape] is [Batch, Inputs]", rank.Message);
        using var wrongWidth = Tensor.Zeros([2, 4]);
        var width = Assert.Throws<InvalidOperationException>(() => net.Predict(wrongWidth));
        Assert.Contains("Inputs is 6 but the inputs need 4", width.Message);
    }
}
