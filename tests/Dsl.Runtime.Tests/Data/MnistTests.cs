using Xunit;

namespace Dsl.Runtime.Tests.Data;

public sealed class MnistTests
{
    /// <summary>Python that writes a small MNIST folder (the standard names; the test files gzip-compressed).</summary>
    private const string WriteFolder = """
        def write_idx(path, dims, values):
            data = struct.pack('>BBBB', 0, 0, 0x08, len(dims)) + b''.join(struct.pack('>I', d) for d in dims) + bytes(values)
            with (gzip.open if path.endswith('.gz') else open)(path, 'wb') as f:
                f.write(data)
        rng = np.random.default_rng(4)
        for prefix, count, suffix in [('train', 12, ''), ('t10k', 5, '.gz')]:
            images = rng.integers(0, 256, size=(count, 28, 28)).astype(np.uint8)
            labels = rng.integers(0, 10, size=count).astype(np.uint8)
            write_idx(prefix + '-images-idx3-ubyte' + suffix, [count, 28, 28], images.reshape(-1).tolist())
            write_idx(prefix + '-labels-idx1-ubyte' + suffix, [count], labels.tolist())
            report(prefix + '_images', images.reshape(count, 784).astype(np.float32) / np.float32(255))
            report(prefix + '_raw', images)
            report(prefix + '_labels', labels)
        """;

    [Fact]
    public void The_four_standard_files_load_as_train_and_test_sets()
    {
        using var folder = new TempFolder();
        var expected = Python.Run(WriteFolder, folder.Path);

        using var mnist = Mnist.Load(folder.Path);

        Assert.Equal(12, mnist.Train.Count);
        Assert.Equal(5, mnist.Test.Count);
        Assert.Equal(new DatasetColumn("images", [784], DType.Float32), mnist.Train.Columns[0]);
        Assert.Equal(new DatasetColumn("labels", Shape.Scalar, DType.Int64), mnist.Train.Columns[1]);
        foreach (var (prefix, data) in new[] { ("train", mnist.Train), ("t10k", mnist.Test) })
        {
            using var images = data["images"];
            using var labels = data["labels"];
            Values.Equal(expected[prefix + "_images"], images, prefix + " images");
            Values.Equal(expected[prefix + "_labels"], labels, prefix + " labels");
        }
    }

    [Fact]
    public void Images_can_keep_rows_or_a_channel_axis_and_their_bytes()
    {
        using var folder = new TempFolder();
        var expected = Python.Run(WriteFolder, folder.Path);

        using var rows = Mnist.Load(folder.Path, new MnistOptions { ImageShape = MnistImageShape.Rows, ScaleToUnit = false });
        using var channels = Mnist.Load(folder.Path, new MnistOptions { ImageShape = MnistImageShape.Channels });

        Assert.Equal(new DatasetColumn("images", [28, 28], DType.UInt8), rows.Train.Columns[0]);
        using (var images = rows.Train["images"]) Values.Equal(expected["train_raw"], images, "raw images");
        Assert.Equal(new DatasetColumn("images", [1, 28, 28], DType.Float32), channels.Test.Columns[0]);
    }

    [Fact]
    public void Missing_files_are_listed_in_the_error()
    {
        using var folder = new TempFolder();
        Python.Run(WriteFolder, folder.Path);
        File.Delete(folder.File("train-labels-idx1-ubyte"));
        File.Delete(folder.File("t10k-images-idx3-ubyte.gz"));

        var error = Assert.Throws<FileNotFoundException>(() => Mnist.Load(folder.Path));

        Assert.Contains(folder.Path, error.Message);
        Assert.Contains("train-labels-idx1-ubyte, t10k-images-idx3-ubyte are missing", error.Message);
        Assert.Contains("no download", error.Message);
    }

    [Fact]
    public void Images_and_labels_that_disagree_in_count_are_an_error()
    {
        using var folder = new TempFolder();
        Python.Run(WriteFolder + """

            write_idx('t10k-labels-idx1-ubyte.gz', [4], [1, 2, 3, 4])
            """, folder.Path);

        var error = Assert.Throws<InvalidDataException>(() => Mnist.Load(folder.Path));

        Assert.Contains("holds 5 images but", error.Message);
        Assert.Contains("holds 4 labels", error.Message);
    }

    [Fact]
    public void A_label_that_is_not_a_digit_is_an_error()
    {
        using var folder = new TempFolder();
        Python.Run(WriteFolder + """

            write_idx('train-labels-idx1-ubyte', [12], [0] * 11 + [12])
            """, folder.Path);

        var error = Assert.Throws<InvalidDataException>(() => Mnist.Load(folder.Path));

        Assert.Contains("label 11 is 12", error.Message);
    }
}
