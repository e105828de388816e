using Xunit;

namespace Dsl.Runtime.Tests.Checkpoints;

public sealed class SafeTensorsRoundTripTests
{
    private static double[] Values(Tensor t)
    {
        using var asDouble = t.To(DType.Float64);
        return asDouble.ToArray<double>();
    }

    /// <summary>One tensor of every dtype the format and the runtime share, with awkward shapes among them.</summary>
    internal static List<(string Name, Tensor Value)> EveryDType() =>
    [
        ("f32", Tensor.FromArray([1.5f, -2f, float.MaxValue, float.Epsilon, float.NaN, float.NegativeInfinity], 2, 3)),
        ("f64", Tensor.FromArray([Math.PI, -Math.E, double.MaxValue, 1e-300], 2, 1, 2)),
        ("i64", Tensor.FromArray([long.MinValue, -1L, 0L, long.MaxValue], 4)),
        ("i32", Tensor.FromArray([int.MinValue, 7, int.MaxValue], 3)),
        ("i16", Tensor.FromSpan<short>([short.MinValue, -3, short.MaxValue, 0], [2, 2])),
        ("i8", Tensor.FromSpan<sbyte>([sbyte.MinValue, -1, sbyte.MaxValue], [3])),
        ("u8", Tensor.FromArray(new byte[] { 0, 1, 128, 255, 42 }, 5)),
        ("bool", Tensor.FromArray([true, false, false, true, true], 5)),
        ("f16", Tensor.FromSpan<Half>([(Half)0.5f, (Half)(-65504f), Half.Epsilon], [3])),
        ("bf16", ToDType(Tensor.FromArray([1.5f, -0.25f, 3e38f, 256f], 2, 2), DType.BFloat16)),
        ("scalar", Tensor.Scalar(-7.25, DType.Float64)),
        ("empty", Tensor.Zeros([0, 3])),
    ];

    private static Tensor ToDType(Tensor t, DType dtype)
    {
        using (t) return t.To(dtype);
    }

    [Fact]
    public void Every_dtype_round_trips_with_its_shape_values_and_the_metadata()
    {
        using var folder = new TemporaryFolder();
        var path = folder.File("all.safetensors");
        var tensors = EveryDType();
        try
        {
            var metadata = new Dictionary<string, string> { ["step"] = "1200", ["note"] = "ünïcødé \"quoted\" \\ / \n" };
            SafeTensors.Save(path, tensors, metadata);

            using var file = SafeTensors.Open(path);
            Assert.Equal(tensors.Select(t => t.Name).Order(), file.Names.Order());
            Assert.Equal(metadata.OrderBy(kv => kv.Key), file.Metadata.OrderBy(kv => kv.Key));
            foreach (var (name, expected) in tensors)
            {
                var info = file.Info(name);
                Assert.Equal(expected.DType, info.DType);
                Assert.Equal(expected.Shape, info.Shape);
                Assert.Equal(expected.NumElements * expected.DType.ElementSize(), info.ByteLength);
                using var actual = file.Read(name);
                Assert.Equal(expected.DType, actual.DType);
                Assert.Equal(expected.Shape, actual.Shape);
                Assert.Equal(Values(expected), Values(actual));
            }
        }
        finally
        {
            foreach (var (_, t) in tensors) t.Dispose();
        }
    }

    [Fact]
    public void The_data_starts_aligned_and_every_tensor_is_aligned_to_its_element_size()
    {
        using var folder = new TemporaryFolder();
        var path = folder.File("aligned.safetensors");
        var tensors = EveryDType();
        try
        {
            SafeTensors.Save(path, tensors, new Dictionary<string, string> { ["k"] = "v" });
            var (headerLength, header) = RawSafeTensors.ReadHeader(path);
            using (header)
            {
                Assert.Equal(0, (8 + headerLength) % 8);
                Assert.Equal("v", header.RootElement.GetProperty("__metadata__").GetProperty("k").GetString());
                var sizes = new Dictionary<string, int> { ["F64"] = 8, ["I64"] = 8, ["F32"] = 4, ["I32"] = 4, ["F16"] = 2, ["BF16"] = 2, ["I16"] = 2, ["I8"] = 1, ["U8"] = 1, ["BOOL"] = 1 };
                foreach (var (name, _) in tensors)
                {
                    var entry = header.RootElement.GetProperty(name);
                    var begin = entry.GetProperty("data_offsets")[0].GetInt64();
                    Assert.True(begin % sizes[entry.GetProperty("dtype").GetString()!] == 0, $"{name} starts at {begin}");
                }
            }
        }
        finally
        {
            foreach (var (_, t) in tensors) t.Dispose();
        }
    }

