using System.Buffers.Binary;
using System.Text.Json;
using System.Text.Unicode;
using Dsl.Checkpoints;
using Microsoft.Win32.SafeHandles;

namespace Dsl;

/// <summary>
/// An open safetensors file whose header has been checked completely: every entry's dtype, shape
/// and byte range agree, the ranges tile the data section exactly, and the file is as long as the
/// header says. Tensors are read on demand, straight from the file into tensor memory.
/// </summary>
/// <remarks>
/// The file stays open until <see cref="Dispose"/>. On Linux a writer that replaces the file (as
/// <see cref="SafeTensors.Save"/> does, by rename) does not disturb an open reader: it keeps
/// reading the version it opened.
/// </remarks>
public sealed unsafe class SafeTensorsFile : IDisposable
{
    /// <summary>The largest header accepted (the limit the reference implementation uses too).</summary>
    public const long MaxHeaderLength = 100_000_000;

    // Reads go straight into tensor memory in pieces a Span can address.
    private const int ReadChunk = 1 << 30;

    // Checksums are verified in pieces of this size through one pooled buffer.
    private const int VerifyChunk = 1 << 20;

    private readonly SafeFileHandle _handle;
    private readonly Dictionary<string, TensorInfo> _entries;
    private readonly Dictionary<string, uint> _checksums;

    private SafeTensorsFile(string path, SafeFileHandle handle, long dataOffset, List<TensorInfo> entriesInFileOrder,
        IReadOnlyDictionary<string, string> metadata, Dictionary<string, uint> checksums)
    {
        _checksums = checksums;
        FilePath = path;
        _handle = handle;
        DataOffset = dataOffset;
        _entries = new Dictionary<string, TensorInfo>(entriesInFileOrder.Count, StringComparer.Ordinal);
        var names = new string[entriesInFileOrder.Count];
        for (var i = 0; i < names.Length; i++)
        {
            names[i] = entriesInFileOrder[i].Name;
            _entries.Add(names[i], entriesInFileOrder[i]);
        }
        Names = names;
        // The checksums are the format's business, verified here; callers see their own metadata.
        Metadata = checksums.Count == 0 ? metadata : metadata
            .Where(kv => !kv.Key.StartsWith(SafeTensors.ChecksumPrefix, StringComparison.Ordinal) && kv.Key != SafeTensors.HeaderChecksumKey)
            .ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
    }

    /// <summary>The file, as given to <see cref="SafeTensors.Open"/> (made absolute).</summary>
    public string FilePath { get; }

    /// <summary>The tensors' names, in the order their data lies in the file.</summary>
    public IReadOnlyList<string> Names { get; }

    /// <summary>The header's <c>__metadata__</c> (empty when it has none), without the checksum entries (which were verified).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>
    /// Whether the file carries checksums (written by <see cref="SafeTensors.Save"/> with checksums on):
    /// then the header was verified on opening, and every tensor's bytes are verified before they
    /// are handed out or copied anywhere.
    /// </summary>
    public bool HasChecksums => _checksums.Count > 0;

    /// <summary>The file position of the data section: 8 bytes of header length plus the header.</summary>
    public long DataOffset { get; }

    /// <summary>Whether the file holds a tensor named <paramref name="name"/>.</summary>
    public bool Contains(string name) => _entries.ContainsKey(name);

    /// <summary>The dtype, shape and byte range of one tensor; a name the file lacks is a <see cref="CheckpointException"/>.</summary>
    public TensorInfo Info(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (_entries.TryGetValue(name, out var info)) return info;
        var known = string.Join(", ", Names.Take(20).Select(n => $"'{n}'")) + (Names.Count > 20 ? $", ... ({Names.Count} in all)" : "");
        throw new CheckpointException(FilePath, "the file holds no tensor of this name", name,
            expected: "one of its tensors", found: Names.Count == 0 ? "a file without tensors" : known);
    }

