using Dsl.Generators.Tests.Infrastructure;
using Dsl.Testing;

namespace Dsl.Generators.Tests.Operators;

/// <summary>
/// BatchNorm's two modes in generated code, against torch.nn.functional.batch_norm in float64: the
/// training step normalizes with batch statistics and updates the running statistics (frozen
/// parameters of the model) in place as torch does; Predict and EvaluateLoss use the running
/// statistics and leave them alone; a checkpoint carries them.
/// </summary>
public sealed class BatchNormModeTests
{
    private const string Source = """
        [Model]
        public partial class NormedNet
        {
            [Param(3, 4)] public Tensor W;
            [Param(4, Frozen = true), Init(Init.Zeros)] public Tensor RunningMean;
            [Param(4, Frozen = true), Init(Init.Ones)] public Tensor RunningVar;
            [Param(4), Init(Init.Normal)] public Tensor Gamma;
            [Param(4), Init(Init.Normal)] public Tensor Beta;

            public Tensor Forward([Shape("Batch", 3)] Tensor x) => BatchNorm(MatMul(x, W), RunningMean, RunningVar, Gamma, Beta, momentum: 0.3);
        }

        [Experiment]
        public partial class Normed
        {
            public NormedNet Net = new();
            public double LearningRate = 0.1;

            [Loss]
            public Tensor Loss([Shape("Batch", 3)] Tensor x, [Shape("Batch", 4)] Tensor y) => MseLoss(Net.Forward(x), y);
        }
        """;

    private static dynamic NewExperiment(Type type)
    {
        dynamic experiment = Activator.CreateInstance(type)!;
        experiment.Initialize(7UL, DType.Float64);
        return experiment;
    }

    private static Type Compile()
    {
        var run = GeneratorHarness.Run(Source);
        Assert.True(run.Diagnostics.IsEmpty, string.Join("; ", run.Diagnostics));
        return GeneratorHarness.Load(run.Output).GetType("Demo.Normed", throwOnError: true)!;
    }

    private static double[] Values(Tensor t) => t.ToArray<double>();

    private static Tensor RunningMean(dynamic experiment) => (Tensor)experiment.Net.RunningMean;

    private static Tensor RunningVar(dynamic experiment) => (Tensor)experiment.Net.RunningVar;

    private static Dictionary<string, Tensor> Parameters(dynamic experiment)
    {
        var result = new Dictionary<string, Tensor>();
        foreach (var (name, value) in (IReadOnlyList<(string Name, Tensor Value)>)experiment.Parameters) result[name.Replace('.', '_')] = value.Clone();
        return result;
    }

    private static void AssertClose(double[] expected, double[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        var scale = Math.Max(1, expected.Max(Math.Abs));
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-10 * scale, $"{what}[{i}]: expected {expected[i]:R}, got {actual[i]:R}");
        }
    }

    [Fact]
    public void TheTrainingStepUsesBatchStatisticsAndUpdatesTheRunningOnesAsTorch()
    {
        dynamic experiment = NewExperiment(Compile());
        using var generator = new Generator(3);
        using var x = Tensor.Randn([6, 3], generator, DType.Float64);
        using var y = Tensor.Randn([6, 4], generator, DType.Float64);
        Dictionary<string, Tensor> inputs = Parameters(experiment);
        inputs["x"] = x;
        inputs["y"] = y;

        var loss = (float)experiment.ComputeGradients(x, y);
        var torch = TorchReference.Evaluate([("""
            rm = Net_RunningMean.clone()
            rv = Net_RunningVar.clone()
            out = F.batch_norm(x @ Net_W, rm, rv, Net_Gamma, Net_Beta, training=True, momentum=0.3)
            result = (F.mse_loss(out, y), rm, rv)
            """, inputs)])[0].Values;

        Assert.Equal(torch[0], loss, 5);
        AssertClose(torch.Skip(1).Take(4).ToArray(), Values(RunningMean(experiment)), "running mean");
        AssertClose(torch.Skip(5).Take(4).ToArray(), Values(RunningVar(experiment)), "running variance");
        // Not the initial zeros and ones: the step did update them.
        double[] updated = Values(RunningMean(experiment));
        Assert.Contains(updated, v => Math.Abs(v) > 1e-3);
        foreach (var t in inputs.Values.Except([x, y])) t.Dispose();
    }

    [Fact]
    public void PredictAndEvaluateLossUseTheRunningStatisticsAndLeaveThemAlone()
    {
        dynamic experiment = NewExperiment(Compile());
        using var generator = new Generator(4);
        using var x = Tensor.Randn([6, 3], generator, DType.Float64);
        using var y = Tensor.Randn([6, 4], generator, DType.Float64);
        experiment.TrainStep(x, y);
        using var x2 = Tensor.Randn([6, 3], generator, DType.Float64);
        experiment.TrainStep(x2, y);
        double[] runningMean = Values(RunningMean(experiment));
        double[] runningVar = Values(RunningVar(experiment));

        using var probe = Tensor.Randn([5, 3], generator, DType.Float64);
        using var target = Tensor.Randn([5, 4], generator, DType.Float64);
        Dictionary<string, Tensor> inputs = Parameters(experiment);
        inputs["x"] = probe;
        inputs["y"] = target;
        var predicted = Values((Tensor)experiment.Net.Predict(probe));
        var evaluated = (float)experiment.EvaluateLoss(probe, target);
        var torch = TorchReference.Evaluate([("""
            out = F.batch_norm(x @ Net_W, Net_RunningMean, Net_RunningVar, Net_Gamma, Net_Beta, training=False)
            result = (F.mse_loss(out, y), out)
            """, inputs)])[0].Values;

        Assert.Equal(torch[0], evaluated, 5);
        AssertClose(torch.Skip(1).ToArray(), predicted, "Predict");
        Assert.Equal(runningMean, Values(RunningMean(experiment)));
        Assert.Equal(runningVar, Values(RunningVar(experiment)));
        foreach (var t in inputs.Values.Except([probe, target])) t.Dispose();
    }

    [Fact]
    public void ACheckpointCarriesTheRunningStatistics()
    {
        var type = Compile();
        dynamic trained = NewExperiment(type);
        using var generator = new Generator(5);
        using var x = Tensor.Randn([8, 3], generator, DType.Float64);
        using var y = Tensor.Randn([8, 4], generator, DType.Float64);
        trained.TrainStep(x, y);
        var path = Path.Combine(Path.GetTempPath(), "dsl-batchnorm-" + Guid.NewGuid().ToString("N") + ".safetensors");
        try
        {
            ExperimentCheckpoint.Save((IExperiment)trained, path);
            dynamic restored = Activator.CreateInstance(type)!;
            ExperimentCheckpoint.Restore((IExperiment)restored, path);
            Assert.Equal(Values(RunningMean(trained)), Values(RunningMean(restored)));
            Assert.Equal(Values(RunningVar(trained)), Values(RunningVar(restored)));
            Assert.NotEqual(new double[] { 1, 1, 1, 1 }, Values(RunningVar(restored)));
        }
        finally
        {
            File.Delete(path);
        }
    }
}
