using System.Runtime.InteropServices;

namespace Dsl.Native;

// reductions.cpp. A dims list of length 0 means every dimension.
internal static unsafe partial class NativeMethods
{
    [LibraryImport(Lib)] internal static partial int dsl_sum(IntPtr x, long* dims, int ndims, int keepdim, out IntPtr result);
    [LibraryImport(Lib)] internal static partial int dsl_sum_out(IntPtr output, IntPtr x, long* dims, int ndims, int keepdim);
    [LibraryImport(Lib)] internal static partial int dsl_mean(IntPtr x, long* dims, int ndims, int keepdim, out IntPtr result);
    [LibraryImport(Lib)] internal static partial int dsl_mean_out(IntPtr output, IntPtr x, long* dims, int ndims, int keepdim);
    [LibraryImport(Lib)] internal static partial int dsl_max_all(IntPtr x, out IntPtr result);
    [LibraryImport(Lib)] internal static partial int dsl_max_all_out(IntPtr output, IntPtr x);
    [LibraryImport(Lib)] internal static partial int dsl_max_dim(IntPtr x, long dim, int keepdim, out IntPtr values, out IntPtr indices);
    [LibraryImport(Lib)] internal static partial int dsl_max_dim_out(IntPtr values, IntPtr indices, IntPtr x, long dim, int keepdim);
    [LibraryImport(Lib)] internal static partial int dsl_amax(IntPtr x, long* dims, int ndims, int keepdim, out IntPtr result);
    [LibraryImport(Lib)] internal static partial int dsl_amax_out(IntPtr output, IntPtr x, long* dims, int ndims, int keepdim);
    [LibraryImport(Lib)] internal static partial int dsl_argmax(IntPtr x, long dim, int hasDim, int keepdim, out IntPtr result);
    [LibraryImport(Lib)] internal static partial int dsl_argmax_out(IntPtr output, IntPtr x, long dim, int hasDim, int keepdim);
    [LibraryImport(Lib)] internal static partial int dsl_logsumexp(IntPtr x, long* dims, int ndims, int keepdim, out IntPtr result);
    [LibraryImport(Lib)] internal static partial int dsl_logsumexp_out(IntPtr output, IntPtr x, long* dims, int ndims, int keepdim);
    [LibraryImport(Lib)] internal static partial int dsl_var(IntPtr x, long* dims, int ndims, long correction, int keepdim, out IntPtr result);
    [LibraryImport(Lib)] internal static partial int dsl_var_out(IntPtr output, IntPtr x, long* dims, int ndims, long correction, int keepdim);
    [LibraryImport(Lib)] internal static partial int dsl_sum_to_shape(IntPtr x, long* shape, int rank, out IntPtr result);
    [LibraryImport(Lib)] internal static partial int dsl_sum_to_shape_out(IntPtr output, IntPtr x, long* shape, int rank);
    [LibraryImport(Lib)] internal static partial int dsl_sum_to_output(IntPtr output, IntPtr x);
}
