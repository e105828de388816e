using Xunit;

namespace Dsl.Runtime.Tests.Checkpoints;

public sealed class SafeTensorsLoadIntoTests : IDisposable
{
    private readonly TemporaryFolder _folder = new();
    private readonly string _path;

    public SafeTensorsLoadIntoTests()
    {
        _path = _folder.File("model.safetensors");
        using var w = Tensor.FromArray([1f, 2f, 3f, 4f, 5f, 6f], 2, 3);
        using var b = Tensor.FromArray([0.5f, -0.5f, 1.5f], 3);
        using var steps = Tensor.FromArray([42L], 1);
        SafeTensors.Save(_path, [("W", w), ("b", b), ("steps", steps)], new Dictionary<string, string> { ["epoch"] = "3" });
    }

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void Tensors_are_loaded_by_name_and_the_metadata_returned()
    {
        using var w = Tensor.Zeros([2, 3]);
        using var b = Tensor.Zeros([3]);
        var metadata = SafeTensors.LoadInto(_path, [("b", b), ("W", w)]); // any order; "steps" in the file is not asked for
        Assert.Equal([1f, 2f, 3f, 4f, 5f, 6f], w.ToArray<float>());
        Assert.Equal([0.5f, -0.5f, 1.5f], b.ToArray<float>());
        Assert.Equal("3", metadata["epoch"]);
    }

    [Fact]
    public void A_wrong_shape_names_the_tensor_and_both_shapes_and_changes_nothing()
    {
        using var w = Tensor.Full([3, 2], 7);  // transposed by mistake
        using var b = Tensor.Full([3], 9);     // fits, but must not be loaded either
        var e = Assert.Throws<CheckpointException>(() => SafeTensors.LoadInto(_path, [("b", b), ("W", w)]));

        Assert.Equal("W", e.TensorName);
        Assert.Equal(_path, e.FilePath);
        Assert.Contains("'W'", e.Message);
        Assert.Contains("[3, 2]", e.Message);
        Assert.Contains("[2, 3]", e.Message);
        Assert.Contains(_path, e.Message);
        Assert.Contains("nothing was loaded", e.Message);
        Assert.All(w.ToArray<float>(), v => Assert.Equal(7f, v));
        Assert.All(b.ToArray<float>(), v => Assert.Equal(9f, v));
    }

    [Fact]
    public void A_wrong_dtype_names_both_dtypes_and_changes_nothing()
    {
        using var w = Tensor.Full([2, 3], 7, DType.Float64);
        var e = Assert.Throws<CheckpointException>(() => SafeTensors.LoadInto(_path, [("W", w)]));
        Assert.Contains("Float64", e.Expected);
        Assert.Contains("Float32", e.Found);
        Assert.All(w.ToArray<double>(), v => Assert.Equal(7.0, v));
    }

    [Fact]
    public void A_missing_tensor_is_named_and_changes_nothing()
    {
        using var w = Tensor.Full([2, 3], 7);
        using var extra = Tensor.Full([5], 1);
        var e = Assert.Throws<CheckpointException>(() => SafeTensors.LoadInto(_path, [("W", w), ("decoder.bias", extra)]));
        Assert.Equal("decoder.bias", e.TensorName);
        Assert.Contains("no tensor", e.Message);
        Assert.All(w.ToArray<float>(), v => Assert.Equal(7f, v));
    }

    [Fact]
    public void Every_problem_is_listed_in_one_message()
    {
        using var w = Tensor.Zeros([6]);
        using var b = Tensor.Zeros([3], DType.Int32);
        using var gone = Tensor.Zeros([1]);
        var e = Assert.Throws<CheckpointException>(() => SafeTensors.LoadInto(_path, [("W", w), ("b", b), ("gone", gone)]));
        Assert.Contains("'W'", e.Message);
        Assert.Contains("'b'", e.Message);
        Assert.Contains("Int32", e.Message);
        Assert.Contains("'gone'", e.Message);
        Assert.Contains("3 tensors do not fit", e.Message);
    }

    [Fact]
    public void Naming_one_destination_twice_is_an_argument_error()
    {
        using var w = Tensor.Zeros([2, 3]);
        Assert.Throws<ArgumentException>(() => SafeTensors.LoadInto(_path, [("W", w), ("W", w)]));
    }

    [Fact]
    public void ReadInto_refuses_a_mismatch_without_touching_the_destination()
    {
        using var file = SafeTensors.Open(_path);
        using var w = Tensor.Full([2, 2], 7);
        var e = Assert.Throws<CheckpointException>(() => file.ReadInto("W", w));
        Assert.Contains("[2, 2]", e.Message);
        Assert.Contains("[2, 3]", e.Message);
        Assert.All(w.ToArray<float>(), v => Assert.Equal(7f, v));
    }
}
