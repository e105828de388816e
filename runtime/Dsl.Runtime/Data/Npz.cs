using System.IO.Compression;

namespace Dsl;

/// <summary>
/// NumPy's <c>.npz</c> archives (<c>np.savez</c>, <c>np.savez_compressed</c>): a zip file of
/// <c>.npy</c> members, one per named array. Members that are not <c>.npy</c> files are skipped.
/// </summary>
/// <example>
/// <code>
/// using var arrays = Npz.Load("mnist.npz");          // np.savez("mnist.npz", x_train=..., y_train=...)
/// using var data = new TensorDataset(("images", arrays["x_train"]), ("labels", arrays["y_train"]));
/// </code>
/// </example>
public static class Npz
{
    /// <summary>The default of <see cref="Load"/>'s <c>maxBytes</c>: 4 GiB of arrays in all.</summary>
    public const long DefaultMaxBytes = 4L << 30;

    /// <summary>Reads every array of the archive, named as NumPy names them (the member name without <c>.npy</c>).</summary>
    /// <param name="path">The archive.</param>
    /// <param name="maxBytes">
    /// The most the arrays may take in memory together (their declared uncompressed sizes, checked
    /// before anything is decompressed), so a small archive cannot make the loader allocate gigabytes;
    /// <see cref="DefaultMaxBytes"/> by default. A compressed member must also fit what deflate can
    /// expand its compressed bytes to (about 1032 times).
    /// </param>
    /// <exception cref="InvalidDataException">The archive or one of its arrays is corrupt, has two members of one name, or is larger than <paramref name="maxBytes"/> (the message names the file and member).</exception>
    public static TensorDictionary Load(string path, long maxBytes = DefaultMaxBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxBytes);
        using var file = Npy.OpenRead(path);
        ZipArchive archive;
        try
        {
            archive = new ZipArchive(file, ZipArchiveMode.Read);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{path}: not a valid .npz (zip) archive: {e.Message}", e);
        }
        using (archive)
        {
            CheckMembers(path, archive, maxBytes);
            var entries = new List<KeyValuePair<string, Tensor>>();
            try
            {
                foreach (var entry in archive.Entries)
                {
                    if (!entry.FullName.EndsWith(".npy", StringComparison.Ordinal)) continue;
                    var source = $"{path} ({entry.FullName})";
                    try
                    {
                        using var stream = new Crc32Stream(entry.Open());
                        var tensor = Npy.Read(stream, source, entry.Length);
                        entries.Add(new(entry.FullName[..^4], tensor));
                        if (stream.Crc != entry.Crc32)
                        {
                            throw new InvalidDataException(
                                $"{source}: the member is damaged: its CRC-32 is {stream.Crc:X8} but the archive records {entry.Crc32:X8}.");
                        }
                    }
                    catch (InvalidDataException e) when (!e.Message.StartsWith(source, StringComparison.Ordinal))
                    {
                        // A damaged deflate stream or a CRC mismatch, reported by the zip reader.
                        throw new InvalidDataException($"{source}: {e.Message}", e);
                    }
                }
            }
            catch
            {
                foreach (var (_, tensor) in entries) tensor.Dispose();
                throw;
            }
            return new TensorDictionary(entries, path);
        }
    }

    /// <summary>Duplicate names and declared sizes, checked from the central directory before any member is read.</summary>
    private static void CheckMembers(string path, ZipArchive archive, long maxBytes)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        long total = 0;
        foreach (var entry in archive.Entries)
        {
            if (!entry.FullName.EndsWith(".npy", StringComparison.Ordinal)) continue;
            var source = $"{path} ({LoaderLimits.Abbreviate(entry.FullName)})";
            if (!names.Add(entry.FullName)) throw new InvalidDataException($"{source}: the archive holds two members of this name; it is damaged or was not written by NumPy.");
            if (entry.Length < 0 || entry.CompressedLength < 0) throw new InvalidDataException($"{source}: the member's declared size is negative.");
            if (entry.CompressedLength < entry.Length && entry.Length > LoaderLimits.MaxInflated(entry.CompressedLength))
            {
                throw new InvalidDataException(
                    $"{source}: the member declares {entry.Length} bytes from {entry.CompressedLength} compressed bytes, more than deflate can expand them to ({LoaderLimits.MaxInflated(entry.CompressedLength)}); the archive is damaged.");
            }
            total += entry.Length;
            if (total > maxBytes)
            {
                throw new InvalidDataException(
                    $"{path}: the arrays declare {total} bytes or more in all, above the limit of {maxBytes} bytes (Npz.Load's maxBytes); raise it if the archive is trusted.");
            }
        }
    }

    /// <summary>Writes the arrays as an archive NumPy's <c>np.load</c> reads, each as <c>name.npy</c>; the file is replaced only once it is complete.</summary>
    public static void Save(string path, IEnumerable<KeyValuePair<string, Tensor>> arrays, bool compress = false)
    {
        ArgumentNullException.ThrowIfNull(arrays);
        var temporary = path + ".tmp";
        try
        {
            using (var file = File.Create(temporary))
            using (var archive = new ZipArchive(file, ZipArchiveMode.Create))
            {
                foreach (var (name, tensor) in arrays)
                {
                    var entry = archive.CreateEntry(name + ".npy", compress ? CompressionLevel.Optimal : CompressionLevel.NoCompression);
                    using var stream = entry.Open();
                    Npy.Write(stream, tensor);
                }
            }
            File.Move(temporary, path, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }
}
