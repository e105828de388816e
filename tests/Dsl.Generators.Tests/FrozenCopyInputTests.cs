using Dsl.Generators.Tests.Infrastructure;
using Dsl.Testing;

namespace Dsl.Generators.Tests;

/// <summary>
/// <c>Frozen(model)</c> in a [Loss] whose input depends on the same model's parameters (the
/// Idempotent Generative Network's loss, examples/IdempotentGenerative): the frozen call's own
/// parameters get no gradient, but its input passes the gradient on to the plain call that produced
/// it. Checked in float64 against torch.autograd (the frozen call as a parameter copy without
/// requires_grad, as the paper's f_copy) and against finite differences of a reference that reads a
/// fixed copy of the model for the frozen calls.
/// </summary>
public sealed class FrozenCopyInputTests
{
    private const string Source = """
        [Model]
        public partial class Map
        {
            [Param(2, 4)] public Tensor W1;
            [Param(4)] public Tensor B1;
            [Param(4, 2)] public Tensor W2;
            [Param(2)] public Tensor B2;

            public Tensor Forward([Shape("Batch", 2)] Tensor x) => MatMul(Tanh(MatMul(x, W1) + B1), W2) + B2;
        }

        [Experiment]
        public partial class Idempotent
        {
            public Map Net = new();
            public double LearningRate = 0.1;

            [Loss]
            public Tensor Loss([Shape("Batch", 2)] Tensor x, [Shape("Batch", 2)] Tensor z)
            {
                var fz = Net.Forward(z);
                var fzFixed = Frozen(Net).Forward(z);
                var idempotence = Mean(Abs(Frozen(Net).Forward(fz) - fz));
                var tightness = Mean(Abs(Net.Forward(fzFixed) - fzFixed), 1);
                var scale = 1.5 * Mean(Abs(fzFixed - z), 1);
                return 20 * Mean(Abs(Net.Forward(x) - x)) + 20 * idempotence - 2.5 * Mean(Tanh(tightness / scale) * scale);
            }
        }

        [Experiment]
        public partial class IdempotenceOnly
        {
            public Map Net = new();
            public double LearningRate = 0.1;

            [Loss]
            public Tensor Loss([Shape("Batch", 2)] Tensor z) => Mean(Abs(Frozen(Net).Forward(Net.Forward(z)) - Net.Forward(z)));
        }
        """;

    private const string Torch = """
        p = [P.clone().requires_grad_() for P in (W1, B1, W2, B2)]
        c = [P.clone() for P in (W1, B1, W2, B2)]
        def f(v, q): return torch.tanh(v @ q[0] + q[1]) @ q[2] + q[3]
        fz = f(z, p)
        fzf = f(z, c)
        idem = (f(fz, c) - fz).abs().mean()
        tight = (f(fzf, p) - fzf).abs().mean(1)
        scale = 1.5 * (fzf - z).abs().mean(1)
        loss = 20 * (f(x, p) - x).abs().mean() + 20 * idem - 2.5 * (torch.tanh(tight / scale) * scale).mean()
        result = [loss] + list(torch.autograd.grad(loss, p))
        """;

    private static readonly string[] Names = ["Net.W1", "Net.B1", "Net.W2", "Net.B2"];

    private static Type Compile(string type)
    {
        var run = GeneratorHarness.Run(Source);
        Assert.Empty(run.Diagnostics);
        Assert.True(run.CompilationErrors.Count == 0, string.Join("\n", run.CompilationErrors));
        return GeneratorHarness.Load(run.Output).GetType(type, throwOnError: true)!;
    }

    [Fact]
    public void TheGradientMatchesTorchAutogradWithAParameterCopy()
    {
        dynamic experiment = Activator.CreateInstance(Compile("Demo.Idempotent"))!;
        experiment.Initialize(21UL, DType.Float64);
        using var generator = new Generator(22);
        using var x = Tensor.Randn([6, 2], generator, DType.Float64);
        using var z = Tensor.Randn([6, 2], generator, DType.Float64);

        float loss = experiment.ComputeGradients(x, z);
        var parameters = ((IReadOnlyList<(string Name, Tensor Value)>)experiment.Parameters).ToDictionary(p => p.Name, p => p.Value);
        var gradients = ((IReadOnlyList<(string Name, Tensor Value)>)experiment.Gradients).ToDictionary(g => g.Name, g => g.Value.ToArray<double>());
        Assert.Equal(Names, gradients.Keys.ToArray());
        var inputs = new Dictionary<string, Tensor>
        {
            ["W1"] = parameters["Net.W1"], ["B1"] = parameters["Net.B1"], ["W2"] = parameters["Net.W2"], ["B2"] = parameters["Net.B2"], ["x"] = x, ["z"] = z,
        };
        var torch = TorchReference.Evaluate(Torch, inputs).Values;

        Assert.Equal(torch[0], loss, 4);
        var offset = 1;
        foreach (var name in Names)
        {
            var ours = gradients[name];
            for (var i = 0; i < ours.Length; i++)
            {
                var expected = torch[offset + i];
                Assert.True(Math.Abs(ours[i] - expected) <= 1e-10 * Math.Max(1, Math.Abs(expected)),
                    $"d loss / d {name}[{i}] is {ours[i]:R}, torch.autograd {expected:R}");
            }
            offset += ours.Length;
        }
    }

