using Dsl.Native;

namespace Dsl;

public sealed unsafe partial class Tensor
{
    /// <summary>Uniform values in [0, 1). Without a generator, libtorch's global one is used.</summary>
    public static Tensor Rand(Shape shape, Generator? generator = null, DType dtype = DType.Float32)
    {
        fixed (long* p = shape.Dims)
        {
            Status.Check(NativeMethods.dsl_rand(p, shape.Rank, (int)dtype, Generator.HandleOf(generator), out var result), "rand");
            return new Tensor(result);
        }
    }

    /// <summary>Standard normal values.</summary>
    public static Tensor Randn(Shape shape, Generator? generator = null, DType dtype = DType.Float32)
    {
        fixed (long* p = shape.Dims)
        {
            Status.Check(NativeMethods.dsl_randn(p, shape.Rank, (int)dtype, Generator.HandleOf(generator), out var result), "randn");
            return new Tensor(result);
        }
    }

    /// <summary>Integers uniform in [low, high).</summary>
    public static Tensor RandInt(long low, long high, Shape shape, Generator? generator = null, DType dtype = DType.Int64)
    {
        fixed (long* p = shape.Dims)
        {
            Status.Check(NativeMethods.dsl_randint(low, high, p, shape.Rank, (int)dtype, Generator.HandleOf(generator), out var result), "randint");
            return new Tensor(result);
        }
    }

    /// <summary>A random permutation of 0..n-1 (Int64).</summary>
    public static Tensor RandPerm(long n, Generator? generator = null)
    {
        Status.Check(NativeMethods.dsl_randperm(n, Generator.HandleOf(generator), out var result), "randperm");
        return new Tensor(result);
    }

    /// <summary>Fills this tensor with values uniform in [low, high); returns it.</summary>
    public Tensor UniformInPlace(double low, double high, Generator? generator = null)
    {
        Status.Check(NativeMethods.dsl_uniform_(Handle, low, high, Generator.HandleOf(generator)), "uniform_", this);
        return this;
    }

    /// <summary>Fills this tensor with normal values; returns it.</summary>
    public Tensor NormalInPlace(double mean, double std, Generator? generator = null)
    {
        Status.Check(NativeMethods.dsl_normal_(Handle, mean, std, Generator.HandleOf(generator)), "normal_", this);
        return this;
    }

    /// <summary>Fills this tensor with 1 (probability p) or 0; returns it.</summary>
    public Tensor BernoulliInPlace(double p, Generator? generator = null)
    {
        Status.Check(NativeMethods.dsl_bernoulli_(Handle, p, Generator.HandleOf(generator)), "bernoulli_", this);
        return this;
    }
}
