using System.Numerics;
using System.Runtime.InteropServices;

namespace Dsl;

/// <summary>Rescaling of gradients before an update, so one bad batch cannot throw the parameters far.</summary>
public static unsafe class GradientClipping
{
    /// <summary>
    /// Scales all <paramref name="gradients"/> in place by one factor so that their global 2-norm
    /// (the norm of all elements taken together) is at most <paramref name="maxNorm"/>, like
    /// <c>torch.nn.utils.clip_grad_norm_(…, max_norm, norm_type = 2)</c>: the factor is
    /// <c>maxNorm / (total + 1e-6)</c> when that is below 1, and nothing changes otherwise.
    /// Returns the total norm before clipping.
    /// </summary>
    /// <remarks>
    /// <para>A NaN or infinite gradient gives a NaN or infinite norm, which is returned so the
    /// caller can report it, and the gradients are left untouched (torch would multiply them all
    /// by NaN or 0 and hide where the damage came from).</para>
    /// <para>Squares are summed in float64 whatever the gradient's type. Contiguous CPU Float32 and
    /// Float64 gradients (the buffers generated trainers own) are read in place, so the call
    /// allocates nothing; other gradients (other devices, layouts or dtypes) go through a float64
    /// copy each.</para>
    /// </remarks>
    public static double ClipByGlobalNorm(IReadOnlyList<Tensor> gradients, double maxNorm)
    {
        ArgumentNullException.ThrowIfNull(gradients);
        if (!(maxNorm >= 0))
        {
            throw new ArgumentOutOfRangeException(nameof(maxNorm), maxNorm, "maxNorm must be a number >= 0 (infinity disables clipping).");
        }
        var sumOfSquares = 0.0;
        for (var i = 0; i < gradients.Count; i++) sumOfSquares += SumOfSquares(gradients[i]);
        var total = Math.Sqrt(sumOfSquares);
        if (!double.IsFinite(total)) return total;

        var scale = maxNorm / (total + 1e-6);
        if (scale < 1)
        {
            for (var i = 0; i < gradients.Count; i++) Kernels.MulInPlace(gradients[i], scale);
        }
        return total;
    }

    /// <summary>The sum of the squares of <paramref name="tensor"/>'s elements, in float64.</summary>
    internal static double SumOfSquares(Tensor tensor)
    {
        var dtype = tensor.DType;
        if ((dtype is DType.Float32 or DType.Float64) && tensor.Device.Type == DeviceType.Cpu && tensor.IsContiguous)
        {
            var count = tensor.NumElements;
            if (count == 0) return 0;
            var data = tensor.DataPointer;
            return dtype == DType.Float32 ? SumOfSquares((float*)data, count) : SumOfSquares((double*)data, count);
        }
        using var asDouble = tensor.To(DType.Float64);
        using var squares = Ops.Mul(asDouble, asDouble);
        using var sum = Ops.Sum(squares);
        return sum.Item();
    }

    // Spans address at most int.MaxValue elements; larger tensors are summed in pieces.
    private const int Chunk = 1 << 30;

    private static double SumOfSquares(float* data, long count)
    {
        var total = 0.0;
        for (long start = 0; start < count; start += Chunk)
        {
            total += SumOfSquares(new ReadOnlySpan<float>(data + start, (int)Math.Min(Chunk, count - start)));
        }
        return total;
    }

    private static double SumOfSquares(double* data, long count)
    {
        var total = 0.0;
        for (long start = 0; start < count; start += Chunk)
        {
            total += SumOfSquares(new ReadOnlySpan<double>(data + start, (int)Math.Min(Chunk, count - start)));
        }
        return total;
    }

    private static double SumOfSquares(ReadOnlySpan<float> values)
    {
        // Each float is widened to double before squaring, so the sum keeps float64 precision.
        var vectors = MemoryMarshal.Cast<float, Vector<float>>(values);
        Vector<double> a = default, b = default;
        foreach (var v in vectors)
        {
            Vector.Widen(v, out var low, out var high);
            a += low * low;
            b += high * high;
        }
        var total = Vector.Sum(a + b);
        for (var i = vectors.Length * Vector<float>.Count; i < values.Length; i++)
        {
            double x = values[i];
            total += x * x;
        }
        return total;
    }

    private static double SumOfSquares(ReadOnlySpan<double> values)
    {
        // Two accumulators halve the dependency chain between additions.
        var vectors = MemoryMarshal.Cast<double, Vector<double>>(values);
        Vector<double> a = default, b = default;
        var i = 0;
        for (; i + 1 < vectors.Length; i += 2)
        {
            a += vectors[i] * vectors[i];
            b += vectors[i + 1] * vectors[i + 1];
        }
        if (i < vectors.Length) a += vectors[i] * vectors[i];
        var total = Vector.Sum(a + b);
        for (var j = vectors.Length * Vector<double>.Count; j < values.Length; j++) total += values[j] * values[j];
        return total;
    }
}
