using System.Buffers.Binary;
using System.Text;
using System.Text.Json;

namespace Dsl.Runtime.Tests.Checkpoints;

/// <summary>A folder under /tmp for one test's checkpoint files, deleted afterwards.</summary>
internal sealed class TemporaryFolder : IDisposable
{
    public TemporaryFolder() => Path = Directory.CreateTempSubdirectory("dsl-checkpoints-").FullName;

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>
/// The test side's own view of the format, written from the format's description (not from the
/// code under test): raw files with any header, and the header of a file parsed by hand.
/// </summary>
internal static class RawSafeTensors
{
    /// <summary>Writes an 8-byte length (which may lie), the header text and <paramref name="dataBytes"/> bytes of data.</summary>
    public static void Write(string path, string header, long dataBytes, ulong? claimedHeaderLength = null)
    {
        var json = Encoding.UTF8.GetBytes(header);
        WriteBytes(path, json, dataBytes, claimedHeaderLength ?? (ulong)json.Length);
    }

    public static void WriteBytes(string path, byte[] header, long dataBytes, ulong claimedHeaderLength)
    {
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write);
        Span<byte> length = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, claimedHeaderLength);
        stream.Write(length);
        stream.Write(header);
        var data = new byte[dataBytes];
        for (var i = 0; i < data.Length; i++) data[i] = (byte)(i * 7);
        stream.Write(data);
    }

    /// <summary>The header length and the parsed header of a file.</summary>
    public static (long HeaderLength, JsonDocument Header) ReadHeader(string path)
    {
        var bytes = System.IO.File.ReadAllBytes(path);
        var length = (long)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        return (length, JsonDocument.Parse(bytes.AsMemory(8, (int)length)));
    }
}
