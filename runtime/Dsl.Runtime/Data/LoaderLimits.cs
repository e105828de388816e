using System.Text;

namespace Dsl;

/// <summary>
/// What a data file can make a loader allocate, checked before allocating: a header's element count
/// and byte size must fit in 64 bits, a raw file must hold exactly the bytes its header declares
/// (so it can cost at most its own size), and compressed data cannot claim more than deflate can
/// expand it to. Error texts quote file content abbreviated.
/// </summary>
internal static class LoaderLimits
{
    /// <summary>
    /// Deflate's largest expansion: a 258-byte match costs at least 2 bits, so one compressed byte
    /// yields at most about 1032 bytes. A little slack covers headers and block overheads.
    /// </summary>
    internal const long MaxDeflateRatio = 1032;

    /// <summary>The most bytes <paramref name="compressedBytes"/> of deflate data can decode to.</summary>
    internal static long MaxInflated(long compressedBytes) =>
        compressedBytes > long.MaxValue / MaxDeflateRatio - 1024 ? long.MaxValue : compressedBytes * MaxDeflateRatio + 1024;

    /// <summary>The byte size of <paramref name="dims"/> elements of <paramref name="elementSize"/> bytes; an overflow is an <see cref="InvalidDataException"/> naming the source.</summary>
    internal static long DataBytes(ReadOnlySpan<long> dims, int elementSize, string source, string what)
    {
        long bytes = elementSize;
        foreach (var d in dims)
        {
            if (d < 0) throw new InvalidDataException($"{source}: the header declares a negative size ({d}) in {what}.");
            if (d != 0 && bytes > long.MaxValue / d)
            {
                // Zero anywhere makes an empty array, however large the other sizes.
                if (dims.IndexOf(0L) >= 0) return 0;
                throw new InvalidDataException($"{source}: the header declares {what}, whose size in bytes overflows a 64-bit integer; the file is damaged.");
            }
            bytes *= d;
        }
        return bytes;
    }

    /// <summary>At most 80 characters of <paramref name="text"/>, control characters escaped, "..." when cut.</summary>
    internal static string Abbreviate(string text, bool cut = false)
    {
        var result = new StringBuilder(Math.Min(text.Length, 84));
        foreach (var c in text)
        {
            if (result.Length >= 80) { cut = true; break; }
            if (char.IsControl(c)) result.Append(c == '\0' ? "\\0" : $"\\u{(int)c:x4}");
            else result.Append(c);
        }
        return cut ? result + "..." : result.ToString();
    }
}