    [Fact]
    public void Views_are_saved_by_value_in_row_major_order()
    {
        using var folder = new TemporaryFolder();
        var path = folder.File("views.safetensors");
        using var matrix = Tensor.FromArray([1f, 2f, 3f, 4f, 5f, 6f], 2, 3);
        using var transposed = matrix.T;                 // not contiguous
        using var rows = matrix.Narrow(0, 1, 1);         // contiguous, but starts inside the storage
        using var columns = matrix.Narrow(1, 1, 2);      // neither
        SafeTensors.Save(path, [("t", transposed), ("row", rows), ("cols", columns)]);

        using var file = SafeTensors.Open(path);
        using var t = file.Read("t");
        using var row = file.Read("row");
        using var cols = file.Read("cols");
        Assert.Equal(new Shape(3, 2), t.Shape);
        Assert.Equal([1f, 4f, 2f, 5f, 3f, 6f], t.ToArray<float>());
        Assert.Equal([4f, 5f, 6f], row.ToArray<float>());
        Assert.Equal([2f, 3f, 5f, 6f], cols.ToArray<float>());
    }

    [Fact]
    public void ReadInto_fills_a_destination_that_is_a_strided_view()
    {
        using var folder = new TemporaryFolder();
        var path = folder.File("into-view.safetensors");
        using var source = Tensor.FromArray([1.0, 2.0, 3.0, 4.0, 5.0, 6.0], 3, 2);
        SafeTensors.Save(path, [("m", source)]);

        using var storage = Tensor.Zeros([2, 3], DType.Float64);
        using var view = storage.T; // [3, 2], not contiguous
        using var file = SafeTensors.Open(path);
        file.ReadInto("m", view);
        Assert.Equal([1.0, 3.0, 5.0, 2.0, 4.0, 6.0], storage.ToArray<double>());
    }

    [Fact]
    public void Saving_over_a_file_replaces_it_and_leaves_no_temporary_behind()
    {
        using var folder = new TemporaryFolder();
        var path = folder.File("model.safetensors");
        using var first = Tensor.Full([4], 1);
        using var second = Tensor.Full([2, 2], 2, DType.Float64);
        SafeTensors.Save(path, [("a", first)], new Dictionary<string, string> { ["v"] = "1" });
        SafeTensors.Save(path, [("b", second)], new Dictionary<string, string> { ["v"] = "2" });

        using var file = SafeTensors.Open(path);
        Assert.Equal(["b"], file.Names);
        Assert.Equal("2", file.Metadata["v"]);
        using var b = file.Read("b");
        Assert.Equal([2.0, 2.0, 2.0, 2.0], b.ToArray<double>());
        Assert.Equal([path], Directory.GetFiles(folder.Path));
    }

    [Fact]
    public void A_reader_keeps_the_version_it_opened_while_a_save_replaces_the_file()
    {
        using var folder = new TemporaryFolder();
        var path = folder.File("model.safetensors");
        using var old = Tensor.Full([1000], 1);
        using var replacement = Tensor.Full([1000], 2);
        SafeTensors.Save(path, [("w", old)]);

        using var reader = SafeTensors.Open(path);
        SafeTensors.Save(path, [("w", replacement)]);
        using (var fromOpenFile = reader.Read("w")) Assert.All(fromOpenFile.ToArray<float>(), v => Assert.Equal(1f, v));
        using var fresh = SafeTensors.Open(path);
        using (var fromNewFile = fresh.Read("w")) Assert.All(fromNewFile.ToArray<float>(), v => Assert.Equal(2f, v));
    }

