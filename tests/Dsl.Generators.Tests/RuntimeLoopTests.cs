using Dsl.Generators.Tests.Infrastructure;
using Dsl.Testing;

namespace Dsl.Generators.Tests;

/// <summary>
/// Run-time loops: a tanh RNN over sequences whose length is known only when the step runs, compiled
/// to a real C# loop with backpropagation through time. Gradients are checked in float64 against
/// torch.autograd (the same recurrence written in PyTorch) and against central finite differences of
/// the eager [Loss].
/// </summary>
public sealed class RuntimeLoopTests
{
    internal const string Rnn = """
        [Model]
        public partial class Rnn
        {
            [Dim] public int Inputs = 2, Hidden = 5;

            [Param(nameof(Inputs), nameof(Hidden))] public Tensor U;
            [Param(nameof(Hidden), nameof(Hidden))] public Tensor W;
            [Param(nameof(Hidden))] public Tensor B;
            [Param(nameof(Hidden), 1)] public Tensor V;

            public Tensor Forward([Shape("Batch", "Time", nameof(Inputs))] Tensor x)
            {
                var h = Tanh(MatMul(Select(x, 1, 0), U) + B);
                for (var t = 1; t < x.Size(1); t++)
                {
                    h = Tanh(MatMul(h, W) + MatMul(Select(x, 1, t), U) + B);
                }
                return MatMul(h, V);
            }
        }

        [Experiment]
        public partial class SequenceRegression
        {
            public Rnn Net = new();
            public double LearningRate = 0.05;

            [Loss]
            public Tensor Loss([Shape("Batch", "Time", 2)] Tensor x, [Shape("Batch", 1)] Tensor y) => MseLoss(Net.Forward(x), y);
        }

        [Experiment]
        public partial class LastSteps
        {
            public Rnn Net = new() { Hidden = 16 };
            public Adam Optimizer = new() { LearningRate = 0.01 };

            [Loss]
            public Tensor Loss([Shape("Batch", "Time", 2)] Tensor x, [Shape("Batch", 1)] Tensor y) => MseLoss(Net.Forward(x), y);
        }

        [Experiment]
        public partial class StepwiseRegression
        {
            public Rnn Net = new();
            public double LearningRate = 0.05;
            public double Leak = 0.75;

            [Loss]
            public Tensor Loss([Shape("Batch", "Time", 2)] Tensor x, [Shape("Batch", "Time", 1)] Tensor y)
            {
                var h = Tanh(MatMul(Select(x, 1, 0), Net.U) + Net.B);
                var total = MseLoss(MatMul(h, Net.V), Select(y, 1, 0));
                for (var t = 1; t < x.Size(1); t++)
                {
                    var drive = MatMul(Select(x, 1, t), Net.U);
                    h = Tanh(MatMul(h, Net.W) + drive + Net.B) * Leak + h * (1 - Leak);
                    total += MseLoss(MatMul(h, Net.V), Select(y, 1, t)) * (t + 1) / 2;
                }
                return total / x.Size(1);
            }
        }
        """;

    private const string TorchRnn = """
        p = [P.clone().requires_grad_() for P in (U, W, B, V)]
        Ut, Wt, Bt, Vt = p
        h = torch.tanh(x[:, 0] @ Ut + Bt)
        for t in range(1, x.shape[1]):
            h = torch.tanh(h @ Wt + x[:, t] @ Ut + Bt)
        loss = F.mse_loss(h @ Vt, y)
        g = torch.autograd.grad(loss, p, allow_unused=True)
        result = [loss] + [torch.zeros_like(P) if d is None else d for P, d in zip(p, g)]
        """;

    private const string TorchStepwise = """
        p = [P.clone().requires_grad_() for P in (U, W, B, V)]
        Ut, Wt, Bt, Vt = p
        leak = 0.75
        h = torch.tanh(x[:, 0] @ Ut + Bt)
        total = F.mse_loss(h @ Vt, y[:, 0])
        for t in range(1, x.shape[1]):
            h = torch.tanh(h @ Wt + x[:, t] @ Ut + Bt) * leak + h * (1 - leak)
            total = total + F.mse_loss(h @ Vt, y[:, t]) * (t + 1) / 2
        loss = total / x.shape[1]
        g = torch.autograd.grad(loss, p, allow_unused=True)
        result = [loss] + [torch.zeros_like(P) if d is None else d for P, d in zip(p, g)]
        """;

