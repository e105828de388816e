using System.Buffers.Binary;
using System.IO.Compression;
using Xunit;

namespace Dsl.Runtime.Tests.Data;

public sealed class IdxTests
{
    /// <summary>Python that writes an IDX file byte by byte with struct (big-endian), optionally gzip-compressed.</summary>
    private const string WriteIdx = """
        def write_idx(path, type_code, fmt, dims, values, compress=False):
            data = struct.pack('>BBBB', 0, 0, type_code, len(dims))
            data += b''.join(struct.pack('>I', d) for d in dims)
            data += b''.join(struct.pack('>' + fmt, v) for v in values)
            opener = gzip.open if compress else open
            with opener(path, 'wb') as f:
                f.write(data)
        """;

    [Fact]
    public void Files_written_byte_by_byte_in_python_load_with_each_element_type()
    {
        using var folder = new TempFolder();
        var expected = Python.Run(WriteIdx + """

            rng = np.random.default_rng(9)
            cases = {
                'u8':  (0x08, 'B', [3, 4, 5], [int(v) for v in rng.integers(0, 256, 60)]),
                'i8':  (0x09, 'b', [6], [int(v) for v in rng.integers(-128, 128, 6)]),
                'i16': (0x0B, 'h', [2, 3], [int(v) for v in rng.integers(-2**15, 2**15, 6)]),
                'i32': (0x0C, 'i', [4], [int(v) for v in rng.integers(-2**31, 2**31, 4)]),
                'f32': (0x0D, 'f', [2, 2], [float(np.float32(v)) for v in rng.standard_normal(4)]),
                'f64': (0x0E, 'd', [3], [float(v) for v in rng.standard_normal(3)]),
            }
            for name, (code, fmt, dims, values) in cases.items():
                write_idx(name + '.idx', code, fmt, dims, values)
                report(name, np.array(values).reshape(dims))
            """, folder.Path);

        foreach (var (name, dtype) in new[] { ("u8", DType.UInt8), ("i8", DType.Int8), ("i16", DType.Int16), ("i32", DType.Int32), ("f32", DType.Float32), ("f64", DType.Float64) })
        {
            using var tensor = Idx.Load(folder.File(name + ".idx"));
            Assert.Equal(dtype, tensor.DType);
            Values.Equal(expected[name], tensor, name);
        }
    }

    [Fact]
    public void Images_scale_to_the_unit_interval_and_labels_become_int64_from_gzip_files()
    {
        using var folder = new TempFolder();
        var expected = Python.Run(WriteIdx + """

            rng = np.random.default_rng(2)
            pixels = [int(v) for v in rng.integers(0, 256, 3 * 28 * 28)]
            pixels[0], pixels[1] = 0, 255
            labels = [int(v) for v in rng.integers(0, 10, 3)]
            write_idx('images-idx3-ubyte.gz', 0x08, 'B', [3, 28, 28], pixels, compress=True)
            write_idx('labels-idx1-ubyte.gz', 0x08, 'B', [3], labels, compress=True)
            images = np.array(pixels, dtype=np.uint8).reshape(3, 28, 28)
            report('raw', images)
            report('scaled', torch.tensor(images).float().numpy() / np.float32(255))
            report('labels', np.array(labels))
            """.Replace("rng = ", "import torch\nrng = "), folder.Path);

        using var raw = Idx.LoadImages(folder.File("images-idx3-ubyte.gz"), scaleToUnit: false);
        using var scaled = Idx.LoadImages(folder.File("images-idx3-ubyte.gz"));
        using var labels = Idx.LoadLabels(folder.File("labels-idx1-ubyte.gz"));

        Assert.Equal(DType.UInt8, raw.DType);
        Values.Equal(expected["raw"], raw, "raw images");
        Assert.Equal(DType.Float32, scaled.DType);
        Values.Equal(expected["scaled"], scaled, "scaled images");
        Assert.Equal(DType.Int64, labels.DType);
        Values.Equal(expected["labels"], labels, "labels");
    }

