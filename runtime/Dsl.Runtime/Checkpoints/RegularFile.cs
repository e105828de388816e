using System.Runtime.InteropServices;

namespace Dsl;

/// <summary>
/// Refuses paths that are not regular files before they are opened: opening a FIFO for reading
/// blocks until some writer appears (forever, for a loader), and a character device can be
/// endless. On Linux this asks <c>statx</c> for the file type (following links); elsewhere the
/// check is skipped.
/// </summary>
internal static unsafe partial class RegularFile
{
    private const int AtFdCwd = -100;
    private const uint StatxType = 0x1;
    private const int TypeMask = 0xF000, Regular = 0x8000, Directory = 0x4000, Fifo = 0x1000, CharacterDevice = 0x2000,
        BlockDevice = 0x6000, Socket = 0xC000;

    /// <summary>What kind of file <paramref name="path"/> is when it is not a regular file ("a FIFO (named pipe)"), or null when it is one, is missing, or the platform cannot tell.</summary>
    internal static string? NotRegular(string path)
    {
        if (!OperatingSystem.IsLinux()) return null;
        // struct statx is 256 bytes on every architecture; stx_mode is the 16-bit field at offset 28.
        var buffer = stackalloc byte[256];
        int result;
        try
        {
            result = Statx(AtFdCwd, path, 0, StatxType, buffer);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return null;
        }
        if (result != 0) return null; // missing or unreadable: opening it reports that with its own message
        var mode = *(ushort*)(buffer + 28) & TypeMask;
        return mode switch
        {
            Regular => null,
            Directory => "a folder",
            Fifo => "a FIFO (named pipe)",
            CharacterDevice => "a character device",
            BlockDevice => "a block device",
            Socket => "a socket",
            _ => "not a regular file",
        };
    }

    [LibraryImport("libc.so.6", EntryPoint = "statx", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Statx(int directory, string path, int flags, uint mask, byte* buffer);
}