    [Fact]
    public void Saves_that_are_refused_leave_the_old_file_and_no_temporary()
    {
        using var folder = new TemporaryFolder();
        var path = folder.File("model.safetensors");
        using var good = Tensor.Full([3], 5);
        SafeTensors.Save(path, [("w", good)]);
        var before = File.ReadAllBytes(path);

        var disposed = Tensor.Zeros([3]);
        disposed.Dispose();
        Assert.Throws<ObjectDisposedException>(() => SafeTensors.Save(path, [("w", good), ("gone", disposed)]));
        var duplicate = Assert.Throws<ArgumentException>(() => SafeTensors.Save(path, [("w", good), ("w", good)]));
        Assert.Contains("'w'", duplicate.Message);
        Assert.Throws<ArgumentException>(() => SafeTensors.Save(path, [("__metadata__", good)]));

        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Equal([path], Directory.GetFiles(folder.Path));
    }

    [Fact]
    public void A_save_removes_stale_temporaries_of_its_path_and_nothing_else()
    {
        using var folder = new TemporaryFolder();
        var path = folder.File("model.safetensors");
        var stale = path + ".tmp-deadbeef";          // left by a save that was killed an hour ago
        var inProgress = path + ".tmp-0123abcd";     // written after this save started (its mtime is in the future)
        var otherCheckpoint = folder.File("other.safetensors.tmp-deadbeef");
        foreach (var f in new[] { stale, inProgress, otherCheckpoint }) File.WriteAllText(f, "partial");
        File.SetLastWriteTimeUtc(stale, DateTime.UtcNow.AddHours(-1));
        File.SetLastWriteTimeUtc(otherCheckpoint, DateTime.UtcNow.AddHours(-1));
        File.SetLastWriteTimeUtc(inProgress, DateTime.UtcNow.AddHours(1));

        using var w = Tensor.Ones([8]);
        SafeTensors.Save(path, [("w", w)]);

        Assert.False(File.Exists(stale));
        Assert.True(File.Exists(inProgress));
        Assert.True(File.Exists(otherCheckpoint));
        using var file = SafeTensors.Open(path); // temporaries never confuse a reader
        Assert.Equal(["w"], file.Names);
    }

    [Fact]
    public void Missing_names_are_reported_with_the_names_the_file_holds()
    {
        using var folder = new TemporaryFolder();
        var path = folder.File("model.safetensors");
        using var w = Tensor.Ones([2]);
        SafeTensors.Save(path, [("encoder.weight", w)]);
        using var file = SafeTensors.Open(path);
        var e = Assert.Throws<CheckpointException>(() => file.Read("decoder.weight"));
        Assert.Equal("decoder.weight", e.TensorName);
        Assert.Equal(path, e.FilePath);
        Assert.Contains("'encoder.weight'", e.Message);
    }

    [Fact]
    public void Saving_and_loading_64_MiB_allocates_almost_no_managed_memory()
    {
        using var folder = new TemporaryFolder();
        var path = folder.File("big.safetensors");
        using var big = Tensor.Full([16L << 20], 0.5);           // 64 MiB of Float32
        using var small = Tensor.Full([1000], 3, DType.Int64);
        using var destination = Tensor.Zeros([16L << 20]);
        (string, Tensor)[] tensors = [("big", big), ("small", small)];
        (string, Tensor)[] destinations = [("big", destination)];
        var metadata = new Dictionary<string, string> { ["step"] = "1" };

        // Warm up (first calls compile and initialize), then measure one of each.
        SafeTensors.Save(path, tensors, metadata);
        SafeTensors.LoadInto(path, destinations);
        using (var file = SafeTensors.Open(path)) file.Read("big").Dispose();

        var start = GC.GetAllocatedBytesForCurrentThread();
        SafeTensors.Save(path, tensors, metadata);
        var afterSave = GC.GetAllocatedBytesForCurrentThread();
        SafeTensors.LoadInto(path, destinations);
        var afterLoad = GC.GetAllocatedBytesForCurrentThread();
        using (var file = SafeTensors.Open(path)) file.Read("big").Dispose();
        var afterRead = GC.GetAllocatedBytesForCurrentThread();

        const long Limit = 256 << 10; // the header, names and bookkeeping; the data is 64 MiB
        Assert.True(afterSave - start < Limit, $"Save allocated {afterSave - start} managed bytes");
        Assert.True(afterLoad - afterSave < Limit, $"LoadInto allocated {afterLoad - afterSave} managed bytes");
        Assert.True(afterRead - afterLoad < Limit, $"Open + Read allocated {afterRead - afterLoad} managed bytes");
        using var check = destination.Narrow(0, (16L << 20) - 3, 3);
        Assert.Equal([0.5f, 0.5f, 0.5f], check.ToArray<float>());
    }
}
