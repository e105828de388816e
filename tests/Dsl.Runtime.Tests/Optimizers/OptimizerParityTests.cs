using System.Globalization;
using Dsl.Testing;
using Xunit;
using static Dsl.Ops;

namespace Dsl.Runtime.Tests.Optimizers;

/// <summary>
/// The update rules the runtime ships (written in the DSL, compiled by the generator) against
/// torch.optim of Debian's PyTorch: the same initial parameter and the same 100 gradients give the
/// same parameter, in float64, to a relative difference under 1e-12 (the same math, rounding aside).
/// Lion is not in torch.optim; its reference is the paper's update written in torch below.
/// </summary>
public sealed class OptimizerParityTests
{
    private const int Steps = 100;
    private static readonly long[] ParameterShape = [7, 5];

    public static TheoryData<string> Cases => new(Configurations.Keys);

    private static readonly Dictionary<string, (Func<IUpdateRule> Rule, string Torch)> Configurations = new()
    {
        ["Sgd"] = (() => new Sgd { LearningRate = 0.05, WeightDecay = 0.01 },
            "opt = torch.optim.SGD([p], lr=0.05, weight_decay=0.01)"),
        ["Momentum"] = (() => new Momentum { LearningRate = 0.05, Beta = 0.9, WeightDecay = 0.01 },
            "opt = torch.optim.SGD([p], lr=0.05, momentum=0.9, weight_decay=0.01)"),
        ["Nesterov"] = (() => new Nesterov { LearningRate = 0.05, Beta = 0.8 },
            "opt = torch.optim.SGD([p], lr=0.05, momentum=0.8, nesterov=True)"),
        ["Adam"] = (() => new Adam { LearningRate = 0.01 },
            "opt = torch.optim.Adam([p], lr=0.01)"),
        ["Adam with weight decay"] = (() => new Adam { LearningRate = 0.02, Beta1 = 0.8, Beta2 = 0.99, Epsilon = 1e-6, WeightDecay = 0.01 },
            "opt = torch.optim.Adam([p], lr=0.02, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.01)"),
        ["AdamW"] = (() => new AdamW { LearningRate = 0.01, WeightDecay = 0.05 },
            "opt = torch.optim.AdamW([p], lr=0.01, weight_decay=0.05)"),
        ["RMSProp"] = (() => new RMSProp { LearningRate = 0.01, Alpha = 0.9 },
            "opt = torch.optim.RMSprop([p], lr=0.01, alpha=0.9)"),
        ["RMSProp with momentum"] = (() => new RMSProp { LearningRate = 0.005, Alpha = 0.95, Epsilon = 1e-6, Momentum = 0.5, WeightDecay = 0.01 },
            "opt = torch.optim.RMSprop([p], lr=0.005, alpha=0.95, eps=1e-6, momentum=0.5, weight_decay=0.01)"),
        ["Adagrad"] = (() => new Adagrad { LearningRate = 0.1, LearningRateDecay = 0.01, WeightDecay = 0.01 },
            "opt = torch.optim.Adagrad([p], lr=0.1, lr_decay=0.01, weight_decay=0.01)"),
        ["Lion"] = (() => new Lion { LearningRate = 0.001, Beta1 = 0.9, Beta2 = 0.99, WeightDecay = 0.1 }, ""),
    };

    // Lion (Chen et al. 2023, Algorithm 2): c = b1 m + (1 - b1) g; p -= lr (sign(c) + wd p); m = b2 m + (1 - b2) g.
    internal const string LionReference = """
        p = p0.clone()
        m = torch.zeros_like(p)
        for k in range(grads.shape[0]):
            g = grads[k]
            c = 0.9 * m + (1 - 0.9) * g
            p = p - 0.001 * (torch.sign(c) + 0.1 * p)
            m = 0.99 * m + (1 - 0.99) * g
        result = p
        """;

