using System.Globalization;
using System.Net;
using System.Text;

namespace Dsl.Examples;

/// <summary>How one series of a <see cref="Figure"/> is drawn.</summary>
public enum Mark
{
    /// <summary>A line through the points, with a dot at each when there are few.</summary>
    Line,
    /// <summary>Dots only.</summary>
    Dots,
    /// <summary>An arrow from the origin to each point (vectors, e.g. a weight matrix's columns).</summary>
    Arrows,
}

/// <summary>One series of a figure: its legend label, its points and how they are drawn.</summary>
public sealed record FigureSeries(string Label, IReadOnlyList<(double X, double Y)> Points, Mark Mark, string Color);

/// <summary>
/// A small SVG chart for the examples' results, drawn like the run report's charts (report.html):
/// white plot, light grid, ticks at 1-2-5 spacings, a legend on top. Axes may be logarithmic; a
/// figure of vectors can keep one unit the same length on both axes. Non-finite values and, on a
/// log axis, values ≤ 0 are left out of the drawing and counted in the title's tooltip.
/// </summary>
/// <example><code>
/// new Figure("represented features", "sparsity S", "features")
///     .Add("n = 20, m = 5", sparsities.Zip(counts, (s, c) =&gt; (s, (double)c)))
///     .Save(Path.Combine(folder, "features.svg"));
/// </code></example>
public sealed class Figure(string title, string xLabel, string yLabel)
{
    private static readonly string[] Palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;
    private const double Left = 66, Right = 16, Top = 40, Bottom = 44;

    private readonly List<FigureSeries> _series = [];

    public string Title { get; } = title;
    public int Width { get; init; } = 560;
    public int Height { get; init; } = 340;
    public bool LogX { get; init; }
    public bool LogY { get; init; }
    /// <summary>One unit is as long on the x axis as on the y axis (for vectors and shapes).</summary>
    public bool EqualAspect { get; init; }
    /// <summary>Fixed axis ranges; null takes the data's range with 5% headroom.</summary>
    public (double Min, double Max)? XRange { get; init; }
    public (double Min, double Max)? YRange { get; init; }

    public IReadOnlyList<FigureSeries> Series => _series;

    /// <summary>Adds a series; its colour is the next of the palette unless given. An empty label leaves it out of the legend.</summary>
    public Figure Add(string label, IEnumerable<(double X, double Y)> points, Mark mark = Mark.Line, string? color = null)
    {
        _series.Add(new FigureSeries(label, points.ToList(), mark, color ?? Palette[_series.Count % Palette.Length]));
        return this;
    }

