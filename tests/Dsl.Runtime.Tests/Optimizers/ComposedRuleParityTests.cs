using Dsl.Testing;
using Xunit;

namespace Dsl.Runtime.Tests.Optimizers;

/// <summary>
/// GrokfastEma (Lee et al., 2024), a rule that wraps another, against the paper's recipe written in PyTorch:
/// h ← α h + (1 - α) g (h starts at the first gradient), the gradient replaced by g + λ h, then
/// torch.optim's step. Over 100 float64 steps with a schedule factor that changes mid-run (it must reach the
/// inner rule's learning rate), the parameter and the filter's state agree to a relative 1e-12.
/// </summary>
public sealed class ComposedRuleParityTests
{
    private const int Steps = 100;
    private static readonly long[] ParameterShape = [5, 3];

    private const string Factor = "(1.0 if t <= 40 else 0.5 if t <= 70 else 0.25)";

    private static double FactorAt(long t) => t <= 40 ? 1.0 : t <= 70 ? 0.5 : 0.25;

    // Grokfast-EMA as the paper states it, for one parameter, before each optimizer step.
    private const string Reference = """
        ALPHA, LAMB = 0.9, 2.0
        p = p0.clone().requires_grad_(True)
        opt = {1}
        h = None
        for k in range(grads.shape[0]):
            t = k + 1
            opt.param_groups[0]['lr'] = LR * {0}
            g = grads[k].clone()
            if h is None:
                h = g.clone()
            h = h * ALPHA + g * (1 - ALPHA)
            p.grad = g + h * LAMB
            opt.step()
        result = [p.detach(), h]
        """;

    public static TheoryData<string> Cases => new(Configurations.Keys);

