using Dsl.Native;

namespace Dsl;

/// <summary>Argument checks shared by the data sets' Gather; allocation-free unless they throw.</summary>
internal static unsafe class DatasetChecks
{
    /// <summary>Ranks above this are read through a heap array (only in error messages).</summary>
    private const int MaxStackRank = 16;

    /// <summary>Writes the sizes of <paramref name="tensor"/> into <paramref name="sizes"/> (whose length is its rank).</summary>
    public static void ReadSizes(Tensor tensor, Span<long> sizes)
    {
        fixed (long* p = sizes) Status.Check(NativeMethods.dsl_tensor_sizes(tensor.Handle, p, sizes.Length), "sizes", tensor);
    }

    /// <summary>
    /// Checks that <paramref name="destination"/> has one tensor per column, each shaped
    /// <c>[indices.Length, ..ExampleShape]</c> with the column's dtype, and that every index lies
    /// in <c>[0, Count)</c>.
    /// </summary>
    public static void CheckGather(IDataset data, ReadOnlySpan<long> indices, IReadOnlyList<Tensor> destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        var columns = data.Columns;
        if (destination.Count != columns.Count)
        {
            throw new ArgumentException(
                $"Gather needs one destination tensor per column ({columns.Count}: {string.Join(", ", columns.Select(c => c.Name))}) but got {destination.Count}.",
                nameof(destination));
        }
        for (var c = 0; c < columns.Count; c++) CheckDestination(columns[c], indices.Length, destination[c]);
        CheckIndices(indices, data.Count);
    }

    public static void CheckIndices(ReadOnlySpan<long> indices, long count)
    {
        foreach (var index in indices)
        {
            if ((ulong)index >= (ulong)count)
            {
                throw new ArgumentOutOfRangeException(nameof(indices), index,
                    $"Example index {index} is outside the data set, which has {count} examples (valid indices are 0 to {count - 1}).");
            }
        }
    }

    private static void CheckDestination(DatasetColumn column, int batch, Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        var example = column.ExampleShape;
        var rank = tensor.Rank;
        var matches = rank == example.Rank + 1 && rank <= MaxStackRank && tensor.DType == column.DType;
        if (matches)
        {
            Span<long> sizes = stackalloc long[rank];
            ReadSizes(tensor, sizes);
            matches = sizes[0] == batch && sizes[1..].SequenceEqual(example.Dims);
        }
        if (!matches)
        {
            throw new ArgumentException(
                $"The destination for column '{column.Name}' must be [{batch}{(example.Rank > 0 ? ", " : "")}{string.Join(", ", example.ToArray())}] {column.DType} " +
                $"({batch} examples of shape {example}) but is {tensor.Shape} {tensor.DType}.",
                "destination");
        }
    }
}
