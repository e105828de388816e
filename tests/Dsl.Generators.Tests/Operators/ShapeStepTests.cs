using Dsl.Generators.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Dsl.Generators.Tests.Operators;

/// <summary>
/// A training step that uses every shape and product op at once (batched MatMul, Bmm with a folded
/// transpose, Permute, Flatten, Reshape with -1, Cat, Stack, Select, Narrow, Squeeze/Unsqueeze,
/// Expand, Gather, IndexSelect, Linear, Addmm): it learns, and once warm it allocates no managed
/// memory (the shape ops copy into preallocated buffers; axes and operand lists are stack spans).
/// </summary>
public sealed class ShapeStepTests
{
    private const string Source = """
        [Model]
        public partial class Mixer
        {
            [Param(3, 6)] public Tensor W;
            [Param(3, 38)] public Tensor V;
            [Param(3)] public Tensor B;
            [Param(1, 1)] public Tensor C;

            public Tensor Forward([Shape(1)] Tensor x) => x;
        }

        [Experiment]
        public partial class Mixing
        {
            public Mixer Net = new();
            public double LearningRate = 0.05;

            [Loss]
            public Tensor Loss([Shape("Batch", 4, 3)] Tensor x, [Shape("Batch")] Tensor labels, [Shape(2)] Tensor rows, [Shape("Batch", 4, 2)] Tensor pick)
            {
                var h = MatMul(x, Net.W);
                var a = Bmm(h, Transpose(h, 1, 2));
                var s = Stack([Select(h, 1, 0), Narrow(Squeeze(Unsqueeze(Select(h, 1, 1), 1), 1), 1, 0, 6)], 1);
                var f = Cat([Flatten(Permute(a, 0, 2, 1), 1), Reshape(x, -1, 12), Flatten(Gather(a, 2, pick), 1), IndexSelect(Flatten(s, 1), 1, rows)], 1) / 10;
                var logits = Linear(f, Net.V, Net.B) + Addmm(Net.B, f, Transpose(Net.V), 0.5, 0.5) + Expand(Net.C, 1, 3);
                return CrossEntropy(logits, labels);
            }
        }
        """;

    [Fact]
    public void A_step_with_every_shape_op_learns_and_allocates_nothing_once_warm()
    {
        var run = GeneratorHarness.Run(Source);
        Assert.Empty(run.Diagnostics);
        // Compiled optimized, as a user's Release build is: the Debug code of the test harness's default options
        // allocates 72 bytes per call that passes a span (measured for a constant collection expression and for a
        // stackalloc alike), which is not the generated code's doing.
        var output = (CSharpCompilation)run.Output;
        var type = GeneratorHarness.Load(output.WithOptions(output.Options.WithOptimizationLevel(OptimizationLevel.Release)))
            .GetType("Demo.Mixing", throwOnError: true)!;
        var experiment = Activator.CreateInstance(type)!;
        type.GetMethod("Initialize", [typeof(ulong), typeof(DType)])!.Invoke(experiment, [1UL, DType.Float32]);
        var step = (Func<Tensor, Tensor, Tensor, Tensor, double, float>)Delegate.CreateDelegate(
            typeof(Func<Tensor, Tensor, Tensor, Tensor, double, float>), experiment, type.GetMethod("TrainStep")!);

        using var g = new Generator(7);
        using var x = Tensor.Randn([16, 4, 3], g);
        // The label is the sign pattern of two coordinates: learnable from x's copy in the features.
        var values = x.ToArray<float>();
        var labels = new long[16];
        for (var i = 0; i < 16; i++) labels[i] = values[i * 12] > 0 ? 0 : values[i * 12 + 4] > 0 ? 1 : 2;
        using var labelTensor = Tensor.FromArray(labels, 16);
        using var rows = Tensor.FromArray(new long[] { 3, 7 }, 2);
        using var pick = Tensor.RandInt(0, 4, [16, 4, 2], g);

        var first = step(x, labelTensor, rows, pick, 1d);
        for (var i = 0; i < 5; i++) step(x, labelTensor, rows, pick, 1d);
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 20; i++) step(x, labelTensor, rows, pick, 1d);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);

        var last = first;
        for (var i = 0; i < 200; i++) last = step(x, labelTensor, rows, pick, 1d);
        Assert.True(last < first / 2, "the loss went from " + first + " to " + last);
    }
}
