using System.Runtime.InteropServices;

namespace Dsl.Native;

// random.cpp: draws into preallocated buffers (a generated step's random ops). A null generator is libtorch's global one.
internal static unsafe partial class NativeMethods
{
    [LibraryImport(Lib)] internal static partial int dsl_random_from_to_(IntPtr t, long low, long high, IntPtr generator);
    [LibraryImport(Lib)] internal static partial int dsl_bernoulli_tensor_(IntPtr output, IntPtr probabilities, IntPtr generator);
}
