using System.Buffers.Binary;
using System.IO.Compression;

namespace Dsl;

/// <summary>
/// The IDX format of the MNIST files: two zero bytes, an element-type code, the number of
/// dimensions, each size as a big-endian 32-bit integer, then the elements (big-endian). Files
/// compressed with gzip (<c>.gz</c>, recognized by their first bytes) are read transparently.
/// </summary>
/// <example>
/// <code>
/// using var images = Idx.LoadImages("train-images-idx3-ubyte.gz");   // [60000, 28, 28] Float32 in [0, 1]
/// using var labels = Idx.LoadLabels("train-labels-idx1-ubyte.gz");   // [60000] Int64
/// </code>
/// </example>
public static class Idx
{
    /// <summary>Reads the array with its stored element type (0x08 UInt8, 0x09 Int8, 0x0B Int16, 0x0C Int32, 0x0D Float32, 0x0E Float64).</summary>
    /// <exception cref="InvalidDataException">The file is not valid IDX (the message names it and what is wrong).</exception>
    public static Tensor Load(string path)
    {
        using var stream = Open(path);
        return Read(stream, path, stream is GZipStream ? new FileInfo(path).Length : null);
    }

    /// <summary>
    /// Reads unsigned-byte images: as Float32 scaled to [0, 1] (value / 255) when
    /// <paramref name="scaleToUnit"/>, else as the stored UInt8 values.
    /// </summary>
    public static Tensor LoadImages(string path, bool scaleToUnit = true)
    {
        var raw = Load(path);
        if (raw.DType != DType.UInt8 || raw.Rank < 2)
        {
            var found = raw.DescribeForError();
            raw.Dispose();
            throw new InvalidDataException($"{path}: expected unsigned-byte images (IDX type 0x08, at least 2 dimensions) but the file holds {found}.");
        }
        if (!scaleToUnit) return raw;
        using (raw)
        {
            var scaled = raw.To(DType.Float32);
            Kernels.Div(scaled, 255.0, scaled);
            return scaled;
        }
    }

    /// <summary>Reads one integer label per example (a 1-D IDX file of an integer type) as Int64 class indices.</summary>
    public static Tensor LoadLabels(string path)
    {
        var raw = Load(path);
        if (raw.Rank != 1 || raw.DType.IsFloatingPoint())
        {
            var found = raw.DescribeForError();
            raw.Dispose();
            throw new InvalidDataException($"{path}: expected labels (a 1-D IDX array of an integer type) but the file holds {found}.");
        }
        using (raw) return raw.To(DType.Int64);
    }

    private static Stream Open(string path)
    {
        var file = Npy.OpenRead(path);
        Span<byte> start = stackalloc byte[2];
        var read = file.ReadAtLeast(start, 2, throwOnEndOfStream: false);
        file.Position = 0;
        return read == 2 && start[0] == 0x1F && start[1] == 0x8B ? new GZipStream(file, CompressionMode.Decompress) : file;
    }

    private static Tensor Read(Stream stream, string path, long? compressedLength)
    {
        try
        {
            return ReadUnchecked(stream, path, compressedLength);
        }
        catch (InvalidDataException e) when (!e.Message.StartsWith(path, StringComparison.Ordinal))
        {
            // GZipStream's own report of a damaged compressed stream ("unsupported compression method" and the like).
            throw new InvalidDataException($"{path}: the gzip data is damaged or truncated ({e.Message})", e);
        }
    }

    private static Tensor ReadUnchecked(Stream stream, string path, long? compressedLength)
    {
        Span<byte> magic = stackalloc byte[4];
        if (stream.ReadAtLeast(magic, 4, throwOnEndOfStream: false) < 4 || magic[0] != 0 || magic[1] != 0)
        {
            throw new InvalidDataException($"{path}: not an IDX file: it does not start with two zero bytes and a type code.");
        }
        (DType DType, string Name) type = magic[2] switch
        {
            0x08 => (DType.UInt8, "unsigned byte"),
            0x09 => (DType.Int8, "signed byte"),
            0x0B => (DType.Int16, "short"),
            0x0C => (DType.Int32, "int"),
            0x0D => (DType.Float32, "float"),
            0x0E => (DType.Float64, "double"),
            _ => throw new InvalidDataException($"{path}: unknown IDX element type 0x{magic[2]:X2} (known: 0x08, 0x09, 0x0B, 0x0C, 0x0D, 0x0E)."),
        };
        var rank = magic[3];
        if (rank == 0) throw new InvalidDataException($"{path}: the IDX header declares 0 dimensions.");
        Span<byte> sizes = stackalloc byte[4 * rank];
        if (stream.ReadAtLeast(sizes, sizes.Length, throwOnEndOfStream: false) < sizes.Length)
        {
            throw new InvalidDataException($"{path}: the file is truncated inside the IDX header ({rank} sizes of 4 bytes expected).");
        }
        var dims = new long[rank];
        for (var d = 0; d < rank; d++)
        {
            var size = BinaryPrimitives.ReadInt32BigEndian(sizes[(4 * d)..]);
            if (size < 0) throw new InvalidDataException($"{path}: the IDX header declares a negative size ({size}) for dimension {d}.");
            dims[d] = size;
        }
        var what = $"shape [{string.Join(", ", dims)}] of {type.Name}s";
        var expected = LoaderLimits.DataBytes(dims, type.DType.ElementSize(), path, what);
        var shape = Shape.Create(dims);
        if (stream is GZipStream && compressedLength is { } compressed && expected > LoaderLimits.MaxInflated(compressed))
        {
            // Deflate cannot expand data more than about 1032 times: a header claiming more is a lie, refused before allocating.
            throw new InvalidDataException(
                $"{path}: the IDX header declares {what} ({expected} bytes), more than {compressed} bytes of gzip data can hold (at most {LoaderLimits.MaxInflated(compressed)} bytes); the file is damaged or truncated.");
        }
        if (stream.CanSeek)
        {
            var found = stream.Length - stream.Position;
            if (found != expected)
            {
                throw new InvalidDataException(
                    $"{path}: the data does not match the header: {what} needs {expected} bytes but {found} follow the header" +
                    (found < expected ? " (the file is truncated)." : "."));
            }
        }
        var tensor = Tensor.Empty(shape, type.DType);
        try
        {
            TensorStreams.ReadInto(stream, tensor, path, what);
            if (!stream.CanSeek && TensorStreams.CountRemaining(stream) is var extra and > 0)
            {
                throw new InvalidDataException(
                    $"{path}: the data does not match the header: {what} needs {expected} bytes but {expected + extra} follow the header (after decompression).");
            }
            if (type.DType.ElementSize() > 1) TensorStreams.SwapByteOrder(tensor);
            return tensor;
        }
        catch
        {
            tensor.Dispose();
            throw;
        }
    }
}
