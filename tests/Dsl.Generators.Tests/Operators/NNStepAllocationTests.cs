using Dsl.Generators.Tests.Infrastructure;
using Dsl.Testing;

namespace Dsl.Generators.Tests.Operators;

/// <summary>
/// Training steps built from the nn layers and losses allocate no managed memory once warm: the
/// settings are constants or stack values (Size2, stackalloc'd sizes), the saved statistics, indices
/// and probabilities live in preallocated buffers.
/// </summary>
public sealed class NNStepAllocationTests
{
    private const string Cnn = """
        [Model]
        public partial class TinyCnn
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
                var h = MaxPool2d(Relu(BatchNorm(Conv2d(x, W1, B1), RunningMean, RunningVar, Gamma, Beta)), 2);
                var g = AvgPool2d(GroupNorm(Conv2d(h, W2, padding: 1), 2), 3);
                return MatMul(Mean(AdaptiveAvgPool2d(g, 1), [2, 3]), W3);
            }
        }

        [Experiment]
        public partial class TinyCnnFit
        {
            public TinyCnn Net = new();
            public double LearningRate = 0.1;

            [Loss]
            public Tensor Loss([Shape("Batch", 1, 8, 8)] Tensor x, [Shape("Batch")] Tensor labels) => CrossEntropy(Net.Forward(x), labels);
        }
        """;

    private const string Attention = """
        [Model]
        public partial class TinyAttention
        {
            [Param(10, 8)] public Tensor E;
            [Param(8), Init(Init.Ones)] public Tensor G;
            [Param(8)] public Tensor B;
            [Param(3, 5, 2)] public Tensor C;
            [Param(3, 10)] public Tensor W;

            public Tensor Forward([Shape("Batch", 5)] Tensor tokens)
            {
                var h = LayerNorm(Embedding(E, tokens), [8], G, B);
                var a = ScaledDotProductAttention(h, h, h, causal: true);
                return MatMul(Mean(Conv1d(a, C, stride: 2), 2), W);
            }
        }

        [Experiment]
        public partial class TinyAttentionFit
        {
            public TinyAttention Net = new();
            public double LearningRate = 0.1;

            [Loss]
            public Tensor Loss([Shape("Batch", 5)] Tensor tokens, [Shape("Batch")] Tensor labels, [Shape("Batch", 10)] Tensor soft)
                => NllLoss(Net.Forward(tokens), labels, Reduction.Sum) + HuberLoss(Net.Forward(tokens), soft) + L1Loss(Net.Forward(tokens), soft)
                   + BinaryCrossEntropyWithLogits(Net.Forward(tokens), Sigmoid(soft));
        }
        """;

    // A per-token classifier: logits [Batch, Classes, Time] against a target per token, as a language model's loss.
    private const string PerToken = """
        [Model]
        public partial class TinyTagger
        {
            [Param(10, 8)] public Tensor E;
            [Param(8, 4)] public Tensor W;

            public Tensor Forward([Shape("Batch", 5)] Tensor tokens) => Transpose(MatMul(Embedding(E, tokens), W), 1, 2);
        }

        [Experiment]
        public partial class TinyTaggerFit
        {
            public TinyTagger Net = new();
            public double LearningRate = 0.1;

            [Loss]
            public Tensor Loss([Shape("Batch", 5)] Tensor tokens, [Shape("Batch", 5)] Tensor tags, [Shape(4)] Tensor w)
                => CrossEntropy(Net.Forward(tokens), tags) + CrossEntropy(Net.Forward(tokens), tags, weight: w, ignoreIndex: 0, labelSmoothing: 0.1);
        }
        """;

    private static object Create(string source, string experimentType)
    {
        // Compiled optimized, as a user's Release build: a debug build makes arrays of constant axis lists ([2L, 3L]).
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
    public void ACnnStepWithBatchNormAndPoolingAllocatesNothingOnceWarm()
    {
        using var generator = new Generator(3);
        using var x = Tensor.Randn([6, 1, 8, 8], generator, DType.Float32);
        using var labels = Tensor.RandInt(0, 3, [6], generator);
        var step = TrainStep<Func<Tensor, Tensor, double, float>>(Create(Cnn, "Demo.TinyCnnFit"));
        for (var i = 0; i < 5; i++) step(x, labels, 1d);
        Assert.Equal(0, Allocations.Measure(() => step(x, labels, 1d), 20));
    }

    [Fact]
    public void AnAttentionStepWithEmbeddingAndLayerNormAllocatesNothingOnceWarm()
    {
        using var generator = new Generator(4);
        using var tokens = Tensor.RandInt(0, 10, [6, 5], generator);
        using var labels = Tensor.RandInt(0, 10, [6], generator);
        using var soft = Tensor.Randn([6, 10], generator, DType.Float32);
        var step = TrainStep<Func<Tensor, Tensor, Tensor, double, float>>(Create(Attention, "Demo.TinyAttentionFit"));
        for (var i = 0; i < 5; i++) step(tokens, labels, soft, 1d);
        Assert.Equal(0, Allocations.Measure(() => step(tokens, labels, soft, 1d), 20));
    }

    [Fact]
    public void APerTokenCrossEntropyStepAllocatesNothingOnceWarm()
    {
        using var generator = new Generator(5);
        using var tokens = Tensor.RandInt(0, 10, [6, 5], generator);
        using var tags = Tensor.RandInt(0, 4, [6, 5], generator);
        using var w = Tensor.Rand([4], generator, DType.Float32);
        var step = TrainStep<Func<Tensor, Tensor, Tensor, double, float>>(Create(PerToken, "Demo.TinyTaggerFit"));
        for (var i = 0; i < 5; i++) step(tokens, tags, w, 1d);
        Assert.Equal(0, Allocations.Measure(() => step(tokens, tags, w, 1d), 20));
    }
}
