using System.Runtime.InteropServices;

namespace Dsl.Native;

// shape.cpp
internal static unsafe partial class NativeMethods
{
    [LibraryImport(Lib)] internal static partial int dsl_reshape(IntPtr x, long* shape, int rank, out IntPtr result);
    [LibraryImport(Lib)] internal static partial int dsl_view(IntPtr x, long* shape, int rank, out IntPtr result);
    [LibraryImport(Lib)] internal static partial int dsl_transpose(IntPtr x, long dim0, long dim1, out IntPtr result);
    [LibraryImport(Lib)] internal static partial int dsl_permute(IntPtr x, long* dims, int count, out IntPtr result);
    [LibraryImport(Lib)] internal static partial int dsl_expand(IntPtr x, long* shape, int rank, out IntPtr result);
    [LibraryImport(Lib)] internal static partial int dsl_slice(IntPtr x, long dim, long start, long end, long step, out IntPtr result);
    [LibraryImport(Lib)] internal static partial int dsl_narrow(IntPtr x, long dim, long start, long length, out IntPtr result);
    [LibraryImport(Lib)] internal static partial int dsl_flatten(IntPtr x, long startDim, long endDim, out IntPtr result);
    [LibraryImport(Lib)] internal static partial int dsl_squeeze(IntPtr x, out IntPtr result);
    [LibraryImport(Lib)] internal static partial int dsl_squeeze_dim(IntPtr x, long dim, out IntPtr result);
    [LibraryImport(Lib)] internal static partial int dsl_unsqueeze(IntPtr x, long dim, out IntPtr result);
    [LibraryImport(Lib)] internal static partial int dsl_index_select(IntPtr x, long dim, IntPtr index, out IntPtr result);
    [LibraryImport(Lib)] internal static partial int dsl_index_select_out(IntPtr output, IntPtr x, long dim, IntPtr index);
    [LibraryImport(Lib)] internal static partial int dsl_gather(IntPtr x, long dim, IntPtr index, out IntPtr result);
    [LibraryImport(Lib)] internal static partial int dsl_gather_out(IntPtr output, IntPtr x, long dim, IntPtr index);
    [LibraryImport(Lib)] internal static partial int dsl_scatter_add(IntPtr self, long dim, IntPtr index, IntPtr src, out IntPtr result);
    [LibraryImport(Lib)] internal static partial int dsl_scatter_add_out(IntPtr output, IntPtr self, long dim, IntPtr index, IntPtr src);
    [LibraryImport(Lib)] internal static partial int dsl_scatter_add_(IntPtr self, long dim, IntPtr index, IntPtr src);
    [LibraryImport(Lib)] internal static partial int dsl_one_hot(IntPtr labels, long numClasses, int dtype, out IntPtr result);
    [LibraryImport(Lib)] internal static partial int dsl_one_hot_out(IntPtr output, IntPtr labels);
    [LibraryImport(Lib)] internal static partial int dsl_cat(IntPtr* tensors, int count, long dim, out IntPtr result);
    [LibraryImport(Lib)] internal static partial int dsl_cat_out(IntPtr output, IntPtr* tensors, int count, long dim);
    [LibraryImport(Lib)] internal static partial int dsl_stack(IntPtr* tensors, int count, long dim, out IntPtr result);
    [LibraryImport(Lib)] internal static partial int dsl_stack_out(IntPtr output, IntPtr* tensors, int count, long dim);
}
