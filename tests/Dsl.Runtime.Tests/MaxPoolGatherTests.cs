using Xunit;

namespace Dsl.Runtime.Tests;

/// <summary>
/// <see cref="Ops.MaxPool2dGather"/>: the values at max pooling's saved indices, the adjoint of max
/// pooling's backward (its derivative for the upstream gradient), for overlapping windows too.
/// </summary>
public sealed class MaxPoolGatherTests
{
    public static TheoryData<int, int, int, int> Windows => new()
    {
        { 2, 2, 0, 1 },   // disjoint
        { 3, 2, 0, 1 },   // overlapping
        { 3, 1, 1, 2 },   // stride 1, padded, dilated
    };

    [Theory]
    [MemberData(nameof(Windows))]
    public void Reading_the_input_at_the_indices_gives_the_pooled_output(int kernel, int stride, int padding, int dilation)
    {
        using var generator = new Generator(11);
        using var x = Tensor.Randn([2, 3, 7, 6], generator, DType.Float64);
        var (output, indices) = Ops.MaxPool2dWithIndices(x, kernel, stride, padding, dilation);
        using (output)
        using (indices)
        using (var gathered = Ops.MaxPool2dGather(x, indices))
        {
            Assert.Equal(output.Shape, gathered.Shape);
            Assert.Equal(output.ToArray<double>(), gathered.ToArray<double>());
        }
    }

    [Theory]
    [MemberData(nameof(Windows))]
    public void Gather_is_the_adjoint_of_the_backward(int kernel, int stride, int padding, int dilation)
    {
        using var generator = new Generator(12);
        using var x = Tensor.Randn([2, 3, 7, 6], generator, DType.Float64);
        var (output, indices) = Ops.MaxPool2dWithIndices(x, kernel, stride, padding, dilation);
        using (output)
        using (indices)
        using (var g = Tensor.Randn(output.Shape, generator, DType.Float64))
        using (var u = Tensor.Randn(x.Shape, generator, DType.Float64))
        using (var routed = Ops.MaxPool2dWithIndicesBackward(g, x, indices, kernel, stride, padding, dilation))
        using (var read = Ops.MaxPool2dGather(u, indices))
        using (var kernelRead = Tensor.Empty(output.Shape, DType.Float64))
        {
            // <backward(g), u> = <g, gather(u)>: with overlapping windows a position sums several g.
            var left = routed.ToArray<double>().Zip(u.ToArray<double>(), (a, b) => a * b).Sum();
            var right = g.ToArray<double>().Zip(read.ToArray<double>(), (a, b) => a * b).Sum();
            Assert.Equal(left, right, 1e-12);

            Kernels.MaxPool2dGather(u, indices, kernelRead);
            Assert.Equal(read.ToArray<double>(), kernelRead.ToArray<double>());
        }
    }

    [Fact]
    public void Mismatched_values_and_indices_are_refused_with_their_shapes()
    {
        using var values = Tensor.Zeros([2, 3, 4, 4], DType.Float64);
        using var indices = Tensor.Zeros([2, 4, 2, 2], DType.Int64);
        var error = Assert.Throws<DslException>(() => Ops.MaxPool2dGather(values, indices).Dispose());
        Assert.Contains("[2, 3, 4, 4] and [2, 4, 2, 2]", error.Message);
        using var floats = Tensor.Zeros([2, 3, 2, 2], DType.Float64);
        Assert.Contains("must be Int64", Assert.Throws<DslException>(() => Ops.MaxPool2dGather(values, floats).Dispose()).Message);
    }
}
