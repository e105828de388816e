using System.Globalization;
using Dsl.Testing;
using Xunit;

namespace Dsl.Runtime.Tests.Optimizers;

/// <summary>
/// Schedule-Free SGD and AdamW (Defazio et al., 2024, "The Road Less Scheduled", Algorithm 1 and its SGD
/// form) and AdamW with an EMA of the weights, against references written in PyTorch from the published
/// equations (the authors' package is not installed here): the same initial parameter, the same 100
/// gradients and the same learning-rate factors give the same y (the parameter), x (the average the model is
/// evaluated at) and z, in float64, to a relative difference under 1e-12.
/// </summary>
public sealed class RuleStateParityTests
{
    private const int Steps = 100;
    private static readonly long[] ParameterShape = [6, 4];

    // A schedule factor that changes mid-run: Schedule-Free's average weights each step by γ_t², so a
    // factor that changes γ_t changes c_{t+1} = γ²_t / Σγ²_i (a run with a constant factor would not see it).
    private const string Factor = "(1.0 if t <= 40 else 0.5 if t <= 70 else 0.25)";

    private static double FactorAt(long t) => t <= 40 ? 1.0 : t <= 70 ? 0.5 : 0.25;

    // Schedule-Free SGD: y = (1-β) z + β x; z ← z - γ_t (g + λ y); x ← (1-c) x + c z, c = γ_t² / Σγ_i²;
    // γ_t = γ · factor · min(1, t / warm-up).
    private const string ScheduleFreeSgdReference = """
        LR, BETA, WD, W = 0.1, 0.9, 0.01, 10.0
        y = p0.clone(); z = p0.clone(); x = p0.clone(); wsum = 0.0
        for k in range(grads.shape[0]):
            t = k + 1
            g = grads[k]
            lr = LR * {0} * (min(1.0, t / W) if W > 0 else 1.0)
            wsum += lr * lr
            c = lr * lr / wsum
            z = z - lr * (g + WD * y)
            x = (1 - c) * x + c * z
            y = (1 - BETA) * z + BETA * x
        result = [y, x, z]
        """;

    // Schedule-Free AdamW (Algorithm 1): v ← β₂ v + (1-β₂) g²; γ_t = γ · factor · √(1-β₂ᵗ) · min(1, t / warm-up);
    // z ← z - γ_t g / (√v + ε) - γ_t λ y; x ← (1-c) x + c z; y ← (1-β₁) z + β₁ x.
    private const string ScheduleFreeAdamWReference = """
        LR, B1, B2, EPS, WD, W = {1}
        y = p0.clone(); z = p0.clone(); x = p0.clone(); v = torch.zeros_like(p0); wsum = 0.0
        for k in range(grads.shape[0]):
            t = k + 1
            g = grads[k]
            lr = LR * {0} * math.sqrt(1 - B2 ** t) * (min(1.0, t / W) if W > 0 else 1.0)
            wsum += lr * lr
            c = lr * lr / wsum
            v = B2 * v + (1 - B2) * g * g
            z = z - lr * g / (v.sqrt() + EPS) - lr * WD * y
            x = (1 - c) * x + c * z
            y = (1 - B1) * z + B1 * x
        result = [y, x, z]
        """;

    // torch.optim.AdamW for the weights (its lr scaled by the factor each step), and the EMA of the weights
    // from the initial ones: average ← d · average + (1-d) · p after each step.
    private const string AdamWEmaReference = """
        p = p0.clone().requires_grad_(True)
        opt = torch.optim.AdamW([p], lr=0.01, betas=(0.9, 0.99), eps=1e-8, weight_decay=0.05)
        average = p0.clone()
        for k in range(grads.shape[0]):
            t = k + 1
            opt.param_groups[0]['lr'] = 0.01 * {0}
            p.grad = grads[k].clone()
            opt.step()
            average = 0.9 * average + (1 - 0.9) * p.detach()
        result = [p.detach(), average]
        """;

    public static TheoryData<string> Cases => new(Configurations.Keys);

