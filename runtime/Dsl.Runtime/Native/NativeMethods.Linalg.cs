using System.Runtime.InteropServices;

namespace Dsl.Native;

// linalg.cpp. Transpose flags are 0 or 1.
internal static unsafe partial class NativeMethods
{
    [LibraryImport(Lib)] internal static partial int dsl_matmul(IntPtr a, IntPtr b, out IntPtr result);
    [LibraryImport(Lib)] internal static partial int dsl_matmul_out(IntPtr output, IntPtr a, IntPtr b);
    [LibraryImport(Lib)] internal static partial int dsl_mm(IntPtr a, IntPtr b, int transposeA, int transposeB, out IntPtr result);
    [LibraryImport(Lib)] internal static partial int dsl_mm_out(IntPtr output, IntPtr a, IntPtr b, int transposeA, int transposeB);
    [LibraryImport(Lib)] internal static partial int dsl_bmm(IntPtr a, IntPtr b, int transposeA, int transposeB, out IntPtr result);
    [LibraryImport(Lib)] internal static partial int dsl_bmm_out(IntPtr output, IntPtr a, IntPtr b, int transposeA, int transposeB);
    [LibraryImport(Lib)] internal static partial int dsl_addmm(IntPtr bias, IntPtr a, IntPtr b, double beta, double alpha, int transposeA, int transposeB, out IntPtr result);
    [LibraryImport(Lib)] internal static partial int dsl_addmm_out(IntPtr output, IntPtr bias, IntPtr a, IntPtr b, double beta, double alpha, int transposeA, int transposeB);
    [LibraryImport(Lib)] internal static partial int dsl_linear(IntPtr x, IntPtr weight, IntPtr bias, out IntPtr result);
    [LibraryImport(Lib)] internal static partial int dsl_linear_out(IntPtr output, IntPtr x, IntPtr weight, IntPtr bias);
}