    /// <summary>Reads one tensor into a new CPU tensor of the stored dtype and shape.</summary>
    public Tensor Read(string name)
    {
        var info = Info(name);
        ThrowIfDisposed();
        var tensor = Tensor.Empty(info.Shape, info.DType);
        try
        {
            var data = (byte*)(info.ByteLength == 0 ? IntPtr.Zero : tensor.DataPointer);
            ReadData(info, data);
            if (_checksums.TryGetValue(info.Name, out var expected)) CheckChecksum(info, expected, Crc32C.Append(0, data, info.ByteLength));
            if (info.DType == DType.Bool) NormalizeBools(data, info.ByteLength);
            return tensor;
        }
        catch
        {
            tensor.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Reads one tensor into <paramref name="destination"/>, whose dtype and shape must equal the
    /// stored ones (a mismatch is a <see cref="CheckpointException"/> that changes nothing). A
    /// contiguous CPU destination is filled straight from the file; others go through one
    /// tensor-sized CPU buffer.
    /// </summary>
    public void ReadInto(string name, Tensor destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        var info = Info(name);
        var problem = Mismatch(info, destination);
        if (problem is not null)
        {
            throw new CheckpointException(FilePath, problem.Value.Problem, name, problem.Value.Expected, problem.Value.Found);
        }
        CopyInto(info, destination);
    }

    /// <summary>Why <paramref name="destination"/> cannot receive <paramref name="info"/>, or null when it can.</summary>
    internal static (string Problem, string Expected, string Found)? Mismatch(TensorInfo info, Tensor destination)
    {
        if (destination.IsDisposed) return ("the destination tensor was disposed", info.Describe(), "a disposed tensor");
        var shape = destination.Shape;
        var dtype = destination.DType;
        if (dtype != info.DType) return ("the dtype differs", $"{shape} {dtype} (the destination)", $"{info.Describe()} in the file");
        if (shape != info.Shape) return ("the shape differs", $"{shape} {dtype} (the destination)", $"{info.Describe()} in the file");
        return null;
    }

    /// <summary>
    /// Reads the tensor's bytes and compares their CRC-32C with the stored one; a mismatch is a
    /// <see cref="CheckpointException"/> naming the tensor. Nothing is allocated but one pooled buffer.
    /// Files without checksums pass.
    /// </summary>
    public void Verify(string name) => Verify(Info(name));

    internal void Verify(TensorInfo info)
    {
        ThrowIfDisposed();
        if (!_checksums.TryGetValue(info.Name, out var expected)) return;
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent((int)Math.Min(VerifyChunk, Math.Max(1, info.ByteLength)));
        try
        {
            uint crc = 0;
            var position = DataOffset + info.DataBegin;
            var remaining = info.ByteLength;
            while (remaining > 0)
            {
                var chunk = (int)Math.Min(remaining, buffer.Length);
                fixed (byte* p = buffer)
                {
                    ReadRange(info, p, chunk, position, info.ByteLength - remaining);
                    crc = Crc32C.Append(crc, p, chunk);
                }
                position += chunk;
                remaining -= chunk;
            }
            CheckChecksum(info, expected, crc);
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private void CheckChecksum(TensorInfo info, uint expected, uint found)
    {
        if (expected != found)
        {
            throw new CheckpointException(FilePath, "the tensor's data does not match its CRC-32C checksum (the file is damaged)", info.Name,
                expected: $"checksum {Crc32C.Format(expected)}", found: $"{Crc32C.Format(found)}");
        }
    }

    /// <summary>Copies a tensor whose dtype and shape were already checked against the destination; its checksum is verified first unless <paramref name="verified"/>.</summary>
    internal void CopyInto(TensorInfo info, Tensor destination, bool verified = false)
    {
        ThrowIfDisposed();
        if (info.ByteLength == 0) return;
        if (!verified) Verify(info);
        if (destination.Device.Type == DeviceType.Cpu && destination.IsContiguous)
        {
            ReadData(info, (byte*)destination.DataPointer);
            if (info.DType == DType.Bool) NormalizeBools((byte*)destination.DataPointer, info.ByteLength);
            return;
        }
        using var staging = Tensor.Empty(info.Shape, info.DType);
        ReadData(info, (byte*)staging.DataPointer);
        if (info.DType == DType.Bool) NormalizeBools((byte*)staging.DataPointer, info.ByteLength);
        Kernels.Copy(staging, destination);
    }

    /// <summary>Reads the tensor's raw bytes (bools not yet normalized).</summary>
    private void ReadData(TensorInfo info, byte* destination)
    {
        var position = DataOffset + info.DataBegin;
        var remaining = info.ByteLength;
        var cursor = destination;
        while (remaining > 0)
        {
            var chunk = (int)Math.Min(remaining, ReadChunk);
            ReadRange(info, cursor, chunk, position, info.ByteLength - remaining);
            cursor += chunk;
            position += chunk;
            remaining -= chunk;
        }
    }

    private void ReadRange(TensorInfo info, byte* destination, int count, long position, long done)
    {
        while (count > 0)
        {
            int read;
            try
            {
                read = RandomAccess.Read(_handle, new Span<byte>(destination, count), position);
            }
            catch (IOException e)
            {
                throw new CheckpointException(FilePath, $"reading the tensor's data failed: {e.Message}", info.Name, inner: e);
            }
            if (read == 0)
            {
                throw new CheckpointException(FilePath, "the file ended inside the tensor's data (it was truncated after it was opened)",
                    info.Name, expected: $"{info.ByteLength} bytes", found: $"{done}");
            }
            destination += read;
            position += read;
            count -= read;
            done += read;
        }
    }

    // A byte other than 0 or 1 is not a valid bool to libtorch; the format stores one byte per
    // bool, so any nonzero byte is read as true.
    private static void NormalizeBools(byte* data, long count)
    {
        for (long i = 0; i < count; i++)
        {
            if (data[i] > 1) data[i] = 1;
        }
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_handle.IsClosed, this);

    /// <summary>Closes the file.</summary>
    public void Dispose() => _handle.Dispose();

    // ---- opening and validating ----------------------------------------------------------------

    internal static SafeTensorsFile Open(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var fullPath = System.IO.Path.GetFullPath(path);
        if (RegularFile.NotRegular(fullPath) is { } kind)
        {
            throw new CheckpointException(fullPath, $"it is {kind}, not a regular file; checkpoints are read only from regular files");
        }
        SafeFileHandle handle;
        try
        {
            // Delete sharing lets a writer rename a new version over this one while it is open.
            handle = File.OpenHandle(fullPath, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CheckpointException(fullPath, $"the file cannot be opened: {e.Message}", inner: e);
        }
        try
        {
            var (dataOffset, entries, metadata) = ReadHeader(fullPath, handle);
            var checksums = ReadChecksums(fullPath, entries, metadata);
            return new SafeTensorsFile(fullPath, handle, dataOffset, entries, metadata, checksums);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The per-tensor checksums, after verifying the header's own checksum: a file with a header
    /// checksum must carry one for every tensor and none for a tensor it lacks.
    /// </summary>
    private static Dictionary<string, uint> ReadChecksums(string path, List<TensorInfo> entries, IReadOnlyDictionary<string, string> metadata)
    {
        var checksums = new Dictionary<string, uint>(StringComparer.Ordinal);
        var hasHeaderChecksum = metadata.TryGetValue(SafeTensors.HeaderChecksumKey, out var headerText);
        var names = new HashSet<string>(entries.Select(e => e.Name), StringComparer.Ordinal);
        foreach (var (key, value) in metadata)
        {
            if (!key.StartsWith(SafeTensors.ChecksumPrefix, StringComparison.Ordinal)) continue;
            var name = key[SafeTensors.ChecksumPrefix.Length..];
            if (!names.Contains(name))
            {
                throw new CheckpointException(path, $"__metadata__ holds a checksum ('{Abbreviate(key)}') for a tensor the header does not list (the header is damaged)");
            }
            if (!Crc32C.TryParse(value, out var crc))
            {
                throw new CheckpointException(path, "the tensor's checksum is not eight hex digits (the header is damaged)", name, "eight hex digits", $"'{Abbreviate(value)}'");
            }
            checksums[name] = crc;
        }
        if (!hasHeaderChecksum)
        {
            if (checksums.Count > 0) throw new CheckpointException(path, $"the tensors have checksums but the header has none ('{SafeTensors.HeaderChecksumKey}'; the header is damaged)");
            return checksums;
        }
        if (!Crc32C.TryParse(headerText!, out var expected))
        {
            throw new CheckpointException(path, $"'{SafeTensors.HeaderChecksumKey}' is not eight hex digits (the header is damaged)", expected: "eight hex digits", found: $"'{Abbreviate(headerText!)}'");
        }
        var found = HeaderChecksum(metadata, entries);
        if (found != expected)
        {
            throw new CheckpointException(path, "the header does not match its CRC-32C checksum (the file is damaged)",
                expected: $"checksum {Crc32C.Format(expected)}", found: Crc32C.Format(found));
        }
        foreach (var entry in entries)
        {
            if (!checksums.ContainsKey(entry.Name)) throw new CheckpointException(path, "the header is checksummed but this tensor has no checksum (the header is damaged)", entry.Name);
        }
        return checksums;
    }

    private static string Abbreviate(string text) => text.Length <= 80 ? text : text[..80] + "...";

    /// <summary>
    /// The CRC-32C of a header's content in a canonical form: every metadata entry but the header
    /// checksum itself (sorted by key), then every tensor's name, dtype, shape and offsets (sorted by
    /// name), each field followed by a zero byte. Whitespace and order in the JSON do not count.
    /// </summary>
    internal static uint HeaderChecksum(IReadOnlyDictionary<string, string> metadata, IEnumerable<TensorInfo> entries)
    {
        var text = new System.Text.StringBuilder();
        foreach (var (key, value) in metadata.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            if (key == SafeTensors.HeaderChecksumKey) continue;
            text.Append(key).Append('\0').Append(value).Append('\0');
        }
        foreach (var entry in entries.OrderBy(e => e.Name, StringComparer.Ordinal))
        {
            text.Append(entry.Name).Append('\0').Append(SafeTensorsDType.Name(entry.DType)).Append('\0');
            foreach (var d in entry.Shape.Dims) text.Append(d.ToString(System.Globalization.CultureInfo.InvariantCulture)).Append(',');
            text.Append('\0').Append(entry.DataBegin.ToString(System.Globalization.CultureInfo.InvariantCulture)).Append('\0')
                .Append(entry.DataEnd.ToString(System.Globalization.CultureInfo.InvariantCulture)).Append('\0');
        }
        return Crc32C.Append(0, System.Text.Encoding.UTF8.GetBytes(text.ToString()));
    }

    private static (long DataOffset, List<TensorInfo> Entries, IReadOnlyDictionary<string, string> Metadata) ReadHeader(string path, SafeFileHandle handle)
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("safetensors data is little-endian; this machine is not");
        var fileLength = RandomAccess.GetLength(handle);
        if (fileLength < 8)
        {
            throw new CheckpointException(path, "the file is too short to hold the 8-byte header length", expected: "at least 8 bytes", found: $"{fileLength} bytes");
        }
        Span<byte> lengthBytes = stackalloc byte[8];
        ReadExactly(path, handle, lengthBytes, 0);
        var headerLength = BinaryPrimitives.ReadUInt64LittleEndian(lengthBytes);
        // Both limits are checked before anything is allocated, so a lying length costs nothing.
        if (headerLength > MaxHeaderLength)
        {
            throw new CheckpointException(path, "the header length is larger than any real header",
                expected: $"at most {MaxHeaderLength} bytes", found: $"{headerLength} bytes");
        }
        if ((long)headerLength > fileLength - 8)
        {
            throw new CheckpointException(path, "the header length runs past the end of the file (truncated or not a safetensors file)",
                expected: $"at most {fileLength - 8} bytes (the rest of the file)", found: $"{headerLength} bytes");
        }
        if (headerLength < 2)
        {
            throw new CheckpointException(path, "the header is too short to be a JSON object", expected: "at least 2 bytes", found: $"{headerLength} bytes");
        }

        var header = new byte[(int)headerLength];
        ReadExactly(path, handle, header, 8);
        if (!Utf8.IsValid(header)) throw new CheckpointException(path, "the header is not valid UTF-8");

        var dataOffset = 8 + (long)headerLength;
        var dataLength = fileLength - dataOffset;
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(header, new JsonDocumentOptions { MaxDepth = 8 });
        }
        catch (JsonException e)
        {
            throw new CheckpointException(path, $"the header is not valid JSON: {e.Message}", inner: e);
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new CheckpointException(path, "the header is not a JSON object", expected: "an object", found: root.ValueKind.ToString());
            }
            var entries = new List<TensorInfo>();
            var names = new HashSet<string>(StringComparer.Ordinal);
            IReadOnlyDictionary<string, string> metadata = new Dictionary<string, string>();
            var sawMetadata = false;
            foreach (var property in root.EnumerateObject())
            {
                if (property.Name == SafeTensors.MetadataKey)
                {
                    if (sawMetadata) throw new CheckpointException(path, "the header has two __metadata__ entries");
                    sawMetadata = true;
                    metadata = ParseMetadata(path, property.Value);
                    continue;
                }
                if (!names.Add(property.Name)) throw new CheckpointException(path, "the header names this tensor twice", property.Name);
                entries.Add(ParseEntry(path, property.Name, property.Value, dataLength));
            }
            CheckLayout(path, entries, dataLength);
            return (dataOffset, entries, metadata);
        }
    }

    private static IReadOnlyDictionary<string, string> ParseMetadata(string path, JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            throw new CheckpointException(path, "__metadata__ is not an object of strings", expected: "an object", found: value.ValueKind.ToString());
        }
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var item in value.EnumerateObject())
        {
            if (item.Value.ValueKind != JsonValueKind.String)
            {
                throw new CheckpointException(path, $"__metadata__ entry '{item.Name}' is not a string", expected: "a string", found: item.Value.ValueKind.ToString());
            }
            if (!metadata.TryAdd(item.Name, item.Value.GetString()!))
            {
                throw new CheckpointException(path, $"__metadata__ has two entries named '{item.Name}'");
            }
        }
        return metadata;
    }

    private static TensorInfo ParseEntry(string path, string name, JsonElement value, long dataLength)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            throw new CheckpointException(path, "the entry is not an object with dtype, shape and data_offsets", name, "an object", value.ValueKind.ToString());
        }
        if (!value.TryGetProperty("dtype", out var dtypeElement) || dtypeElement.ValueKind != JsonValueKind.String)
        {
            throw new CheckpointException(path, "the entry has no dtype string", name);
        }
        var dtypeName = dtypeElement.GetString()!;
        if (!SafeTensorsDType.TryParse(dtypeName, out var dtype))
        {
            throw new CheckpointException(path, "the dtype is unknown or not supported", name, SafeTensorsDType.Supported, $"'{dtypeName}'");
        }

        if (!value.TryGetProperty("shape", out var shapeElement) || shapeElement.ValueKind != JsonValueKind.Array)
        {
            throw new CheckpointException(path, "the entry has no shape array", name);
        }
        var rank = shapeElement.GetArrayLength();
        if (rank > 64) throw new CheckpointException(path, "the shape has too many dimensions", name, "at most 64", rank.ToString());
        var dims = new long[rank];
        var index = 0;
        foreach (var dim in shapeElement.EnumerateArray())
        {
            if (dim.ValueKind != JsonValueKind.Number || !dim.TryGetInt64(out var size) || size < 0)
            {
                throw new CheckpointException(path, $"dimension {index} of the shape is not a non-negative integer", name, "a size >= 0", dim.GetRawText());
            }
            dims[index++] = size;
        }
        var shape = Shape.Wrap(dims);

        if (!value.TryGetProperty("data_offsets", out var offsets) || offsets.ValueKind != JsonValueKind.Array || offsets.GetArrayLength() != 2)
        {
            throw new CheckpointException(path, "the entry has no data_offsets pair [begin, end]", name);
        }
        var begin = ReadOffset(path, name, offsets[0], "begin");
        var end = ReadOffset(path, name, offsets[1], "end");
        if (end < begin) throw new CheckpointException(path, "data_offsets end before they begin", name, "begin <= end", $"[{begin}, {end}]");
        if (end > dataLength)
        {
            throw new CheckpointException(path, "data_offsets point past the end of the file (truncated?)", name,
                $"an end <= {dataLength} (the data section's length)", $"[{begin}, {end}]");
        }

        long bytes = 0;
        if (Array.IndexOf(dims, 0L) < 0)
        {
            try
            {
                bytes = dtype.ElementSize();
                foreach (var d in dims) bytes = checked(bytes * d);
            }
            catch (OverflowException)
            {
                throw new CheckpointException(path, "the shape's byte size overflows a 64-bit integer", name,
                    $"{end - begin} bytes (from data_offsets)", $"shape {shape} of {dtypeName}");
            }
        }
        if (bytes != end - begin)
        {
            throw new CheckpointException(path, "the shape and dtype disagree with the byte range", name,
                $"{bytes} bytes for {shape} {dtypeName}", $"data_offsets [{begin}, {end}] ({end - begin} bytes)");
        }
        return new TensorInfo(name, dtype, shape, begin, end);
    }

