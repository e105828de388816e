namespace Dsl;

/// <summary>
/// A (height, width) pair: the kernel size, stride, padding or dilation of a 2-d convolution or
/// pooling. Like PyTorch's int-or-pair arguments it converts from one number (used for both), a
/// tuple, or a 1- or 2-element array: <c>stride: 2</c>, <c>padding: (1, 0)</c>, <c>kernel: new long[] { 3, 3 }</c>.
/// </summary>
public readonly record struct Size2(long Height, long Width)
{
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
