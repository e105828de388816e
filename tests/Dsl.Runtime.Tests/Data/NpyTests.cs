using System.Text;
using Xunit;

namespace Dsl.Runtime.Tests.Data;

public sealed class NpyTests
{
    [Fact]
    public void Arrays_numpy_saves_load_with_their_dtype_shape_and_values()
    {
        using var folder = new TempFolder();
        var expected = Python.Run("""
            rng = np.random.default_rng(3)
            arrays = {
                'f4': rng.standard_normal((3, 4)).astype('<f4'),
                'f8': rng.standard_normal((2, 3, 2)),
                'i8': rng.integers(-2**53, 2**53, size=7).astype('<i8'),  # exact in the float64 report
                'i4': rng.integers(-2**31, 2**31 - 1, size=(2, 5)).astype('<i4'),
                'u1': rng.integers(0, 256, size=(4, 2)).astype('|u1'),
                'b1': rng.integers(0, 2, size=(3, 3)).astype('|b1'),
                'scalar': np.array(2.5, dtype='<f4'),
                'empty': np.zeros((0, 3), dtype='<f4'),
            }
            for name, a in arrays.items():
                np.save(name + '.npy', a)
                report(name, a)
            """, folder.Path);

        foreach (var (name, dtype) in new[] { ("f4", DType.Float32), ("f8", DType.Float64), ("i8", DType.Int64), ("i4", DType.Int32),
                     ("u1", DType.UInt8), ("b1", DType.Bool), ("scalar", DType.Float32), ("empty", DType.Float32) })
        {
            using var tensor = Npy.Load(folder.File(name + ".npy"));
            Assert.Equal(dtype, tensor.DType);
            Values.Equal(expected[name], tensor, name);
        }
    }

    [Fact]
    public void Format_versions_2_and_3_fortran_order_and_big_endian_arrays_load()
    {
        using var folder = new TempFolder();
        var expected = Python.Run("""
            from numpy.lib import format as npformat
            a = np.arange(24, dtype='<f4').reshape(2, 3, 4) * 0.5 - 3
            for version in [(2, 0), (3, 0)]:
                with open('v%d.npy' % version[0], 'wb') as f:
                    npformat.write_array(f, a, version=version)
            report('a', a)
            fortran = np.asfortranarray(np.arange(12, dtype='<i8').reshape(3, 4) * 7)
            np.save('fortran.npy', fortran)
            report('fortran', fortran)
            big = (np.arange(6, dtype='>f8') / 3).reshape(2, 3)
            np.save('big.npy', big)
            report('big', big)
            with open('fortran_flag.txt', 'w') as f:
                f.write(str(np.load('fortran.npy', mmap_mode='r').flags['F_CONTIGUOUS']))
            """, folder.Path);

        using (var v2 = Npy.Load(folder.File("v2.npy"))) Values.Equal(expected["a"], v2, "version 2.0");
        using (var v3 = Npy.Load(folder.File("v3.npy"))) Values.Equal(expected["a"], v3, "version 3.0");
        Assert.Equal("True", File.ReadAllText(folder.File("fortran_flag.txt"))); // the file really is Fortran-ordered
        using (var fortran = Npy.Load(folder.File("fortran.npy")))
        {
            Values.Equal(expected["fortran"], fortran, "fortran order");
            Assert.True(fortran.IsContiguous);
        }
        using (var big = Npy.Load(folder.File("big.npy")))
        {
            Assert.Equal(DType.Float64, big.DType);
            Values.Equal(expected["big"], big, "big endian");
        }
    }

    [Fact]
    public void Arrays_the_runtime_saves_load_in_numpy_with_their_dtype_shape_and_values()
    {
        using var folder = new TempFolder();
        using var f4 = Tensor.FromArray([1.5f, -2.25f, 3e-8f, 4e30f, 0, -0f], 2, 3);
        using var f8 = Tensor.FromArray([Math.PI, -Math.E, 1e-300], 3, 1);
        using var i8 = Tensor.FromArray([long.MinValue, long.MaxValue, 0], 3);
        using var i4 = Tensor.FromArray([int.MinValue, 7], 1, 2);
        using var u1 = Tensor.FromArray(new byte[] { 0, 255, 128 }, 3);
        using var b1 = Tensor.FromArray([true, false, true, true], 2, 2);
        using var scalar = Tensor.Scalar(7, DType.Int64);
        using var transposed = f4.T; // written in C order as its logical [3, 2] values
        var tensors = new Dictionary<string, Tensor> { ["f4"] = f4, ["f8"] = f8, ["i8"] = i8, ["i4"] = i4, ["u1"] = u1, ["b1"] = b1, ["scalar"] = scalar, ["transposed"] = transposed };
        foreach (var (name, tensor) in tensors) Npy.Save(folder.File(name + ".npy"), tensor);

        var loaded = Python.Run("""
            for name in ['f4', 'f8', 'i8', 'i4', 'u1', 'b1', 'scalar', 'transposed']:
                report(name, np.load(name + '.npy'))
            # the float64 report rounds i8's extremes; compare them exactly here
            a = np.load('i8.npy')
            report('i8_min_is_exact', np.array(a[0] == np.iinfo(np.int64).min and a[1] == np.iinfo(np.int64).max, dtype=np.int64))
            """, folder.Path);

        var numpyDTypes = new Dictionary<string, string> { ["f4"] = "float32", ["f8"] = "float64", ["i8"] = "int64", ["i4"] = "int32", ["u1"] = "uint8", ["b1"] = "bool", ["scalar"] = "int64", ["transposed"] = "float32" };
        foreach (var (name, tensor) in tensors)
        {
            Assert.Equal(numpyDTypes[name], loaded[name].DType);
            Values.Equal(loaded[name], tensor, name);
        }
        Assert.Equal([1.0], loaded["i8_min_is_exact"].Values);
        Assert.False(File.Exists(folder.File("f4.npy.tmp")));
    }

