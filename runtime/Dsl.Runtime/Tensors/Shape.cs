using System.Collections;
using System.Runtime.CompilerServices;

namespace Dsl;

/// <summary>The sizes of a tensor's dimensions, compared by value; prints as <c>[2, 3]</c>.</summary>
[CollectionBuilder(typeof(Shape), nameof(Create))]
public readonly struct Shape : IEquatable<Shape>, IReadOnlyList<long>
{
    private readonly long[]? _dims;

    public Shape(params long[] dims)
    {
        ArgumentNullException.ThrowIfNull(dims);
        foreach (var d in dims)
        {
            if (d < 0) throw new ArgumentException($"A shape cannot have a negative size; got [{string.Join(", ", dims)}].", nameof(dims));
        }
        _dims = (long[])dims.Clone();
    }

    public static Shape Create(ReadOnlySpan<long> dims) => new(dims.ToArray());

    internal static Shape Wrap(long[] dims) => new(dims, wrap: true);

    private Shape(long[] dims, bool wrap) => _dims = dims;

    public static Shape Scalar { get; } = Wrap([]);

    public int Rank => _dims?.Length ?? 0;

    public long this[int index] => (_dims ?? [])[index < 0 ? Rank + index : index];

    /// <summary>The product of the sizes (1 for a scalar).</summary>
    public long NumElements
    {
        get
        {
            long n = 1;
            foreach (var d in Dims) n *= d;
            return n;
        }
    }

    public ReadOnlySpan<long> Dims => _dims ?? [];

    public long[] ToArray() => Dims.ToArray();

    int IReadOnlyCollection<long>.Count => Rank;

    public IEnumerator<long> GetEnumerator() => ((IEnumerable<long>)(_dims ?? [])).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public bool Equals(Shape other) => Dims.SequenceEqual(other.Dims);

    public override bool Equals(object? obj) => obj is Shape other && Equals(other);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (var d in Dims) hash.Add(d);
        return hash.ToHashCode();
    }

    public static bool operator ==(Shape left, Shape right) => left.Equals(right);

    public static bool operator !=(Shape left, Shape right) => !left.Equals(right);

    public static implicit operator Shape(long[] dims) => new(dims);

    public override string ToString() => "[" + string.Join(", ", _dims ?? []) + "]";
}
