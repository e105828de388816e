using Dsl.Testing;
using Xunit;
using static Dsl.Ops;

namespace Dsl.Runtime.Tests.Training;

[Experiment]
public partial class ScheduleFreeBlobs
{
    public Mlp Net = new() { Inputs = 2, Hidden = 16, Classes = 3 };
    public ScheduleFreeAdamW Optimizer = new() { LearningRate = 0.02, WarmupSteps = 10 };

    [Loss]
    public Tensor Loss([Shape("Batch", 2)] Tensor features, [Shape("Batch")] Tensor labels) => CrossEntropy(Net.Forward(features), labels);

    [Metric]
    public Tensor Accuracy(Tensor features, Tensor labels) => Ops.Accuracy(Net.Predict(features), labels);
}

[Experiment]
public partial class EmaBlobs
{
    public Mlp Net = new() { Inputs = 2, Hidden = 16, Classes = 3 };
    public AdamWEma Optimizer = new() { LearningRate = 0.01, Decay = 0.9 };

    [Loss]
    public Tensor Loss([Shape("Batch", 2)] Tensor features, [Shape("Batch")] Tensor labels) => CrossEntropy(Net.Forward(features), labels);
}

/// <summary>
/// Experiments evaluated at an update rule's state: Schedule-Free's average x and an EMA of the weights,
/// swapped into the parameters by <c>UsingState</c> / <c>UsingEvaluationState</c> and by Fit's validation.
/// </summary>
public sealed class RuleStateExperimentTests
{
    private static FitOptions Quiet(FitOptions options) => options with { Output = TextWriter.Null, Quiet = true };

    private static (Tensor Features, Tensor Labels) Batch(int size, int seed)
    {
        var random = new Random(seed);
        var labels = Enumerable.Range(0, size).Select(i => (long)(i % 3)).ToArray();
        var features = labels.SelectMany(l => new[] { (float)(2 * l - 2 + random.NextDouble()), (float)(l % 2 + random.NextDouble()) }).ToArray();
        return (Tensor.FromArray(features, size, 2), Tensor.FromArray(labels, size));
    }

    private static double[] Values(IReadOnlyList<(string Name, Tensor Value)> tensors, string name) =>
        tensors.Single(t => t.Name == name).Value.ToArray<float>().Select(v => (double)v).ToArray();

    [Fact]
    public void TrainsWithScheduleFreeAdamWAndEvaluatesAtTheAverageInOneLine()
    {
        using var data = Synthetic.Blobs(600, classes: 3, features: 2, seed: 21);
        var (train, valid) = data.Split(0.75, seed: 22);
        var experiment = new ScheduleFreeBlobs();
        var report = experiment.Fit(train, Quiet(new FitOptions { Epochs = 6, BatchSize = 25, Seed = 23 }), valid);
        Assert.True(report.FinalMetrics["valid.accuracy"] > 0.9, report.ToString());

        // Fit validated at x (the rule's EvaluateAt state): Evaluate does the same, and so does an explicit scope.
        var atX = experiment.Evaluate(valid);
        Assert.Equal(report.FinalMetrics["valid.loss"], atX.Loss, 1e-6);
        EvaluationResult explicitScope;
        using (experiment.UsingState(experiment.Optimizer, "x")) explicitScope = experiment.Evaluate(valid);
        Assert.Equal(atX.Loss, explicitScope.Loss, 12);

        // The parameters hold x inside the scope and y (their training values) before and after it, bit for bit.
        var y = Values(experiment.Parameters, "Net.W1");
        var x = Values(((IExperiment)experiment).UpdateState, "Optimizer/Net.W1/x");
        Assert.NotEqual(y, x);
        var (features, labels) = Batch(30, seed: 24);
        using (features)
        using (labels)
        {
            var lossAtY = experiment.EvaluateLoss(features, labels);
            float lossAtX;
            using (experiment.UsingEvaluationState())
            {
                Assert.Equal(x, Values(experiment.Parameters, "Net.W1"));
                Assert.Equal(y, Values(((IExperiment)experiment).UpdateState, "Optimizer/Net.W1/x"));
                lossAtX = experiment.EvaluateLoss(features, labels);
            }
            Assert.NotEqual(lossAtY, lossAtX);
            Assert.Equal(y, Values(experiment.Parameters, "Net.W1"));
            Assert.Equal(x, Values(((IExperiment)experiment).UpdateState, "Optimizer/Net.W1/x"));
            Assert.Equal(lossAtY, experiment.EvaluateLoss(features, labels));
        }
    }

    [Fact]
    public void EvaluatingAtTheStateLeavesTrainingUnchanged()
    {
        // Two runs that differ only in where validation evaluates train the same weights, bit for bit (the swap
        // puts everything back), and report different validation losses (x is not y).
        using var data = Synthetic.Blobs(300, classes: 3, features: 2, seed: 31);
        var (train, valid) = data.Split(0.7, seed: 32);
        var atState = new ScheduleFreeBlobs();
        var atParameters = new ScheduleFreeBlobs();
        var options = Quiet(new FitOptions { Epochs = 3, BatchSize = 20, Seed = 33, EvaluateEverySteps = 7 });
        var reportAtState = atState.Fit(train, options, valid);
        var reportAtParameters = atParameters.Fit(train, options with { EvaluateAtRuleState = false }, valid);
        foreach (var (name, value) in atState.Parameters)
        {
            Assert.Equal(value.ToArray<float>(), atParameters.Parameters.Single(p => p.Name == name).Value.ToArray<float>());
        }
        Assert.NotEqual(reportAtState.FinalMetrics["valid.loss"], reportAtParameters.FinalMetrics["valid.loss"]);
        Assert.Equal(reportAtParameters.FinalMetrics["train.loss"], reportAtState.FinalMetrics["train.loss"]);
    }

