using System.Globalization;
using Dsl.Testing;
using Xunit;
using Xunit.Abstractions;

namespace Dsl.Runtime.Tests.Optimizers;

/// <summary>
/// The float32 loop of the generated rules computes in float32 lanes, with the per-step numbers (bias
/// corrections, 1 - β) computed in double and rounded once, as torch.optim's float32 kernels do. Against
/// torch.optim (Adam, AdamW) and the paper's Lion written in torch, all in float32, over 20 steps: the
/// parameters agree to a few float32 roundings, well inside the gap between torch's own float32 and
/// float64 results. The shape (13x11 = 143 elements) gives both the vector loop and the scalar tail work.
/// </summary>
public sealed class Float32ParityTests(ITestOutputHelper output)
{
    private const int Steps = 20;
    private static readonly long[] ParameterShape = [13, 11];

    public static TheoryData<string> Cases => new(Configurations.Keys);

    private static readonly Dictionary<string, (Func<IUpdateRule> Rule, string Torch)> Configurations = new()
    {
        ["Adam"] = (() => new Adam { LearningRate = 0.01 }, "opt = torch.optim.Adam([p], lr=0.01)"),
        ["Adam with weight decay"] = (() => new Adam { LearningRate = 0.02, Beta1 = 0.8, Beta2 = 0.99, Epsilon = 1e-6, WeightDecay = 0.01 },
            "opt = torch.optim.Adam([p], lr=0.02, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.01)"),
        ["AdamW"] = (() => new AdamW { LearningRate = 0.01, WeightDecay = 0.05 }, "opt = torch.optim.AdamW([p], lr=0.01, weight_decay=0.05)"),
        ["Lion"] = (() => new Lion { LearningRate = 0.001, Beta1 = 0.9, Beta2 = 0.99, WeightDecay = 0.1 }, ""),
    };

    // The torch side: OptimizerParityTests' loop and Lion reference (Chen et al. 2023, Algorithm 2),
    // run in the parameter's dtype (the float32 tensors passed in).
    private const string LionReference = OptimizerParityTests.LionReference;
    private const string TorchLoop = OptimizerParityTests.TorchLoop;

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesTorchInFloat32Over20Steps(string name)
    {
        var (makeRule, torch) = Configurations[name];
        var (initial, gradients) = Inputs(seed: 17 + name.Length);
        using var p0 = Tensor.FromArray(initial, ParameterShape);
        using var grads = Tensor.FromArray(gradients.SelectMany(g => g).ToArray(), [Steps, .. ParameterShape]);
        var script = torch.Length == 0 ? LionReference : string.Format(CultureInfo.InvariantCulture, TorchLoop, torch);
        // The same update by torch in float64 (from the same float32 inputs): how far float32 rounding alone moves the result.
        var inFloat64 = script.Replace("p0.clone()", "p0.double().clone()", StringComparison.Ordinal).Replace("grads[k]", "grads[k].double()", StringComparison.Ordinal);
        var results = TorchReference.Evaluate([(script, Inputs(p0, grads)), (inFloat64, Inputs(p0, grads))]);
        var (expected, expected64) = (results[0].Values, results[1].Values);

        var rule = makeRule();
        using var parameter = p0.Clone();
        using var state = rule.CreateState(parameter);
        for (var step = 1; step <= Steps; step++)
        {
            using var gradient = Tensor.FromArray(gradients[step - 1], ParameterShape);
            rule.Update(state, parameter, gradient, step);
        }
        Assert.Equal(DType.Float32, parameter.DType);
        var actual = parameter.ToArray<float>();

        var scale = expected.Max(Math.Abs);
        var ours = Enumerable.Range(0, actual.Length).Max(i => Math.Abs(actual[i] - expected[i])) / scale;
        var rounding = Enumerable.Range(0, actual.Length).Max(i => Math.Abs(expected64[i] - expected[i])) / scale;
        output.WriteLine($"{name}: max |ours - torch float32| / max |p| = {ours:G3}; torch float32 vs float64: {rounding:G3}");
        // A few float32 roundings of the largest element (2^-24 ≈ 6e-8 each), and below float32's own drift from float64.
        Assert.True(ours <= 5e-7, $"{name}: relative difference {ours:G3} to torch in float32 (limit 5e-7; float32 vs float64 {rounding:G3})");
        Assert.True(ours <= rounding, $"{name}: relative difference {ours:G3} to torch in float32 exceeds torch's float32 drift from float64 ({rounding:G3})");
        Assert.True(actual.Zip(initial).Max(pair => Math.Abs(pair.First - pair.Second)) > 1e-3, $"{name} did not move the parameter");
    }

    private static Dictionary<string, Tensor> Inputs(Tensor p0, Tensor grads) => new() { ["p0"] = p0, ["grads"] = grads };

    private static (float[] Initial, float[][] Gradients) Inputs(int seed)
    {
        var random = new Random(seed);
        var count = (int)(ParameterShape[0] * ParameterShape[1]);
        var initial = Enumerable.Range(0, count).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        // Some elements near zero (Lion's sign, Adam's small second moments), of both signs.
        var gradients = Enumerable.Range(0, Steps).Select(k => Enumerable.Range(0, count)
            .Select(i => (float)((random.NextDouble() * 2 - 1) * (i % 5 == 0 ? 1e-3 : 1.0) * (1 + 0.01 * k))).ToArray()).ToArray();
        return (initial, gradients);
    }
}
