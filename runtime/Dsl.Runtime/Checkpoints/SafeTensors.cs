using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text.Encodings.Web;
using System.Text.Json;
using Dsl.Checkpoints;
using Microsoft.Win32.SafeHandles;

namespace Dsl;

/// <summary>
/// Reads and writes the safetensors format: an 8-byte little-endian header length N, N bytes of
/// UTF-8 JSON (<c>{"name": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}, ...,
/// "__metadata__": {"key": "value"}}</c>), then the raw little-endian tensor bytes. PyTorch's
/// safetensors package and the wider ecosystem read the files this writes, and the other way round.
/// </summary>
public static unsafe class SafeTensors
{
    /// <summary>The header key that holds the string-to-string metadata instead of a tensor.</summary>
    public const string MetadataKey = "__metadata__";

    /// <summary>
    /// The metadata key prefix of a tensor's checksum: <c>dsl.crc32c:param/Net.W1</c> holds the
    /// CRC-32C of that tensor's bytes as eight hex digits. Other safetensors readers ignore it.
    /// </summary>
    public const string ChecksumPrefix = "dsl.crc32c:";

    /// <summary>
    /// The metadata key of the header's own checksum: the CRC-32C of every other metadata entry and
    /// every tensor's name, dtype, shape and offsets (see <see cref="SafeTensorsFile"/>), so a changed
    /// byte anywhere in a checksummed file is noticed.
    /// </summary>
    public const string HeaderChecksumKey = "dsl.header_crc32c";

    /// <summary>What the temporary file's name adds to the checkpoint's name: <c>model.safetensors.tmp-1f2e...</c>.</summary>
    public const string TemporarySuffix = ".tmp-";

    // Writes go straight from tensor memory in pieces a Span can address.
    private const int WriteChunk = 1 << 30;

    // The data section starts at a multiple of 8 (the header is padded with spaces, as the format
    // allows), and tensors are laid out widest element first, so every tensor's data is aligned
    // to its element size inside the file and can be mapped in place.
    private const int DataAlignment = 8;

    /// <summary>
    /// Writes <paramref name="tensors"/> (any device and layout) and optional metadata to
    /// <paramref name="path"/>, atomically: the data goes to <c>&lt;path&gt;.tmp-&lt;random&gt;</c>
    /// in the same folder, which is flushed to disk and renamed over <paramref name="path"/>, and
    /// then the folder is flushed. A crash at any moment leaves either the old file or the new one,
    /// never a torn file. Contiguous CPU tensors are written straight from their memory; others go
    /// through one tensor-sized CPU copy each, so memory use never grows with the checkpoint.
    /// With <paramref name="checksums"/> (the default) the metadata also holds a CRC-32C of each
    /// tensor's bytes (<see cref="ChecksumPrefix"/>) and of the header (<see cref="HeaderChecksumKey"/>),
    /// which every read verifies.
    /// </summary>
    /// <remarks>
    /// A crash can leave a temporary file behind. Readers never look at temporaries, and every
    /// successful save removes the ones for the same path that are older than its own start.
    /// Concurrent saves to one path are not supported (the last rename wins).
    /// </remarks>
    public static void Save(string path, IReadOnlyList<(string Name, Tensor Value)> tensors, IReadOnlyDictionary<string, string>? metadata = null,
        bool checksums = true)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(tensors);
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("safetensors data is little-endian; this machine is not");

        var fullPath = Path.GetFullPath(path);
        var folder = Path.GetDirectoryName(fullPath) ?? throw new ArgumentException($"'{path}' names no file in a folder.", nameof(path));
        var fileName = Path.GetFileName(fullPath);
        if (fileName.Length == 0) throw new ArgumentException($"'{path}' is a folder, not a file name.", nameof(path));

        var layout = Plan(tensors);
        var crcs = checksums ? new uint[layout.Entries.Length] : null;
        // The checksums are known only once the data is written; they are fixed-width, so the
        // header written first with zeros has the length of the final one.
        var header = EncodeHeader(layout, metadata, crcs);

