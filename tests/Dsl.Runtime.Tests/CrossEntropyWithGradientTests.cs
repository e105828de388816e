using Dsl.Testing;
using Xunit;

namespace Dsl.Runtime.Tests;

/// <summary>
/// Kernels.CrossEntropyWithGradient (the generated step's fused loss): loss and dLogits in one call,
/// against the unfused kernels (log_softmax + nll_loss, cross_entropy_backward) in Float64 and Float32,
/// with ignored labels, a batch of only ignored labels, and labels out of range.
/// </summary>
public sealed class CrossEntropyWithGradientTests
{
    private static (double Loss, double[] Gradient) Unfused(Tensor logits, Tensor labels)
    {
        using var loss = Ops.CrossEntropy(logits, labels);
        using var one = Tensor.Scalar(1.0, logits.DType);
        using var gradient = Ops.CrossEntropyBackward(one, logits, labels);
        using var asDouble = gradient.To(DType.Float64);
        return (loss.Item(), asDouble.ToArray<double>());
    }

    private static (double Loss, double[] Gradient) Fused(Tensor logits, Tensor labels)
    {
        using var loss = Tensor.Empty([], logits.DType);
        using var gradient = Tensor.Empty(logits.Shape, logits.DType);
        Kernels.CrossEntropyWithGradient(logits, labels, -100, loss, gradient);
        using var asDouble = gradient.To(DType.Float64);
        return (loss.Item(), asDouble.ToArray<double>());
    }

    [Theory]
    [InlineData(DType.Float64, 1e-12)]
    [InlineData(DType.Float32, 1e-6)]
    public void MatchesTheUnfusedKernels(DType dtype, double tolerance)
    {
        using var g = new Generator(21);
        using var raw = Tensor.Randn([9, 7], g, DType.Float64);
        using var scaled = raw * 4.0; // wide logits: the max subtraction matters
        using var logits = scaled.To(dtype);
        using var labels = Tensor.FromArray(new long[] { 0, 6, -100, 3, 3, 1, -100, 5, 2 }, 9);
        var (expectedLoss, expected) = Unfused(logits, labels);
        var (loss, gradient) = Fused(logits, labels);
        Assert.Equal(expectedLoss, loss, tolerance);
        Assert.Equal(expected.Length, gradient.Length);
        for (var i = 0; i < expected.Length; i++) Assert.True(Math.Abs(expected[i] - gradient[i]) <= tolerance, $"dLogits[{i}]: {gradient[i]:R} vs {expected[i]:R}");
        // Ignored rows get no gradient.
        Assert.All(gradient.AsSpan(2 * 7, 7).ToArray(), v => Assert.Equal(0, v));
    }

    [Fact]
    public void OnlyIgnoredLabelsGiveANaNLossAndZeroGradientAsNllLossDoes()
    {
        using var logits = Tensor.Randn([3, 4], new Generator(2), DType.Float64);
        using var labels = Tensor.FromArray(new long[] { -100, -100, -100 }, 3);
        var (expectedLoss, _) = Unfused(logits, labels);
        var (loss, gradient) = Fused(logits, labels);
        Assert.True(double.IsNaN(expectedLoss));
        Assert.True(double.IsNaN(loss));
        Assert.All(gradient, v => Assert.Equal(0, v));
    }

    [Fact]
    public void ALabelOutOfRangeIsRefusedWithItsValue()
    {
        using var logits = Tensor.Randn([2, 3], new Generator(2), DType.Float64);
        using var labels = Tensor.FromArray(new long[] { 1, 3 }, 2);
        using var loss = Tensor.Empty([], DType.Float64);
        using var gradient = Tensor.Empty([2, 3], DType.Float64);
        var error = Assert.ThrowsAny<Exception>(() => Kernels.CrossEntropyWithGradient(logits, labels, -100, loss, gradient));
        Assert.Contains("target 3 is out of range for 3 classes", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AllocatesNoManagedMemory()
    {
        using var logits = Tensor.Randn([32, 10]);
        using var labels = Tensor.Zeros([32], DType.Int64);
        using var loss = Tensor.Empty([]);
        using var gradient = Tensor.Empty([32, 10]);
        var bytes = Allocations.Measure(() => Kernels.CrossEntropyWithGradient(logits, labels, -100, loss, gradient));
        Assert.Equal(0, bytes);
    }
}
