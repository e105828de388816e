using System.IO.Compression;
using Xunit;

namespace Dsl.Runtime.Tests.Data;

public sealed class NpzTests
{
    [Theory]
    [InlineData("savez")]
    [InlineData("savez_compressed")]
    public void Archives_numpy_writes_load_every_array_by_name(string function)
    {
        using var folder = new TempFolder();
        var expected = Python.Run($$"""
            rng = np.random.default_rng(5)
            x = rng.standard_normal((6, 4)).astype(np.float32)
            y = rng.integers(0, 10, size=6)
            mask = rng.integers(0, 2, size=6).astype(bool)
            np.{{function}}('data.npz', x_train=x, y_train=y, mask=mask)
            report('x_train', x); report('y_train', y); report('mask', mask)
            """, folder.Path);

        using var arrays = Npz.Load(folder.File("data.npz"));

        Assert.Equal(new[] { "x_train", "y_train", "mask" }, arrays.Keys);
        Values.Equal(expected["x_train"], arrays["x_train"], "x_train");
        Values.Equal(expected["y_train"], arrays["y_train"], "y_train");
        Values.Equal(expected["mask"], arrays["mask"], "mask");
        Assert.Equal(DType.Int64, arrays["y_train"].DType);
        Assert.Equal(DType.Bool, arrays["mask"].DType);
    }

    [Fact]
    public void Positional_arrays_are_named_as_numpy_names_them()
    {
        using var folder = new TempFolder();
        var expected = Python.Run("""
            a = np.arange(3, dtype=np.float64); b = np.arange(4, dtype=np.int32)
            np.savez('positional.npz', a, b)
            report('arr_0', a); report('arr_1', b)
            """, folder.Path);

        using var arrays = Npz.Load(folder.File("positional.npz"));

        Values.Equal(expected["arr_0"], arrays["arr_0"], "arr_0");
        Values.Equal(expected["arr_1"], arrays["arr_1"], "arr_1");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Archives_the_runtime_writes_load_in_numpy(bool compress)
    {
        using var folder = new TempFolder();
        using var weights = Tensor.FromArray([0.25f, -1, 3, 4.5f, 1e-3f, 6], 2, 3);
        using var step = Tensor.FromArray([42L], 1);
        Npz.Save(folder.File("state.npz"), new Dictionary<string, Tensor> { ["weights"] = weights, ["step"] = step }, compress);

        var loaded = Python.Run("""
            with np.load('state.npz') as z:
                assert sorted(z.files) == ['step', 'weights'], z.files
                report('weights', z['weights']); report('step', z['step'])
            """, folder.Path);

        Assert.Equal("float32", loaded["weights"].DType);
        Values.Equal(loaded["weights"], weights, "weights");
        Values.Equal(loaded["step"], step, "step");
    }

    [Fact]
    public void A_missing_name_lists_the_arrays_there_are()
    {
        using var folder = new TempFolder();
        using var x = Tensor.Zeros([2]);
        var path = folder.File("one.npz");
        Npz.Save(path, new Dictionary<string, Tensor> { ["x"] = x });
        using var arrays = Npz.Load(path);

        var error = Assert.Throws<KeyNotFoundException>(() => arrays["y"]);

        Assert.Contains($"{path} has no array 'y'; it has 'x'", error.Message);
    }

    [Fact]
    public void A_file_that_is_not_a_zip_archive_is_an_error_naming_it()
    {
        using var folder = new TempFolder();
        var path = folder.File("fake.npz");
        File.WriteAllText(path, "not a zip archive at all");

        var error = Assert.Throws<InvalidDataException>(() => Npz.Load(path));

        Assert.StartsWith(path, error.Message);
        Assert.Contains("not a valid .npz", error.Message);
    }

    [Fact]
    public void A_truncated_member_names_the_archive_the_member_and_the_byte_counts()
    {
        using var folder = new TempFolder();
        var path = folder.File("short.npz");
        using (var npy = Tensor.Zeros([4, 4]))
        {
            var npyPath = folder.File("a.npy");
            Npy.Save(npyPath, npy);
            var bytes = File.ReadAllBytes(npyPath);
            using var archive = ZipFile.Open(path, ZipArchiveMode.Create);
            using var stream = archive.CreateEntry("a.npy").Open();
            stream.Write(bytes.AsSpan(0, bytes.Length - 10));
        }

        var error = Assert.Throws<InvalidDataException>(() => Npz.Load(path));

        Assert.StartsWith($"{path} (a.npy)", error.Message);
        Assert.Contains("needs 64 bytes but 54 follow the header", error.Message);
    }

    [Fact]
    public void A_damaged_compressed_member_is_an_error_naming_the_archive_and_member()
    {
        using var folder = new TempFolder();
        var path = folder.File("damaged.npz");
        using (var generator = new Generator(3))
        using (var x = Tensor.Rand([64, 64], generator))
        {
            Npz.Save(path, new Dictionary<string, Tensor> { ["x"] = x }, compress: true);
        }
        var bytes = File.ReadAllBytes(path);
        for (var i = 200; i < 260; i++) bytes[i] ^= 0x5A; // inside the deflate stream of x.npy
        File.WriteAllBytes(path, bytes);

        var error = Assert.Throws<InvalidDataException>(() => Npz.Load(path));

        Assert.StartsWith($"{path} (x.npy)", error.Message);
    }

    [Fact]
    public void A_member_whose_data_changed_but_still_decodes_fails_its_crc_check()
    {
        using var folder = new TempFolder();
        var path = folder.File("stored.npz");
        using (var x = Tensor.FromArray([1f, 2, 3, 4], 4)) Npz.Save(path, new Dictionary<string, Tensor> { ["x"] = x });
        var bytes = File.ReadAllBytes(path);
        // Stored (uncompressed) members hold the .npy bytes as they are: change the last float's top byte.
        var data = bytes.AsSpan().IndexOf(BitConverter.GetBytes(4f));
        bytes[data + 3] ^= 0x01;
        File.WriteAllBytes(path, bytes);

        var error = Assert.Throws<InvalidDataException>(() => Npz.Load(path));

        Assert.StartsWith($"{path} (x.npy): the member is damaged", error.Message);
        Assert.Contains("CRC-32", error.Message);
    }

    [Fact]
    public void The_crc_is_the_standard_crc32()
    {
        // The published check value of CRC-32/ISO-HDLC (the zip CRC) for the ASCII digits 1 to 9.
        Assert.Equal(0xCBF43926u, Crc32.Append(0, "123456789"u8));
        Assert.Equal(Crc32.Append(0, "123456789"u8), Crc32.Append(Crc32.Append(0, "1234"u8), "56789"u8));
    }
}
