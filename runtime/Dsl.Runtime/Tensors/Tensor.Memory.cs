namespace Dsl;

public sealed unsafe partial class Tensor
{
    /// <summary>
    /// The elements of a contiguous CPU tensor as a span over its own memory (no copy). Valid while
    /// the tensor lives and is not resized. Generated update rules run their fused loops over it.
    /// </summary>
    /// <exception cref="InvalidOperationException">The tensor is not <typeparamref name="T"/>, not contiguous, not on the CPU, or has more than int.MaxValue elements.</exception>
    public Span<T> AsSpan<T>() where T : unmanaged
    {
        var expected = DTypeExtensions.Of<T>();
        var actual = DType;
        if (expected != actual)
        {
            throw new InvalidOperationException($"AsSpan<{typeof(T).Name}> needs a {expected} tensor, but this tensor is {actual}.");
        }
        if (Device.Type != DeviceType.Cpu) throw new InvalidOperationException($"AsSpan needs a CPU tensor, but this tensor is on {Device}.");
        if (!IsContiguous) throw new InvalidOperationException($"AsSpan needs a contiguous tensor; this {Shape} tensor is a strided view (call Contiguous() first).");
        var count = NumElements;
        if (count > int.MaxValue) throw new InvalidOperationException($"AsSpan covers at most {int.MaxValue} elements; this tensor has {count}.");
        return count == 0 ? Span<T>.Empty : new Span<T>((void*)DataPointer, (int)count);
    }
}
