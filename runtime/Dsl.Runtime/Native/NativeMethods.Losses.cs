using System.Runtime.InteropServices;

namespace Dsl.Native;

// reductions_extra.cpp and losses.cpp. A dims list of length 0 means every dimension; the
// einsum equation is a NUL-terminated UTF-8 string.
internal static unsafe partial class NativeMethods
{
    [LibraryImport(Lib)] internal static partial int dsl_min_all(IntPtr x, out IntPtr result);
    [LibraryImport(Lib)] internal static partial int dsl_min_all_out(IntPtr output, IntPtr x);
    [LibraryImport(Lib)] internal static partial int dsl_min_dim(IntPtr x, long dim, int keepdim, out IntPtr values, out IntPtr indices);
    [LibraryImport(Lib)] internal static partial int dsl_min_dim_out(IntPtr values, IntPtr indices, IntPtr x, long dim, int keepdim);
    [LibraryImport(Lib)] internal static partial int dsl_amin(IntPtr x, long* dims, int ndims, int keepdim, out IntPtr result);
    [LibraryImport(Lib)] internal static partial int dsl_amin_out(IntPtr output, IntPtr x, long* dims, int ndims, int keepdim);
    [LibraryImport(Lib)] internal static partial int dsl_norm(IntPtr x, double p, long* dims, int ndims, int keepdim, out IntPtr result);
    [LibraryImport(Lib)] internal static partial int dsl_norm_out(IntPtr output, IntPtr x, double p, long* dims, int ndims, int keepdim);
    [LibraryImport(Lib)] internal static partial int dsl_norm_backward(IntPtr grad, IntPtr x, IntPtr norm, double p, long* dims, int ndims, int keepdim, out IntPtr result);
    [LibraryImport(Lib)] internal static partial int dsl_norm_backward_out(IntPtr output, IntPtr grad, IntPtr x, IntPtr norm, double p, long* dims, int ndims, int keepdim);
    [LibraryImport(Lib)] internal static partial int dsl_einsum(byte* equation, IntPtr* operands, int count, out IntPtr result);
    [LibraryImport(Lib)] internal static partial int dsl_einsum_out(IntPtr output, byte* equation, IntPtr* operands, int count);

    [LibraryImport(Lib)] internal static partial int dsl_l1_loss(IntPtr input, IntPtr target, int reduction, out IntPtr result);
    [LibraryImport(Lib)] internal static partial int dsl_l1_loss_out(IntPtr output, IntPtr input, IntPtr target, int reduction);
    [LibraryImport(Lib)] internal static partial int dsl_l1_loss_backward(IntPtr grad, IntPtr input, IntPtr target, int reduction, out IntPtr result);
    [LibraryImport(Lib)] internal static partial int dsl_l1_loss_backward_out(IntPtr output, IntPtr grad, IntPtr input, IntPtr target, int reduction);
    [LibraryImport(Lib)] internal static partial int dsl_huber_loss(IntPtr input, IntPtr target, int reduction, double delta, out IntPtr result);
    [LibraryImport(Lib)] internal static partial int dsl_huber_loss_out(IntPtr output, IntPtr input, IntPtr target, int reduction, double delta);
    [LibraryImport(Lib)] internal static partial int dsl_huber_loss_backward(IntPtr grad, IntPtr input, IntPtr target, int reduction, double delta, out IntPtr result);
    [LibraryImport(Lib)] internal static partial int dsl_huber_loss_backward_out(IntPtr output, IntPtr grad, IntPtr input, IntPtr target, int reduction, double delta);
    [LibraryImport(Lib)] internal static partial int dsl_kl_div(IntPtr input, IntPtr target, int reduction, int logTarget, out IntPtr result);
    [LibraryImport(Lib)] internal static partial int dsl_kl_div_out(IntPtr output, IntPtr input, IntPtr target, int reduction, int logTarget);
    [LibraryImport(Lib)] internal static partial int dsl_kl_div_backward(IntPtr grad, IntPtr input, IntPtr target, int reduction, int logTarget, out IntPtr result);
    [LibraryImport(Lib)] internal static partial int dsl_kl_div_backward_out(IntPtr output, IntPtr grad, IntPtr input, IntPtr target, int reduction, int logTarget);
    [LibraryImport(Lib)] internal static partial int dsl_kl_div_target_backward(IntPtr grad, IntPtr input, IntPtr target, int reduction, int logTarget, out IntPtr result);
    [LibraryImport(Lib)] internal static partial int dsl_kl_div_target_backward_out(IntPtr output, IntPtr grad, IntPtr input, IntPtr target, int reduction, int logTarget);
}
