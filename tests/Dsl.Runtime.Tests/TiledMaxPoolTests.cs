using Xunit;

namespace Dsl.Runtime.Tests;

/// <summary>
/// Max pooling whose windows tile the input (stride = kernel, no padding, floor mode) on contiguous
/// float32 runs the shim's own loop (runtime/native/src/pooling.cpp), not ATen's kernel. Each case
/// compares it with ATen's kernel on the same values in float64 (which the loop does not take):
/// pooled values, indices (first maximum of a window, NaN wins) and the backward, exactly.
/// </summary>
public sealed class TiledMaxPoolTests
{
    public static TheoryData<int, int, int, int, int, int> Shapes => new()
    {
        { 32, 8, 26, 26, 2, 2 },  // cnn-s's first pool
        { 3, 16, 11, 11, 2, 2 },  // odd sizes: the last row and column fall outside every window
        { 2, 3, 9, 7, 3, 3 },     // a 3x3 window (the general loop)
        { 2, 2, 6, 9, 2, 3 },     // a rectangular window
        { 1, 1, 2, 2, 2, 2 },     // one window
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Forward_and_backward_match_atens_kernel(int n, int c, int h, int w, int kh, int kw)
    {
        using var x = Values(n, c, h, w, seed: (ulong)(h * 100 + w));
        using var reference = x.To(DType.Float64);
        Size2 kernel = (kh, kw);

        var (output, indices) = Ops.MaxPool2dWithIndices(x, kernel);
        var (expected, expectedIndices) = Ops.MaxPool2dWithIndices(reference, kernel, stride: kernel);
        using (output)
        using (indices)
        using (expected)
        using (expectedIndices)
        {
            Assert.Equal(expected.Shape, output.Shape);
            Assert.Equal(expectedIndices.ToArray<long>(), indices.ToArray<long>());
            AssertSame(expected.ToArray<double>(), output.ToArray<float>());

            // The out= form (what generated steps call), into buffers holding garbage.
            using var outputBuffer = Tensor.Full(output.Shape, 7.0);
            using var indexBuffer = Tensor.Full(output.Shape, -3.0, DType.Int64);
            Kernels.MaxPool2dWithIndices(x, kernel, kernel, 0, 1, false, outputBuffer, indexBuffer);
            Assert.Equal(expectedIndices.ToArray<long>(), indexBuffer.ToArray<long>());
            AssertSame(expected.ToArray<double>(), outputBuffer.ToArray<float>());

            using var generator = new Generator(5);
            using var g = Tensor.Randn(output.Shape, generator);
            using var gReference = g.To(DType.Float64);
            using var gradInput = Ops.MaxPool2dWithIndicesBackward(g, x, indices, kernel);
            using var expectedGrad = Ops.MaxPool2dWithIndicesBackward(gReference, reference, expectedIndices, kernel);
            AssertSame(expectedGrad.ToArray<double>(), gradInput.ToArray<float>());

            using var gradBuffer = Tensor.Full(x.Shape, 9.0);
            Kernels.MaxPool2dWithIndicesBackward(g, x, indices, kernel, null, 0, 1, false, gradBuffer);
            AssertSame(expectedGrad.ToArray<double>(), gradBuffer.ToArray<float>());
        }
    }

    [Fact]
    public void Other_windows_still_take_atens_kernel_and_agree()
    {
        // Overlapping windows (stride 1) and ceil mode are not tiled: both float32 and float64 run ATen's kernel.
        using var x = Values(2, 3, 7, 7, seed: 3);
        using var reference = x.To(DType.Float64);
        foreach (var (stride, ceil) in new[] { (1L, false), (2L, true) })
        {
            var (output, indices) = Ops.MaxPool2dWithIndices(x, 2, stride, ceilMode: ceil);
            var (expected, expectedIndices) = Ops.MaxPool2dWithIndices(reference, 2, stride, ceilMode: ceil);
            using (output)
            using (indices)
            using (expected)
            using (expectedIndices)
            {
                Assert.Equal(expectedIndices.ToArray<long>(), indices.ToArray<long>());
                AssertSame(expected.ToArray<double>(), output.ToArray<float>());
            }
        }
    }

    [Fact]
    public void Indices_outside_the_plane_are_refused()
    {
        using var x = Values(1, 1, 4, 4, seed: 1);
        using var g = Tensor.Ones([1, 1, 2, 2]);
        using var indices = Tensor.FromArray(new long[] { 0, 1, 16, 3 }, 1, 1, 2, 2);
        var error = Assert.ThrowsAny<Exception>(() => Ops.MaxPool2dWithIndicesBackward(g, x, indices, 2).Dispose());
        Assert.Contains("outside the 4x4 input plane", error.Message);
    }

    /// <summary>Values on a coarse grid (ties inside windows), with some NaN and -∞, float32 contiguous NCHW.</summary>
    private static Tensor Values(int n, int c, int h, int w, ulong seed)
    {
        var random = new Random((int)seed);
        var values = new float[n * c * h * w];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = random.Next(40) switch
            {
                0 => float.NaN,
                1 => float.NegativeInfinity,
                _ => random.Next(-6, 7) / 2f,
            };
        }
        return Tensor.FromArray(values, n, c, h, w);
    }

    private static void AssertSame(double[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            if (double.IsNaN(expected[i])) Assert.True(float.IsNaN(actual[i]), $"element {i}: expected NaN, got {actual[i]}");
            else Assert.True(expected[i] == actual[i], $"element {i}: expected {expected[i]}, got {actual[i]}");
        }
    }
}
