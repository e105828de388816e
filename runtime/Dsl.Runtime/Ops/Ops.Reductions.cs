using System.Runtime.CompilerServices;
using Dsl.Native;

namespace Dsl;

// Reductions. A dims list may hold negative dims (counted from the end); an empty list means every
// dim, like PyTorch's dim=None. With keepdim the reduced dims stay, with size 1.
public static unsafe partial class Ops
{
    // ---- sum, mean -----------------------------------------------------------------------------

    /// <summary>Σᵢ xᵢ over every element, as a 0-dim tensor.</summary>
    public static Tensor Sum(Tensor x) => Sum(x, [], keepdim: false);

    /// <summary>Σ x along <paramref name="dim"/>.</summary>
    public static Tensor Sum(Tensor x, long dim, bool keepdim = false) => Sum(x, [dim], keepdim);

    /// <summary>Σ x along each of <paramref name="dims"/> (every dim when empty).</summary>
    public static Tensor Sum(Tensor x, ReadOnlySpan<long> dims, bool keepdim = false) =>
        Call.Reduce(&NativeMethods.dsl_sum, x, dims, keepdim, "sum");

    /// <summary>(1/N) Σᵢ xᵢ over every element, as a 0-dim tensor.</summary>
    public static Tensor Mean(Tensor x) => Mean(x, [], keepdim: false);

    /// <summary>The mean of x along <paramref name="dim"/>.</summary>
    public static Tensor Mean(Tensor x, long dim, bool keepdim = false) => Mean(x, [dim], keepdim);

    /// <summary>The mean of x along each of <paramref name="dims"/> (every dim when empty).</summary>
    public static Tensor Mean(Tensor x, ReadOnlySpan<long> dims, bool keepdim = false) =>
        Call.Reduce(&NativeMethods.dsl_mean, x, dims, keepdim, "mean");

    // ---- max, amax, argmax ---------------------------------------------------------------------

    /// <summary>maxᵢ xᵢ, as a 0-dim tensor.</summary>
    public static Tensor Max(Tensor x) => Call.Unary(&NativeMethods.dsl_max_all, x, "max");

    /// <summary>
    /// The largest values along <paramref name="dim"/> and their positions (Int64; the first one on ties).
    /// </summary>
    public static (Tensor Values, Tensor Indices) Max(Tensor x, long dim, bool keepdim = false)
    {
        Status.Check(NativeMethods.dsl_max_dim(x.Handle, dim, keepdim ? 1 : 0, out var values, out var indices), "max", x);
        return (new Tensor(values), new Tensor(indices));
    }

    /// <summary>max x along <paramref name="dim"/>, without indices (the gradient spreads evenly over ties).</summary>
    public static Tensor Amax(Tensor x, long dim, bool keepdim = false) => Amax(x, [dim], keepdim);

    /// <summary>max x along each of <paramref name="dims"/> (every dim when empty).</summary>
    public static Tensor Amax(Tensor x, ReadOnlySpan<long> dims, bool keepdim = false) =>
        Call.Reduce(&NativeMethods.dsl_amax, x, dims, keepdim, "amax");

    /// <summary>argmaxᵢ xᵢ: the position of the largest element of the flattened tensor (0-dim Int64).</summary>
    public static Tensor Argmax(Tensor x)
    {
        Status.Check(NativeMethods.dsl_argmax(x.Handle, 0, 0, 0, out var result), "argmax", x);
        return new Tensor(result);
    }

    /// <summary>The positions (Int64) of the largest values along <paramref name="dim"/>.</summary>
    public static Tensor Argmax(Tensor x, long dim, bool keepdim = false)
    {
        Status.Check(NativeMethods.dsl_argmax(x.Handle, dim, 1, keepdim ? 1 : 0, out var result), "argmax", x);
        return new Tensor(result);
    }

    // ---- logsumexp, var ------------------------------------------------------------------------

    /// <summary>log Σᵢ exp(xᵢ) over every element, computed stably (max subtracted first).</summary>
    public static Tensor LogSumExp(Tensor x) => LogSumExp(x, [], keepdim: false);

    /// <summary>log Σ exp(x) along <paramref name="dim"/>, computed stably.</summary>
    public static Tensor LogSumExp(Tensor x, long dim, bool keepdim = false) => LogSumExp(x, [dim], keepdim);

    /// <summary>log Σ exp(x) along each of <paramref name="dims"/> (every dim when empty), computed stably.</summary>
    public static Tensor LogSumExp(Tensor x, ReadOnlySpan<long> dims, bool keepdim = false) =>
        Call.Reduce(&NativeMethods.dsl_logsumexp, x, dims, keepdim, "logsumexp");

    /// <summary>Σᵢ (xᵢ - x̄)² / (N - 1) over every element, or / N when not <paramref name="unbiased"/>.</summary>
    public static Tensor Var(Tensor x, bool unbiased = true) => Var(x, [], unbiased ? 1 : 0, keepdim: false);

    /// <summary>The variance along <paramref name="dim"/>: Σ (x - x̄)² / (N - 1), or / N when not <paramref name="unbiased"/>.</summary>
    public static Tensor Var(Tensor x, long dim, bool unbiased = true, bool keepdim = false) =>
        Var(x, [dim], unbiased ? 1 : 0, keepdim);

    /// <summary>The variance along <paramref name="dims"/> (every dim when empty): Σ (x - x̄)² / (N - 1), or / N when not <paramref name="unbiased"/>.</summary>
    public static Tensor Var(Tensor x, ReadOnlySpan<long> dims, bool unbiased = true, bool keepdim = false) =>
        Var(x, dims, unbiased ? 1 : 0, keepdim);

    /// <summary>The variance along <paramref name="dims"/> (every dim when empty): Σ (x - x̄)² / (N - correction).</summary>
    public static Tensor Var(Tensor x, ReadOnlySpan<long> dims, long correction, bool keepdim = false)
    {
        fixed (long* p = dims)
        {
            Status.Check(NativeMethods.dsl_var(x.Handle, p, dims.Length, correction, keepdim ? 1 : 0, out var result), "var", x);
            return new Tensor(result);
        }
    }

    // ---- sum to shape --------------------------------------------------------------------------

    /// <summary>
    /// Sums a broadcast result back to <paramref name="shape"/>, the gradient of broadcasting: the
    /// leading dims that <paramref name="shape"/> lacks are summed away and its size-1 dims are
    /// summed with keepdim. <c>SumToShape(dy, b.Shape)</c> is ∂L/∂b for <c>y = a + b</c>.
    /// Fails unless <paramref name="shape"/> broadcasts to x's shape.
    /// </summary>
    [OverloadResolutionPriority(1)] // [2, 3] is a span, not a Shape
    public static Tensor SumToShape(Tensor x, ReadOnlySpan<long> shape) =>
        Call.WithIntList(&NativeMethods.dsl_sum_to_shape, x, shape, "sum_to_shape");

    /// <inheritdoc cref="SumToShape(Tensor, ReadOnlySpan{long})"/>
    public static Tensor SumToShape(Tensor x, Shape shape) => SumToShape(x, shape.Dims);
}