    private static readonly Dictionary<string, (Func<IUpdateRule> Rule, string Reference, string[] States)> Configurations = new()
    {
        ["ScheduleFreeSgd"] = (() => new ScheduleFreeSgd { LearningRate = 0.1, Beta = 0.9, WeightDecay = 0.01, WarmupSteps = 10 },
            ScheduleFreeSgdReference, ["x", "z"]),
        ["ScheduleFreeAdamW"] = (() => new ScheduleFreeAdamW { LearningRate = 0.01, Beta1 = 0.9, Beta2 = 0.99, Epsilon = 1e-8, WeightDecay = 0.05, WarmupSteps = 20 },
            ScheduleFreeAdamWReference.Replace("{1}", "0.01, 0.9, 0.99, 1e-8, 0.05, 20.0", StringComparison.Ordinal), ["x", "z"]),
        ["ScheduleFreeAdamW without warm-up"] = (() => new ScheduleFreeAdamW { LearningRate = 0.005, Beta1 = 0.95, Beta2 = 0.999, WeightDecay = 0 },
            ScheduleFreeAdamWReference.Replace("{1}", "0.005, 0.95, 0.999, 1e-8, 0.0, 0.0", StringComparison.Ordinal), ["x", "z"]),
        ["AdamWEma"] = (() => new AdamWEma { LearningRate = 0.01, Beta1 = 0.9, Beta2 = 0.99, Epsilon = 1e-8, WeightDecay = 0.05, Decay = 0.9 },
            AdamWEmaReference, ["average"]),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesThePublishedEquationsOver100StepsInFloat64(string name)
    {
        var (makeRule, reference, states) = Configurations[name];
        var (initial, gradients) = Inputs(seed: (ulong)name.Length * 104729);
        using var p0 = Tensor.FromArray(initial, ParameterShape);
        using var grads = Tensor.FromArray(gradients.SelectMany(g => g).ToArray(), [Steps, .. ParameterShape]);
        var expected = TorchReference.Evaluate(reference.Replace("{0}", Factor, StringComparison.Ordinal),
            new Dictionary<string, Tensor> { ["p0"] = p0, ["grads"] = grads }).Values;

        var rule = makeRule();
        using var parameter = p0.Clone();
        using var state = rule.CreateState(parameter);
        for (var step = 1; step <= Steps; step++)
        {
            using var gradient = Tensor.FromArray(gradients[step - 1], ParameterShape);
            rule.Update(state, parameter, gradient, step, FactorAt(step));
        }

        var count = initial.Length;
        var actual = new List<(string What, double[] Values)> { ("the parameter", parameter.ToArray<double>()) };
        actual.AddRange(states.Select(s => ("state " + s, state[state.IndexOf(s)].ToArray<double>())));
        Assert.Equal(expected.Length, actual.Count * count);
        for (var part = 0; part < actual.Count; part++)
        {
            var (what, values) = actual[part];
            var (difference, scale) = (0.0, 0.0);
            for (var i = 0; i < count; i++)
            {
                var want = expected[part * count + i];
                difference = Math.Max(difference, Math.Abs(values[i] - want));
                scale = Math.Max(scale, Math.Abs(want));
            }
            Assert.True(difference <= 1e-12 * scale,
                $"{name}, {what}: after {Steps} steps max |ours - reference| = {difference:G3}, relative {difference / scale:G3} (limit 1e-12)");
            Assert.True(values.Zip(initial).Max(pair => Math.Abs(pair.First - pair.Second)) > 1e-3, $"{name}: {what} did not move");
        }
    }

    [Fact]
    public void StateFromTheParameterStartsAsItsCopyAndNumberStatesAtZero()
    {
        using var parameter = Tensor.FromArray(new[] { 1.5f, -2f, 3f }, 3);
        var rule = new ScheduleFreeAdamW();
        using var state = rule.CreateState(parameter);
        Assert.Equal(["z", "x", "v"], state.Names);
        Assert.Equal(["weightSum"], state.NumberNames);
        Assert.Equal(new[] { 1.5f, -2f, 3f }, state[state.IndexOf("z")].ToArray<float>());
        Assert.Equal(new[] { 1.5f, -2f, 3f }, state[state.IndexOf("x")].ToArray<float>());
        Assert.Equal(new[] { 0f, 0f, 0f }, state[state.IndexOf("v")].ToArray<float>());
        Assert.Equal(0d, state.GetNumber(0));
        // A copy, not the parameter itself: training moves the parameter, not the state's start.
        parameter.CopyFrom<float>([9f, 9f, 9f]);
        Assert.Equal(new[] { 1.5f, -2f, 3f }, state[state.IndexOf("x")].ToArray<float>());
        // Checkpoints see the number state as a Float64 scalar after the tensors.
        var named = state.Named().ToList();
        Assert.Equal(["z", "x", "v", "weightSum"], named.Select(n => n.Name));
        Assert.Equal(DType.Float64, named[3].Value.DType);
        Assert.Equal(0, named[3].Value.Rank);
    }

    [Fact]
    public void TheNumberStateSumsTheSquaredLearningRates()
    {
        // Schedule-Free SGD with warm-up 4: γ_t = 0.2 · min(1, t/4); after 6 steps Σγ² = 0.04 · (1/16 + 4/16 + 9/16 + 1 + 1 + 1).
        using var parameter = Tensor.FromArray(new[] { 1.0, 2.0 }, 2);
        using var gradient = Tensor.FromArray(new[] { 0.5, -0.5 }, 2);
        var rule = new ScheduleFreeSgd { LearningRate = 0.2, WarmupSteps = 4 };
        using var state = rule.CreateState(parameter);
        for (var step = 1; step <= 6; step++) rule.Update(state, parameter, gradient, step);
        Assert.Equal(0.04 * (1.0 / 16 + 4.0 / 16 + 9.0 / 16 + 3), state.GetNumber(0), 15);
    }

    [Theory]
    [InlineData(nameof(ScheduleFreeSgd))]
    [InlineData(nameof(ScheduleFreeAdamW))]
    public void AScheduleThatStartsAtZeroLeavesTheAverageAtItsStartInsteadOfNaN(string name)
    {
        // The learning-rate factor is 0 on the first steps (a warm-up schedule from 0): Σγ² is still 0, so
        // c = γ²/Σγ² would be 0/0; the rule takes c = 0 then (a condition on a number state), and x stays at
        // its start until a step has weight. Afterwards the first weighted step gives c = 1 (x jumps to z).
        using var parameter = Tensor.FromArray(new[] { 1.0, 2.0, -3.0 }, 3);
        using var gradient = Tensor.FromArray(new[] { 0.5, -0.5, 0.25 }, 3);
        IUpdateRule rule = name == nameof(ScheduleFreeSgd) ? new ScheduleFreeSgd { LearningRate = 0.1 } : new ScheduleFreeAdamW { LearningRate = 0.1 };
        using var state = rule.CreateState(parameter);
        for (var step = 1; step <= 3; step++) rule.Update(state, parameter, gradient, step, learningRateFactor: 0);
        Assert.Equal([1.0, 2.0, -3.0], state[1].ToArray<double>());      // x
        Assert.Equal([1.0, 2.0, -3.0], parameter.ToArray<double>());
        rule.Update(state, parameter, gradient, 4, learningRateFactor: 1);
        Assert.All(parameter.ToArray<double>(), v => Assert.True(double.IsFinite(v)));
        Assert.Equal(state[0].ToArray<double>(), state[1].ToArray<double>());   // c = 1: x = z
        Assert.NotEqual([1.0, 2.0, -3.0], state[1].ToArray<double>());
    }

    [Fact]
    public void Float32ParametersFollowTheFloat64Result()
    {
        var (initial, gradients) = Inputs(seed: 5);
        var rule = new ScheduleFreeAdamW { LearningRate = 0.01, WarmupSteps = 5 };
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
        TensorAssert.Close(reference.ToArray<double>(), single.ToArray<float>().Select(v => (double)v).ToArray(), rtol: 1e-5, atol: 1e-6);
        TensorAssert.Close(referenceState[1].ToArray<double>(), singleState[1].ToArray<float>().Select(v => (double)v).ToArray(), rtol: 1e-5, atol: 1e-6);
    }

    [Fact]
    public void RulesNameTheStateTheyAreEvaluatedAt()
    {
        Assert.Equal("x", ((IUpdateRule)new ScheduleFreeSgd()).EvaluationState);
        Assert.Equal("x", ((IUpdateRule)new ScheduleFreeAdamW()).EvaluationState);
        Assert.Equal("average", ((IUpdateRule)new AdamWEma()).EvaluationState);
        Assert.Null(((IUpdateRule)new AdamW()).EvaluationState);
    }

    private static (double[] Initial, double[][] Gradients) Inputs(ulong seed)
    {
        var random = new Random((int)(seed % int.MaxValue));
        var count = (int)(ParameterShape[0] * ParameterShape[1]);
        var initial = Enumerable.Range(0, count).Select(_ => random.NextDouble() * 2 - 1).ToArray();
        var gradients = Enumerable.Range(0, Steps).Select(k => Enumerable.Range(0, count)
            .Select(i => (random.NextDouble() * 2 - 1) * (i % 5 == 0 ? 1e-3 : 1.0) * (1 + 0.01 * k)).ToArray()).ToArray();
        return (initial, gradients);
    }
}