    [Fact]
    public void EmaOfTheWeightsIsWhatEvaluationSees()
    {
        var experiment = new EmaBlobs();
        experiment.Initialize(41);
        var initial = Values(experiment.Parameters, "Net.W2");
        var (features, labels) = Batch(24, seed: 42);
        using (features)
        using (labels)
        {
            for (var i = 0; i < 5; i++) experiment.TrainStep(features, labels);
        }
        var trained = Values(experiment.Parameters, "Net.W2");
        var average = Values(((IExperiment)experiment).UpdateState, "Optimizer/Net.W2/average");
        using (experiment.UsingEvaluationState()) Assert.Equal(average, Values(experiment.Parameters, "Net.W2"));
        // The average trails the weights: between the initial and the trained ones, not equal to either.
        Assert.NotEqual(trained, average);
        Assert.NotEqual(initial, average);
        Assert.Equal(trained, Values(experiment.Parameters, "Net.W2"));
    }

    [Fact]
    public void MisuseIsAClearError()
    {
        var experiment = new ScheduleFreeBlobs();
        experiment.Initialize(51);
        var notOurs = Assert.Throws<ArgumentException>(() => experiment.UsingState(new ScheduleFreeAdamW(), "x"));
        Assert.Contains("not an update rule of the experiment", notOurs.Message);
        Assert.Contains("ScheduleFreeAdamW", notOurs.Message);
        var unknown = Assert.Throws<ArgumentException>(() => experiment.UsingState(experiment.Optimizer, "average"));
        Assert.Contains("no state named 'average'", unknown.Message);
        Assert.Contains("z, x, v", unknown.Message);
        var number = Assert.Throws<ArgumentException>(() => experiment.UsingState(experiment.Optimizer, "weightSum"));
        Assert.Contains("'weightSum' is a number state", number.Message);

        var (features, labels) = Batch(12, seed: 52);
        using (features)
        using (labels)
        {
            experiment.TrainStep(features, labels);
            var before = Values(experiment.Parameters, "Net.W1");
            var scope = experiment.UsingState(experiment.Optimizer, "z");
            var nested = Assert.Throws<InvalidOperationException>(() => experiment.UsingEvaluationState());
            Assert.Contains("already hold ScheduleFreeAdamW's state 'z'", nested.Message);
            Assert.Contains("do not nest", nested.Message);
            var training = Assert.Throws<InvalidOperationException>(() => experiment.TrainStep(features, labels));
            Assert.Contains("dispose that scope before training", training.Message);
            scope.Dispose();
            scope.Dispose();   // a second dispose changes nothing
            Assert.Equal(before, Values(experiment.Parameters, "Net.W1"));
            experiment.TrainStep(features, labels);   // training goes on once the scope is closed
            Assert.Equal(2, experiment.StepCount);
        }
    }

    [Fact]
    public void ACheckpointRestoresTheAverageAndTheWeightSum()
    {
        using var folder = new TemporaryFolder();
        var path = Path.Combine(folder.Path, "sf.safetensors");
        var (features, labels) = Batch(18, seed: 61);
        using (features)
        using (labels)
        {
            var whole = new ScheduleFreeBlobs();
            whole.Initialize(62);
            for (var i = 0; i < 4; i++) whole.TrainStep(features, labels);
            whole.Save(path);
            Assert.Contains(((IExperiment)whole).UpdateState, s => s.Name == "Optimizer/Net.W1/weightSum");

            // A fresh experiment from another seed: its x would start at its own weights, but the checkpoint's x wins.
            var resumed = new ScheduleFreeBlobs();
            resumed.Initialize(99);
            resumed.Restore(path);
            for (var i = 0; i < 3; i++)
            {
                whole.TrainStep(features, labels);
                resumed.TrainStep(features, labels);
            }
            foreach (var (name, value) in ((IExperiment)whole).UpdateState)
            {
                Assert.Equal(value.To(DType.Float64).ToArray<double>(), ((IExperiment)resumed).UpdateState.Single(s => s.Name == name).Value.To(DType.Float64).ToArray<double>());
            }
            Assert.Equal(Values(whole.Parameters, "Net.W1"), Values(resumed.Parameters, "Net.W1"));
        }
    }
}

[Collection(nameof(MemoryTests))]
public sealed class RuleStateAllocationTests
{
    [Fact]
    public void WarmScheduleFreeStepsAndStateScopesAllocateNothing()
    {
        var experiment = new ScheduleFreeBlobs();
        experiment.Initialize(71);
        using var features = Tensor.FromArray(Enumerable.Range(0, 40).Select(i => (float)Math.Sin(i)).ToArray(), 20, 2);
        using var labels = Tensor.FromArray(Enumerable.Range(0, 20).Select(i => (long)(i % 3)).ToArray(), 20);
        for (var i = 0; i < 3; i++)
        {
            experiment.TrainStep(features, labels);
            using (experiment.UsingState(experiment.Optimizer, "x")) { }
            using (experiment.UsingEvaluationState()) { }
        }
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 20; i++)
        {
            experiment.TrainStep(features, labels);
            using (experiment.UsingState(experiment.Optimizer, "x")) { }
            using (experiment.UsingEvaluationState()) { }
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
