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
    /// <summary>Reads every array of the archive, named as NumPy names them (the member name without <c>.npy</c>).</summary>
    /// <exception cref="InvalidDataException">The archive or one of its arrays is corrupt (the message names the file and member).</exception>
    public static TensorDictionary Load(string path)
    {
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