        var started = DateTime.UtcNow;
        var temporary = fullPath + TemporarySuffix + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        var renamed = false;
        try
        {
            using (var handle = File.OpenHandle(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, FileOptions.None,
                       preallocationSize: header.Length + layout.DataLength))
            {
                RandomAccess.Write(handle, header, 0);
                for (var i = 0; i < layout.Entries.Length; i++)
                {
                    var crc = WriteTensor(handle, layout.Entries[i], header.Length + layout.Entries[i].Begin);
                    if (crcs is not null) crcs[i] = crc;
                }
                if (crcs is not null)
                {
                    var final = EncodeHeader(layout, metadata, crcs);
                    if (final.Length != header.Length) throw new InvalidOperationException("The checksummed header changed length; this is a bug in SafeTensors.Save.");
                    RandomAccess.Write(handle, final, 0);
                }
                RandomAccess.FlushToDisk(handle);
            }
            File.Move(temporary, fullPath, overwrite: true);
            renamed = true;
        }
        finally
        {
            if (!renamed) TryDelete(temporary);
        }
        FileSync.FlushFolder(folder);
        RemoveStaleTemporaries(folder, fileName, started);
    }

    /// <summary>
    /// Opens a safetensors file and validates its whole header and layout before returning: a
    /// header length beyond the file or above 100 MB, invalid JSON, an unknown dtype, a shape whose
    /// byte size overflows or disagrees with its <c>data_offsets</c>, ranges outside the file,
    /// overlapping or leaving holes, a truncated file and duplicate names are all a
    /// <see cref="CheckpointException"/>, raised without allocating anything the header claims.
    /// </summary>
    public static SafeTensorsFile Open(string path) => SafeTensorsFile.Open(path);

    /// <summary>
    /// Loads the file's tensors into existing tensors, matched by name, and returns the metadata.
    /// Every name, dtype and shape is checked first and only then is anything copied, so a
    /// mismatch (reported with the tensor's name and both shapes) leaves every destination as it
    /// was. Tensors in the file that are not among the destinations are ignored.
    /// </summary>
    /// <remarks>
    /// An I/O error while copying (the disk failing, the file truncated by someone else after it
    /// was validated) can leave the destinations partly loaded; the exception says which tensor.
    /// </remarks>
    public static IReadOnlyDictionary<string, string> LoadInto(string path, IReadOnlyList<(string Name, Tensor Value)> destinations)
    {
        ArgumentNullException.ThrowIfNull(destinations);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (name, value) in destinations)
        {
            ArgumentNullException.ThrowIfNull(name, nameof(destinations));
            ArgumentNullException.ThrowIfNull(value, nameof(destinations));
            if (!seen.Add(name)) throw new ArgumentException($"The destinations name tensor '{name}' twice.", nameof(destinations));
        }

        using var file = Open(path);
        return LoadInto(file, destinations);
    }

    /// <summary>
    /// <see cref="LoadInto(string, IReadOnlyList{ValueTuple{string, Tensor}})"/> from a file already open: names,
    /// dtypes and shapes are checked, then every checksum, and only then is anything copied.
    /// </summary>
    internal static IReadOnlyDictionary<string, string> LoadInto(SafeTensorsFile file, IReadOnlyList<(string Name, Tensor Value)> destinations)
    {
        var infos = new TensorInfo[destinations.Count];
        var problems = new List<(string Name, string Problem, string Expected, string Found)>();
        for (var i = 0; i < destinations.Count; i++)
        {
            var (name, destination) = destinations[i];
            if (!file.Contains(name))
            {
                problems.Add((name, "the file holds no tensor of this name", $"{DescribeDestination(destination)} (the destination)", "no such tensor in the file"));
                continue;
            }
            infos[i] = file.Info(name);
            var mismatch = SafeTensorsFile.Mismatch(infos[i], destination);
            if (mismatch is { } m) problems.Add((name, m.Problem, m.Expected, m.Found));
        }
        if (problems.Count > 0)
        {
            // Every problem is listed, so one failed load shows everything that needs fixing.
            var first = problems[0];
            var more = problems.Count == 1 ? null : string.Concat(problems.Skip(1).Select(p =>
                $"{Environment.NewLine}  tensor '{p.Name}': {p.Problem} (expected {p.Expected}, found {p.Found})"));
            var count = problems.Count == 1 ? "" : $"; {problems.Count} tensors do not fit, the others are:";
            throw new CheckpointException(file.FilePath, first.Problem, first.Name, first.Expected, first.Found, inner: null,
                more: $"; nothing was loaded{count}{more}");
        }

        // Every checksum before the first copy, so damaged data leaves every destination as it was.
        for (var i = 0; i < destinations.Count; i++) file.Verify(infos[i]);
        for (var i = 0; i < destinations.Count; i++) file.CopyInto(infos[i], destinations[i].Value, verified: true);
        return file.Metadata;
    }

    private static string DescribeDestination(Tensor tensor) => tensor.IsDisposed ? "a disposed tensor" : $"{tensor.Shape} {tensor.DType}";

    // ---- writing -------------------------------------------------------------------------------

    private readonly record struct PlannedTensor(string Name, Tensor Value, DType DType, Shape Shape, long Begin, long End);

    private sealed record Layout(PlannedTensor[] Entries, long DataLength);

    private static Layout Plan(IReadOnlyList<(string Name, Tensor Value)> tensors)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        var planned = new (string Name, Tensor Value, DType DType, Shape Shape, long Bytes, int Order)[tensors.Count];
        for (var i = 0; i < tensors.Count; i++)
        {
            var (name, value) = tensors[i];
            if (name is null) throw new ArgumentException($"Tensor {i} has no name.", nameof(tensors));
            if (name == MetadataKey) throw new ArgumentException($"'{MetadataKey}' is reserved for the metadata; it cannot name a tensor.", nameof(tensors));
            if (!names.Add(name)) throw new ArgumentException($"Two tensors are named '{name}'.", nameof(tensors));
            if (value is null) throw new ArgumentException($"Tensor '{name}' is null.", nameof(tensors));
            if (value.IsDisposed) throw new ObjectDisposedException(nameof(Tensor), $"Tensor '{name}' was disposed; it cannot be saved.");
            var dtype = value.DType;
            var shape = value.Shape;
            planned[i] = (name, value, dtype, shape, checked(shape.NumElements * dtype.ElementSize()), i);
        }
        // Widest elements first keeps every tensor aligned; ties keep the caller's order.
        Array.Sort(planned, static (a, b) =>
        {
            var bySize = b.DType.ElementSize().CompareTo(a.DType.ElementSize());
            return bySize != 0 ? bySize : a.Order.CompareTo(b.Order);
        });
        var entries = new PlannedTensor[planned.Length];
        long offset = 0;
        for (var i = 0; i < planned.Length; i++)
        {
            var p = planned[i];
            entries[i] = new PlannedTensor(p.Name, p.Value, p.DType, p.Shape, offset, checked(offset + p.Bytes));
            offset = entries[i].End;
        }
        return new Layout(entries, offset);
    }

    /// <summary>The 8-byte length and the JSON header, padded with spaces so the data starts aligned.</summary>
    private static byte[] EncodeHeader(Layout layout, IReadOnlyDictionary<string, string>? metadata, uint[]? crcs)
    {
        if (crcs is not null)
        {
            var all = new Dictionary<string, string>(StringComparer.Ordinal);
            if (metadata is not null)
            {
                foreach (var (key, value) in metadata)
                {
                    if (key.StartsWith(ChecksumPrefix, StringComparison.Ordinal) || key == HeaderChecksumKey) continue; // ours to write
                    all[key] = value ?? throw new ArgumentException($"Metadata entry '{key}' is null; metadata values must be strings.", nameof(metadata));
                }
            }
            for (var i = 0; i < layout.Entries.Length; i++) all[ChecksumPrefix + layout.Entries[i].Name] = Crc32C.Format(crcs[i]);
            all[HeaderChecksumKey] = Crc32C.Format(SafeTensorsFile.HeaderChecksum(all,
                layout.Entries.Select(e => new TensorInfo(e.Name, e.DType, e.Shape, e.Begin, e.End))));
            metadata = all;
        }
        var json = new ArrayBufferWriter<byte>(256 + 96 * layout.Entries.Length);
        // Names are written as they are (not \u-escaped) so the header stays readable; the JSON is
        // never embedded in HTML, which is all the relaxed encoder gives up.
        using (var writer = new Utf8JsonWriter(json, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            writer.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                writer.WriteStartObject(MetadataKey);
                foreach (var (key, value) in metadata.OrderBy(kv => kv.Key, StringComparer.Ordinal))
                {
                    if (value is null) throw new ArgumentException($"Metadata entry '{key}' is null; metadata values must be strings.", nameof(metadata));
                    writer.WriteString(key, value);
                }
                writer.WriteEndObject();
            }
            foreach (var entry in layout.Entries)
            {
                writer.WriteStartObject(entry.Name);
                writer.WriteString("dtype", SafeTensorsDType.Name(entry.DType));
                writer.WriteStartArray("shape");
                foreach (var d in entry.Shape.Dims) writer.WriteNumberValue(d);
                writer.WriteEndArray();
                writer.WriteStartArray("data_offsets");
                writer.WriteNumberValue(entry.Begin);
                writer.WriteNumberValue(entry.End);
                writer.WriteEndArray();
                writer.WriteEndObject();
            }
            writer.WriteEndObject();
        }
        var jsonLength = json.WrittenCount;
        var padded = (8 + jsonLength + DataAlignment - 1) / DataAlignment * DataAlignment - 8;
        if (padded > SafeTensorsFile.MaxHeaderLength)
        {
            throw new ArgumentException($"The header would take {padded} bytes, more than readers accept ({SafeTensorsFile.MaxHeaderLength}); save fewer tensors per file.");
        }
        var bytes = new byte[8 + padded];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)padded);
        json.WrittenSpan.CopyTo(bytes.AsSpan(8));
        bytes.AsSpan(8 + jsonLength).Fill((byte)' ');
        return bytes;
    }

    /// <summary>Writes one tensor's bytes; returns their CRC-32C.</summary>
    private static uint WriteTensor(SafeFileHandle handle, PlannedTensor entry, long position)
    {
        var length = entry.End - entry.Begin;
        if (length == 0) return 0;
        uint crc = 0;
        var tensor = entry.Value;
        Tensor? staged = null;
        try
        {
            if (tensor.Device.Type != DeviceType.Cpu || !tensor.IsContiguous)
            {
                staged = tensor.Device.Type == DeviceType.Cpu ? tensor.Contiguous() : tensor.To(Device.Cpu);
                if (!staged.IsContiguous)
                {
                    var contiguous = staged.Contiguous();
                    staged.Dispose();
                    staged = contiguous;
                }
            }
            var source = (byte*)(staged ?? tensor).DataPointer;
            while (length > 0)
            {
                var chunk = (int)Math.Min(length, WriteChunk);
                RandomAccess.Write(handle, new ReadOnlySpan<byte>(source, chunk), position);
                crc = Crc32C.Append(crc, source, chunk);
                source += chunk;
                position += chunk;
                length -= chunk;
            }
        }
        finally
        {
            staged?.Dispose();
        }
        return crc;
    }

    private static void TryDelete(string file)
    {
        try
        {
            File.Delete(file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Best effort: a leftover temporary is ignored by readers and removed by the next save.
        }
    }

    /// <summary>
    /// Deletes temporaries of earlier saves to the same path that crashed or were killed. Only
    /// files last written before this save started are touched, so a save running elsewhere that
    /// is still writing keeps its file.
    /// </summary>
    private static void RemoveStaleTemporaries(string folder, string fileName, DateTime started)
    {
        var prefix = fileName + TemporarySuffix;
        // A name with wildcard characters of its own cannot be a pattern; list everything and filter.
        var pattern = prefix.AsSpan().IndexOfAny('*', '?') >= 0 ? "*" : prefix + "*";
        try
        {
            foreach (var candidate in Directory.EnumerateFiles(folder, pattern))
            {
                if (!Path.GetFileName(candidate.AsSpan()).StartsWith(prefix, StringComparison.Ordinal)) continue;
                if (File.GetLastWriteTimeUtc(candidate) < started) TryDelete(candidate);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Best effort, as above.
        }
    }
}
