using System.Runtime.InteropServices;

namespace Dsl.Native;

// activations.cpp
internal static unsafe partial class NativeMethods
{
    [LibraryImport(Lib)] internal static partial int dsl_erf(IntPtr x, out IntPtr result);
    [LibraryImport(Lib)] internal static partial int dsl_erf_out(IntPtr output, IntPtr x);
    [LibraryImport(Lib)] internal static partial int dsl_log1p(IntPtr x, out IntPtr result);
    [LibraryImport(Lib)] internal static partial int dsl_log1p_out(IntPtr output, IntPtr x);
    [LibraryImport(Lib)] internal static partial int dsl_expm1(IntPtr x, out IntPtr result);
    [LibraryImport(Lib)] internal static partial int dsl_expm1_out(IntPtr output, IntPtr x);
    [LibraryImport(Lib)] internal static partial int dsl_sin(IntPtr x, out IntPtr result);
    [LibraryImport(Lib)] internal static partial int dsl_sin_out(IntPtr output, IntPtr x);
    [LibraryImport(Lib)] internal static partial int dsl_cos(IntPtr x, out IntPtr result);
    [LibraryImport(Lib)] internal static partial int dsl_cos_out(IntPtr output, IntPtr x);
    [LibraryImport(Lib)] internal static partial int dsl_log_sigmoid(IntPtr x, out IntPtr result);
    [LibraryImport(Lib)] internal static partial int dsl_log_sigmoid_out(IntPtr output, IntPtr x);
    [LibraryImport(Lib)] internal static partial int dsl_softplus(IntPtr x, double beta, double threshold, out IntPtr result);
    [LibraryImport(Lib)] internal static partial int dsl_softplus_out(IntPtr output, IntPtr x, double beta, double threshold);
    [LibraryImport(Lib)] internal static partial int dsl_leaky_relu(IntPtr x, double negativeSlope, out IntPtr result);
    [LibraryImport(Lib)] internal static partial int dsl_leaky_relu_out(IntPtr output, IntPtr x, double negativeSlope);
    [LibraryImport(Lib)] internal static partial int dsl_elu(IntPtr x, double alpha, out IntPtr result);
    [LibraryImport(Lib)] internal static partial int dsl_elu_out(IntPtr output, IntPtr x, double alpha);
    [LibraryImport(Lib)] internal static partial int dsl_softplus_backward(IntPtr grad, IntPtr x, double beta, double threshold, out IntPtr result);
    [LibraryImport(Lib)] internal static partial int dsl_softplus_backward_out(IntPtr output, IntPtr grad, IntPtr x, double beta, double threshold);
    [LibraryImport(Lib)] internal static partial int dsl_leaky_relu_backward(IntPtr grad, IntPtr x, double negativeSlope, out IntPtr result);
    [LibraryImport(Lib)] internal static partial int dsl_leaky_relu_backward_out(IntPtr output, IntPtr grad, IntPtr x, double negativeSlope);
    [LibraryImport(Lib)] internal static partial int dsl_elu_backward(IntPtr grad, IntPtr x, double alpha, out IntPtr result);
    [LibraryImport(Lib)] internal static partial int dsl_elu_backward_out(IntPtr output, IntPtr grad, IntPtr x, double alpha);
    [LibraryImport(Lib)] internal static partial int dsl_log_sigmoid_backward(IntPtr grad, IntPtr x, out IntPtr result);
    [LibraryImport(Lib)] internal static partial int dsl_log_sigmoid_backward_out(IntPtr output, IntPtr grad, IntPtr x);
}