    /// <summary>Writes the SVG to <paramref name="path"/>, creating its folder.</summary>
    public string Save(string path)
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(path));
        if (folder is not null) Directory.CreateDirectory(folder);
        File.WriteAllText(path, ToSvg());
        return path;
    }

    /// <summary>The figure as a standalone &lt;svg&gt; document.</summary>
    public string ToSvg()
    {
        if (_series.Count == 0) throw new InvalidOperationException($"Figure '{Title}' has no series: call Add before drawing it.");
        bool Drawable((double X, double Y) p) =>
            double.IsFinite(p.X) && double.IsFinite(p.Y) && (!LogX || p.X > 0) && (!LogY || p.Y > 0);
        var drawn = _series.SelectMany(s => s.Mark == Mark.Arrows ? s.Points.Append((X: 0.0, Y: 0.0)) : s.Points).Where(Drawable).ToList();
        var skipped = _series.Sum(s => s.Points.Count(p => !Drawable(p)));

        var (xMin, xMax) = XRange ?? Span(drawn.Select(p => p.X), LogX);
        var (yMin, yMax) = YRange ?? Span(drawn.Select(p => p.Y), LogY);
        double plotWidth = Width - Left - Right, plotHeight = Height - Top - Bottom;
        double plotLeft = Left, plotTop = Top;
        if (EqualAspect)
        {
            // Widen the narrower range so one unit has the same length on both axes, centred.
            var scale = Math.Min(plotWidth / (xMax - xMin), plotHeight / (yMax - yMin));
            var (xMid, yMid) = ((xMin + xMax) / 2, (yMin + yMax) / 2);
            (xMin, xMax) = (xMid - plotWidth / scale / 2, xMid + plotWidth / scale / 2);
            (yMin, yMax) = (yMid - plotHeight / scale / 2, yMid + plotHeight / scale / 2);
        }
        double Scaled(double v, bool log) => log ? Math.Log10(v) : v;
        double X(double x) => plotLeft + (Scaled(x, LogX) - Scaled(xMin, LogX)) / (Scaled(xMax, LogX) - Scaled(xMin, LogX)) * plotWidth;
        double Y(double y) => plotTop + plotHeight - (Scaled(y, LogY) - Scaled(yMin, LogY)) / (Scaled(yMax, LogY) - Scaled(yMin, LogY)) * plotHeight;

        var svg = new StringBuilder();
        svg.Append(Invariant, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{Height}\" viewBox=\"0 0 {Width} {Height}\" font-family=\"sans-serif\" role=\"img\" aria-label=\"{Escape(Title)}\">\n");
        svg.Append(Invariant, $"<rect x=\"0\" y=\"0\" width=\"{Width}\" height=\"{Height}\" fill=\"#ffffff\"/>\n");
        svg.Append(Invariant, $"<text x=\"{Width / 2.0:F1}\" y=\"16\" font-size=\"13\" fill=\"#222222\" text-anchor=\"middle\">{Escape(Title)}");
        if (skipped > 0) svg.Append(Invariant, $"<title>{skipped} point{(skipped == 1 ? "" : "s")} not drawn (non-finite{(LogX || LogY ? " or ≤ 0 on a log axis" : "")})</title>");
        svg.Append("</text>\n");

        // Grid, ticks and axis labels.
        svg.Append("<g font-size=\"11\" fill=\"#555555\" text-anchor=\"end\">\n");
        foreach (var (tick, text) in Ticks(yMin, yMax, LogY, 5))
        {
            var y = Y(tick);
            svg.Append(Invariant, $"<line x1=\"{plotLeft:F1}\" x2=\"{plotLeft + plotWidth:F1}\" y1=\"{y:F1}\" y2=\"{y:F1}\" stroke=\"#e6e6e6\"/><text x=\"{plotLeft - 6:F1}\" y=\"{y + 4:F1}\">{text}</text>\n");
        }
        svg.Append("</g>\n<g font-size=\"11\" fill=\"#555555\" text-anchor=\"middle\">\n");
        foreach (var (tick, text) in Ticks(xMin, xMax, LogX, 6))
        {
            var x = X(tick);
            svg.Append(Invariant, $"<line x1=\"{x:F1}\" x2=\"{x:F1}\" y1=\"{plotTop:F1}\" y2=\"{plotTop + plotHeight:F1}\" stroke=\"#f0f0f0\"/><text x=\"{x:F1}\" y=\"{plotTop + plotHeight + 16:F1}\">{text}</text>\n");
        }
        svg.Append("</g>\n");
        svg.Append(Invariant, $"<text x=\"{plotLeft + plotWidth / 2:F1}\" y=\"{Height - 8}\" font-size=\"12\" fill=\"#333333\" text-anchor=\"middle\">{Escape(xLabel)}</text>\n");
        svg.Append(Invariant, $"<text transform=\"translate(14 {plotTop + plotHeight / 2:F1}) rotate(-90)\" font-size=\"12\" fill=\"#333333\" text-anchor=\"middle\">{Escape(yLabel)}</text>\n");
        svg.Append(Invariant, $"<rect x=\"{plotLeft:F1}\" y=\"{plotTop:F1}\" width=\"{plotWidth:F1}\" height=\"{plotHeight:F1}\" fill=\"none\" stroke=\"#999999\"/>\n");

        // The series, clipped to the plot.
        svg.Append(Invariant, $"<clipPath id=\"plot\"><rect x=\"{plotLeft:F1}\" y=\"{plotTop:F1}\" width=\"{plotWidth:F1}\" height=\"{plotHeight:F1}\"/></clipPath>\n<g clip-path=\"url(#plot)\">\n");
        foreach (var series in _series)
        {
            var points = series.Points.Where(Drawable).ToList();
            svg.Append(Invariant, $"<g data-series=\"{Escape(series.Label)}\" data-points=\"{points.Count}\" stroke=\"{series.Color}\" fill=\"{series.Color}\">");
            switch (series.Mark)
            {
                case Mark.Line:
                    if (points.Count > 1)
                        svg.Append("<path fill=\"none\" stroke-width=\"2\" stroke-linejoin=\"round\" d=\"")
                           .AppendJoin(' ', points.Select((p, i) => string.Create(Invariant, $"{(i == 0 ? 'M' : 'L')}{X(p.X):F1},{Y(p.Y):F1}")))
                           .Append("\"/>");
                    if (points.Count <= 60)
                        foreach (var p in points) svg.Append(Invariant, $"<circle cx=\"{X(p.X):F1}\" cy=\"{Y(p.Y):F1}\" r=\"2.5\" stroke=\"none\"/>");
                    break;
                case Mark.Dots:
                    foreach (var p in points) svg.Append(Invariant, $"<circle cx=\"{X(p.X):F1}\" cy=\"{Y(p.Y):F1}\" r=\"3\" stroke=\"none\" fill-opacity=\"0.8\"/>");
                    break;
                case Mark.Arrows:
                    foreach (var p in points) Arrow(svg, X(0), Y(0), X(p.X), Y(p.Y));
                    break;
            }
            svg.Append("</g>\n");
        }
        svg.Append("</g>\n");

        // Legend on top, one entry per series with a label (an unlabelled series shares another's colour).
        svg.Append("<g font-size=\"12\" fill=\"#333333\">");
        var legendX = plotLeft;
        foreach (var series in _series.Where(s => s.Label.Length > 0))
        {
            svg.Append(Invariant, $"<rect x=\"{legendX:F1}\" y=\"24\" width=\"14\" height=\"4\" fill=\"{series.Color}\"/><text x=\"{legendX + 18:F1}\" y=\"30\">{Escape(series.Label)}</text>");
            legendX += 18 + 7.0 * series.Label.Length + 14;
        }
        svg.Append("</g>\n</svg>\n");
        return svg.ToString();
    }

    private static void Arrow(StringBuilder svg, double x0, double y0, double x1, double y1)
    {
        svg.Append(Invariant, $"<line x1=\"{x0:F1}\" y1=\"{y0:F1}\" x2=\"{x1:F1}\" y2=\"{y1:F1}\" stroke-width=\"2\"/>");
        var length = Math.Sqrt((x1 - x0) * (x1 - x0) + (y1 - y0) * (y1 - y0));
        if (length < 1e-9) return;
        var (ux, uy) = ((x1 - x0) / length, (y1 - y0) / length);
        var head = Math.Min(9, length / 2);
        svg.Append(Invariant, $"<path stroke=\"none\" d=\"M{x1:F1},{y1:F1} L{x1 - head * ux - head / 2 * uy:F1},{y1 - head * uy + head / 2 * ux:F1} L{x1 - head * ux + head / 2 * uy:F1},{y1 - head * uy - head / 2 * ux:F1} Z\"/>");
    }

    /// <summary>The data's range with 5% headroom (in log space on a log axis); a single value gets a band around it.</summary>
    private static (double Min, double Max) Span(IEnumerable<double> values, bool log)
    {
        var list = values.Select(v => log ? Math.Log10(v) : v).ToList();
        if (list.Count == 0) return log ? (1, 10) : (0, 1);
        double min = list.Min(), max = list.Max();
        var pad = max > min ? (max - min) * 0.05 : min != 0 ? Math.Abs(min) * 0.1 : 1;
        (min, max) = (min - pad, max + pad);
        return log ? (Math.Pow(10, min), Math.Pow(10, max)) : (min, max);
    }

    /// <summary>Ticks at a 1-2-5 spacing giving about <paramref name="count"/> of them; on a log axis, at powers of ten (and 2, 5 between when there are few).</summary>
    internal static List<(double Value, string Text)> Ticks(double min, double max, bool log, int count)
    {
        var ticks = new List<(double, string)>();
        if (log)
        {
            var (low, high) = ((int)Math.Floor(Math.Log10(min)), (int)Math.Ceiling(Math.Log10(max)));
            var between = high - low <= 2 ? new[] { 1.0, 2, 5 } : [1.0];
            for (var power = low; power <= high; power++)
                foreach (var m in between)
                {
                    var v = m * Math.Pow(10, power);
                    if (v >= min * (1 - 1e-9) && v <= max * (1 + 1e-9)) ticks.Add((v, v is >= 1e-3 and < 1e5 ? v.ToString("0.###", Invariant) : v.ToString("0e0", Invariant)));
                }
            return ticks;
        }
        var raw = (max - min) / count;
        var magnitude = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        var step = magnitude * (raw / magnitude < 1.5 ? 1 : raw / magnitude < 3.5 ? 2 : raw / magnitude < 7.5 ? 5 : 10);
        var decimals = Math.Max(0, -(int)Math.Floor(Math.Log10(step)));
        for (var v = Math.Ceiling(min / step) * step; v <= max + step * 1e-9; v += step)
        {
            var rounded = Math.Round(v, decimals);
            ticks.Add((rounded, (rounded == 0 ? 0 : rounded).ToString("F" + decimals, Invariant)));
        }
        return ticks;
    }

    private static string Escape(string text) => WebUtility.HtmlEncode(text);
}

