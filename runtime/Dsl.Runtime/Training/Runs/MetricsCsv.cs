using System.Globalization;
using System.Text;

namespace Dsl.Training;

/// <summary>
/// The metrics.csv format: a header <c>step,epoch,&lt;metric&gt;...</c> and one row per logged
/// step or epoch, a cell left empty where that metric was not logged. Numbers are written with
/// the invariant culture in the shortest form that parses back to the same double ("0.1",
/// "NaN", "Infinity", "-Infinity"); a field with a comma, a quote or surrounding spaces is quoted
/// as RFC 4180 says, so pandas, Excel and Python's csv module read the file as it is.
/// A name starting with =, +, -, @, tab or CR (a formula to a spreadsheet) is quoted with a leading
/// apostrophe, which <see cref="SplitLine"/> removes again.
/// </summary>
internal static class MetricsCsv
{
    public const string StepColumn = "step";
    public const string EpochColumn = "epoch";

    /// <summary>One logged row; <see cref="Values"/> follows the column order when it was logged (it may be shorter than today's header).</summary>
    public sealed record Row(long Step, int Epoch, double?[] Values);

    public static void AppendHeader(StringBuilder line, IReadOnlyList<string> metricColumns)
    {
        line.Append(StepColumn).Append(',').Append(EpochColumn);
        foreach (var column in metricColumns)
        {
            line.Append(',');
            AppendField(line, column);
        }
    }

    public static void AppendRow(StringBuilder line, Row row, int columnCount)
    {
        line.Append(CultureInfo.InvariantCulture, $"{row.Step},{row.Epoch}");
        for (var i = 0; i < columnCount; i++)
        {
            line.Append(',');
            if (i < row.Values.Length && row.Values[i] is { } value)
                line.Append(CultureInfo.InvariantCulture, $"{value:R}");
        }
    }

    // A cell starting with one of these is a formula to a spreadsheet (CSV injection). Such names are
    // written quoted with a leading apostrophe, which spreadsheets take as "text", and Read removes.
    private const string FormulaStarts = "=+-@\t\r";

    private static bool LooksLikeFormula(string field) =>
        field.Length > 0 && (FormulaStarts.Contains(field[0]) || (field[0] == '\'' && field.Length > 1 && (FormulaStarts + "'").Contains(field[1])));

    private static void AppendField(StringBuilder line, string field)
    {
        var formula = LooksLikeFormula(field);
        var quote = formula || field.AsSpan().IndexOfAny(",\"") >= 0 || field != field.Trim();
        if (!quote)
        {
            line.Append(field);
            return;
        }
        line.Append('"').Append(formula ? "'" : "").Append(field.Replace("\"", "\"\"")).Append('"');
    }

    /// <summary>Splits one line into fields, undoing <see cref="AppendField"/>'s quoting.</summary>
    public static List<string> SplitLine(string line, string file, int lineNumber)
    {
        var fields = new List<string>();
        var field = new StringBuilder();
        var i = 0;
        while (true)
        {
            field.Clear();
            if (i < line.Length && line[i] == '"')
            {
                i++;
                while (true)
                {
                    if (i >= line.Length)
                        throw new FormatException($"{file} line {lineNumber}: a quoted field is not closed (expected a closing '\"' before the end of the line).");
                    if (line[i] == '"')
                    {
                        if (i + 1 < line.Length && line[i + 1] == '"') { field.Append('"'); i += 2; continue; }
                        i++;
                        break;
                    }
                    field.Append(line[i++]);
                }
                if (i < line.Length && line[i] != ',')
                    throw new FormatException($"{file} line {lineNumber}: expected ',' after a quoted field at character {i + 1}, found '{line[i]}'.");
                // Undo the apostrophe AppendField puts before a name a spreadsheet would run as a formula.
                if (field.Length > 1 && field[0] == '\'' && LooksLikeFormula(field.ToString(1, field.Length - 1))) field.Remove(0, 1);
            }
            else
            {
                while (i < line.Length && line[i] != ',') field.Append(line[i++]);
            }
            fields.Add(field.ToString());
            if (i >= line.Length) return fields;
            i++; // the comma
        }
    }

    /// <summary>Reads a metrics.csv back: its metric columns and rows. Every problem names the file, the line and the column.</summary>
    public static (List<string> Columns, List<Row> Rows) Read(string path)
    {
        var lines = File.ReadAllLines(path, Encoding.UTF8);
        if (lines.Length == 0) return ([], []);

        var header = SplitLine(lines[0], path, 1);
        if (header.Count < 2 || header[0] != StepColumn || header[1] != EpochColumn)
            throw new FormatException($"{path} line 1: expected a header starting with 'step,epoch', found '{lines[0]}'.");
        var columns = header.Skip(2).ToList();
        var duplicate = columns.GroupBy(c => c, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
            throw new FormatException($"{path} line 1: the column '{duplicate.Key}' appears more than once.");

        var rows = new List<Row>(lines.Length - 1);
        for (var n = 1; n < lines.Length; n++)
        {
            var lineNumber = n + 1;
            if (lines[n].Length == 0) continue; // a trailing blank line
            var fields = SplitLine(lines[n], path, lineNumber);
            if (fields.Count != header.Count)
                throw new FormatException($"{path} line {lineNumber}: expected {header.Count} fields ({string.Join(",", header)}) but found {fields.Count}: '{lines[n]}'.");
            if (!long.TryParse(fields[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out var step))
                throw new FormatException($"{path} line {lineNumber}, column 'step': '{fields[0]}' is not a whole number.");
            if (!int.TryParse(fields[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var epoch))
                throw new FormatException($"{path} line {lineNumber}, column 'epoch': '{fields[1]}' is not a whole number.");
            var values = new double?[columns.Count];
            for (var c = 0; c < columns.Count; c++)
            {
                var text = fields[c + 2];
                if (text.Length == 0) continue;
                if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
                    throw new FormatException($"{path} line {lineNumber}, column '{columns[c]}': '{text}' is not a number (expected invariant-culture digits, NaN, Infinity or -Infinity).");
                values[c] = value;
            }
            rows.Add(new Row(step, epoch, values));
        }
        return (columns, rows);
    }
}
