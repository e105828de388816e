using Dsl.Testing;
using Xunit;

namespace Dsl.Runtime.Tests.Optimizers;

/// <summary>ClipByGlobalNorm against torch.nn.utils.clip_grad_norm_ (norm type 2).</summary>
public sealed class GradientClippingTests
{
    /// <summary>Python that clips copies of g0, g1, ... with torch and returns the total norm, then each clipped gradient.</summary>
    private static string TorchClip(int count, double maxNorm) => $"""
        grads = [{string.Join(", ", Enumerable.Range(0, count).Select(i => $"g{i}"))}]
        params = [torch.nn.Parameter(torch.zeros_like(g)) for g in grads]
        for p, g in zip(params, grads):
            p.grad = g.clone()
        total = torch.nn.utils.clip_grad_norm_(params, {maxNorm.ToString("R", System.Globalization.CultureInfo.InvariantCulture)})
        result = [total.to(torch.float64)] + [p.grad for p in params]
        """;

    private static List<Tensor> RandomGradients(DType dtype, ulong seed, params long[][] shapes)
    {
        using var generator = new Generator(seed);
        return shapes.Select(shape =>
        {
            using var t = Tensor.Randn(new Shape(shape), generator, DType.Float64);
            return t.To(dtype);
        }).ToList();
    }

    private static Dictionary<string, Tensor> AsInputs(IReadOnlyList<Tensor> gradients) =>
        gradients.Select((g, i) => (g, i)).ToDictionary(p => $"g{p.i}", p => p.g);

    private static double[] Values(Tensor t)
    {
        using var asDouble = t.To(DType.Float64);
        return asDouble.ToArray<double>();
    }

    /// <summary>Clips with torch (on copies) and with us (in place), and compares the norm and every gradient.</summary>
    private static double CompareWithTorch(List<Tensor> gradients, double maxNorm, double rtol)
    {
        var expected = TorchReference.Evaluate(TorchClip(gradients.Count, maxNorm), AsInputs(gradients));
        var total = GradientClipping.ClipByGlobalNorm(gradients, maxNorm);
        Assert.Equal(expected.Values[0], total, rtol * Math.Abs(expected.Values[0]));
        var position = 1;
        for (var i = 0; i < gradients.Count; i++)
        {
            var count = (int)gradients[i].NumElements;
            TensorAssert.Close(expected.Values.AsSpan(position, count), Values(gradients[i]), rtol: rtol, atol: 1e-300, what: $"gradient {i}");
            position += count;
        }
        return total;
    }

    [Fact]
    public void Large_gradients_are_scaled_to_the_maximum_norm_like_torch_in_float64()
    {
        var gradients = RandomGradients(DType.Float64, 1, [64, 33], [33], [7, 5, 3], []);
        try
        {
            var total = CompareWithTorch(gradients, maxNorm: 0.5, rtol: 1e-12);
            Assert.True(total > 10, $"the case must clip: total norm {total}");
            var after = Math.Sqrt(gradients.Sum(g => Values(g).Sum(v => v * v)));
            Assert.Equal(0.5, after, 1e-6);
        }
        finally
        {
            foreach (var g in gradients) g.Dispose();
        }
    }

    [Fact]
    public void Gradients_within_the_norm_are_left_as_they_are()
    {
        var gradients = RandomGradients(DType.Float64, 2, [10, 10], [10]);
        var before = gradients.Select(Values).ToList();
        try
        {
            var total = CompareWithTorch(gradients, maxNorm: 100, rtol: 1e-12);
            Assert.True(total < 100, $"the case must not clip: total norm {total}");
            for (var i = 0; i < gradients.Count; i++) Assert.Equal(before[i], Values(gradients[i]));
        }
        finally
        {
            foreach (var g in gradients) g.Dispose();
        }
    }

    [Fact]
    public void Float32_gradients_match_torch_to_float32_precision()
    {
        var gradients = RandomGradients(DType.Float32, 3, [300, 20], [20], [5000]);
        try
        {
            CompareWithTorch(gradients, maxNorm: 1.0, rtol: 2e-6);
            Assert.All(gradients, g => Assert.Equal(DType.Float32, g.DType));
        }
        finally
        {
            foreach (var g in gradients) g.Dispose();
        }
    }

