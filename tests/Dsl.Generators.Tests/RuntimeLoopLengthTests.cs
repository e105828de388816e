using Dsl.Generators.Tests.Infrastructure;
using Dsl.Testing;

namespace Dsl.Generators.Tests;

/// <summary>
/// A sequence's length that only a run-time loop reads (no buffer has it) does not reallocate the
/// step's buffers: batches whose lengths change from step to step reuse them once each length's
/// saved rows exist, in the training step and in Predict, and the gradients stay those of the length given.
/// </summary>
public sealed class RuntimeLoopLengthTests
{
    private static object Create(string typeName)
    {
        var compilation = GeneratorHarness.Compilation(TestSources.File(RuntimeLoopTests.Rnn));
        compilation = compilation.WithOptions(compilation.Options.WithOptimizationLevel(Microsoft.CodeAnalysis.OptimizationLevel.Release));
        var run = GeneratorHarness.Run(compilation, GeneratorHarness.CreateDriver());
        Assert.True(run.Diagnostics.IsEmpty, string.Join("; ", run.Diagnostics));
        Assert.True(run.CompilationErrors.Count == 0, string.Join("\n", run.CompilationErrors));
        return Activator.CreateInstance(GeneratorHarness.Load(run.Output).GetType(typeName, throwOnError: true)!)!;
    }

    [Fact]
    public void StepsAlternatingBetweenLengthsAllocateNothingOnceEachLengthWasSeen()
    {
        var experiment = Create("Demo.StepwiseRegression");
        ((dynamic)experiment).Initialize(3UL, DType.Float32);
        var step = (Func<Tensor, Tensor, double, float>)Delegate.CreateDelegate(typeof(Func<Tensor, Tensor, double, float>), experiment,
            experiment.GetType().GetMethod("TrainStep")!);
        using var generator = new Generator(5);
        var batches = new[] { 30L, 12L, 1L, 7L }
            .Select(length => (X: Tensor.Randn([4, length, 2], generator, DType.Float32), Y: Tensor.Randn([4, length, 1], generator, DType.Float32)))
            .ToArray();
        foreach (var (x, y) in batches) step(x, y, 1d);

        Assert.Equal(0, Allocations.Measure(() => { foreach (var (x, y) in batches) step(x, y, 1d); }, 5));
        foreach (var (x, y) in batches) { x.Dispose(); y.Dispose(); }
    }

    [Fact]
    public void PredictAtAlternatingLengthsAllocatesNothingOnceWarm()
    {
        dynamic experiment = Create("Demo.SequenceRegression");
        experiment.Initialize(13UL, DType.Float32);
        object net = experiment.Net;
        var predict = (Func<Tensor, Tensor>)Delegate.CreateDelegate(typeof(Func<Tensor, Tensor>), net, net.GetType().GetMethod("Predict")!);
        using var generator = new Generator(14);
        var inputs = new[] { 9L, 2L, 40L }.Select(length => Tensor.Randn([3, length, 2], generator, DType.Float32)).ToArray();
        foreach (var x in inputs) predict(x);

        Assert.Equal(0, Allocations.Measure(() => { foreach (var x in inputs) predict(x); }, 5));
        foreach (var x in inputs) x.Dispose();
    }

    [Theory]
    [InlineData(7)]
    [InlineData(2)]
    public void AfterALongerSequenceAShorterOneGetsItsOwnGradients(int length)
    {
        // The same experiment first steps on 40 steps, then computes gradients at the shorter length;
        // a fresh experiment at the same parameters computes them at that length only. They must agree.
        dynamic used = Create("Demo.SequenceRegression");
        dynamic fresh = Create("Demo.SequenceRegression");
        used.Initialize(17UL, DType.Float64);
        fresh.Initialize(17UL, DType.Float64);
        using var generator = new Generator(18);
        using var longX = Tensor.Randn([3, 40, 2], generator, DType.Float64);
        using var longY = Tensor.Randn([3, 1], generator, DType.Float64);
        using var x = Tensor.Randn([3, length, 2], generator, DType.Float64);
        using var y = Tensor.Randn([3, 1], generator, DType.Float64);
        used.ComputeGradients(longX, longY);
        float usedLoss = used.ComputeGradients(x, y);
        float freshLoss = fresh.ComputeGradients(x, y);

        Assert.Equal(freshLoss, usedLoss);
        var a = ((IReadOnlyList<(string Name, Tensor Value)>)used.Gradients).SelectMany(g => g.Value.ToArray<double>()).ToArray();
        var b = ((IReadOnlyList<(string Name, Tensor Value)>)fresh.Gradients).SelectMany(g => g.Value.ToArray<double>()).ToArray();
        Assert.Equal(b, a);
    }
}
