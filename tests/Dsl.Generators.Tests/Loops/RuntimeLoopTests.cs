using Dsl.Generators.Tests.Infrastructure;
using Dsl.Testing;

namespace Dsl.Generators.Tests.Loops;

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
    public void GradientsThroughTheLoopMatchTorchAutograd(string typeName, int length)
    {
        dynamic experiment = Create(typeName);
        experiment.Initialize(11UL, DType.Float64);
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
}