/// <summary>Markdown tables for the examples' printed results (the READMEs hold the same tables).</summary>
public static class Table
{
    /// <summary>
    /// The rows as a Markdown table with padded columns: the header, the separator, one line per row.
    /// A row with a different number of cells than the header is an error.
    /// </summary>
    public static string Markdown(IReadOnlyList<string> header, IEnumerable<IReadOnlyList<string>> rows)
    {
        var all = rows.ToList();
        for (var r = 0; r < all.Count; r++)
            if (all[r].Count != header.Count)
                throw new ArgumentException($"Table row {r} has {all[r].Count} cells; the header has {header.Count} ({string.Join(", ", header)}).", nameof(rows));
        var widths = header.Select((h, c) => Math.Max(3, all.Select(row => row[c].Length).Prepend(h.Length).Max())).ToArray();
        var text = new StringBuilder();
        void Line(IReadOnlyList<string> cells) =>
            text.Append("| ").AppendJoin(" | ", cells.Select((cell, c) => cell.PadRight(widths[c]))).Append(" |\n");
        Line(header);
        text.Append('|').AppendJoin('|', widths.Select(w => new string('-', w + 2))).Append("|\n");
        foreach (var row in all) Line(row);
        return text.ToString();
    }

    /// <summary>Prints <see cref="Markdown"/> of the rows to the console and returns it.</summary>
    public static string Print(IReadOnlyList<string> header, IEnumerable<IReadOnlyList<string>> rows)
    {
        var text = Markdown(header, rows);
        Console.Write(text);
        return text;
    }
}
