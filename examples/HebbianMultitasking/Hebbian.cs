using System.Numerics;
using Dsl;
using static Dsl.Ops;

namespace HebbianMultitasking;

/// <summary>Which couplings a network is built with.</summary>
public enum Teacher
{
    /// <summary>J from the patterns themselves: J = (1/N) Σμ ξ^μ ξ^μᵀ.</summary>
    Patterns,
    /// <summary>J from each pattern's examples averaged first (the examples are grouped by pattern).</summary>
    Supervised,
    /// <summary>J from every example on its own (no grouping).</summary>
    Unsupervised,
}

/// <summary>
/// The data and couplings of the multitasking Hebbian network, drawn from a seeded <see cref="Generator"/>
/// and built with the runtime's tensor operations.
/// </summary>
public static class Hebbian
{
    /// <summary>
    /// K ternary patterns of N entries, shape [K, N]: each entry is 0 with probability
    /// <paramref name="dilution"/>, else −1 or +1 with equal probability.
    /// </summary>
    public static Tensor Patterns(int k, int n, double dilution, Generator random)
    {
        using var u = Tensor.Rand(new Shape(k, n), random);
        using var v = Tensor.Rand(new Shape(k, n), random);
        using var keep = Indicator(Ge(u, dilution));         // 1 where the entry is kept
        using var negative = Indicator(Lt(v, 0.5));          // 1 for a −1 entry (probability ½)
        using var twice = 2 * negative;
        using var sign = 1 - twice;
        return keep * sign;
    }

    /// <summary>
    /// M noisy examples of every pattern, shape [K, M, N]: η^{μ,a} = ξ^μ ⊙ χ^{μ,a} with χ = +1 with
    /// probability (1 + r)/2, else −1. Only a pattern's non-zero entries can be flipped; r is the
    /// examples' quality (E χ = r).
    /// </summary>
    public static Tensor Examples(Tensor patterns, int m, double quality, Generator random)
    {
        var (k, n) = (patterns.Size(0), patterns.Size(1));
        using var w = Tensor.Rand(new Shape(k, m, n), random);
        using var flipped = Indicator(Ge(w, (1 + quality) / 2));   // probability (1 − r)/2
        using var twice = 2 * flipped;
        using var chi = 1 - twice;
        using var xi = Unsqueeze(patterns, 1);   // [K, 1, N], broadcast over the examples
        return xi * chi;
    }

    /// <summary>A Bool comparison as 0/1 Float32 (the comparison is disposed).</summary>
    private static Tensor Indicator(Tensor condition)
    {
        using (condition) return condition.To(DType.Float32);
    }

    /// <summary>
    /// The coupling matrix [N, N] with a zero diagonal. For <see cref="Teacher.Patterns"/> it is
    /// J = (1/N) Σμ ξ^μ ξ^μᵀ. From examples of quality r:
    /// supervised J = 1/(N r²) Σμ η̄^μ η̄^μᵀ with η̄^μ = (1/M) Σa η^{μ,a};
    /// unsupervised J = 1/(N M r²) Σμ Σa η^{μ,a} η^{μ,a}ᵀ.
    /// Dividing by r² makes both average to the patterns' own J (E η = r ξ), so the temperature means the same in all three.
    /// </summary>
    public static Tensor Couplings(Teacher teacher, Tensor patterns, Tensor? examples = null, double quality = 1)
    {
        var n = patterns.Size(1);
        Tensor rows;   // [R, N]: J = scale · rowsᵀ rows
        double scale;
        switch (teacher)
        {
            case Teacher.Patterns:
                rows = patterns.Alias();
                scale = 1.0 / n;
                break;
            case Teacher.Supervised:
                ArgumentNullException.ThrowIfNull(examples);
                rows = Mean(examples, 1);
                scale = 1.0 / (n * quality * quality);
                break;
            case Teacher.Unsupervised:
                ArgumentNullException.ThrowIfNull(examples);
                rows = Reshape(examples, -1, n);
                scale = 1.0 / (n * examples.Size(1) * quality * quality);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(teacher), teacher, "Expected Patterns, Supervised or Unsupervised.");
        }
        using (rows)
        using (var rowsT = Transpose(rows))
        using (var product = MatMul(rowsT, rows))
        {
            var j = product * scale;
            var values = j.AsSpan<float>();
            for (var i = 0; i < n; i++) values[i * (int)n + i] = 0;   // no self-coupling
            return j;
        }
    }
}

