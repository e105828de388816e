using Xunit;

namespace Dsl.Runtime.Tests;

/// <summary>
/// A float32 convolution over one input channel takes ATen's im2col + GEMM kernel (_slow_conv2d) in
/// the out= forward and in the backward (runtime/native/src/nn.h, single_channel_conv) instead of
/// oneDNN's. Each case compares it with ATen's convolution on the same values in float64 and with
/// the allocating Ops.Conv2d (which keeps at::conv2d's own choice): forward and the three gradients.
/// </summary>
public sealed class SingleChannelConvTests
{
    public static TheoryData<int, int, int, int, int> Cases => new()
    {
        // batch, out channels, kernel, stride, padding
        { 32, 8, 3, 1, 0 },  // cnn-s's conv1
        { 3, 6, 5, 1, 0 },   // LeNet's conv1
        { 2, 4, 3, 2, 1 },   // strided and padded
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Forward_and_gradients_match_float64(int batch, int outChannels, int kernel, int stride, int padding)
    {
        using var generator = new Generator(21);
        using var x = Tensor.Randn([batch, 1, 14, 13], generator);
        using var w = Tensor.Randn([outChannels, 1, kernel, kernel], generator);
        using var b = Tensor.Randn([outChannels], generator);
        using var x64 = x.To(DType.Float64);
        using var w64 = w.To(DType.Float64);
        using var b64 = b.To(DType.Float64);

        using var expected = Ops.Conv2d(x64, w64, b64, stride, padding);
        using var allocated = Ops.Conv2d(x, w, b, stride, padding);
        using var output = Tensor.Full(expected.Shape, 5.0);
        Kernels.Conv2d(x, w, b, stride, padding, 1, 1, output);
        AssertClose(expected.ToArray<double>(), output.ToArray<float>());
        AssertClose(expected.ToArray<double>(), allocated.ToArray<float>());

        using var g = Tensor.Randn(expected.Shape, generator);
        using var g64 = g.To(DType.Float64);
        var (dx64, dw64, db64) = Ops.Conv2dBackward(g64, x64, w64, stride, padding);
        using var dx = Tensor.Full(x.Shape, 3.0);
        using var dw = Tensor.Full(w.Shape, 3.0);
        using var db = Tensor.Full(b.Shape, 3.0);
        Kernels.Conv2dBackward(g, x, w, stride, padding, 1, 1, dx, dw, db);
        using (dx64)
        using (dw64)
        using (db64)
        {
            AssertClose(dx64!.ToArray<double>(), dx.ToArray<float>());
            AssertClose(dw64!.ToArray<double>(), dw.ToArray<float>());
            AssertClose(db64!.ToArray<double>(), db.ToArray<float>());
        }

        // Only the weight's gradient (what a first layer's step asks for).
        using var dwOnly = Tensor.Zeros(w.Shape);
        Kernels.Conv2dBackward(g, x, w, stride, padding, 1, 1, null, dwOnly, null);
        using (var dwExpected = Ops.Conv2dBackward(g64, x64, w64, stride, padding, inputGrad: false, biasGrad: false).GradWeight)
        {
            AssertClose(dwExpected!.ToArray<double>(), dwOnly.ToArray<float>());
        }
    }

    private static void AssertClose(double[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        var scale = Math.Max(1.0, expected.Max(Math.Abs));
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-5 * scale, $"element {i}: expected {expected[i]}, got {actual[i]}");
        }
    }
}