    [Fact]
    public void TheGradientMatchesFiniteDifferencesWithAFixedCopy()
    {
        var type = Compile("Demo.Idempotent");
        dynamic experiment = Activator.CreateInstance(type)!;
        dynamic copy = Activator.CreateInstance(type)!;
        experiment.Initialize(23UL, DType.Float64);
        copy.Initialize(23UL, DType.Float64);
        using var generator = new Generator(24);
        using var x = Tensor.Randn([5, 2], generator, DType.Float64);
        using var z = Tensor.Randn([5, 2], generator, DType.Float64);
        object net = experiment.Net;
        object frozen = copy.Net;
        var forward = net.GetType().GetMethod("Forward")!;
        Tensor F(object model, Tensor input) => (Tensor)forward.Invoke(model, [input])!;

        // The frozen calls read the copy, which finite differences never perturb.
        double Reference()
        {
            var fz = F(net, z);
            var fzFixed = F(frozen, z);
            var idempotence = Ops.Mean(Ops.Abs(F(frozen, fz) - fz));
            var tightness = Ops.Mean(Ops.Abs(F(net, fzFixed) - fzFixed), 1);
            var scale = 1.5 * Ops.Mean(Ops.Abs(fzFixed - z), 1);
            using var loss = 20 * Ops.Mean(Ops.Abs(F(net, x) - x)) + 20 * idempotence - 2.5 * Ops.Mean(Ops.Tanh(tightness / scale) * scale);
            return loss.Item();
        }

        GradientCheck.AgainstFiniteDifferences((object)experiment, [x, z], loss: Reference);
    }

    [Fact]
    public void OnlyTheInputOfTheFrozenCallCarriesAGradient()
    {
        // Mean |f'(f(z)) − f(z)|: were the frozen call's parameters trained too, or its input cut, the
        // gradient would differ from torch's with f' a detached copy.
        dynamic experiment = Activator.CreateInstance(Compile("Demo.IdempotenceOnly"))!;
        experiment.Initialize(25UL, DType.Float64);
        using var generator = new Generator(26);
        using var z = Tensor.Randn([7, 2], generator, DType.Float64);
        experiment.ComputeGradients(z);
        var parameters = ((IReadOnlyList<(string Name, Tensor Value)>)experiment.Parameters).ToDictionary(p => p.Name, p => p.Value);
        var gradients = ((IReadOnlyList<(string Name, Tensor Value)>)experiment.Gradients).ToDictionary(g => g.Name, g => g.Value.ToArray<double>());
        var inputs = new Dictionary<string, Tensor>
        {
            ["W1"] = parameters["Net.W1"], ["B1"] = parameters["Net.B1"], ["W2"] = parameters["Net.W2"], ["B2"] = parameters["Net.B2"], ["z"] = z,
        };
        const string script = """
            p = [P.clone().requires_grad_() for P in (W1, B1, W2, B2)]
            c = [P.clone() for P in (W1, B1, W2, B2)]
            def f(v, q): return torch.tanh(v @ q[0] + q[1]) @ q[2] + q[3]
            loss = (f(f(z, p), c) - f(z, p)).abs().mean()
            result = list(torch.autograd.grad(loss, p))
            """;
        var torch = TorchReference.Evaluate(script, inputs).Values;
        var ours = Names.SelectMany(n => gradients[n]).ToArray();
        Assert.Equal(torch.Length, ours.Length);
        Assert.Contains(ours, g => Math.Abs(g) > 1e-3);
        for (var i = 0; i < ours.Length; i++)
            Assert.True(Math.Abs(ours[i] - torch[i]) <= 1e-10 * Math.Max(1, Math.Abs(torch[i])), $"gradient {i}: {ours[i]:R}, torch.autograd {torch[i]:R}");
    }
}
