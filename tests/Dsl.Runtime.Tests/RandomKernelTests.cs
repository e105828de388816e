using Dsl.Testing;
using Xunit;

namespace Dsl.Runtime.Tests;

/// <summary>
/// The kernels random ops of a generated step call (Kernels.Randn/Rand/RandInt/Bernoulli) draw into
/// their buffers exactly what torch draws after torch.manual_seed with the same seed; the eager
/// language forms (Ops.Randn, Ops.Dropout, ...) have the shapes, dtypes and modes docs/DSL.md gives.
/// </summary>
public sealed class RandomKernelTests
{
    private static double[] Doubles(Tensor t) => t.DType == DType.Float64 ? t.ToArray<double>()
        : t.DType == DType.Int64 ? t.ToArray<long>().Select(v => (double)v).ToArray() : t.ToArray<float>().Select(v => (double)v).ToArray();

    [Fact]
    public void KernelsDrawWhatTorchDrawsForTheSameSeed()
    {
        using var normal = Tensor.Empty([7, 3], DType.Float64);
        using var uniform = Tensor.Empty([5, 4]);
        using var integers = Tensor.Empty([9], DType.Int64);
        using var probabilities = Tensor.FromArray([0.1, 0.5, 0.9, 0.0, 1.0, 0.3], 2, 3);
        using var coins = Tensor.Empty([2, 3], DType.Float64);
        using var fair = Tensor.Empty([4, 5]);
        using (var generator = new Generator(2024))
        {
            Kernels.Randn(generator, normal);
            Kernels.Rand(generator, uniform);
            Kernels.RandInt(-3, 8, generator, integers);
            Kernels.Bernoulli(probabilities, generator, coins);
            Kernels.Bernoulli(0.25, generator, fair);
        }
        var torch = TorchReference.Evaluate([(
            "torch.manual_seed(2024)\n"
            + "a = torch.randn(7, 3, dtype=torch.float64)\n"
            + "b = torch.rand(5, 4)\n"
            + "c = torch.randint(-3, 8, (9,))\n"
            + "d = torch.bernoulli(p)\n"
            + "e = torch.empty(4, 5).bernoulli_(0.25)\n"
            + "result = [a, b, c, d, e]", new Dictionary<string, Tensor> { ["p"] = probabilities })])[0].Values;
        var ours = new[] { normal, uniform, integers, coins, fair }.SelectMany(Doubles).ToArray();
        Assert.Equal(torch, ours);
    }

    [Fact]
    public void KernelsRefuseAnEmptyRangeAndMismatchedShapes()
    {
        using var integers = Tensor.Empty([3], DType.Int64);
        OpErrors.Fails(() => Kernels.RandInt(4, 4, null, integers), "randint", "low must be less than high", "low is 4", "high is 4");
        using var probabilities = Tensor.Full([3], 0.5);
        using var coins = Tensor.Empty([4]);
        OpErrors.Fails(() => Kernels.Bernoulli(probabilities, null, coins), "bernoulli", "the output has shape [4]", "the probabilities have shape [3]");
    }

    [Fact]
    public void EagerFormsHaveTheirShapesDTypesAndModes()
    {
        Generator.ManualSeed(5);
        using var normal = Ops.Randn(2, 3);
        using var uniform = Ops.Rand([4]);
        using var integers = Ops.RandInt(0, 3, 5, 2);
        Assert.Equal(new long[] { 2, 3 }, normal.Shape.Dims.ToArray());
        Assert.Equal(DType.Float32, uniform.DType);
        Assert.Equal(DType.Int64, integers.DType);
        Assert.Equal(new long[] { 5, 2 }, integers.Shape.Dims.ToArray());
        Assert.All(integers.ToArray<long>(), v => Assert.InRange(v, 0, 2));

        using var x = Tensor.Randn([50, 40], new Generator(1), DType.Float64);
        using var like = Ops.RandnLike(x);
        using var uniformLike = Ops.RandLike(x);
        Assert.Equal(DType.Float64, like.DType);
        Assert.Equal(x.Shape, uniformLike.Shape);
        Assert.All(uniformLike.ToArray<double>(), v => Assert.InRange(v, 0, 1));

        // Evaluation by default (a copy), inverted dropout with training: true.
        using var evaluated = Ops.Dropout(x, 0.5);
        Assert.Equal(x.ToArray<double>(), evaluated.ToArray<double>());
        using var dropped = Ops.Dropout(x, 0.5, training: true);
        var xs = x.ToArray<double>();
        var ys = dropped.ToArray<double>();
        Assert.All(Enumerable.Range(0, xs.Length), i => Assert.True(ys[i] == 0 || ys[i] == 2 * xs[i], $"[{i}]: {ys[i]} from {xs[i]}"));
        Assert.InRange(ys.Count(v => v == 0) / (double)ys.Length, 0.45, 0.55);
        var bad = Assert.Throws<ArgumentOutOfRangeException>(() => Ops.Dropout(x, 1));
        Assert.Contains("[0, 1)", bad.Message);

        using var half = Ops.Bernoulli(x, 0.5);
        Assert.All(half.ToArray<double>(), v => Assert.True(v is 0 or 1));
        using var certain = Tensor.Ones([3, 2], DType.Float64);
        using var ones = Ops.Bernoulli(certain);
        Assert.All(ones.ToArray<double>(), v => Assert.Equal(1, v));
    }
}
