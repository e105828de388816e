using Dsl.Testing;
using Xunit;

namespace Dsl.Runtime.Tests.Data;

public sealed class TensorDatasetTests
{
    // 5 examples of 3 features: example i is [10i, 10i + 1, 10i + 2]; label i is 100 + i.
    private static float[,] Features()
    {
        var x = new float[5, 3];
        for (var i = 0; i < 5; i++) for (var j = 0; j < 3; j++) x[i, j] = 10 * i + j;
        return x;
    }

    private static long[] Labels() => [100, 101, 102, 103, 104];

    [Fact]
    public void Columns_describe_one_example_and_count_the_first_axis()
    {
        using var images = Tensor.Zeros([6, 28, 28]);
        using var labels = Tensor.Zeros([6], DType.Int64);
        using var data = new TensorDataset(("images", images), ("labels", labels));

        Assert.Equal(6, data.Count);
        Assert.Equal(new DatasetColumn("images", [28, 28], DType.Float32), data.Columns[0]);
        Assert.Equal(new DatasetColumn("labels", Shape.Scalar, DType.Int64), data.Columns[1]);
    }

    [Fact]
    public void Gather_copies_the_examples_at_the_indices_in_order()
    {
        using var data = TensorDataset.From(("features", Features()), ("labels", Labels()));
        using var x = Tensor.Empty([4, 3]);
        using var y = Tensor.Empty([4], DType.Int64);

        data.Gather([3, 0, 3, 4], [x, y]);

        Assert.Equal(new float[] { 30, 31, 32, 0, 1, 2, 30, 31, 32, 40, 41, 42 }, x.ToArray<float>());
        Assert.Equal(new long[] { 103, 100, 103, 104 }, y.ToArray<long>());
    }

    [Fact]
    public void Gather_handles_runs_of_consecutive_indices_mixed_with_scattered_ones()
    {
        const int Count = 40, Width = 5;
        var x = new float[Count, Width];
        for (var i = 0; i < Count; i++) for (var j = 0; j < Width; j++) x[i, j] = i * 100 + j;
        using var data = TensorDataset.From(("x", x));
        long[] indices = [7, 8, 9, 10, 2, 39, 0, 1, 30, 31, 32, 5];
        using var batch = Tensor.Empty([indices.Length, Width]);

        data.Gather(indices, [batch]);

        var expected = indices.SelectMany(i => Enumerable.Range(0, Width).Select(j => (float)(i * 100 + j))).ToArray();
        Assert.Equal(expected, batch.ToArray<float>());
    }

    [Fact]
    public void Gather_into_a_non_contiguous_destination_goes_through_index_select_with_the_same_result()
    {
        using var data = TensorDataset.From(("features", Features()), ("labels", Labels()));
        using var storage = Tensor.Zeros([3, 2]);
        using var x = storage.T; // [2, 3], not contiguous
        using var y = Tensor.Empty([2], DType.Int64);

        data.Gather([4, 1], [x, y]);

        using var copy = x.Contiguous();
        Assert.False(x.IsContiguous);
        Assert.Equal(new float[] { 40, 41, 42, 10, 11, 12 }, copy.ToArray<float>());
        Assert.Equal(new long[] { 104, 101 }, y.ToArray<long>());
    }

    [Fact]
    public void A_non_contiguous_source_is_stored_contiguously_with_the_same_values()
    {
        using var source = Tensor.FromArray([1f, 2, 3, 4, 5, 6], 3, 2);
        using var transposed = source.T; // [2, 3]: example 0 is [1, 3, 5]
        using var data = new TensorDataset(("x", transposed));
        using var x = Tensor.Empty([1, 3]);

        data.Gather([0], [x]);

        Assert.Equal(new float[] { 1, 3, 5 }, x.ToArray<float>());
    }

    [Fact]
    public void The_data_set_keeps_its_own_handles_so_the_caller_may_dispose_its_tensors()
    {
        var values = Tensor.FromArray([1f, 2, 3], 3);
        using var data = new TensorDataset(("x", values));
        values.Dispose();
        using var x = Tensor.Empty([2]);

        data.Gather([2, 0], [x]);

        Assert.Equal(new float[] { 3, 1 }, x.ToArray<float>());
    }

    [Fact]
    public void From_accepts_jagged_rows_images_and_int_labels_as_int64()
    {
        float[][] rows = [[1, 2], [3, 4]];
        var images = new byte[2, 2, 2] { { { 1, 2 }, { 3, 4 } }, { { 5, 6 }, { 7, 8 } } };
        using var data = TensorDataset.From(("rows", rows), ("images", images), ("labels", new[] { 7, 9 }));

        Assert.Equal(new DatasetColumn("rows", [2], DType.Float32), data.Columns[0]);
        Assert.Equal(new DatasetColumn("images", [2, 2], DType.UInt8), data.Columns[1]);
        Assert.Equal(new DatasetColumn("labels", Shape.Scalar, DType.Int64), data.Columns[2]);
        using var labels = data["labels"];
        Assert.Equal(new long[] { 7, 9 }, labels.ToArray<long>());
        using var pictures = data["images"];
        Assert.Equal(new byte[] { 1, 2, 3, 4, 5, 6, 7, 8 }, pictures.ToArray<byte>());
    }