    [Fact]
    public void Files_written_from_csharp_by_hand_load()
    {
        using var folder = new TempFolder();
        var path = folder.File("ints.idx");
        var bytes = new byte[4 + 8 + 6 * 4];
        bytes[2] = 0x0C;
        bytes[3] = 2;
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4), 2);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(8), 3);
        int[] values = [1, -2, 300000, int.MinValue, int.MaxValue, 0];
        for (var i = 0; i < values.Length; i++) BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(12 + 4 * i), values[i]);
        File.WriteAllBytes(path, bytes);

        using var tensor = Idx.Load(path);

        Assert.Equal(new Shape(2, 3), tensor.Shape);
        Assert.Equal(values, tensor.ToArray<int>());
    }

    private static byte[] Header(byte type, params int[] dims)
    {
        var header = new byte[4 + 4 * dims.Length];
        header[2] = type;
        header[3] = (byte)dims.Length;
        for (var d = 0; d < dims.Length; d++) BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4 + 4 * d), dims[d]);
        return header;
    }

    [Fact]
    public void Truncated_and_overlong_files_name_the_file_and_both_byte_counts()
    {
        using var folder = new TempFolder();
        var truncated = folder.File("truncated-idx3-ubyte");
        File.WriteAllBytes(truncated, [.. Header(0x08, 2, 28, 28), .. new byte[1000]]);
        var overlong = folder.File("overlong-idx1-ubyte");
        File.WriteAllBytes(overlong, [.. Header(0x08, 4), 1, 2, 3, 4, 5]);

        var shortError = Assert.Throws<InvalidDataException>(() => Idx.Load(truncated));
        var longError = Assert.Throws<InvalidDataException>(() => Idx.Load(overlong));

        Assert.StartsWith(truncated, shortError.Message);
        Assert.Contains("shape [2, 28, 28] of unsigned bytes needs 1568 bytes but 1000 follow the header (the file is truncated)", shortError.Message);
        Assert.Contains("needs 4 bytes but 5 follow the header", longError.Message);
    }

    [Fact]
    public void A_truncated_gzip_file_names_the_file_and_both_byte_counts()
    {
        using var folder = new TempFolder();
        var path = folder.File("labels.gz");
        using (var file = File.Create(path))
        using (var gzip = new GZipStream(file, CompressionLevel.Optimal))
        {
            gzip.Write([.. Header(0x08, 100), .. new byte[60]]);
        }

        var error = Assert.Throws<InvalidDataException>(() => Idx.Load(path));

        Assert.StartsWith(path, error.Message);
        Assert.Contains("shape [100] of unsigned bytes needs 100 bytes but 60 follow the header (the file is truncated)", error.Message);
    }

    [Fact]
    public void A_corrupt_gzip_stream_is_an_error_naming_the_file()
    {
        using var folder = new TempFolder();
        var path = folder.File("broken.gz");
        using (var file = File.Create(path))
        using (var gzip = new GZipStream(file, CompressionLevel.Optimal))
        {
            var random = new Random(1);
            var data = new byte[4000];
            random.NextBytes(data);
            gzip.Write([.. Header(0x08, 4000), .. data]);
        }
        var bytes = File.ReadAllBytes(path);
        for (var i = 20; i < 60; i++) bytes[i] ^= 0xFF;
        File.WriteAllBytes(path, bytes);

        var error = Assert.Throws<InvalidDataException>(() => Idx.Load(path));

        Assert.StartsWith(path, error.Message);
    }

    [Fact]
    public void A_bad_magic_or_type_code_is_an_error()
    {
        using var folder = new TempFolder();
        var notIdx = folder.File("text");
        File.WriteAllText(notIdx, "PK this is not idx");
        var unknownType = folder.File("type");
        File.WriteAllBytes(unknownType, Header(0x0A, 1));

        Assert.Contains("not an IDX file", Assert.Throws<InvalidDataException>(() => Idx.Load(notIdx)).Message);
        Assert.Contains("unknown IDX element type 0x0A", Assert.Throws<InvalidDataException>(() => Idx.Load(unknownType)).Message);
    }

    [Fact]
    public void Images_and_labels_of_the_wrong_kind_are_errors()
    {
        using var folder = new TempFolder();
        var floats = folder.File("floats");
        File.WriteAllBytes(floats, [.. Header(0x0D, 2, 2), .. new byte[16]]);
        var matrix = folder.File("matrix");
        File.WriteAllBytes(matrix, [.. Header(0x08, 2, 2), 1, 2, 3, 4]);

        Assert.Contains("expected unsigned-byte images", Assert.Throws<InvalidDataException>(() => Idx.LoadImages(floats)).Message);
        Assert.Contains("expected labels (a 1-D IDX array", Assert.Throws<InvalidDataException>(() => Idx.LoadLabels(matrix)).Message);
    }
}