    internal const string TorchLoop = """
        p = p0.clone().requires_grad_(True)
        {0}
        for k in range(grads.shape[0]):
            p.grad = grads[k].clone()
            opt.step()
        result = p.detach()
        """;

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesTorchOptimOver100StepsInFloat64(string name)
    {
        var (makeRule, torch) = Configurations[name];
        var (initial, gradients) = Inputs(seed: (ulong)name.Length * 7919);
        using var p0 = Tensor.FromArray(initial, ParameterShape);
        using var grads = Tensor.FromArray(gradients.SelectMany(g => g).ToArray(), [Steps, .. ParameterShape]);

        var expression = torch.Length == 0 ? LionReference : string.Format(CultureInfo.InvariantCulture, TorchLoop, torch);
        var expected = TorchReference.Evaluate(expression, new Dictionary<string, Tensor> { ["p0"] = p0, ["grads"] = grads });

        var rule = makeRule();
        using var parameter = p0.Clone();
        using var state = rule.CreateState(parameter);
        for (var step = 1; step <= Steps; step++)
        {
            using var gradient = Tensor.FromArray(gradients[step - 1], ParameterShape);
            rule.Update(state, parameter, gradient, step);
        }

        var actual = parameter.ToArray<double>();
        var (difference, scale) = (0.0, 0.0);
        for (var i = 0; i < actual.Length; i++)
        {
            difference = Math.Max(difference, Math.Abs(actual[i] - expected.Values[i]));
            scale = Math.Max(scale, Math.Abs(expected.Values[i]));
        }
        Assert.True(difference <= 1e-12 * scale,
            $"{name}: after {Steps} steps max |ours - torch| = {difference:G3}, relative {difference / scale:G3} (limit 1e-12)");
        // The parameter moved: a rule that did nothing would also "match" a reference that did nothing.
        Assert.True(actual.Zip(initial).Max(pair => Math.Abs(pair.First - pair.Second)) > 1e-3, $"{name} did not move the parameter");
    }

    [Fact]
    public void Float32ParametersFollowTheFloat64Result()
    {
        var (initial, gradients) = Inputs(seed: 11);
        var rule = new Adam { LearningRate = 0.01 };
        using var single = Tensor.FromArray(initial.Select(v => (float)v).ToArray(), ParameterShape);
        using var reference = Tensor.FromArray(single.ToArray<float>().Select(v => (double)v).ToArray(), ParameterShape);
        using var singleState = rule.CreateState(single);
        using var referenceState = rule.CreateState(reference);
        for (var step = 1; step <= Steps; step++)
        {
            using var g32 = Tensor.FromArray(gradients[step - 1].Select(v => (float)v).ToArray(), ParameterShape);
            using var g64 = Tensor.FromArray(g32.ToArray<float>().Select(v => (double)v).ToArray(), ParameterShape);
            rule.Update(singleState, single, g32, step);
            rule.Update(referenceState, reference, g64, step);
        }
        Assert.Equal(DType.Float32, singleState[0].DType);
        TensorAssert.Close(reference.ToArray<double>(), single.ToArray<float>().Select(v => (double)v).ToArray(), rtol: 1e-5, atol: 1e-6);
    }

    [Fact]
    public void ScheduleFactorScalesTheLearningRate()
    {
        // Plain SGD: p1 = p0 - lr·factor·g, so a factor of 0.5 halves the step.
        using var p = Tensor.FromArray(new[] { 1.0, 2.0 }, 2);
        using var g = Tensor.FromArray(new[] { 0.5, -1.0 }, 2);
        var rule = new Sgd { LearningRate = 0.1 };
        using var state = rule.CreateState(p);
        rule.Update(state, p, g, step: 1, learningRateFactor: 0.5);
        Assert.Equal(new[] { 1.0 - 0.05 * 0.5, 2.0 + 0.05 }, p.ToArray<double>());
    }

