namespace Dsl;

/// <summary>Splits, subsets and column lookup for any <see cref="IDataset"/>.</summary>
public static class DatasetExtensions
{
    /// <summary>
    /// Splits the examples at random into a training part holding <paramref name="trainFraction"/>
    /// of them (rounded to the nearest example) and a validation part holding the rest. The same
    /// seed gives the same split; both parts are views over <paramref name="data"/>.
    /// </summary>
    /// <example><code>var (train, valid) = data.Split(0.8, seed: 1);</code></example>
    public static (SubsetDataset Train, SubsetDataset Valid) Split(this IDataset data, double trainFraction, ulong seed = 0)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (!(trainFraction > 0 && trainFraction < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(trainFraction), trainFraction, "The training fraction must lie strictly between 0 and 1.");
        }
        var count = data.Count;
        var trainCount = (long)Math.Round(trainFraction * count, MidpointRounding.AwayFromZero);
        if (trainCount == 0 || trainCount == count)
        {
            throw new ArgumentException(
                $"Splitting {count} examples at {trainFraction} leaves {(trainCount == 0 ? "the training" : "the validation")} part empty.", nameof(trainFraction));
        }
        var order = Permutation.Of(count, seed, stream: SplitStream);
        return (new SubsetDataset(data, order.AsSpan(0, (int)trainCount)), new SubsetDataset(data, order.AsSpan((int)trainCount)));
    }

    /// <summary>The examples at <paramref name="indices"/>, as a view.</summary>
    public static SubsetDataset Subset(this IDataset data, ReadOnlySpan<long> indices) => new(data, indices);

    /// <summary>The examples <c>[start, start + length)</c>, as a view.</summary>
    public static SubsetDataset Take(this IDataset data, long start, long length)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (start < 0 || length < 0 || start + length > data.Count)
        {
            throw new ArgumentOutOfRangeException(nameof(length), $"Examples [{start}, {start + length}) are not all inside a data set of {data.Count}.");
        }
        var indices = new long[length];
        for (long i = 0; i < length; i++) indices[i] = start + i;
        return new SubsetDataset(data, indices);
    }

    /// <summary>The position of column <paramref name="name"/>; an unknown name is an error that lists the columns.</summary>
    public static int ColumnIndex(this IDataset data, string name)
    {
        ArgumentNullException.ThrowIfNull(data);
        var columns = data.Columns;
        for (var i = 0; i < columns.Count; i++)
        {
            if (string.Equals(columns[i].Name, name, StringComparison.Ordinal)) return i;
        }
        throw new ArgumentException(
            $"The data set has no column '{name}'; its columns are {string.Join(", ", columns.Select(c => $"'{c.Name}' {c.ExampleShape} {c.DType}"))}.", nameof(name));
    }

    // Streams of the shared generator, so a split never repeats an epoch's shuffle for the same seed.
    private const ulong SplitStream = 0x5350_4C49_5400_0000; // "SPLIT"
}
