using Xunit;

namespace Dsl.Runtime.Tests;

/// <summary>Bad input gives a DslException that says what was wrong, and the process carries on.</summary>
public sealed class ErrorPathTests
{
    [Fact]
    public void Broadcast_mismatch_names_both_shapes()
    {
        using var a = Tensor.Zeros([2, 3]);
        using var b = Tensor.Zeros([4]);
        var e = Assert.Throws<DslException>(() => a + b);
        Assert.Equal("add", e.Operation);
        Assert.Contains("[2, 3] Float32", e.Message);
        Assert.Contains("[4] Float32", e.Message);
        Assert.Contains("must match", e.Message);
        Assert.DoesNotContain("frame #", e.Message); // no C++ backtrace
    }

    [Fact]
    public void Out_variant_mismatch_names_operands_and_output()
    {
        using var a = Tensor.Zeros([2, 3]);
        using var b = Tensor.Zeros([3, 2]);
        using var output = Tensor.Zeros([2, 3]);
        var e = Assert.Throws<DslException>(() => Kernels.Mul(a, b, output));
        Assert.Contains("[2, 3] Float32, [3, 2] Float32, [2, 3] Float32", e.Message);
    }

    [Fact]
    public void The_process_lives_on_after_many_native_failures()
    {
        using var a = Tensor.Zeros([2, 3]);
        using var b = Tensor.Zeros([5]);
        for (var i = 0; i < 1000; i++) Assert.Throws<DslException>(() => Ops.Sub(a, b));
        using var ok = a + a;
        Assert.Equal(new Shape(2, 3), ok.Shape);
    }

    [Fact]
    public void Item_of_a_tensor_with_several_elements_is_refused()
    {
        using var t = Tensor.Zeros([2, 2]);
        var e = Assert.Throws<DslException>(() => t.Item());
        Assert.Contains("4 elements, not 1", e.Message);
    }

    [Fact]
    public void Invalid_arguments_are_exceptions_not_crashes()
    {
        using var g = new Generator(1);
        Assert.Throws<DslException>(() => Tensor.RandInt(5, 5, [3], g));        // empty range
        Assert.Throws<DslException>(() => Tensor.Arange(0, 10, 0));             // zero step
        using var longs = Tensor.FromArray([1L, 2L], 2);
        using var floatOut = Tensor.Zeros([2]);
        Assert.Throws<DslException>(() => Kernels.Sqrt(longs, Tensor.Zeros([2], DType.Int64))); // float result into an Int64 buffer
        using var t = Tensor.Zeros([2]);
        Assert.Throws<DslException>(() => Kernels.Where(t, t, t, t));          // condition must be Bool
    }

    [Fact]
    public void Errors_on_one_thread_do_not_leak_into_another()
    {
        using var a = Tensor.Zeros([2]);
        using var b = Tensor.Zeros([3]);
        var messages = new string[4];
        Parallel.For(0, 4, i =>
        {
            try
            {
                if (i % 2 == 0) using (Ops.Add(a, b)) { }
                else using (Ops.Pow(a, b)) { }
            }
            catch (DslException e)
            {
                messages[i] = e.Message;
            }
        });
        Assert.StartsWith("add:", messages[0]);
        Assert.StartsWith("pow:", messages[1]);
    }

    [Fact]
    public void An_impossible_allocation_is_an_exception()
    {
        var e = Assert.Throws<DslException>(() => Tensor.Empty([1L << 40, 1L << 20]));
        Assert.Equal("empty", e.Operation);
        using var fine = Tensor.Zeros([2]);
        Assert.Equal(2, fine.NumElements);
    }

    [Fact]
    public void An_unknown_dtype_code_is_refused()
    {
        var e = Assert.Throws<DslException>(() => Tensor.Zeros([2], (DType)99));
        Assert.Contains("unknown dtype code 99", e.Message);
    }
}
