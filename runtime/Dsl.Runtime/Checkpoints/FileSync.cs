using System.Runtime.InteropServices;

namespace Dsl.Checkpoints;

/// <summary>
/// Flushes a folder's entries to disk, so a rename inside it survives a power loss. .NET has no API
/// for this (it refuses to open a folder as a file), so on Linux it calls open/fsync/close from libc.
/// </summary>
internal static partial class FileSync
{
    private const int ReadOnly = 0; // O_RDONLY: opening a folder read-only is enough to fsync it
    private const int InvalidArgument = 22; // EINVAL: the file system cannot sync folders
    private const int NotSupported = 95; // EOPNOTSUPP

    internal static void FlushFolder(string folder)
    {
        // Elsewhere the rename itself is what the platform offers (Windows' MoveFileEx has no folder flush).
        if (!OperatingSystem.IsLinux()) return;
        int descriptor;
        try
        {
            descriptor = Open(folder, ReadOnly);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return; // a C library without the glibc name (musl): the rename is done, its durability unconfirmed
        }
        if (descriptor < 0) return; // an unreadable folder: the rename is done, only its durability is unconfirmed
        try
        {
            if (Fsync(descriptor) != 0)
            {
                var error = Marshal.GetLastPInvokeError();
                if (error is InvalidArgument or NotSupported) return;
                throw new IOException(
                    $"The checkpoint was written and renamed into '{folder}', but flushing the folder to disk failed ({Marshal.GetPInvokeErrorMessage(error)}); a power loss now could lose the rename.");
            }
        }
        finally
        {
            _ = Close(descriptor);
        }
    }

    [LibraryImport("libc.so.6", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc.so.6", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int descriptor);

    [LibraryImport("libc.so.6", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int descriptor);
}
