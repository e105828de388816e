using Dsl.Testing;
using Xunit;

namespace Dsl.Runtime.Tests;

/// <summary>
/// The kernels the generated step calls for the language's nn ops where a size is read at run time
/// (Kernels.LayerNormTrailing and its backward, Kernels.EmbeddingBackward with the row count of its
/// output) and the eager cross-entropy with label smoothing, against torch in float64 at 1e-10.
/// </summary>
public sealed class LanguageNNKernelTests
{
    private static Tensor D(Generator g, params long[] shape) => Tensor.Randn(new Shape(shape), g, DType.Float64);

    private static void AssertClose(double[] expected, double[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        var scale = Math.Max(1, expected.Max(Math.Abs));
        for (var i = 0; i < expected.Length; i++) Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-10 * scale, $"[{i}]: expected {expected[i]:R}, got {actual[i]:R}");
    }

    [Fact]
    public void LayerNormOverTheTrailingAxesAndItsGradientsMatchTorch()
    {
        using var g = new Generator(1);
        using var x = D(g, 3, 4, 5);
        using var w = D(g, 4, 5);
        using var b = D(g, 4, 5);
        using var up = D(g, 3, 4, 5);
        using var output = Tensor.Empty(new Shape(3, 4, 5), DType.Float64);
        using var mean = Tensor.Empty(new Shape(3, 1, 1), DType.Float64);
        using var rstd = Tensor.Empty(new Shape(3, 1, 1), DType.Float64);
        using var gradInput = Tensor.Empty(new Shape(3, 4, 5), DType.Float64);
        using var gradWeight = Tensor.Empty(new Shape(4, 5), DType.Float64);
        Kernels.LayerNormTrailing(x, 2, w, b, 1e-5, output, mean, rstd);
        Kernels.LayerNormTrailingBackward(up, x, 2, mean, rstd, w, b, gradInput, gradWeight, null);
        var torch = TorchReference.Evaluate([("""
            x.requires_grad_()
            w.requires_grad_()
            y = F.layer_norm(x, [4, 5], w, b)
            gx, gw = torch.autograd.grad(y, (x, w), up)
            result = (y, gx, gw)
            """, new Dictionary<string, Tensor> { ["x"] = x, ["w"] = w, ["b"] = b, ["up"] = up })])[0].Values;
        AssertClose(torch, [.. output.ToArray<double>(), .. gradInput.ToArray<double>(), .. gradWeight.ToArray<double>()]);
    }

    [Fact]
    public void LayerNormTrailingRefusesMoreAxesThanTheInputHas()
    {
        using var x = Tensor.Zeros(new Shape(2, 3), DType.Float64);
        using var output = Tensor.Empty(new Shape(2, 3), DType.Float64);
        var error = Assert.Throws<ArgumentException>(() => Kernels.LayerNormTrailing(x, 3, null, null, 1e-5, output, null, null));
        Assert.Contains("layer_norm: cannot normalize the last 3 axes of a tensor of shape [2, 3]", error.Message);
    }

    [Fact]
    public void EmbeddingBackwardTakesTheRowCountFromItsOutput()
    {
        using var g = new Generator(2);
        using var indices = Tensor.RandInt(0, 6, new Shape(2, 3), g);
        using var up = D(g, 2, 3, 4);
        using var output = Tensor.Empty(new Shape(6, 4), DType.Float64);
        Kernels.EmbeddingBackward(up, indices, output);
        var torch = TorchReference.Evaluate([("""
            w = torch.zeros(6, 4, dtype=torch.float64, requires_grad=True)
            result = torch.autograd.grad(F.embedding(indices, w), (w,), up)[0]
            """, new Dictionary<string, Tensor> { ["indices"] = indices, ["up"] = up })])[0].Values;
        AssertClose(torch, output.ToArray<double>());
    }

    [Theory]
    [InlineData(Reduction.Mean, false, -100)]
    [InlineData(Reduction.Mean, true, 1)]
    [InlineData(Reduction.Sum, true, -100)]
    [InlineData(Reduction.None, false, 2)]
    public void CrossEntropyWithLabelSmoothingMatchesTorch(Reduction reduction, bool weighted, long ignoreIndex)
    {
        using var g = new Generator(3);
        using var logits = D(g, 6, 4);
        using var targets = Tensor.RandInt(0, 4, new Shape(6), g);
        using var noise = D(g, 4);
        using var weight = Ops.Exp(noise);
        using var loss = Ops.CrossEntropy(logits, targets, reduction, weighted ? weight : null, ignoreIndex, labelSmoothing: 0.2);
        var name = reduction switch { Reduction.Sum => "sum", Reduction.None => "none", _ => "mean" };
        var torch = TorchReference.Evaluate([($"result = F.cross_entropy(logits, targets, weight={(weighted ? "weight" : "None")}, ignore_index={ignoreIndex}, reduction='{name}', label_smoothing=0.2)",
            new Dictionary<string, Tensor> { ["logits"] = logits, ["targets"] = targets, ["weight"] = weight })])[0].Values;
        AssertClose(torch, loss.ToArray<double>());
    }
}
