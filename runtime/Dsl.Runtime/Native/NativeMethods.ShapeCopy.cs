using System.Runtime.InteropServices;

namespace Dsl.Native;

// shape_copy.cpp, and matmul with transposed operands (linalg.cpp).
internal static unsafe partial class NativeMethods
{
    [LibraryImport(Lib)] internal static partial int dsl_reshape_out(IntPtr output, IntPtr x);
    [LibraryImport(Lib)] internal static partial int dsl_permute_out(IntPtr output, IntPtr x, long* dims, int count);
    [LibraryImport(Lib)] internal static partial int dsl_transpose_out(IntPtr output, IntPtr x, long dim0, long dim1);
    [LibraryImport(Lib)] internal static partial int dsl_expand_out(IntPtr output, IntPtr x);
    [LibraryImport(Lib)] internal static partial int dsl_narrow_out(IntPtr output, IntPtr x, long dim, long start);
    [LibraryImport(Lib)] internal static partial int dsl_slice_out(IntPtr output, IntPtr x, long dim, long start, long step);
    [LibraryImport(Lib)] internal static partial int dsl_slice_backward_out(IntPtr output, IntPtr grad, long dim, long start, long step);
    [LibraryImport(Lib)] internal static partial int dsl_select(IntPtr x, long dim, long index, out IntPtr result);
    [LibraryImport(Lib)] internal static partial int dsl_select_out(IntPtr output, IntPtr x, long dim, long index);
    [LibraryImport(Lib)] internal static partial int dsl_narrow_backward_out(IntPtr output, IntPtr grad, long dim, long start);
    [LibraryImport(Lib)] internal static partial int dsl_select_backward_out(IntPtr output, IntPtr grad, long dim, long index);
    [LibraryImport(Lib)] internal static partial int dsl_index_select_backward_out(IntPtr output, IntPtr grad, long dim, IntPtr index);
    [LibraryImport(Lib)] internal static partial int dsl_gather_backward_out(IntPtr output, IntPtr grad, long dim, IntPtr index);
    [LibraryImport(Lib)] internal static partial int dsl_matmul_t_out(IntPtr output, IntPtr a, IntPtr b, int transposeA, int transposeB);
}