    [Fact]
    public void MismatchedStateOrGradientIsAClearError()
    {
        var adam = new Adam();
        using var p = Tensor.Zeros([3, 2], DType.Float64);
        using var wrongShape = Tensor.Zeros([2, 3], DType.Float64);
        using var wrongType = Tensor.Zeros([3, 2], DType.Float32);
        using var state = adam.CreateState(p);
        var shape = Assert.Throws<ArgumentException>(() => adam.Update(state, p, wrongShape, 1));
        Assert.Contains("[2, 3]", shape.Message);
        Assert.Contains("[3, 2]", shape.Message);
        var dtype = Assert.Throws<ArgumentException>(() => adam.Update(state, p, wrongType, 1));
        Assert.Contains("Float32", dtype.Message);
        var other = Assert.Throws<ArgumentException>(() => new Lion().Update(state, p, p, 1));
        Assert.Contains("another update rule (Adam: m, v)", other.Message);
        // Another Adam (new hyperparameters) may carry on with the state.
        new Adam { LearningRate = 0.5 }.Update(state, p, p, 1);
        using var integers = Tensor.Zeros([3], DType.Int64);
        using var integerState = adam.CreateState(integers);
        Assert.Contains("Float32 or Float64", Assert.Throws<ArgumentException>(() => adam.Update(integerState, integers, integers, 1)).Message);
    }

    [Fact]
    public void EveryBuiltInRuleNamesItsState()
    {
        IUpdateRule[] rules = [new Sgd(), new Momentum(), new Nesterov(), new Adam(), new AdamW(), new RMSProp(), new Adagrad(), new Lion()];
        Assert.Equal(["Sgd", "Momentum", "Nesterov", "Adam", "AdamW", "RMSProp", "Adagrad", "Lion"], rules.Select(r => r.Name));
        Assert.Equal(["m", "v"], new Adam().As<IUpdateRule>().StateNames);
        Assert.Empty(new Sgd().As<IUpdateRule>().StateNames);
    }

    private static (double[] Initial, double[][] Gradients) Inputs(ulong seed)
    {
        var random = new Random((int)(seed % int.MaxValue));
        var count = (int)(ParameterShape[0] * ParameterShape[1]);
        var initial = Enumerable.Range(0, count).Select(_ => random.NextDouble() * 2 - 1).ToArray();
        // Gradients of varied size, some elements of both signs near zero (Lion's sign, RMSProp's small averages).
        var gradients = Enumerable.Range(0, Steps).Select(k => Enumerable.Range(0, count)
            .Select(i => (random.NextDouble() * 2 - 1) * (i % 5 == 0 ? 1e-3 : 1.0) * (1 + 0.01 * k)).ToArray()).ToArray();
        return (initial, gradients);
    }
}

internal static class RuleExtensions
{
    public static T As<T>(this T value) => value;
}

/// <summary>A rule with an op that has no SIMD form (Tanh): the whole loop runs scalar, and gives the body's values.</summary>
[UpdateRule]
public sealed partial class SoftSignStep
{
    public double LearningRate = 0.5;
    [State] Tensor total = null!;

    [Update]
    void Update(Tensor param, Tensor grad, long step)
    {
        total = total + Abs(grad);
        param -= LearningRate * Tanh(grad) / Sqrt(total + 1);
    }
}

public sealed class ScalarRuleTests
{
    [Fact]
    public void ARuleWithoutAVectorFormMatchesItsEagerBody()
    {
        var values = Enumerable.Range(0, 13).Select(i => Math.Sin(i) * 2).ToArray();
        var gradients = Enumerable.Range(0, 13).Select(i => Math.Cos(3 * i)).ToArray();
        using var parameter = Tensor.FromArray(values, 13);
        using var gradient = Tensor.FromArray(gradients, 13);
        var rule = new SoftSignStep();
        using var state = rule.CreateState(parameter);
        rule.Update(state, parameter, gradient, 1);
        rule.Update(state, parameter, gradient, 2);
        var expected = values.Select((p, i) =>
        {
            var g = gradients[i];
            var once = p - 0.5 * Math.Tanh(g) / Math.Sqrt(Math.Abs(g) + 1);
            return once - 0.5 * Math.Tanh(g) / Math.Sqrt(2 * Math.Abs(g) + 1);
        }).ToArray();
        Assert.Equal(expected, parameter.ToArray<double>());
        Assert.Equal(gradients.Select(g => 2 * Math.Abs(g)), state[0].ToArray<double>());
    }
}
