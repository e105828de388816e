namespace Dsl;

/// <summary>One named column of a data set: the shape and dtype of ONE example (without the leading example axis).</summary>
/// <param name="Name">The column's name, such as <c>images</c> or <c>labels</c>; a trainer matches it to a loss parameter.</param>
/// <param name="ExampleShape">The shape of a single example: <c>[784]</c> for flat images, <c>[]</c> for a class index.</param>
/// <param name="DType">The element type of the column.</param>
public sealed record DatasetColumn(string Name, Shape ExampleShape, DType DType)
{
    /// <summary>Like <c>images [784] Float32</c>.</summary>
    public override string ToString() => $"{Name} {ExampleShape} {DType}";
}

/// <summary>A data set of <see cref="Count"/> examples, each a tuple of tensors (columns).</summary>
public interface IDataset
{
    /// <summary>The number of examples.</summary>
    long Count { get; }

    /// <summary>The columns, in the order <see cref="Gather"/> fills its destinations.</summary>
    IReadOnlyList<DatasetColumn> Columns { get; }

    /// <summary>
    /// Copies the examples at <paramref name="indices"/> into <paramref name="destination"/> (one
    /// tensor per column, shape <c>[indices.Length, ..ExampleShape]</c>, the column's dtype),
    /// allocation-free in steady state. An index outside <c>[0, Count)</c> or a destination of the
    /// wrong shape or dtype is an <see cref="ArgumentException"/> and writes nothing.
    /// </summary>
    void Gather(ReadOnlySpan<long> indices, IReadOnlyList<Tensor> destination);
}
