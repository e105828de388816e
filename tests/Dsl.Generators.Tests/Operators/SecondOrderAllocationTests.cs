using Dsl.Generators.Tests.Infrastructure;
using Dsl.Testing;

namespace Dsl.Generators.Tests.Operators;

/// <summary>
/// Training steps with a gradient penalty through the nn ops (their backwards differentiated: composed
/// normalizations, attention and losses, convolutions, pooling) allocate no managed memory once warm.
/// </summary>
public sealed class SecondOrderAllocationTests
{
    private const string Cnn = """
        [Model]
        public partial class PenalizedCnn
        {
            [Param(4, 1, 3, 3)] public Tensor W1;
            [Param(4)] public Tensor B1;
            [Param(4, Frozen = true), Init(Init.Zeros)] public Tensor RunningMean;
            [Param(4, Frozen = true), Init(Init.Ones)] public Tensor RunningVar;
            [Param(4), Init(Init.Ones)] public Tensor Gamma;
            [Param(4), Init(Init.Zeros)] public Tensor Beta;
            [Param(4, 4, 3, 3)] public Tensor W2;
            [Param(4, 3)] public Tensor W3;

            public Tensor Forward([Shape("Batch", 1, 8, 8)] Tensor x)
            {
                var h = MaxPool2d(Tanh(BatchNorm(Conv2d(x, W1, B1), RunningMean, RunningVar, Gamma, Beta)), 2);
                var g = GroupNorm(Conv2d(h, W2, padding: 1), 2);
                return MatMul(Mean(g, [2, 3]), W3);
            }
        }

        [Experiment]
        public partial class PenalizedCnnFit
        {
            public PenalizedCnn Net = new();
            public double LearningRate = 0.1;

            [Loss]
            public Tensor Loss([Shape("Batch", 1, 8, 8)] Tensor x, [Shape("Batch")] Tensor labels, [Shape(3)] Tensor w)
                => CrossEntropy(Net.Forward(x), labels, weight: w) + Sum(Square(Grad(CrossEntropy(Net.Forward(x), labels, weight: w, labelSmoothing: 0.1), x)));
        }
        """;

    private const string Attention = """
        [Model]
        public partial class PenalizedAttention
        {
            [Param(8), Init(Init.Ones)] public Tensor G;
            [Param(8)] public Tensor B;
            [Param(8, 3)] public Tensor W;

            public Tensor Forward([Shape("Batch", 5, 8)] Tensor x)
            {
                var h = LayerNorm(x, [8], G, B);
                return MatMul(Mean(ScaledDotProductAttention(h, h, h, causal: true), 1), W);
            }
        }

        [Experiment]
        public partial class PenalizedAttentionFit
        {
            public PenalizedAttention Net = new();
            public double LearningRate = 0.1;

            [Loss]
            public Tensor Loss([Shape("Batch", 5, 8)] Tensor x, [Shape("Batch", 3)] Tensor t)
                => HuberLoss(Net.Forward(x), t) + Sum(Square(Grad(BinaryCrossEntropyWithLogits(Net.Forward(x), Sigmoid(t)) + L1Loss(Net.Forward(x), t), x)));
        }
        """;

    private static object Create(string source, string experimentType)
    {
        // Compiled optimized, as a user's Release build (a debug build makes arrays of constant axis lists).
        var compilation = GeneratorHarness.Compilation(TestSources.File(source));
        var run = GeneratorHarness.Run(compilation.WithOptions(compilation.Options.WithOptimizationLevel(Microsoft.CodeAnalysis.OptimizationLevel.Release)),
            GeneratorHarness.CreateDriver());
        Assert.True(run.Diagnostics.IsEmpty, string.Join("; ", run.Diagnostics));
        var type = GeneratorHarness.Load(run.Output).GetType(experimentType, throwOnError: true)!;
        var experiment = Activator.CreateInstance(type)!;
        type.GetMethod("Initialize", [typeof(ulong), typeof(DType)])!.Invoke(experiment, [1UL, DType.Float32]);
        return experiment;
    }

    private static TDelegate TrainStep<TDelegate>(object experiment) where TDelegate : Delegate =>
        (TDelegate)Delegate.CreateDelegate(typeof(TDelegate), experiment, experiment.GetType().GetMethod("TrainStep")!);

    [Fact]
    public void ACnnStepWithAnInputGradientPenaltyAllocatesNothingOnceWarm()
    {
        using var generator = new Generator(3);
        using var x = Tensor.Randn([6, 1, 8, 8], generator, DType.Float32);
        using var labels = Tensor.RandInt(0, 3, [6], generator);
        using var w = Tensor.Rand([3], generator, DType.Float32);
        var step = TrainStep<Func<Tensor, Tensor, Tensor, double, float>>(Create(Cnn, "Demo.PenalizedCnnFit"));
        for (var i = 0; i < 5; i++) step(x, labels, w, 1d);
        Assert.Equal(0, Allocations.Measure(() => step(x, labels, w, 1d), 20));
        Assert.True(float.IsFinite(step(x, labels, w, 1d)));
    }

    [Fact]
    public void AnAttentionStepWithAnInputGradientPenaltyAllocatesNothingOnceWarm()
    {
        using var generator = new Generator(4);
        using var x = Tensor.Randn([6, 5, 8], generator, DType.Float32);
        using var t = Tensor.Randn([6, 3], generator, DType.Float32);
        var step = TrainStep<Func<Tensor, Tensor, double, float>>(Create(Attention, "Demo.PenalizedAttentionFit"));
        for (var i = 0; i < 5; i++) step(x, t, 1d);
        Assert.Equal(0, Allocations.Measure(() => step(x, t, 1d), 20));
        Assert.True(float.IsFinite(step(x, t, 1d)));
    }
}
