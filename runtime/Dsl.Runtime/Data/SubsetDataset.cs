using System.Buffers;

namespace Dsl;

/// <summary>
/// A view of some examples of another data set, by index (no data is copied). The parent must
/// stay alive (undisposed) while the view is used.
/// </summary>
public sealed class SubsetDataset : IDataset
{
    private readonly long[] _indices;

    /// <summary>The examples of <paramref name="parent"/> at <paramref name="indices"/>, in that order (repeats allowed).</summary>
    public SubsetDataset(IDataset parent, ReadOnlySpan<long> indices)
    {
        ArgumentNullException.ThrowIfNull(parent);
        DatasetChecks.CheckIndices(indices, parent.Count);
        Parent = parent;
        _indices = indices.ToArray();
    }

    /// <summary>The data set this view selects from.</summary>
    public IDataset Parent { get; }

    /// <summary>The parent's index of each example of this view.</summary>
    public ReadOnlySpan<long> Indices => _indices;

    /// <inheritdoc/>
    public long Count => _indices.Length;

    /// <inheritdoc/>
    public IReadOnlyList<DatasetColumn> Columns => Parent.Columns;

    /// <inheritdoc/>
    public void Gather(ReadOnlySpan<long> indices, IReadOnlyList<Tensor> destination)
    {
        DatasetChecks.CheckIndices(indices, Count);
        // A pooled array keeps steady state allocation-free and Gather thread-safe.
        var parentIndices = ArrayPool<long>.Shared.Rent(indices.Length);
        try
        {
            for (var i = 0; i < indices.Length; i++) parentIndices[i] = _indices[indices[i]];
            Parent.Gather(parentIndices.AsSpan(0, indices.Length), destination);
        }
        finally
        {
            ArrayPool<long>.Shared.Return(parentIndices);
        }
    }

    /// <summary>Like <c>SubsetDataset(12000 of 60000 examples: images [784] Float32, labels [] Int64)</c>.</summary>
    public override string ToString() => $"SubsetDataset({Count} of {Parent.Count} examples: {string.Join(", ", Columns.Select(c => c.ToString()))})";
}
