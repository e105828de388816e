namespace Dsl;

/// <summary>Checks a trainer runs before its first step, so a data set that does not fit the declarations fails with a message instead of inside a kernel.</summary>
public static class DatasetValidation
{
    /// <summary>
    /// Checks that <paramref name="data"/> has each column in <paramref name="expected"/> and that
    /// its examples fit the declared dims. The first declared axis is the batch axis; the others
    /// must match an example's shape, where a null dim is symbolic (any size).
    /// <c>Display</c> is the declaration as the user wrote it (<c>[Batch, 784]</c>).
    /// </summary>
    /// <param name="data">The data set a trainer is about to read.</param>
    /// <param name="expected">The declared inputs, in any order.</param>
    /// <param name="declaredBy">Who declares the inputs, for the message (<c>the loss</c>, <c>Forward</c>).</param>
    /// <exception cref="ArgumentException">A column is missing or its examples have another shape; the message names the column and both shapes.</exception>
    /// <example><code>DatasetValidation.CheckColumns(train, [("images", [null, 784], "[Batch, 784]"), ("labels", [null], "[Batch]")]);</code></example>
    public static void CheckColumns(IDataset data, IReadOnlyList<(string Name, long?[] Dims, string Display)> expected, string declaredBy = "the loss")
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(expected);
        var columns = data.Columns;
        foreach (var (name, dims, display) in expected)
        {
            var column = columns.FirstOrDefault(c => string.Equals(c.Name, name, StringComparison.Ordinal));
            if (column is null)
            {
                throw new ArgumentException(
                    $"The data set has no column '{name}', which {declaredBy} declares as {display}; its columns are " +
                    $"{string.Join(", ", columns.Select(c => $"'{c.Name}' (examples of shape {c.ExampleShape})"))}.", nameof(data));
            }
            if (dims.Length == 0)
            {
                throw new ArgumentException(
                    $"{Capitalized(declaredBy)} declares {name} as {display}, with no batch axis; a data set column needs one (declare it as [Batch, ...]).", nameof(expected));
            }
            var example = column.ExampleShape;
            var fits = example.Rank == dims.Length - 1;
            for (var d = 0; fits && d < example.Rank; d++) fits = dims[d + 1] is not { } size || size == example[d];
            if (!fits)
            {
                var wanted = "[" + string.Join(", ", dims.Skip(1).Select(d => d is { } size ? size.ToString(System.Globalization.CultureInfo.InvariantCulture) : "any")) + "]";
                throw new ArgumentException(
                    $"Column '{name}' has examples of shape {example} but {declaredBy} declares {name} as {display} " +
                    $"(after the batch axis, examples of shape {wanted}).", nameof(data));
            }
        }
    }

    private static string Capitalized(string text) => text.Length == 0 ? text : char.ToUpperInvariant(text[0]) + text[1..];
}
