using Xunit;

namespace Dsl.Runtime.Tests;

public sealed class TensorTests
{
    [Fact]
    public void FromArray_and_ToArray_round_trip_every_element_type()
    {
        using (var f = Tensor.FromArray([1.5f, -2f, 3.25f, 0f, 5f, 6f], 2, 3))
        {
            Assert.Equal(new Shape(2, 3), f.Shape);
            Assert.Equal(DType.Float32, f.DType);
            Assert.Equal([1.5f, -2f, 3.25f, 0f, 5f, 6f], f.ToArray<float>());
        }
        using (var d = Tensor.FromArray([Math.PI, double.Epsilon], 2))
        {
            Assert.Equal(DType.Float64, d.DType);
            Assert.Equal([Math.PI, double.Epsilon], d.ToArray<double>());
        }
        using (var l = Tensor.FromArray([long.MaxValue, -1L, 7L, 0L], 2, 2))
        {
            Assert.Equal(DType.Int64, l.DType);
            Assert.Equal([long.MaxValue, -1L, 7L, 0L], l.ToArray<long>());
        }
        using (var b = Tensor.FromArray([true, false, true], 3))
        {
            Assert.Equal(DType.Bool, b.DType);
            Assert.Equal([true, false, true], b.ToArray<bool>());
        }
    }

    [Fact]
    public void FromArray_without_shape_is_one_dimensional()
    {
        using var t = Tensor.FromArray([1f, 2f, 3f, 4f]);
        Assert.Equal(new Shape(4), t.Shape);
        Assert.Equal(1, t.Rank);
        Assert.Equal(4, t.NumElements);
    }

    [Fact]
    public void FromArray_with_a_shape_of_the_wrong_size_names_both_counts()
    {
        var e = Assert.Throws<ArgumentException>(() => Tensor.FromArray([1f, 2f, 3f], 2, 2));
        Assert.Contains("[2, 2] holds 4 elements but 3 values were given", e.Message);
    }

    [Fact]
    public void ToArray_of_the_wrong_element_type_says_how_to_convert()
    {
        using var t = Tensor.FromArray([1L, 2L], 2);
        var e = Assert.Throws<InvalidOperationException>(() => t.ToArray<float>());
        Assert.Contains("needs a Float32 tensor, but this tensor is Int64", e.Message);
        using var converted = t.To(DType.Float32);
        Assert.Equal([1f, 2f], converted.ToArray<float>());
    }

    [Fact]
    public void Creation_functions_fill_as_named()
    {
        using var z = Tensor.Zeros([2, 2]);
        using var o = Tensor.Ones([3], DType.Float64);
        using var full = Tensor.Full([2], 7.5);
        using var range = Tensor.Arange(0, 5, 2, DType.Int64);
        using var scalar = Tensor.Scalar(4.25);
        Assert.Equal(new float[4], z.ToArray<float>());
        Assert.Equal([1.0, 1.0, 1.0], o.ToArray<double>());
        Assert.Equal([7.5f, 7.5f], full.ToArray<float>());
        Assert.Equal([0L, 2L, 4L], range.ToArray<long>());
        Assert.Equal(0, scalar.Rank);
        Assert.Equal(4.25, scalar.Item());
    }

    [Fact]
    public void Same_seed_gives_same_numbers_and_state_restores_the_stream()
    {
        using var g1 = new Generator(42);
        using var g2 = new Generator(42);
        using var a = Tensor.Randn([100], g1);
        using var b = Tensor.Randn([100], g2);
        Assert.Equal(a.ToArray<float>(), b.ToArray<float>());

        using var state = g1.GetState();
        using var next1 = Tensor.Rand([10], g1);
        g1.SetState(state);
        using var next2 = Tensor.Rand([10], g1);
        Assert.Equal(next1.ToArray<float>(), next2.ToArray<float>());

        using var g3 = new Generator(43);
        using var c = Tensor.Randn([100], g3);
        Assert.NotEqual(a.ToArray<float>(), c.ToArray<float>());
    }

    [Fact]
    public void Random_values_have_the_expected_ranges()
    {
        using var g = new Generator(7);
        using var u = Tensor.Rand([10000], g);
        var values = u.ToArray<float>();
        Assert.All(values, v => Assert.InRange(v, 0f, 1f));
        Assert.InRange(values.Average(), 0.48, 0.52);
        using var ints = Tensor.RandInt(3, 6, [1000], g);
        Assert.All(ints.ToArray<long>(), v => Assert.InRange(v, 3L, 5L));
        using var perm = Tensor.RandPerm(10, g);
        Assert.Equal(Enumerable.Range(0, 10).Select(i => (long)i), perm.ToArray<long>().Order());
    }

    [Fact]
    public void ToString_shows_shape_dtype_device_and_values()
    {
        using var t = Tensor.FromArray([1f, 2.5f, -3f, 4f], 2, 2);
        Assert.Equal("Tensor[2, 2] Float32 cpu [[1, 2.5], [-3, 4]]", t.ToString());
        using var big = Tensor.Zeros([100, 100]);
        Assert.Equal("Tensor[100, 100] Float32 cpu (10000 values)", big.ToString());
        using var b = Tensor.FromArray([true, false], 2);
        Assert.Equal("Tensor[2] Bool cpu [true, false]", b.ToString());
    }