    private static long ReadOffset(string path, string name, JsonElement element, string which)
    {
        if (element.ValueKind != JsonValueKind.Number || !element.TryGetInt64(out var offset) || offset < 0)
        {
            throw new CheckpointException(path, $"the data_offsets {which} is not a non-negative 64-bit integer", name, "an offset >= 0", element.GetRawText());
        }
        return offset;
    }

    /// <summary>The byte ranges, sorted, must tile the data section: start at 0, touch end to begin, end at its end.</summary>
    private static void CheckLayout(string path, List<TensorInfo> entries, long dataLength)
    {
        entries.Sort(static (a, b) => a.DataBegin != b.DataBegin ? a.DataBegin.CompareTo(b.DataBegin) : a.DataEnd.CompareTo(b.DataEnd));
        long expectedBegin = 0;
        TensorInfo? previous = null;
        foreach (var entry in entries)
        {
            if (entry.DataBegin < expectedBegin)
            {
                throw new CheckpointException(path, $"the byte range overlaps tensor '{previous!.Value.Name}' ([{previous.Value.DataBegin}, {previous.Value.DataEnd}])",
                    entry.Name, $"a begin >= {expectedBegin}", $"[{entry.DataBegin}, {entry.DataEnd}]");
            }
            if (entry.DataBegin > expectedBegin)
            {
                throw new CheckpointException(path, "the data has a hole before this tensor (bytes no tensor covers)",
                    entry.Name, $"a begin of {expectedBegin}", $"[{entry.DataBegin}, {entry.DataEnd}]");
            }
            expectedBegin = entry.DataEnd;
            previous = entry;
        }
        if (expectedBegin != dataLength)
        {
            throw new CheckpointException(path, "the data section is longer than the tensors the header lists (trailing bytes)",
                expected: $"{expectedBegin} bytes of data", found: $"{dataLength} bytes");
        }
    }

    private static void ReadExactly(string path, SafeFileHandle handle, Span<byte> buffer, long position)
    {
        while (buffer.Length > 0)
        {
            int read;
            try
            {
                read = RandomAccess.Read(handle, buffer, position);
            }
            catch (IOException e)
            {
                throw new CheckpointException(path, $"reading the header failed: {e.Message}", inner: e);
            }
            if (read == 0) throw new CheckpointException(path, "the file ended inside the header (it was truncated)");
            buffer = buffer[read..];
            position += read;
        }
    }
}