    private static object Create(string typeName, bool optimized = false)
    {
        var compilation = GeneratorHarness.Compilation(TestSources.File(Rnn));
        if (optimized) compilation = compilation.WithOptions(compilation.Options.WithOptimizationLevel(Microsoft.CodeAnalysis.OptimizationLevel.Release));
        var run = GeneratorHarness.Run(compilation, GeneratorHarness.CreateDriver());
        Assert.True(run.Diagnostics.IsEmpty, string.Join("; ", run.Diagnostics));
        Assert.True(run.CompilationErrors.Count == 0, string.Join("\n", run.CompilationErrors));
        return Activator.CreateInstance(GeneratorHarness.Load(run.Output).GetType(typeName, throwOnError: true)!)!;
    }

    [Theory]
    [InlineData("Demo.SequenceRegression", 1)]
    [InlineData("Demo.SequenceRegression", 7)]
    [InlineData("Demo.SequenceRegression", 200)]
    [InlineData("Demo.StepwiseRegression", 1)]
    [InlineData("Demo.StepwiseRegression", 7)]
    [InlineData("Demo.StepwiseRegression", 200)]
    // Checkpointing: the carried values saved every k iterations, each segment recomputed in the backward pass.
    [InlineData("Demo.SequenceRegression", 7, 3)]
    [InlineData("Demo.SequenceRegression", 200, 14)]
    [InlineData("Demo.StepwiseRegression", 1, 5)]
    [InlineData("Demo.StepwiseRegression", 7, 6)]
    [InlineData("Demo.StepwiseRegression", 7, 50)]
    [InlineData("Demo.StepwiseRegression", 200, 14)]
    public void GradientsThroughTheLoopMatchTorchAutograd(string typeName, int length, int checkpointInterval = 1)
    {
        dynamic experiment = Create(typeName);
        experiment.Initialize(11UL, DType.Float64);
        experiment.LoopCheckpointInterval = checkpointInterval;
        using var generator = new Generator((ulong)length);
        using var x = Tensor.Randn([3, length, 2], generator, DType.Float64);
        var stepwise = typeName.EndsWith("Stepwise" + "Regression", StringComparison.Ordinal);
        using var y = stepwise ? Tensor.Randn([3, length, 1], generator, DType.Float64) : Tensor.Randn([3, 1], generator, DType.Float64);

        float loss = experiment.ComputeGradients(x, y);
        var parameters = ((IReadOnlyList<(string Name, Tensor Value)>)experiment.Parameters).ToDictionary(p => p.Name, p => p.Value);
        var gradients = ((IReadOnlyList<(string Name, Tensor Value)>)experiment.Gradients).ToDictionary(g => g.Name, g => g.Value.ToArray<double>());
        var inputs = new Dictionary<string, Tensor>
        {
            ["U"] = parameters["Net.U"], ["W"] = parameters["Net.W"], ["B"] = parameters["Net.B"], ["V"] = parameters["Net.V"], ["x"] = x, ["y"] = y,
        };
        var torch = TorchReference.Evaluate(stepwise ? TorchStepwise : TorchRnn, inputs).Values;

        Assert.Equal(torch[0], loss, 5);
        var offset = 1;
        foreach (var name in new[] { "Net.U", "Net.W", "Net.B", "Net.V" })
        {
            var ours = gradients[name];
            for (var i = 0; i < ours.Length; i++)
            {
                var expected = torch[offset + i];
                Assert.True(Math.Abs(ours[i] - expected) <= 1e-10 * Math.Max(1, Math.Abs(expected)),
                    $"length {length}: d loss / d {name}[{i}] is {ours[i]:R}, torch.autograd {expected:R}");
            }
            offset += ours.Length;
        }
        if (length == 1) Assert.All(gradients["Net.W"], g => Assert.Equal(0d, g));
        else Assert.Contains(gradients["Net.W"], g => g != 0);
    }

    [Theory]
    [InlineData("Demo.SequenceRegression", 1)]
    [InlineData("Demo.SequenceRegression", 7)]
    [InlineData("Demo.StepwiseRegression", 7)]
    [InlineData("Demo.StepwiseRegression", 200)]
    public void GradientsThroughTheLoopMatchFiniteDifferences(string typeName, int length)
    {
        dynamic experiment = Create(typeName);
        experiment.Initialize(12UL, DType.Float64);
        using var generator = new Generator(100 + (ulong)length);
        using var x = Tensor.Randn([2, length, 2], generator, DType.Float64);
        using var y = typeName.EndsWith("Stepwise" + "Regression", StringComparison.Ordinal)
            ? Tensor.Randn([2, length, 1], generator, DType.Float64) : Tensor.Randn([2, 1], generator, DType.Float64);
        GradientCheck.AgainstFiniteDifferences((object)experiment, new object[] { x, y });
    }

