using Dsl.Native;

namespace Dsl;

// Reductions into a caller-provided output. Dims lists are spans (pass a collection expression such
// as [0, 2]: it lives on the stack); an empty list means every dim.
public static unsafe partial class Kernels
{
    // ---- sum, mean -----------------------------------------------------------------------------

    /// <summary>output = Σᵢ xᵢ over every element (0-dim).</summary>
    public static void Sum(Tensor x, Tensor output) => Sum(x, [], false, output);

    /// <summary>output = Σ x along <paramref name="dim"/>.</summary>
    public static void Sum(Tensor x, long dim, bool keepdim, Tensor output) => Sum(x, [dim], keepdim, output);

    /// <summary>output = Σ x along each of <paramref name="dims"/> (every dim when empty).</summary>
    public static void Sum(Tensor x, ReadOnlySpan<long> dims, bool keepdim, Tensor output) =>
        Call.ReduceOut(&NativeMethods.dsl_sum_out, x, dims, keepdim, output, "sum");

    /// <summary>output = (1/N) Σᵢ xᵢ over every element (0-dim).</summary>
    public static void Mean(Tensor x, Tensor output) => Mean(x, [], false, output);

    /// <summary>output = the mean of x along <paramref name="dim"/>.</summary>
    public static void Mean(Tensor x, long dim, bool keepdim, Tensor output) => Mean(x, [dim], keepdim, output);

    /// <summary>output = the mean of x along each of <paramref name="dims"/> (every dim when empty).</summary>
    public static void Mean(Tensor x, ReadOnlySpan<long> dims, bool keepdim, Tensor output) =>
        Call.ReduceOut(&NativeMethods.dsl_mean_out, x, dims, keepdim, output, "mean");

    // ---- max, amax, argmax ---------------------------------------------------------------------

    /// <summary>output = maxᵢ xᵢ (0-dim).</summary>
    public static void Max(Tensor x, Tensor output) => Call.UnaryOut(&NativeMethods.dsl_max_all_out, x, output, "max");

    /// <summary>values, indices = the largest values along <paramref name="dim"/> and their positions (Int64).</summary>
    public static void Max(Tensor x, long dim, bool keepdim, Tensor values, Tensor indices) =>
        Status.Check(NativeMethods.dsl_max_dim_out(values.Handle, indices.Handle, x.Handle, dim, keepdim ? 1 : 0), "max", x, values, indices);

    /// <summary>output = max x along <paramref name="dim"/>.</summary>
    public static void Amax(Tensor x, long dim, bool keepdim, Tensor output) => Amax(x, [dim], keepdim, output);

    /// <summary>output = max x along each of <paramref name="dims"/> (every dim when empty).</summary>
    public static void Amax(Tensor x, ReadOnlySpan<long> dims, bool keepdim, Tensor output) =>
        Call.ReduceOut(&NativeMethods.dsl_amax_out, x, dims, keepdim, output, "amax");

    /// <summary>output = the position of the largest element of the flattened tensor (0-dim Int64).</summary>
    public static void Argmax(Tensor x, Tensor output) =>
        Status.Check(NativeMethods.dsl_argmax_out(output.Handle, x.Handle, 0, 0, 0), "argmax", x, output);

    /// <summary>output = the positions (Int64) of the largest values along <paramref name="dim"/>.</summary>
    public static void Argmax(Tensor x, long dim, bool keepdim, Tensor output) =>
        Status.Check(NativeMethods.dsl_argmax_out(output.Handle, x.Handle, dim, 1, keepdim ? 1 : 0), "argmax", x, output);

    // ---- logsumexp, var ------------------------------------------------------------------------

    /// <summary>output = log Σᵢ exp(xᵢ) over every element (0-dim), computed stably.</summary>
    public static void LogSumExp(Tensor x, Tensor output) => LogSumExp(x, [], false, output);

    /// <summary>output = log Σ exp(x) along <paramref name="dim"/>, computed stably.</summary>
    public static void LogSumExp(Tensor x, long dim, bool keepdim, Tensor output) => LogSumExp(x, [dim], keepdim, output);

    /// <summary>output = log Σ exp(x) along each of <paramref name="dims"/> (every dim when empty), computed stably.</summary>
    public static void LogSumExp(Tensor x, ReadOnlySpan<long> dims, bool keepdim, Tensor output) =>
        Call.ReduceOut(&NativeMethods.dsl_logsumexp_out, x, dims, keepdim, output, "logsumexp");

    /// <summary>output = Σᵢ (xᵢ - x̄)² / (N - 1) over every element (0-dim), or / N when not <paramref name="unbiased"/>.</summary>
    public static void Var(Tensor x, bool unbiased, Tensor output) => Var(x, [], unbiased ? 1 : 0, false, output);

    /// <summary>output = the variance along <paramref name="dim"/>: Σ (x - x̄)² / (N - 1), or / N when not <paramref name="unbiased"/>.</summary>
    public static void Var(Tensor x, long dim, bool unbiased, bool keepdim, Tensor output) =>
        Var(x, [dim], unbiased ? 1 : 0, keepdim, output);

    /// <summary>output = the variance along <paramref name="dims"/>: Σ (x - x̄)² / (N - 1), or / N when not <paramref name="unbiased"/>.</summary>
    public static void Var(Tensor x, ReadOnlySpan<long> dims, bool unbiased, bool keepdim, Tensor output) =>
        Var(x, dims, unbiased ? 1 : 0, keepdim, output);

    /// <summary>output = the variance along <paramref name="dims"/> (every dim when empty): Σ (x - x̄)² / (N - correction).</summary>
    public static void Var(Tensor x, ReadOnlySpan<long> dims, long correction, bool keepdim, Tensor output)
    {
        fixed (long* p = dims)
        {
            Status.Check(NativeMethods.dsl_var_out(output.Handle, x.Handle, p, dims.Length, correction, keepdim ? 1 : 0), "var", x, output);
        }
    }

    // ---- sum to shape --------------------------------------------------------------------------

    /// <summary>
    /// output = x summed back to <paramref name="shape"/> (see <see cref="Ops.SumToShape(Tensor, ReadOnlySpan{long})"/>),
    /// written straight into <paramref name="output"/>'s memory: output may be a view into a larger tensor.
    /// </summary>
    public static void SumToShape(Tensor x, ReadOnlySpan<long> shape, Tensor output)
    {
        fixed (long* p = shape)
        {
            Status.Check(NativeMethods.dsl_sum_to_shape_out(output.Handle, x.Handle, p, shape.Length), "sum_to_shape", x, output);
        }
    }

    /// <summary>output = x summed back to output's own shape (the gradient of broadcasting into it).</summary>
    public static void SumToShape(Tensor x, Tensor output) =>
        Status.Check(NativeMethods.dsl_sum_to_output(output.Handle, x.Handle), "sum_to_shape", x, output);
}
