namespace Dsl;

/// <summary>
/// A (height, width) pair: the kernel size, stride, padding or dilation of a 2-d convolution or
/// pooling. Like PyTorch's int-or-pair arguments it converts from one number (used for both), a
/// tuple, a 1- or 2-element array, or a collection expression (what the DSL's bodies write):
/// <c>stride: 2</c>, <c>padding: (1, 0)</c>, <c>kernel: new long[] { 3, 3 }</c>, <c>stride: [2, 1]</c>.
/// </summary>
[System.Runtime.CompilerServices.CollectionBuilder(typeof(Size2), nameof(Create))]
public readonly record struct Size2(long Height, long Width)
{
    /// <summary>From a collection expression of 1 value (both) or 2 (height, width).</summary>
    public static Size2 Create(ReadOnlySpan<long> values) => values.Length switch
    {
        1 => new(values[0], values[0]),
        2 => new(values[0], values[1]),
        _ => throw new ArgumentException($"A 2-d size takes 1 or 2 values (height, width), but {values.Length} were given.", nameof(values)),
    };

    /// <summary>Height then width (what makes <c>[2, 1]</c> a Size2).</summary>
    public System.Collections.Generic.IEnumerator<long> GetEnumerator()
    {
        yield return Height;
        yield return Width;
    }

    public static implicit operator Size2(long both) => new(both, both);

    public static implicit operator Size2((long Height, long Width) pair) => new(pair.Height, pair.Width);

    public static implicit operator Size2(long[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        return values.Length switch
        {
            1 => new(values[0], values[0]),
            2 => new(values[0], values[1]),
            _ => throw new ArgumentException($"A 2-d size takes 1 or 2 values (height, width), but {values.Length} were given.", nameof(values)),
        };
    }

    public static implicit operator Size2(int[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        return values.Length switch
        {
            1 => new(values[0], values[0]),
            2 => new(values[0], values[1]),
            _ => throw new ArgumentException($"A 2-d size takes 1 or 2 values (height, width), but {values.Length} were given.", nameof(values)),
        };
    }

    public override string ToString() => $"({Height}, {Width})";
}
