using System.Globalization;
using System.Text;
using CsvHelper;

namespace Dsl;

/// <summary>What the label column of a CSV file holds.</summary>
public enum CsvLabelKind
{
    /// <summary>Class indices: whole numbers from 0 (or names, with <see cref="CsvOptions.ClassNames"/>), read as Int64 <c>[]</c> per example.</summary>
    ClassIndex,
    /// <summary>A real-valued target, read as Float32 <c>[1]</c> per example.</summary>
    Float,
}

/// <summary>Options of <see cref="Csv.Load"/>.</summary>
public sealed record CsvOptions
{
    /// <summary>The header names of the feature columns, in the order they form an example's vector; null takes every column except <see cref="Label"/>, in file order.</summary>
    public IReadOnlyList<string>? Features { get; init; }

    /// <summary>The header name of the label column; null reads features only.</summary>
    public string? Label { get; init; }

    /// <summary>Whether the label is a class index (the default) or a real-valued target.</summary>
    public CsvLabelKind LabelKind { get; init; } = CsvLabelKind.ClassIndex;

    /// <summary>For class labels written as names (<c>setosa</c>): the names, whose positions are the class indices.</summary>
    public IReadOnlyList<string>? ClassNames { get; init; }

    /// <summary>The data set's name for the features column (default <c>features</c>).</summary>
    public string FeaturesColumn { get; init; } = "features";

    /// <summary>The data set's name for the label column (default <c>labels</c> for classes, <c>targets</c> for floats).</summary>
    public string? LabelColumn { get; init; }

    /// <summary>Float32 (the default) or Float64 features.</summary>
    public DType FeatureDType { get; init; } = DType.Float32;

    /// <summary>The field separator (default a comma).</summary>
    public char Delimiter { get; init; } = ',';

    /// <summary>The culture numbers are written in (default invariant: a point for decimals).</summary>
    public CultureInfo Culture { get; init; } = CultureInfo.InvariantCulture;

    /// <summary>Whether NaN and infinite values are accepted (by default they are an error naming the line and column).</summary>
    public bool AllowNonFinite { get; init; }
}

/// <summary>
/// Reads a CSV file with a header row into a <see cref="TensorDataset"/>: the chosen feature
/// columns become one vector per example, the label column a class index or a target.
/// </summary>
/// <example>
/// <code>
/// using var iris = Csv.Load("iris.csv", new CsvOptions { Label = "species", ClassNames = ["setosa", "versicolor", "virginica"] });
/// // columns: features [4] Float32, labels [] Int64
/// </code>
/// </example>
public static class Csv
{
    /// <summary>Reads <paramref name="path"/>; every problem with the file is an <see cref="InvalidDataException"/> naming the file, line and column.</summary>
    public static TensorDataset Load(string path, CsvOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        options ??= new CsvOptions();
        if (options.FeatureDType is not (DType.Float32 or DType.Float64))
        {
            throw new ArgumentException($"CSV features are read as Float32 or Float64, not {options.FeatureDType}.", nameof(options));
        }
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: no such file.", path);

        var readerOptions = new CsvReaderOptions
        {
            Separator = options.Delimiter,
            HasHeader = true,
            FormatProvider = options.Culture,
            TrackLineNumbers = true, // for the line numbers in error messages
            MalformedData = CsvMalformedDataHandling.Throw,
            FieldCountMismatch = CsvFieldCountHandling.Allow, // ragged rows are reported below, with the line and both counts
            TrimWhitespace = true,
        };
        try
        {
            using var reader = CsvReader.FromFile(path, readerOptions);
            return Read(reader, path, options);
        }
        catch (CsvFormatException e)
        {
            throw new InvalidDataException($"{path}{(e.LineNumber > 0 ? $" line {e.LineNumber}" : "")}: the CSV is malformed: {e.Message}", e);
        }
    }