    [Fact]
    public void Alias_shares_storage_and_outlives_the_original()
    {
        var original = Tensor.FromArray([1f, 2f], 2);
        var alias = original.Alias();
        Kernels.Fill(original, 3);
        original.Dispose();
        Assert.Equal([3f, 3f], alias.ToArray<float>());
        alias.Dispose();
    }

    [Fact]
    public void Use_after_dispose_throws_ObjectDisposedException()
    {
        var t = Tensor.FromArray([1f], 1);
        t.Dispose();
        t.Dispose(); // twice is fine
        Assert.True(t.IsDisposed);
        Assert.Throws<ObjectDisposedException>(() => t.Shape);
        Assert.Throws<ObjectDisposedException>(() => Ops.Exp(t));
        using var other = Tensor.FromArray([1f], 1);
        Assert.Throws<ObjectDisposedException>(() => t + other);
        Assert.Throws<ObjectDisposedException>(() => Kernels.Exp(other, t));
        Assert.Equal("Tensor(disposed)", t.ToString());
    }

    [Fact]
    public void CopyFrom_overwrites_in_place_and_checks_size_and_type()
    {
        using var t = Tensor.Zeros([2, 2]);
        t.CopyFrom<float>([1f, 2f, 3f, 4f]);
        Assert.Equal([1f, 2f, 3f, 4f], t.ToArray<float>());
        var e = Assert.Throws<DslException>(() => t.CopyFrom<float>([1f, 2f]));
        Assert.Contains("16 bytes but 8 were given", e.Message);
        Assert.Throws<InvalidOperationException>(() => t.CopyFrom<double>([1.0, 2.0, 3.0, 4.0]));
    }

    [Fact]
    public void In_place_kernels_update_the_target()
    {
        using var p = Tensor.FromArray([1.0, 2.0, 3.0], 3);
        using var g = Tensor.FromArray([0.5, 0.5, 0.5], 3);
        using var h = Tensor.FromArray([2.0, 4.0, 8.0], 3);
        Kernels.AddInPlace(p, g, alpha: -2);            // [0, 1, 2]
        Assert.Equal([0.0, 1.0, 2.0], p.ToArray<double>());
        Kernels.AddCMulInPlace(p, g, h, 0.5);           // + 0.5·[1, 2, 4] = [0.5, 2, 4]
        Assert.Equal([0.5, 2.0, 4.0], p.ToArray<double>());
        Kernels.AddCDivInPlace(p, h, h, -0.5);          // - 0.5 = [0, 1.5, 3.5]
        Assert.Equal([0.0, 1.5, 3.5], p.ToArray<double>());
        Kernels.LerpInPlace(p, h, 0.5);                 // halfway to [2, 4, 8] = [1, 2.75, 5.75]
        Assert.Equal([1.0, 2.75, 5.75], p.ToArray<double>());
        Kernels.MulInPlace(p, 2);
        Kernels.SubInPlace(p, h);                       // [2, 5.5, 11.5] - [2, 4, 8]
        Assert.Equal([0.0, 1.5, 3.5], p.ToArray<double>());
        Kernels.DivInPlace(p, g);
        Assert.Equal([0.0, 3.0, 7.0], p.ToArray<double>());
        Kernels.ClampInPlace(p, 1, 5);
        Assert.Equal([1.0, 3.0, 5.0], p.ToArray<double>());
        Kernels.Copy(h, p);
        Assert.Equal([2.0, 4.0, 8.0], p.ToArray<double>());
        Kernels.Zero(p);
        Assert.Same(p, p.CopyFrom(g));                  // destination.CopyFrom(source), as destination.copy_(source)
        Assert.Equal(g.ToArray<double>(), p.ToArray<double>());
        Assert.NotEqual(g.ToArray<double>(), h.ToArray<double>());
        Kernels.Zero(p);
        Assert.Equal([0.0, 0.0, 0.0], p.ToArray<double>());
    }

    [Fact]
    public void Shapes_compare_by_value()
    {
        Assert.Equal(new Shape(2, 3), new Shape(2, 3));
        Assert.NotEqual(new Shape(2, 3), new Shape(3, 2));
        Assert.True(new Shape(2, 3) == (Shape)new long[] { 2, 3 });
        Assert.Equal("[]", Shape.Scalar.ToString());
        Assert.Equal(6, new Shape(2, 3).NumElements);
        Assert.Equal(3, new Shape(2, 3)[-1]);
        Assert.Throws<ArgumentException>(() => new Shape(2, -1));
    }

    [Fact]
    public void Device_is_cpu_and_cuda_is_representable()
    {
        using var t = Tensor.Zeros([1]);
        Assert.Equal(Device.Cpu, t.Device);
        Assert.Equal("cuda:1", Device.Cuda(1).ToString());
    }
}