    [Fact]
    public void TheGeneratedStepRunsARealLoop()
    {
        var run = GeneratorHarness.Run(Rnn);
        Assert.Empty(run.Diagnostics);
        var step = run.Source("Demo.SequenceRegression.g.cs");
        // One forward loop and one reversed loop, not unrolled iterations: each body value has one buffer.
        Assert.Contains("for (long __t = 1; __t < (long)(x.Size(1)); __t++)", step);
        Assert.Contains("for (long __t = (long)(x.Size(1)) - 1; __t >= 1; __t--)", step);
        Snapshot.Verify(run, nameof(RuntimeLoopTests));
    }

    [Fact]
    public void AWarmStepAtAFixedLengthAllocatesNothing()
    {
        var experiment = Create("Demo.StepwiseRegression", optimized: true);
        ((dynamic)experiment).Initialize(3UL, DType.Float32);
        var step = (Func<Tensor, Tensor, double, float>)Delegate.CreateDelegate(typeof(Func<Tensor, Tensor, double, float>), experiment,
            experiment.GetType().GetMethod("TrainStep")!);
        using var generator = new Generator(5);
        using var x = Tensor.Randn([4, 30, 2], generator, DType.Float32);
        using var y = Tensor.Randn([4, 30, 1], generator, DType.Float32);
        using var shorter = Tensor.Randn([4, 12, 2], generator, DType.Float32);
        using var shorterY = Tensor.Randn([4, 12, 1], generator, DType.Float32);
        for (var i = 0; i < 3; i++) step(x, y, 1d);
        Assert.Equal(0, Allocations.Measure(() => step(x, y, 1d), 20));
        // A shorter sequence reallocates once (the sizes changed), then is warm too.
        step(shorter, shorterY, 1d);
        Assert.Equal(0, Allocations.Measure(() => step(shorter, shorterY, 1d), 20));
    }

    [Fact]
    public void AnRnnTrainsOnSequencesWhoseLengthVariesPerBatch()
    {
        // y = x[last, 0] + 0.5 x[second to last, 1]: what the network must carry to the end of each sequence.
        static (Tensor X, Tensor Y) Batch(Generator generator, long length, long batch)
        {
            var x = Tensor.Randn([batch, length, 2], generator, DType.Float32);
            var values = x.ToArray<float>();
            var targets = new float[batch];
            for (var b = 0; b < batch; b++)
            {
                targets[b] = values[(b * length + length - 1) * 2] + (length > 1 ? 0.5f * values[(b * length + length - 2) * 2 + 1] : 0f);
            }
            var y = Tensor.Empty([batch, 1], DType.Float32);
            y.CopyFrom<float>(targets);
            return (x, y);
        }

        dynamic experiment = Create("Demo.LastSteps");
        experiment.Initialize(7UL, DType.Float32);
        using var data = new Generator(8);
        var valid = new[] { 1L, 10L, 100L, 1000L }.Select(length => Batch(data, length, 64)).ToList();
        double ValidLoss() => valid.Average(b => (double)experiment.EvaluateLoss(b.X, b.Y));

        var before = ValidLoss();
        var lengths = new Random(9);
        for (var step = 0; step < 300; step++)
        {
            // Lengths from 1 to 1,000, a third of the batches short.
            long length = step % 3 == 0 ? lengths.Next(1, 41) : lengths.Next(1, 1001);
            var (x, y) = Batch(data, length, 16);
            using (x)
            using (y)
            {
                experiment.TrainStep(x, y);
            }
        }
        var after = ValidLoss();
        foreach (var (x, y) in valid)
        {
            x.Dispose();
            y.Dispose();
        }
        Assert.True(after < 0.3 * before, $"the validation loss went from {before:R} to {after:R}");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(9)]
    public void PredictRunsTheLoopLikeTheEagerForward(int length)
    {
        dynamic experiment = Create("Demo.SequenceRegression");
        experiment.Initialize(13UL, DType.Float64);
        using var generator = new Generator(14);
        using var x = Tensor.Randn([3, length, 2], generator, DType.Float64);
        var net = experiment.Net;
        var predicted = ((Tensor)net.Predict(x)).ToArray<double>();
        using var eager = (Tensor)net.Forward(x);
        var expected = eager.ToArray<double>();
        Assert.Equal(expected.Length, predicted.Length);
        for (var i = 0; i < expected.Length; i++) Assert.Equal(expected[i], predicted[i], 12);
    }
}
