using System.Runtime.InteropServices;

namespace Dsl.Native;

// loops.cpp: the saved values of run-time loops.
internal static unsafe partial class NativeMethods
{
    [LibraryImport(Lib)] internal static partial int dsl_copy_to_row(IntPtr rows, IntPtr source, long row);
}
