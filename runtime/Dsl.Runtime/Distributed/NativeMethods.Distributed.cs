using System.Runtime.InteropServices;

namespace Dsl.Native;

internal static unsafe partial class NativeMethods
{
    // distributed.cpp
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int dsl_dist_init(string master, int port, int rank, int world, long timeoutMs, string? localAddress, out IntPtr group);
    [LibraryImport(Lib)] internal static partial int dsl_dist_free(IntPtr group);
    [LibraryImport(Lib)] internal static partial int dsl_dist_lost_rank(IntPtr group, out int rank);
    [LibraryImport(Lib)] internal static partial int dsl_dist_all_reduce(IntPtr group, IntPtr tensor, int op);
    [LibraryImport(Lib)] internal static partial int dsl_dist_broadcast(IntPtr group, IntPtr tensor, int root);
    [LibraryImport(Lib)] internal static partial int dsl_dist_barrier(IntPtr group);
}
