namespace Dsl;

/// <summary>
/// Vigna's SplitMix64: a 64-bit state advanced by a constant and scrambled on output. Small, fast
/// and fully specified, so shuffles and synthetic data are the same on every machine and every
/// libtorch version (checkpoints record a data position that must mean the same batches later).
/// </summary>
internal struct SplitMix64
{
    private const ulong Increment = 0x9E3779B97F4A7C15;

    private ulong _state;
    private double _spareNormal;
    private bool _hasSpareNormal;

    public SplitMix64(ulong seed)
    {
        _state = seed;
        _spareNormal = 0;
        _hasSpareNormal = false;
    }

    /// <summary>
    /// The generator for stream <paramref name="stream"/> of <paramref name="seed"/>: the seed and
    /// the stream index are each scrambled before they are combined, so neighbouring seeds and
    /// neighbouring streams (epochs) start far apart.
    /// </summary>
    public static SplitMix64 ForStream(ulong seed, ulong stream) => new(Mix(Mix(seed) ^ Mix(stream + Increment)));

    /// <summary>SplitMix64's output function (the finalizer of MurmurHash3 with Stafford's "mix13" constants).</summary>
    public static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EB;
        return z ^ (z >> 31);
    }

    public ulong NextUInt64()
    {
        _state += Increment;
        return Mix(_state);
    }

    /// <summary>Uniform in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>
    /// Uniform in [0, <paramref name="bound"/>) without modulo bias: Lemire's multiply-shift with
    /// rejection ("Fast random integer generation in an interval", 2019).
    /// </summary>
    public ulong NextBelow(ulong bound)
    {
        if (bound == 0) throw new ArgumentOutOfRangeException(nameof(bound), "the bound must be positive");
        var product = Math.BigMul(NextUInt64(), bound, out var low);
        if (low < bound)
        {
            var threshold = (0 - bound) % bound;
            while (low < threshold) product = Math.BigMul(NextUInt64(), bound, out low);
        }
        return product;
    }

    /// <summary>A standard normal value (Box–Muller; the second value of each pair is kept for the next call).</summary>
    public double NextNormal()
    {
        if (_hasSpareNormal)
        {
            _hasSpareNormal = false;
            return _spareNormal;
        }
        // 1 - u lies in (0, 1], so the logarithm is finite.
        var radius = Math.Sqrt(-2.0 * Math.Log(1.0 - NextDouble()));
        var angle = 2.0 * Math.PI * NextDouble();
        _spareNormal = radius * Math.Sin(angle);
        _hasSpareNormal = true;
        return radius * Math.Cos(angle);
    }

    /// <summary>
    /// Fisher–Yates (Durstenfeld's form): for i from the end down to 1, swap element i with the
    /// element at a uniform position in [0, i].
    /// </summary>
    public void Shuffle(Span<long> values)
    {
        for (var i = values.Length - 1; i > 0; i--)
        {
            var j = (int)NextBelow((ulong)i + 1);
            (values[i], values[j]) = (values[j], values[i]);
        }
    }
}
