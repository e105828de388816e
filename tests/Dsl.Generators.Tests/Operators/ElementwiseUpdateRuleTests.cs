using Dsl.Generators.Tests.Infrastructure;

namespace Dsl.Generators.Tests.Operators;

/// <summary>
/// Maximum, Minimum, Clamp and Pow inside an [Update] body, which compiles to a fused elementwise
/// loop (vectorized where every function has a vector form): one update checked element by element
/// against the same arithmetic written here in plain C#. 37 elements, so both the vector blocks and
/// the scalar tail run.
/// </summary>
public sealed class ElementwiseUpdateRuleTests
{
    private const int Count = 37;

    private static IUpdateRule Rule(string source, string name)
    {
        var run = GeneratorHarness.Run(source);
        Assert.True(run.Diagnostics.IsEmpty, string.Join("; ", run.Diagnostics));
        var type = GeneratorHarness.Load(run.Output).GetType("Demo." + name, throwOnError: true)!;
        return (IUpdateRule)Activator.CreateInstance(type)!;
    }

    private static (double[] Param, double[] Grad) Values()
    {
        var param = new double[Count];
        var grad = new double[Count];
        for (var i = 0; i < Count; i++)
        {
            param[i] = Math.Sin(i + 1);
            grad[i] = 1.3 * Math.Cos(3 * i + 0.5);
        }
        return (param, grad);
    }

    private static double[] Run(IUpdateRule rule, DType dtype)
    {
        var (param, grad) = Values();
        using var p = Tensor.FromArray(param, Count);
        using var g = Tensor.FromArray(grad, Count);
        using var pt = p.To(dtype);
        using var gt = g.To(dtype);
        using var state = rule.CreateState(pt);
        rule.Update(state, pt, gt, 1);
        using var back = pt.To(DType.Float64);
        return back.ToArray<double>();
    }

    [Theory]
    [InlineData(DType.Float64)]
    [InlineData(DType.Float32)]
    public void MaximumMinimumAndClampInAVectorizedUpdate(DType dtype)
    {
        var rule = Rule("""
            [UpdateRule]
            public partial class Bounded
            {
                public float LearningRate = 0.5f, Cap = 0.4f;
                [State] Tensor peak = null!;

                [Update]
                void Update(Tensor param, Tensor grad, long step)
                {
                    peak = Maximum(peak, Abs(grad));
                    param -= LearningRate * Clamp(grad, -0.3, 0.2) + Minimum(peak, Cap) * Maximum(grad, param);
                }
            }
            """, "Bounded");
        var (param, grad) = Values();
        const double Cap = 0.4f; // the rule's float field, widened
        var actual = Run(rule, dtype);
        for (var i = 0; i < Count; i++)
        {
            var peak = Math.Abs(grad[i]);
            var clamped = grad[i] < -0.3 ? -0.3 : grad[i] > 0.2 ? 0.2 : grad[i];
            var expected = param[i] - (0.5 * clamped + (peak < Cap ? peak : Cap) * (grad[i] > param[i] ? grad[i] : param[i]));
            Assert.True(Math.Abs(expected - actual[i]) <= (dtype == DType.Float64 ? 1e-12 : 1e-5), $"element {i}: expected {expected}, got {actual[i]}");
        }
    }

    [Fact]
    public void PowSinAndCosInAnUpdate()
    {
        var rule = Rule("""
            [UpdateRule]
            public partial class Powered
            {
                public float LearningRate = 0.25f;

                [Update]
                void Update(Tensor param, Tensor grad, long step)
                {
                    param -= LearningRate * Pow(Abs(grad), 1.5) * Sign(grad) + 0.1 * Sin(param) * Cos(grad);
                }
            }
            """, "Powered");
        var (param, grad) = Values();
        var actual = Run(rule, DType.Float64);
        for (var i = 0; i < Count; i++)
        {
            var expected = param[i] - (0.25 * Math.Pow(Math.Abs(grad[i]), 1.5) * Math.Sign(grad[i]) + 0.1 * Math.Sin(param[i]) * Math.Cos(grad[i]));
            Assert.True(Math.Abs(expected - actual[i]) <= 1e-12, $"element {i}: expected {expected}, got {actual[i]}");
        }
    }
}