/// <summary>
/// N binary neurons σ ∈ {−1, +1} with couplings J, updated one at a time in a random order
/// (asynchronous Glauber dynamics): neuron i takes +1 with probability 1/(1 + e^{−2hᵢ/T}), where
/// hᵢ = Σⱼ Jᵢⱼ σⱼ is its local field; at T = 0 it takes the sign of hᵢ (keeping its value when hᵢ = 0).
/// The fields are kept up to date as neurons flip (a flip of σᵢ adds 2σᵢ Jᵢ to h), so a sweep costs
/// O(N) per flip, not O(N²).
/// </summary>
public sealed class GlauberNetwork : IDisposable
{
    private readonly Tensor _couplings;
    private readonly Tensor _uniform;
    private readonly int _n;
    private readonly float[] _state, _field;
    private readonly int[] _order;

    /// <param name="couplings">[N, N], symmetric, zero diagonal (see <see cref="Hebbian.Couplings"/>); the network keeps it.</param>
    public GlauberNetwork(Tensor couplings)
    {
        _couplings = couplings;
        _n = (int)couplings.Size(0);
        _state = new float[_n];
        _field = new float[_n];
        _order = new int[_n];
        _uniform = Tensor.Empty(new Shape(2 * _n));   // the order's shuffle, then the heat-bath draws
    }

    public int Neurons => _n;
    public ReadOnlySpan<float> State => _state;

    /// <summary>σ uniformly random; the fields recomputed.</summary>
    public void Randomize(Generator random)
    {
        _uniform.UniformInPlace(0, 1, random);
        var u = _uniform.AsSpan<float>();
        for (var i = 0; i < _n; i++) _state[i] = u[i] < 0.5f ? -1 : 1;
        var j = _couplings.AsSpan<float>();
        for (var i = 0; i < _n; i++) _field[i] = Dot(j.Slice(i * _n, _n), _state);
    }

    /// <summary>
    /// One sweep: every neuron updated once, in a fresh random order (a Fisher–Yates shuffle). Returns the
    /// number of flips. Allocates nothing: the 2N uniforms it draws go into a buffer made once.
    /// </summary>
    public int Sweep(double temperature, Generator random)
    {
        _uniform.UniformInPlace(0, 1, random);
        var u = _uniform.AsSpan<float>();
        for (var i = 0; i < _n; i++) _order[i] = i;
        for (var i = _n - 1; i > 0; i--)
        {
            var k = Math.Min(i, (int)(u[i] * (i + 1)));
            (_order[i], _order[k]) = (_order[k], _order[i]);
        }
        var accept = u.Slice(_n);
        var j = _couplings.AsSpan<float>();
        var flips = 0;
        for (var t = 0; t < _n; t++)
        {
            var i = _order[t];
            var h = _field[i];
            float next = temperature == 0
                ? (h > 0 ? 1 : h < 0 ? -1 : _state[i])
                : (accept[t] < 1 / (1 + Math.Exp(-2 * h / temperature)) ? 1 : -1);
            if (next == _state[i]) continue;
            _state[i] = next;
            AddScaled(_field, j.Slice(i * _n, _n), 2 * next);   // J is symmetric: row i is column i
            flips++;
        }
        return flips;
    }

    /// <summary>Mattis magnetizations mμ = ξ^μ·σ / N for patterns [K, N].</summary>
    public double[] Magnetizations(ReadOnlySpan<float> patterns)
    {
        var k = patterns.Length / _n;
        var m = new double[k];
        for (var mu = 0; mu < k; mu++) m[mu] = Dot(patterns.Slice(mu * _n, _n), _state) / _n;
        return m;
    }

    public void Dispose()
    {
        _couplings.Dispose();
        _uniform.Dispose();
    }

    private static float Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        var sum = Vector<float>.Zero;
        var i = 0;
        for (; i <= a.Length - Vector<float>.Count; i += Vector<float>.Count)
            sum += new Vector<float>(a.Slice(i)) * new Vector<float>(b.Slice(i));
        var total = Vector.Sum(sum);
        for (; i < a.Length; i++) total += a[i] * b[i];
        return total;
    }

    private static void AddScaled(Span<float> target, ReadOnlySpan<float> row, float scale)
    {
        var s = new Vector<float>(scale);
        var i = 0;
        for (; i <= target.Length - Vector<float>.Count; i += Vector<float>.Count)
            (new Vector<float>(target.Slice(i)) + s * new Vector<float>(row.Slice(i))).CopyTo(target.Slice(i));
        for (; i < target.Length; i++) target[i] += scale * row[i];
    }
}
