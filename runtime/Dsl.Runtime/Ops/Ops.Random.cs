namespace Dsl;

// The random functions of the language, run eagerly. A generated step draws from its experiment's own
// generator (docs/DSL.md, "Randomness"); these eager forms draw from libtorch's global generator
// (seed it with Generator.ManualSeed), in Float32 unless they take the dtype of a tensor.
public static partial class Ops
{
    /// <summary>Standard normal values of the given shape (torch.randn), Float32.</summary>
    public static Tensor Randn(params ReadOnlySpan<long> shape) => Tensor.Randn(Shape.Create(shape));

    /// <summary>Values uniform in [0, 1) of the given shape (torch.rand), Float32.</summary>
    public static Tensor Rand(params ReadOnlySpan<long> shape) => Tensor.Rand(Shape.Create(shape));

    /// <summary>Integers uniform in [low, high) of the given shape (torch.randint), Int64.</summary>
    public static Tensor RandInt(long low, long high, params ReadOnlySpan<long> shape) => Tensor.RandInt(low, high, Shape.Create(shape));

    /// <summary>Standard normal values of x's shape and dtype (torch.randn_like).</summary>
    public static Tensor RandnLike(Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        return Tensor.EmptyLike(x).NormalInPlace(0, 1);
    }

    /// <summary>Values uniform in [0, 1) of x's shape and dtype (torch.rand_like).</summary>
    public static Tensor RandLike(Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        return Tensor.EmptyLike(x).UniformInPlace(0, 1);
    }

    /// <summary>1 with probability input[i], else 0, in input's dtype (torch.bernoulli(input)).</summary>
    public static Tensor Bernoulli(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var result = Tensor.EmptyLike(input);
        try
        {
            Kernels.Bernoulli(input, null, result);
            return result;
        }
        catch
        {
            result.Dispose();
            throw;
        }
    }

    /// <summary>1 with probability p, else 0, of input's shape and dtype (torch.bernoulli(input, p)).</summary>
    public static Tensor Bernoulli(Tensor input, double p)
    {
        ArgumentNullException.ThrowIfNull(input);
        return Tensor.EmptyLike(input).BernoulliInPlace(p);
    }

    /// <summary>
    /// Inverted dropout (torch.nn.functional.dropout): in training, each element kept with probability
    /// 1 - p and scaled by 1 / (1 - p); otherwise a copy of x. Eager code (a [Metric] calling Forward)
    /// evaluates, as BatchNorm does, unless <paramref name="training"/> says otherwise; a generated training
    /// step drops, from its experiment's generator. <see cref="DropoutWithMask"/> also returns the mask.
    /// </summary>
    public static Tensor Dropout(Tensor x, double p, bool training = false)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (!(p >= 0 && p < 1)) throw new ArgumentOutOfRangeException(nameof(p), p, "Dropout: p must be in [0, 1) (the probability of dropping an element).");
        if (!training) return x.Clone();
        var (output, mask) = DropoutWithMask(x, p);
        mask.Dispose();
        return output;
    }
}
