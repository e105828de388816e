namespace Dsl;

/// <summary>
/// One batch from a <see cref="DataLoader"/>: a tensor per column, <c>[Size, ..ExampleShape]</c>.
/// The tensors are the loader's reused buffers: they hold this batch until the next one is
/// produced; clone them to keep them longer.
/// </summary>
public readonly struct Batch
{
    private readonly ReadOnlyMemory<long> _indices;

    internal Batch(IReadOnlyList<Tensor> tensors, int epoch, int index, ReadOnlyMemory<long> indices)
    {
        Tensors = tensors;
        Epoch = epoch;
        Index = index;
        _indices = indices;
    }

    /// <summary>The batch's tensors, in the data set's column order.</summary>
    public IReadOnlyList<Tensor> Tensors { get; }

    /// <summary>The tensor of column <paramref name="column"/> (by position).</summary>
    public Tensor this[int column] => Tensors[column];

    /// <summary>The number of examples (the batch size, or fewer for the last batch of an epoch).</summary>
    public int Size => _indices.Length;

    /// <summary>The epoch this batch belongs to.</summary>
    public int Epoch { get; }

    /// <summary>The batch's position within its epoch, from 0; with <see cref="Epoch"/> it is the data position a checkpoint records.</summary>
    public int Index { get; }

    /// <summary>The data set's indices of the examples in this batch, in order.</summary>
    public ReadOnlySpan<long> ExampleIndices => _indices.Span;

    /// <summary>Like <c>Batch(epoch 2, index 17, 128 examples)</c>.</summary>
    public override string ToString() => $"Batch(epoch {Epoch}, index {Index}, {Size} examples)";
}