    [Fact]
    public void Columns_of_different_lengths_are_an_error_naming_each_column_and_length()
    {
        using var x = Tensor.Zeros([5, 3]);
        using var y = Tensor.Zeros([4], DType.Int64);

        var error = Assert.Throws<ArgumentException>(() => new TensorDataset(("features", x), ("labels", y)));

        Assert.Contains("'features' has 5 (shape [5, 3])", error.Message);
        Assert.Contains("'labels' has 4 (shape [4])", error.Message);
    }

    [Fact]
    public void A_ragged_jagged_column_names_the_row_and_both_lengths()
    {
        float[][] rows = [[1, 2], [3, 4], [5]];

        var error = Assert.Throws<ArgumentException>(() => TensorDataset.From(("features", rows)));

        Assert.Contains("'features'", error.Message);
        Assert.Contains("row 2 has 1 values but row 0 has 2", error.Message);
    }

    [Fact]
    public void Scalar_tensors_duplicate_names_and_no_columns_are_errors()
    {
        using var scalar = Tensor.Scalar(1);
        using var x = Tensor.Zeros([2]);

        Assert.Contains("scalar", Assert.Throws<ArgumentException>(() => new TensorDataset(("s", scalar))).Message);
        Assert.Contains("'x'", Assert.Throws<ArgumentException>(() => new TensorDataset(("x", x), ("x", x))).Message);
        Assert.Throws<ArgumentException>(() => new TensorDataset());
    }

    [Fact]
    public void Gather_rejects_bad_indices_and_destinations_before_writing_anything()
    {
        using var data = TensorDataset.From(("features", Features()), ("labels", Labels()));
        using var x = Tensor.Zeros([2, 3]);
        using var y = Tensor.Zeros([2], DType.Int64);
        using var wrongShape = Tensor.Zeros([2, 4]);
        using var wrongType = Tensor.Zeros([2], DType.Int32);

        var outside = Assert.Throws<ArgumentOutOfRangeException>(() => data.Gather([0, 5], [x, y]));
        Assert.Contains("Example index 5", outside.Message);
        Assert.Contains("5 examples", outside.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => data.Gather([-1, 0], [x, y]));
        var shape = Assert.Throws<ArgumentException>(() => data.Gather([0, 1], [wrongShape, y]));
        Assert.Contains("'features' must be [2, 3] Float32", shape.Message);
        Assert.Contains("[2, 4] Float32", shape.Message);
        var dtype = Assert.Throws<ArgumentException>(() => data.Gather([0, 1], [x, wrongType]));
        Assert.Contains("'labels' must be [2] Int64", dtype.Message);
        Assert.Contains("Int32", dtype.Message);
        Assert.Throws<ArgumentException>(() => data.Gather([0, 1], [x]));

        Assert.All(x.ToArray<float>(), v => Assert.Equal(0, v));
        Assert.All(y.ToArray<long>(), v => Assert.Equal(0, v));
    }

    [Fact]
    public void An_unknown_column_name_lists_the_columns()
    {
        using var data = TensorDataset.From(("features", Features()), ("labels", Labels()));

        var error = Assert.Throws<ArgumentException>(() => data.ColumnIndex("images"));

        Assert.Contains("no column 'images'", error.Message);
        Assert.Contains("'features' [3] Float32", error.Message);
        Assert.Contains("'labels' [] Int64", error.Message);
    }

    [Fact]
    public void Gather_allocates_no_managed_memory_for_a_128_by_784_batch()
    {
        using var images = Tensor.Rand([1000, 784]);
        using var labels = Tensor.RandInt(0, 10, [1000]);
        using var data = new TensorDataset(("images", images), ("labels", labels));
        using var x = Tensor.Empty([128, 784]);
        using var y = Tensor.Empty([128], DType.Int64);
        var destination = new[] { x, y };
        var indices = new long[128];
        for (var i = 0; i < indices.Length; i++) indices[i] = (i * 7919) % 1000;

        var bytes = Allocations.Measure(() => data.Gather(indices, destination));

        Assert.Equal(0, bytes);
    }

    [Fact]
    public void Gather_through_index_select_allocates_no_managed_memory_in_steady_state()
    {
        using var images = Tensor.Rand([100, 8]);
        using var data = new TensorDataset(("images", images));
        using var storage = Tensor.Empty([8, 16]);
        using var x = storage.T; // non-contiguous: the index_select path with its reused index tensor
        var destination = new[] { x };
        var indices = new long[16];
        for (var i = 0; i < indices.Length; i++) indices[i] = (i * 37) % 100;

        var bytes = Allocations.Measure(() => data.Gather(indices, destination));

        Assert.Equal(0, bytes);
    }

    [Fact]
    public void Gather_after_dispose_throws()
    {
        var data = TensorDataset.From(("labels", Labels()));
        data.Dispose();
        using var y = Tensor.Empty([1], DType.Int64);

        Assert.Throws<ObjectDisposedException>(() => data.Gather([0], [y]));
    }
}
