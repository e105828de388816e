using System.Runtime.InteropServices;

namespace Dsl.Native;

internal static unsafe partial class NativeMethods
{
    [LibraryImport(Lib)] internal static partial int dsl_expand_axes_out(IntPtr output, IntPtr gradient, long* dims, int ndims, int mean);
}
