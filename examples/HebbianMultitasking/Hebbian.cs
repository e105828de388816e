using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;
using Dsl;
using static Dsl.Ops;

namespace HebbianMultitasking;

/// <summary>How a network is relaxed: cooled linearly from a start temperature, then held at the final one.</summary>
/// <param name="Temperature">The final temperature T (0: deterministic, sign of the field).</param>
/// <param name="CoolingSweeps">Sweeps of linear cooling from <paramref name="StartTemperature"/> down to T (0: a plain quench at T).</param>
/// <param name="StartTemperature">In units of the retrieval transition 1 − d: cooling starts just below it, where one pattern condenses at a time.</param>
/// <param name="Sweeps">Sweeps at T after the cooling.</param>
/// <param name="MeasureSweeps">At T &gt; 0 the magnetizations are averaged over the last this many sweeps; at T = 0 the final state is read.</param>
public sealed record Protocol(double Temperature, int CoolingSweeps = 60, double StartTemperature = 0.8, int Sweeps = 40, int MeasureSweeps = 20);

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

// loc: begin
/// <summary>
/// The data and couplings of the multitasking Hebbian network, drawn from a seeded <see cref="Generator"/>
/// and built with the runtime's tensor operations.
/// </summary>
public static class Hebbian
{
    /// <summary>
    /// K ternary patterns of N entries, shape [K, N]: each entry is 0 with probability
    /// <paramref name="dilution"/>, else −1 or +1 with equal probability (one uniform draw per entry).
    /// </summary>
    public static Tensor Patterns(int k, int n, double dilution, Generator random)
    {
        var xi = Tensor.Rand(new Shape(k, n), random);
        foreach (ref var x in xi.AsSpan<float>()) x = x < dilution ? 0 : x < (1 + dilution) / 2 ? 1 : -1;
        return xi;
    }

    /// <summary>
    /// M noisy examples of every pattern, shape [K, M, N]: η^{μ,a} = ξ^μ ⊙ χ^{μ,a} with χ = +1 with
    /// probability (1 + r)/2, else −1. Only a pattern's non-zero entries can be flipped; r is the
    /// examples' quality (E χ = r).
    /// </summary>
    public static Tensor Examples(Tensor patterns, int m, double quality, Generator random)
    {
        var (k, n) = ((int)patterns.Size(0), (int)patterns.Size(1));
        var eta = Tensor.Rand(new Shape(k, m, n), random);
        Span<float> e = eta.AsSpan<float>(), xi = patterns.AsSpan<float>();
        for (var i = 0; i < e.Length; i++) e[i] = xi[i / (m * n) * n + i % n] * (e[i] < (1 + quality) / 2 ? 1 : -1);
        return eta;
    }