    [Fact]
    public void Strided_gradients_take_the_general_path_with_the_same_result()
    {
        var storage = RandomGradients(DType.Float64, 4, [12, 9], [6]);
        var transposed = storage[0].T;
        var gradients = new List<Tensor> { transposed, storage[1] };
        try
        {
            Assert.False(transposed.IsContiguous);
            CompareWithTorch(gradients, maxNorm: 0.25, rtol: 1e-12);
        }
        finally
        {
            foreach (var g in storage) g.Dispose();
            transposed.Dispose();
        }
    }

    [Fact]
    public void A_NaN_gradient_gives_a_NaN_norm_and_scales_nothing()
    {
        using var a = Tensor.FromArray([3.0, double.NaN, 4.0], 3);
        using var b = Tensor.FromArray([100.0, 200.0], 2);
        // json cannot carry NaN back, so the script reports what is NaN: torch's norm, and b after torch clipped it.
        var script = TorchClip(2, 1.0).Replace("result = [total.to(torch.float64)] + [p.grad for p in params]",
            "result = [torch.isnan(total).double(), torch.isnan(params[1].grad).all().double()]");
        var expected = TorchReference.Evaluate(script, new Dictionary<string, Tensor> { ["g0"] = a, ["g1"] = b });
        Assert.Equal([1.0, 1.0], expected.Values); // torch: a NaN norm, and every element of b scaled to NaN

        var total = GradientClipping.ClipByGlobalNorm([a, b], maxNorm: 1.0);
        Assert.True(double.IsNaN(total), $"norm {total}");
        Assert.Equal([3.0, double.NaN, 4.0], a.ToArray<double>());
        Assert.Equal([100.0, 200.0], b.ToArray<double>()); // torch would have made these NaN
    }

    [Fact]
    public void An_infinite_gradient_gives_an_infinite_norm_and_scales_nothing()
    {
        using var a = Tensor.FromArray([1f, float.PositiveInfinity], 2);
        using var b = Tensor.FromArray([5f], 1);
        var total = GradientClipping.ClipByGlobalNorm([a, b], maxNorm: 1.0);
        Assert.Equal(double.PositiveInfinity, total);
        Assert.Equal([1f, float.PositiveInfinity], a.ToArray<float>());
        Assert.Equal([5f], b.ToArray<float>());
    }

    [Fact]
    public void Norm_by_hand_and_the_edge_cases()
    {
        using var g = Tensor.FromArray([3f, 4f], 2); // norm 5
        Assert.Equal(5.0, GradientClipping.ClipByGlobalNorm([g], maxNorm: 10));
        Assert.Equal([3f, 4f], g.ToArray<float>());
        Assert.Equal(5.0, GradientClipping.ClipByGlobalNorm([g], maxNorm: 1));
        var scale = 1 / (5 + 1e-6);
        Assert.Equal([(float)(3 * scale), (float)(4 * scale)], g.ToArray<float>());
        Assert.Equal(0.0, GradientClipping.ClipByGlobalNorm([], maxNorm: 1));
        using var empty = Tensor.Zeros([0, 4]);
        Assert.Equal(0.0, GradientClipping.ClipByGlobalNorm([empty], maxNorm: 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => GradientClipping.ClipByGlobalNorm([g], maxNorm: -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => GradientClipping.ClipByGlobalNorm([g], maxNorm: double.NaN));
    }

    [Fact]
    public void Clipping_allocates_no_managed_memory()
    {
        var gradients = RandomGradients(DType.Float32, 5, [256, 128], [128], [128, 10], [10]);
        gradients.AddRange(RandomGradients(DType.Float64, 6, [33, 17]));
        try
        {
            IReadOnlyList<Tensor> list = gradients;
            Assert.Equal(0, Allocations.Measure(() => GradientClipping.ClipByGlobalNorm(list, 0.5), repetitions: 20));
        }
        finally
        {
            foreach (var g in gradients) g.Dispose();
        }
    }
}
