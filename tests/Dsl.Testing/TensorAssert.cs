using Xunit;
using Xunit.Sdk;

namespace Dsl.Testing;

/// <summary>Assertions on tensors that say where and by how much values differ.</summary>
public static class TensorAssert
{
    /// <summary>
    /// Asserts shape equality and |actual - expected| &lt;= atol + rtol·|expected| everywhere
    /// (NaNs must match NaNs, infinities must match exactly).
    /// </summary>
    public static void Close(TorchValue expected, Tensor actual, double rtol = 1e-5, double atol = 1e-6, string? what = null)
    {
        var shape = actual.Shape;
        if (!shape.Dims.SequenceEqual(expected.Shape))
        {
            throw new XunitException($"{what ?? "tensor"}: shape {shape} differs from the expected [{string.Join(", ", expected.Shape)}]");
        }
        using var asDouble = actual.To(DType.Float64);
        Close(expected.Values, asDouble.ToArray<double>(), rtol, atol, what);
    }

    public static void Close(ReadOnlySpan<double> expected, ReadOnlySpan<double> actual, double rtol = 1e-5, double atol = 1e-6, string? what = null)
    {
        Assert.True(expected.Length == actual.Length, $"{what ?? "tensor"}: {actual.Length} values, expected {expected.Length}");
        for (var i = 0; i < expected.Length; i++)
        {
            double e = expected[i], a = actual[i];
            if (double.IsNaN(e) && double.IsNaN(a)) continue;
            if (double.IsInfinity(e) && e == a) continue;
            if (!(Math.Abs(a - e) <= atol + rtol * Math.Abs(e)))
            {
                throw new XunitException($"{what ?? "tensor"}: element {i} is {a:R}, expected {e:R} (|diff| {Math.Abs(a - e):G3}, rtol {rtol}, atol {atol})");
            }
        }
    }

    public static void Close(ReadOnlySpan<float> expected, Tensor actual, double rtol = 1e-5, double atol = 1e-6)
    {
        using var asDouble = actual.To(DType.Float64);
        var e = new double[expected.Length];
        for (var i = 0; i < e.Length; i++) e[i] = expected[i];
        Close(e, asDouble.ToArray<double>(), rtol, atol);
    }
}
