using System.Runtime.Intrinsics.X86;

namespace Dsl.Checkpoints;

/// <summary>
/// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum each checkpoint tensor
/// carries: x86's SSE4.2 <c>crc32</c> instruction and ARMv8's CRC32C instructions compute it in
/// hardware (several GB/s), and a table is the fallback elsewhere.
/// </summary>
internal static unsafe class Crc32C
{
    private const uint Polynomial = 0x82F63B78;
    private static readonly uint[] Table = CreateTable();

    private static uint[] CreateTable()
    {
        var table = new uint[256];
        for (uint n = 0; n < 256; n++)
        {
            var c = n;
            for (var k = 0; k < 8; k++) c = (c & 1) != 0 ? Polynomial ^ (c >> 1) : c >> 1;
            table[n] = c;
        }
        return table;
    }

    /// <summary>Continues <paramref name="crc"/> (start from 0) over <paramref name="length"/> bytes at <paramref name="data"/>.</summary>
    public static uint Append(uint crc, byte* data, long length)
    {
        var c = ~crc;
        if (Sse42.X64.IsSupported)
        {
            ulong wide = c;
            for (; length >= 8; length -= 8, data += 8) wide = Sse42.X64.Crc32(wide, *(ulong*)data);
            c = (uint)wide;
            for (; length > 0; length--, data++) c = Sse42.Crc32(c, *data);
        }
        else if (System.Runtime.Intrinsics.Arm.Crc32.Arm64.IsSupported)
        {
            for (; length >= 8; length -= 8, data += 8) c = System.Runtime.Intrinsics.Arm.Crc32.Arm64.ComputeCrc32C(c, *(ulong*)data);
            for (; length > 0; length--, data++) c = System.Runtime.Intrinsics.Arm.Crc32.ComputeCrc32C(c, *data);
        }
        else
        {
            for (; length > 0; length--, data++) c = Table[(c ^ *data) & 0xFF] ^ (c >> 8);
        }
        return ~c;
    }

    /// <summary>Continues <paramref name="crc"/> over <paramref name="data"/>.</summary>
    public static uint Append(uint crc, ReadOnlySpan<byte> data)
    {
        fixed (byte* p = data) return Append(crc, p, data.Length);
    }

    /// <summary>The text form stored in checkpoints: eight lower-case hex digits.</summary>
    public static string Format(uint crc) => crc.ToString("x8", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Parses <see cref="Format"/>'s text; false for anything else.</summary>
    public static bool TryParse(string text, out uint crc)
    {
        crc = 0;
        return text.Length == 8 && uint.TryParse(text, System.Globalization.NumberStyles.AllowHexSpecifier, System.Globalization.CultureInfo.InvariantCulture, out crc);
    }
}
