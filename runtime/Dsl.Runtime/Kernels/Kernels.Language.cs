using Dsl.Native;

namespace Dsl;

// Kernels the generated step calls for the language's ops that ATen has no single call for.
public static unsafe partial class Kernels
{
    /// <summary>
    /// output = gradient with size-1 axes inserted at <paramref name="dims"/> (axes of output, ascending;
    /// empty when the gradient kept them), broadcast to output's shape, and divided by
    /// numel(output) / numel(gradient) when <paramref name="mean"/>: the backward of a sum (or mean)
    /// over those axes.
    /// </summary>
    public static void ExpandAxes(Tensor gradient, ReadOnlySpan<long> dims, bool mean, Tensor output) =>
        Call.ReduceOut(&NativeMethods.dsl_expand_axes_out, gradient, dims, mean, output, "expand_axes");
}