    /// <summary>
    /// The coupling matrix [N, N] with a zero diagonal. For <see cref="Teacher.Patterns"/> it is
    /// J = (1/N) Σμ ξ^μ ξ^μᵀ. From examples of quality r:
    /// supervised J = 1/(N r²) Σμ η̄^μ η̄^μᵀ with η̄^μ = (1/M) Σa η^{μ,a};
    /// unsupervised J = 1/(N M r²) Σμ Σa η^{μ,a} η^{μ,a}ᵀ.
    /// Dividing by r² makes both average to the patterns' own J (E η = r ξ), so a temperature means the same in all three.
    /// </summary>
    public static Tensor Couplings(Teacher teacher, Tensor patterns, Tensor? examples = null, double quality = 1)
    {
        var n = (int)patterns.Size(1);
        var (rows, scale) = teacher switch   // J = scale · rowsᵀ rows
        {
            Teacher.Patterns => (patterns.Alias(), 1.0 / n),
            Teacher.Supervised => (Mean(examples!, 1), 1.0 / (n * quality * quality)),
            _ => (Reshape(examples!, -1, n), 1.0 / (n * examples!.Size(1) * quality * quality)),
        };
        using (rows)
        using (var rowsT = Transpose(rows))
        using (var product = MatMul(rowsT, rows))
        {
            var j = product * scale;
            var values = j.AsSpan<float>();
            for (var i = 0; i < n; i++) values[i * n + i] = 0;   // no self-coupling
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
/// <param name="couplings">[N, N], symmetric, zero diagonal (see <see cref="Hebbian.Couplings"/>); the network keeps it.</param>
public sealed class GlauberNetwork(Tensor couplings) : IDisposable
{
    private readonly int _n = (int)couplings.Size(0);
    private readonly float[] _state = new float[couplings.Size(0)], _field = new float[couplings.Size(0)];
    private readonly int[] _order = new int[couplings.Size(0)];
    private readonly Tensor _uniform = Tensor.Empty(new Shape(2 * couplings.Size(0)));   // a sweep's shuffle, then its heat-bath draws

    public int Neurons => _n;

    /// <summary>σ uniformly random; the fields recomputed.</summary>
    public void Randomize(Generator random)
    {
        Span<float> u = _uniform.UniformInPlace(0, 1, random).AsSpan<float>(), j = couplings.AsSpan<float>();
        for (var i = 0; i < _n; i++) _state[i] = u[i] < 0.5f ? -1 : 1;
        for (var i = 0; i < _n; i++) _field[i] = TensorPrimitives.Dot(j.Slice(i * _n, _n), _state);
    }

    /// <summary>
    /// One sweep: every neuron updated once, in a fresh random order (a Fisher–Yates shuffle). Returns the
    /// number of flips. Allocates nothing: the 2N uniforms it draws go into a buffer made once.
    /// </summary>
    public int Sweep(double temperature, Generator random)
    {
        Span<float> u = _uniform.UniformInPlace(0, 1, random).AsSpan<float>(), j = couplings.AsSpan<float>();
        for (var i = 0; i < _n; i++) _order[i] = i;
        for (var i = _n - 1; i > 0; i--)
        {
            var k = Math.Min(i, (int)(u[i] * (i + 1)));
            (_order[i], _order[k]) = (_order[k], _order[i]);
        }
        var flips = 0;
        for (var t = 0; t < _n; t++)
        {
            var (i, h) = (_order[t], _field[_order[t]]);
            float next = temperature == 0
                ? (h > 0 ? 1 : h < 0 ? -1 : _state[i])
                : (u[_n + t] < 1 / (1 + Math.Exp(-2 * h / temperature)) ? 1 : -1);
            if (next == _state[i]) continue;
            _state[i] = next;
            TensorPrimitives.MultiplyAdd(j.Slice(i * _n, _n), 2 * next, _field, _field);   // J is symmetric: row i is column i
            flips++;
        }
        return flips;
    }

    /// <summary>
    /// From a random start: cool linearly from StartTemperature·(1 − d) to T, hold at T, and return the
    /// magnetizations' sizes sorted from largest to smallest (at T &gt; 0 of their average over the last MeasureSweeps).
    /// </summary>
    public double[] Relax(ReadOnlySpan<float> patterns, double dilution, Protocol protocol, Generator random)
    {
        Randomize(random);
        var (start, final) = (protocol.StartTemperature * (1 - dilution), protocol.Temperature);
        for (var s = 0; s < protocol.CoolingSweeps; s++) Sweep(final + (start - final) * (1 - (double)s / protocol.CoolingSweeps), random);
        var average = new double[patterns.Length / _n];
        var measured = 0;
        for (var s = 0; s < protocol.Sweeps; s++)
        {
            if (Sweep(final, random) == 0 && final == 0) break;   // a fixed point
            if (final == 0 || s < protocol.Sweeps - protocol.MeasureSweeps) continue;
            var m = Magnetizations(patterns);
            for (var k = 0; k < average.Length; k++) average[k] += m[k];
            measured++;
        }
        var result = measured > 0 ? average.Select(m => m / measured) : Magnetizations(patterns);
        return result.Select(Math.Abs).OrderDescending().ToArray();
    }

    /// <summary>Mattis magnetizations mμ = ξ^μ·σ / N for patterns [K, N].</summary>
    public double[] Magnetizations(ReadOnlySpan<float> patterns)
    {
        var m = new double[patterns.Length / _n];
        for (var mu = 0; mu < m.Length; mu++) m[mu] = TensorPrimitives.Dot(patterns.Slice(mu * _n, _n), _state) / _n;
        return m;
    }
    // loc: end

    public void Dispose()
    {
        couplings.Dispose();
        _uniform.Dispose();
    }
}
