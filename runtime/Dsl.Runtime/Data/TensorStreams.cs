using System.Buffers.Binary;

namespace Dsl;

/// <summary>Raw element bytes between streams and CPU tensors, in chunks (no managed copy of the whole array).</summary>
internal static unsafe class TensorStreams
{
    private const int ChunkBytes = 1 << 20;

    /// <summary>
    /// Fills the contiguous CPU tensor <paramref name="tensor"/> with exactly its byte count from
    /// <paramref name="stream"/>; a stream that ends early is an error naming
    /// <paramref name="source"/>, the bytes expected and the bytes found.
    /// </summary>
    public static void ReadInto(Stream stream, Tensor tensor, string source, string what)
    {
        var total = tensor.NumElements * tensor.DType.ElementSize();
        var data = (byte*)tensor.DataPointer;
        long done = 0;
        while (done < total)
        {
            var chunk = (int)Math.Min(ChunkBytes, total - done);
            var read = stream.ReadAtLeast(new Span<byte>(data + done, chunk), chunk, throwOnEndOfStream: false);
            done += read;
            if (read < chunk)
            {
                throw new InvalidDataException($"{source}: the data does not match the header: {what} needs {total} bytes but {done} follow the header (the file is truncated).");
            }
        }
        GC.KeepAlive(tensor);
    }

    /// <summary>Counts the bytes left in <paramref name="stream"/> (reading them).</summary>
    public static long CountRemaining(Stream stream)
    {
        Span<byte> buffer = stackalloc byte[4096];
        long count = 0;
        int read;
        while ((read = stream.Read(buffer)) > 0) count += read;
        return count;
    }

    /// <summary>Writes the bytes of the contiguous CPU tensor <paramref name="tensor"/>.</summary>
    public static void Write(Stream stream, Tensor tensor)
    {
        var total = tensor.NumElements * tensor.DType.ElementSize();
        var data = (byte*)tensor.DataPointer;
        for (long done = 0; done < total; done += ChunkBytes)
        {
            stream.Write(new ReadOnlySpan<byte>(data + done, (int)Math.Min(ChunkBytes, total - done)));
        }
        GC.KeepAlive(tensor);
    }

    /// <summary>Reverses the byte order of every element of the contiguous CPU tensor (big-endian files).</summary>
    public static void SwapByteOrder(Tensor tensor)
    {
        var count = tensor.NumElements;
        var data = tensor.DataPointer;
        // Spans are int-sized, so very large tensors are swapped in pieces.
        const int Piece = 1 << 28;
        for (long done = 0; done < count; done += Piece)
        {
            var length = (int)Math.Min(Piece, count - done);
            switch (tensor.DType.ElementSize())
            {
                case 2:
                    var halves = new Span<ushort>((ushort*)data + done, length);
                    BinaryPrimitives.ReverseEndianness(halves, halves);
                    break;
                case 4:
                    var words = new Span<uint>((uint*)data + done, length);
                    BinaryPrimitives.ReverseEndianness(words, words);
                    break;
                case 8:
                    var doubles = new Span<ulong>((ulong*)data + done, length);
                    BinaryPrimitives.ReverseEndianness(doubles, doubles);
                    break;
            }
        }
        GC.KeepAlive(tensor);
    }

    /// <summary>The first byte that is neither 0 nor 1 in a Bool tensor's storage, with its position, or null.</summary>
    public static (long Position, byte Value)? FindInvalidBool(Tensor tensor)
    {
        var data = (byte*)tensor.DataPointer;
        var count = tensor.NumElements;
        for (long i = 0; i < count; i++)
        {
            if (data[i] > 1) return (i, data[i]);
        }
        GC.KeepAlive(tensor);
        return null;
    }
}