    private static TensorDataset Read(CsvReader reader, string path, CsvOptions options)
    {
        var header = reader.Headers.ToArray();
        if (header.Length == 0) throw new InvalidDataException($"{path}: the file is empty; a header row is needed.");
        for (var i = 0; i < header.Length; i++)
        {
            if (header[i].Contains('\0')) throw new InvalidDataException($"{path}: header column {i + 1} contains a NUL character; the file is binary or damaged.");
            var first = Array.IndexOf(header, header[i]);
            if (first != i)
            {
                throw new InvalidDataException($"{path}: the header names column '{LoaderLimits.Abbreviate(header[i])}' twice (columns {first + 1} and {i + 1}); columns are chosen by name, so names must differ.");
            }
        }
        int ColumnOf(string name)
        {
            var index = Array.IndexOf(header, name);
            if (index < 0)
            {
                throw new InvalidDataException($"{path}: there is no column '{name}'; the header has {string.Join(", ", header.Take(20).Select(h => $"'{LoaderLimits.Abbreviate(h)}'"))}{(header.Length > 20 ? $", ... ({header.Length} in all)" : "")}.");
            }
            return index;
        }
        var labelIndex = options.Label is { } label ? ColumnOf(label) : -1;
        var featureIndices = options.Features is { } features
            ? features.Select(ColumnOf).ToArray()
            : Enumerable.Range(0, header.Length).Where(i => i != labelIndex).ToArray();
        if (featureIndices.Length == 0) throw new InvalidDataException($"{path}: no feature columns are left (the header has {header.Length} columns).");

        var singles = new List<float>();
        var doubles = new List<double>();
        var classLabels = new List<long>();
        var floatLabels = new List<float>();
        var count = 0;
        while (reader.Read())
        {
            var line = reader.LineNumber;
            if (reader.FieldCount != header.Length)
            {
                throw new InvalidDataException($"{path} line {line}: the row has {reader.FieldCount} fields but the header has {header.Length}.");
            }
            foreach (var column in featureIndices)
            {
                if (options.FeatureDType == DType.Float64) doubles.Add(ParseNumber<double>(reader.GetSpan(column), path, line, header[column], options));
                else singles.Add(ParseNumber<float>(reader.GetSpan(column), path, line, header[column], options));
            }
            if (labelIndex >= 0)
            {
                var text = reader.GetSpan(labelIndex);
                if (options.LabelKind == CsvLabelKind.Float) floatLabels.Add(ParseNumber<float>(text, path, line, header[labelIndex], options));
                else classLabels.Add(ParseClass(text, path, line, header[labelIndex], options));
            }
            count++;
        }
        if (count == 0) throw new InvalidDataException($"{path}: the file has a header but no data rows.");

        var columns = new List<(string, Tensor)>();
        try
        {
            long[] shape = [count, featureIndices.Length];
            columns.Add((options.FeaturesColumn, options.FeatureDType == DType.Float64
                ? Tensor.FromSpan<double>(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(doubles), shape)
                : Tensor.FromSpan<float>(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(singles), shape)));
            if (labelIndex >= 0)
            {
                columns.Add(options.LabelKind == CsvLabelKind.Float
                    ? (options.LabelColumn ?? "targets", Tensor.FromSpan<float>(floatLabels.ToArray(), [count, 1]))
                    : (options.LabelColumn ?? "labels", Tensor.FromArray(classLabels.ToArray())));
            }
        }
        catch
        {
            foreach (var (_, tensor) in columns) tensor.Dispose();
            throw;
        }
        return TensorDataset.Owning([.. columns]);
    }

    /// <summary>Parses straight to <typeparamref name="T"/>, so a Float32 is correctly rounded from the text (not via a double).</summary>
    private static T ParseNumber<T>(ReadOnlySpan<byte> utf8, string path, long line, string column, CsvOptions options)
        where T : System.Numerics.IFloatingPointIeee754<T>
    {
        // .NET's number parsing skips trailing NUL characters ("2\0" would read as 2): a NUL is never part of a number.
        if (utf8.IndexOf((byte)0) >= 0 || !T.TryParse(utf8, NumberStyles.Float, options.Culture, out var value))
        {
            throw new InvalidDataException($"{path} line {line}, column '{column}': '{Cell(utf8)}' is not a number.");
        }
        if (!options.AllowNonFinite && !T.IsFinite(value))
        {
            throw new InvalidDataException(
                $"{path} line {line}, column '{column}': {Cell(utf8)} is not a finite {typeof(T).Name} (set AllowNonFinite to accept NaN and infinities).");
        }
        return value;
    }

    /// <summary>A cell for an error message: at most 80 characters, NUL and control characters shown as escapes.</summary>
    private static string Cell(ReadOnlySpan<byte> utf8) =>
        LoaderLimits.Abbreviate(Encoding.UTF8.GetString(utf8.Length > 400 ? utf8[..400] : utf8), utf8.Length > 400);

    private static long ParseClass(ReadOnlySpan<byte> utf8, string path, long line, string column, CsvOptions options)
    {
        var text = Encoding.UTF8.GetString(utf8);
        if (text.Contains('\0')) throw new InvalidDataException($"{path} line {line}, column '{column}': '{Cell(utf8)}' contains a NUL character.");
        if (options.ClassNames is { } names)
        {
            for (var i = 0; i < names.Count; i++)
            {
                if (string.Equals(names[i], text, StringComparison.Ordinal)) return i;
            }
            throw new InvalidDataException(
                $"{path} line {line}, column '{column}': '{LoaderLimits.Abbreviate(text)}' is not one of the class names {string.Join(", ", names.Select(n => $"'{n}'"))}.");
        }
        if (!long.TryParse(text, NumberStyles.Integer, options.Culture, out var index) || index < 0)
        {
            throw new InvalidDataException(
                $"{path} line {line}, column '{column}': '{LoaderLimits.Abbreviate(text)}' is not a class index (a whole number from 0); for names, set ClassNames, for real values, LabelKind = Float.");
        }
        return index;
    }
}