    [Fact]
    public void A_round_trip_through_the_runtime_keeps_bytes_exactly()
    {
        using var folder = new TempFolder();
        using var x = Tensor.FromArray([float.NaN, float.PositiveInfinity, float.Epsilon, -1], 2, 2);
        Npy.Save(folder.File("x.npy"), x);

        using var back = Npy.Load(folder.File("x.npy"));

        Assert.Equal(new Shape(2, 2), back.Shape);
        Assert.Equal(x.ToArray<float>().Select(BitConverter.SingleToInt32Bits), back.ToArray<float>().Select(BitConverter.SingleToInt32Bits));
        Assert.Equal(0, (new FileInfo(folder.File("x.npy")).Length - 16) % 64); // the data starts 64-byte aligned, as NumPy writes it
    }

    // ---- corrupt files -------------------------------------------------------------------------

    private static readonly byte[] NpyMagic = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    private static byte[] ValidFile(TempFolder folder, Tensor tensor)
    {
        var path = folder.File("valid.npy");
        Npy.Save(path, tensor);
        return File.ReadAllBytes(path);
    }

    [Fact]
    public void A_truncated_file_names_the_file_and_both_byte_counts()
    {
        using var folder = new TempFolder();
        using var x = Tensor.Zeros([10, 10]);
        var bytes = ValidFile(folder, x);
        var path = folder.File("truncated.npy");
        File.WriteAllBytes(path, bytes[..^7]);

        var error = Assert.Throws<InvalidDataException>(() => Npy.Load(path));

        Assert.StartsWith(path, error.Message);
        Assert.Contains("shape [10, 10] of '<f4' needs 400 bytes but 393 follow the header", error.Message);
        Assert.Contains("truncated", error.Message);
    }

    [Fact]
    public void Extra_data_after_the_array_is_an_error_with_both_byte_counts()
    {
        using var folder = new TempFolder();
        using var x = Tensor.Zeros([3], DType.Int64);
        var path = folder.File("long.npy");
        File.WriteAllBytes(path, [.. ValidFile(folder, x), 1, 2, 3]);

        var error = Assert.Throws<InvalidDataException>(() => Npy.Load(path));

        Assert.Contains("needs 24 bytes but 27 follow the header", error.Message);
    }

    [Theory]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (3, }", "expected a size")]
    [InlineData("{'descr': '<f4', 'fortran_order': Maybe, 'shape': (3,), }", "expected True or False")]
    [InlineData("{'descr': '<f4', 'shape': (3,), }", "must have the keys")]
    [InlineData("{'descr': '<c8', 'fortran_order': False, 'shape': (3,), }", "dtype '<c8' is not supported")]
    [InlineData("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (3,), }", "structured dtypes are not supported")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), 'extra': 1}", "unexpected key 'extra'")]
    [InlineData("'descr': '<f4'", "expected '{'")]
    public void A_corrupt_header_is_an_error_naming_the_file_and_the_problem(string header, string problem)
    {
        using var folder = new TempFolder();
        var path = folder.File("bad.npy");
        var text = Encoding.Latin1.GetBytes(header.PadRight(118) + "\n");
        using (var file = File.Create(path))
        {
            file.Write(NpyMagic);
            file.Write([1, 0, (byte)text.Length, 0]);
            file.Write(text);
            file.Write(new byte[12]);
        }

        var error = Assert.Throws<InvalidDataException>(() => Npy.Load(path));

        Assert.StartsWith(path, error.Message);
        Assert.Contains(problem, error.Message);
    }

    [Fact]
    public void Not_an_npy_file_and_unknown_versions_are_errors()
    {
        using var folder = new TempFolder();
        var notNpy = folder.File("text.npy");
        File.WriteAllText(notNpy, "hello, world");
        var version9 = folder.File("v9.npy");
        File.WriteAllBytes(version9, [.. NpyMagic, 9, 0, 0, 0]);

        Assert.Contains("does not start with NumPy's magic string", Assert.Throws<InvalidDataException>(() => Npy.Load(notNpy)).Message);
        Assert.Contains("version 9.0 is not supported", Assert.Throws<InvalidDataException>(() => Npy.Load(version9)).Message);
        Assert.Throws<FileNotFoundException>(() => Npy.Load(folder.File("missing.npy")));
    }

    [Fact]
    public void A_bool_array_with_a_byte_other_than_0_or_1_is_an_error()
    {
        using var folder = new TempFolder();
        using var b = Tensor.FromArray([true, false, true], 3);
        var bytes = ValidFile(folder, b);
        bytes[^2] = 7;
        var path = folder.File("bool.npy");
        File.WriteAllBytes(path, bytes);

        var error = Assert.Throws<InvalidDataException>(() => Npy.Load(path));

        Assert.Contains("element 1 of a '|b1' (bool) array is the byte 7", error.Message);
    }

    [Fact]
    public void Saving_a_dtype_numpy_lacks_is_an_error_and_leaves_no_file()
    {
        using var folder = new TempFolder();
        using var x = Tensor.Zeros([2], DType.BFloat16);

        var error = Assert.Throws<NotSupportedException>(() => Npy.Save(folder.File("x.npy"), x));

        Assert.Contains("BFloat16", error.Message);
        Assert.Empty(Directory.GetFiles(folder.Path));
    }
}