    private static readonly Dictionary<string, (Func<IUpdateRule> Inner, string Optimizer)> Configurations = new()
    {
        ["AdamW"] = (() => new AdamW { LearningRate = 0.01, Beta1 = 0.9, Beta2 = 0.99, Epsilon = 1e-8, WeightDecay = 0.05 },
            "LR = 0.01; torch.optim.AdamW([p], lr=LR, betas=(0.9, 0.99), eps=1e-8, weight_decay=0.05)"),
        ["Momentum"] = (() => new Momentum { LearningRate = 0.05, Beta = 0.8, WeightDecay = 0.01 },
            "LR = 0.05; torch.optim.SGD([p], lr=LR, momentum=0.8, weight_decay=0.01)"),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void GrokfastAroundATorchOptimizerMatchesOver100StepsInFloat64(string name)
    {
        var (inner, optimizer) = Configurations[name];
        var (initial, gradients) = Inputs(seed: (ulong)name.Length * 7919);
        using var p0 = Tensor.FromArray(initial, ParameterShape);
        using var grads = Tensor.FromArray(gradients.SelectMany(g => g).ToArray(), [Steps, .. ParameterShape]);
        // "LR = ...; torch.optim..." becomes two statements: LR, then opt = the optimizer.
        var parts = optimizer.Split("; ", 2);
        var script = parts[0] + "\n" + Reference.Replace("{1}", parts[1], StringComparison.Ordinal).Replace("{0}", Factor, StringComparison.Ordinal);
        var expected = TorchReference.Evaluate(script, new Dictionary<string, Tensor> { ["p0"] = p0, ["grads"] = grads }).Values;

        var rule = new GrokfastEma { Alpha = 0.9, Lambda = 2.0, Inner = inner() };
        using var parameter = p0.Clone();
        using var state = rule.CreateState(parameter);
        for (var step = 1; step <= Steps; step++)
        {
            using var gradient = Tensor.FromArray(gradients[step - 1], ParameterShape);
            rule.Update(state, parameter, gradient, step, FactorAt(step));
        }

        var count = initial.Length;
        var actual = new[] { ("the parameter", parameter.ToArray<double>()), ("state h", state[state.IndexOf("h")].ToArray<double>()) };
        Assert.Equal(expected.Length, actual.Length * count);
        for (var part = 0; part < actual.Length; part++)
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
                $"Grokfast around {name}, {what}: after {Steps} steps max |ours - reference| = {difference:G3}, relative {difference / scale:G3} (limit 1e-12)");
        }
        Assert.True(parameter.ToArray<double>().Zip(initial).Max(pair => Math.Abs(pair.First - pair.Second)) > 1e-2, "the parameter did not move");
    }

    [Fact]
    public void TheFilterChangesTheStepItsInnerRuleTakes()
    {
        // λ = 0 hands the gradient on unchanged: the same parameters as the inner rule alone (bit for bit);
        // λ = 2 does not. A test that would pass with the filter ignored fails here.
        var (initial, gradients) = Inputs(seed: 11);
        double[] Run(IUpdateRule rule)
        {
            using var parameter = Tensor.FromArray(initial, ParameterShape);
            using var state = rule.CreateState(parameter);
            for (var step = 1; step <= 20; step++)
            {
                using var gradient = Tensor.FromArray(gradients[step - 1], ParameterShape);
                rule.Update(state, parameter, gradient, step);
            }
            return parameter.ToArray<double>();
        }
        var alone = Run(new AdamW { LearningRate = 0.01 });
        Assert.Equal(alone, Run(new GrokfastEma { Lambda = 0, Inner = new AdamW { LearningRate = 0.01 } }));
        Assert.NotEqual(alone, Run(new GrokfastEma { Lambda = 2, Inner = new AdamW { LearningRate = 0.01 } }));
    }

    [Fact]
    public void TheStateHoldsTheInnerRulesStateUnderTheFieldsName()
    {
        using var parameter = Tensor.FromArray(new[] { 1f, 2f, 3f }, 3);
        var rule = new GrokfastEma { Inner = new ScheduleFreeAdamW() };
        using var state = rule.CreateState(parameter);
        Assert.Equal(["h", "Inner.z", "Inner.x", "Inner.v"], state.Names);
        Assert.Equal(["Inner.weightSum"], state.NumberNames);
        Assert.Equal(["h", "Inner.z", "Inner.x", "Inner.v", "Inner.weightSum"], state.Named().Select(n => n.Name));
        // The inner rule's tensors are reachable by index and name (checkpoints and evaluation scopes use them).
        Assert.Same(state.Inner![state.Inner.IndexOf("x")], state[state.IndexOf("Inner.x")]);
        Assert.Equal(new[] { 1f, 2f, 3f }, state[state.IndexOf("Inner.x")].ToArray<float>());
        // The wrapping rule is evaluated where its inner rule is.
        Assert.Equal("Inner.x", ((IUpdateRule)rule).EvaluationState);
        Assert.Null(((IUpdateRule)new GrokfastEma()).EvaluationState);
    }

    [Fact]
    public void ANullInnerRuleIsAnErrorThatNamesTheField()
    {
        using var parameter = Tensor.FromArray(new[] { 1.0, 2.0 }, 2);
        var rule = new GrokfastEma { Inner = null! };
        var error = Assert.Throws<InvalidOperationException>(() => rule.CreateState(parameter));
        Assert.Equal("GrokfastEma: its inner rule 'Inner' is null; expected the update rule it wraps (for example Inner = new AdamW { LearningRate = 1e-3 }).", error.Message);
    }

    [Fact]
    public void AnInnerRuleOfAnotherKindIsRefusedBeforeAnythingChanges()
    {
        using var parameter = Tensor.FromArray(new[] { 1.0, 2.0 }, 2);
        using var gradient = Tensor.FromArray(new[] { 0.5, -0.5 }, 2);
        var rule = new GrokfastEma { Inner = new AdamW() };
        using var state = rule.CreateState(parameter);
        rule.Update(state, parameter, gradient, 1);
        var h = state[0].ToArray<double>();
        var values = parameter.ToArray<double>();
        rule.Inner = new Sgd();
        var error = Assert.Throws<ArgumentException>(() => rule.Update(state, parameter, gradient, 2));
        Assert.StartsWith("GrokfastEma: its inner rule 'Inner' is now Sgd, but its state was made for AdamW (m, v)", error.Message, StringComparison.Ordinal);
        Assert.Equal(values, parameter.ToArray<double>());
        Assert.Equal(h, state[0].ToArray<double>());
        // Another instance of the same kind carries on with the state (a hyperparameter changed).
        rule.Inner = new AdamW { LearningRate = 0.5 };
        rule.Update(state, parameter, gradient, 2);
        Assert.NotEqual(values, parameter.ToArray<double>());
    }

    private static (double[] Initial, double[][] Gradients) Inputs(ulong seed)
    {
        var random = new Random((int)(seed % int.MaxValue));
        var count = (int)(ParameterShape[0] * ParameterShape[1]);
        var initial = Enumerable.Range(0, count).Select(_ => random.NextDouble() * 2 - 1).ToArray();
        // A slow drift under fast noise: the filter amplifies the drift.
        var drift = Enumerable.Range(0, count).Select(_ => random.NextDouble() - 0.5).ToArray();
        var gradients = Enumerable.Range(0, Steps).Select(k => Enumerable.Range(0, count)
            .Select(i => 0.3 * drift[i] + (random.NextDouble() * 2 - 1)).ToArray()).ToArray();
        return (initial, gradients);
    }
}
