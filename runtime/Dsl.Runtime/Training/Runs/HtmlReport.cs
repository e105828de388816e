using System.Globalization;
using System.Text;
using Dsl.Training;

namespace Dsl;

/// <summary>
/// A run's report as one self-contained HTML page: a line chart per quantity, the final and
/// best value of every metric, the configuration, and notes. Charts are inline SVG; there are
/// no scripts, no external style sheets, fonts or images, so the file opens anywhere, offline,
/// and can be attached to a ticket or an e-mail as it is.
/// </summary>
/// <remarks>
/// Metrics are grouped by the part of their name after the last dot: "train.loss" and
/// "valid.loss" share the "loss" chart as lines "train" and "valid"; "valid.accuracy" gets an
/// "accuracy" chart; a name without a dot is its own chart. A split keeps its colour in every
/// chart. NaN and infinite values are not drawn (they leave a gap) and are marked with a red ×
/// at their step; series of thousands of points are downsampled per pixel column keeping each
/// column's extremes, so spikes stay visible. All text (title, names, configuration, notes) is
/// HTML-escaped.
/// </remarks>
public static class HtmlReport
{
    // Colour-blind-friendly, distinct on white; a split ("train", "valid") keeps its colour across charts.
    private static readonly string[] Palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#7f7f7f", "#bcbd22", "#d62728"];

    private const string Style = """
        body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Liberation Sans", "DejaVu Sans", sans-serif; margin: 24px; color: #222; background: #fff; }
        h1 { font-size: 22px; margin: 0 0 4px; }
        h2 { font-size: 17px; margin: 24px 0 8px; }
        p.subtitle { color: #666; margin: 0 0 16px; }
        .charts { display: flex; flex-wrap: wrap; gap: 16px; }
        figure.chart { margin: 0; border: 1px solid #ddd; border-radius: 6px; padding: 8px 8px 4px; background: #fff; }
        figcaption { font-weight: 600; margin: 0 0 2px 4px; }
        p.warning { color: #b02020; font-size: 12px; margin: 2px 4px 4px; }
        table { border-collapse: collapse; font-size: 14px; }
        th, td { border-bottom: 1px solid #e5e5e5; padding: 4px 12px 4px 0; text-align: left; vertical-align: top; }
        th { color: #555; font-weight: 600; }
        td.number { text-align: right; font-variant-numeric: tabular-nums; }
        td.value { font-family: ui-monospace, "DejaVu Sans Mono", monospace; white-space: pre-wrap; word-break: break-word; max-width: 720px; }
        .notes { white-space: pre-wrap; max-width: 900px; }
        """;

    /// <summary>Renders the report page.</summary>
    /// <param name="title">The page's title and heading.</param>
    /// <param name="configuration">The run's configuration, shown as a table in the given order.</param>
    /// <param name="history">The logged metrics.</param>
    /// <param name="notes">Free text shown at the end, line breaks kept; null for none.</param>
    public static string Render(string title, IReadOnlyDictionary<string, string> configuration, MetricHistory history, string? notes = null)
    {
        ArgumentNullException.ThrowIfNull(title);
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(history);

        var html = new StringBuilder(64 * 1024);
        html.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
        html.Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>");
        Html.AppendEscaped(html, title);
        html.Append("</title>\n<style>\n").Append(Style).Append("</style>\n</head>\n<body>\n<h1>");
        Html.AppendEscaped(html, title);
        html.Append("</h1>\n<p class=\"subtitle\">");
        Html.AppendEscaped(html, Subtitle(history));
        html.Append("</p>\n");

        var charts = Charts(history);
        if (charts.Count > 0)
        {
            html.Append("<section class=\"charts\">\n");
            foreach (var chart in charts)
            {
                html.Append("<figure class=\"chart\" data-quantity=\"");
                Html.AppendEscaped(html, chart.Quantity);
                html.Append("\">\n<figcaption>");
                Html.AppendEscaped(html, chart.Quantity);
                html.Append("</figcaption>\n");
                chart.Render(html);
                var nonFinite = chart.NonFiniteCount;
                if (nonFinite > 0)
                    html.Append(CultureInfo.InvariantCulture, $"<p class=\"warning\">{nonFinite} NaN or infinite value{(nonFinite == 1 ? " is" : "s are")} not drawn (marked ×).</p>\n");
                html.Append("</figure>\n");
            }
            html.Append("</section>\n");
            AppendResults(html, history);
        }
        else
        {
            html.Append("<p>No metrics were logged.</p>\n");
        }

        html.Append("<h2>Configuration</h2>\n");
        if (configuration.Count == 0) html.Append("<p>No configuration was recorded.</p>\n");
        else
        {
            html.Append("<table class=\"configuration\">\n<tr><th>name</th><th>value</th></tr>\n");
            foreach (var (name, value) in configuration)
            {
                html.Append("<tr><td>");
                Html.AppendEscaped(html, name);
                html.Append("</td><td class=\"value\">");
                Html.AppendEscaped(html, value);
                html.Append("</td></tr>\n");
            }
            html.Append("</table>\n");
        }

        if (!string.IsNullOrWhiteSpace(notes))
        {
            html.Append("<h2>Notes</h2>\n<p class=\"notes\">");
            Html.AppendEscaped(html, notes);
            html.Append("</p>\n");
        }
        html.Append("</body>\n</html>\n");
        return html.ToString();
    }

    /// <summary>The charts the report draws, in the order their quantities were first logged.</summary>
    internal static List<LineChart> Charts(MetricHistory history)
    {
        var splitColors = new Dictionary<string, string>(StringComparer.Ordinal);
        var groups = new List<(string Quantity, List<ChartSeries> Series)>();
        foreach (var name in history.Names)
        {
            var points = history.Series(name);
            if (points.Count == 0) continue;
            var dot = name.LastIndexOf('.');
            var (split, quantity) = dot > 0 && dot < name.Length - 1 ? (name[..dot], name[(dot + 1)..]) : (name, name);
            if (!splitColors.TryGetValue(split, out var color))
            {
                color = Palette[splitColors.Count % Palette.Length];
                splitColors.Add(split, color);
            }
            var group = groups.FindIndex(g => g.Quantity == quantity);
            if (group < 0)
            {
                groups.Add((quantity, []));
                group = groups.Count - 1;
            }
            groups[group].Series.Add(new ChartSeries(name, split, color, points));
        }
        return groups.Select(g => new LineChart(g.Quantity, g.Series)).ToList();
    }

    private static string Subtitle(MetricHistory history)
    {
        var points = history.Names.SelectMany(history.Series).ToList();
        if (points.Count == 0) return "No metrics logged.";
        var lastStep = points.Max(p => p.Step);
        var lastEpoch = points.Max(p => p.Epoch);
        return string.Create(CultureInfo.InvariantCulture,
            $"{history.Names.Count} metric{(history.Names.Count == 1 ? "" : "s")}, {points.Count} values, up to step {lastStep}, epoch {lastEpoch}.");
    }

    private static void AppendResults(StringBuilder html, MetricHistory history)
    {
        html.Append("<h2>Results</h2>\n<table class=\"results\">\n");
        html.Append("<tr><th>metric</th><th>final</th><th>at step</th><th>best</th><th>at step</th><th>epoch</th><th>values</th></tr>\n");
        foreach (var name in history.Names)
        {
            var series = history.Series(name);
            if (series.Count == 0) continue;
            var last = series[^1];
            var lower = history.IsLowerBetter(name);
            var best = history.Best(name, lower);
            var nonFinite = series.Count(p => !double.IsFinite(p.Value));
            html.Append("<tr><td>");
            Html.AppendEscaped(html, name);
            html.Append(CultureInfo.InvariantCulture, $"</td><td class=\"number\">{FormatValue(last.Value)}</td><td class=\"number\">{last.Step}</td>");
            if (best is { } b)
                html.Append(CultureInfo.InvariantCulture, $"<td class=\"number\" title=\"{(lower ? "lowest" : "highest")}\">{FormatValue(b.Value)}</td><td class=\"number\">{b.Step}</td><td class=\"number\">{b.Epoch}</td>");
            else
                html.Append("<td>none finite</td><td></td><td></td>");
            html.Append(CultureInfo.InvariantCulture, $"<td class=\"number\">{series.Count}{(nonFinite > 0 ? $" ({nonFinite} not finite)" : "")}</td></tr>\n");
        }
        html.Append("</table>\n");
    }

    private static string FormatValue(double value) => value.ToString("G6", CultureInfo.InvariantCulture);
}

/// <summary>HTML text escaping for element content and quoted attribute values.</summary>
internal static class Html
{
    /// <summary>
    /// Appends <paramref name="text"/> with &amp;, &lt;, &gt;, " and ' as entities, so it can be
    /// neither markup nor the end of an attribute; control characters other than tab and line
    /// breaks become U+FFFD, which HTML would otherwise reject or hide.
    /// </summary>
    public static void AppendEscaped(StringBuilder html, string text)
    {
        foreach (var c in text)
        {
            switch (c)
            {
                case '&': html.Append("&amp;"); break;
                case '<': html.Append("&lt;"); break;
                case '>': html.Append("&gt;"); break;
                case '"': html.Append("&quot;"); break;
                case '\'': html.Append("&#39;"); break;
                case '\t' or '\n' or '\r': html.Append(c); break;
                default:
                    html.Append(char.IsControl(c) ? '\uFFFD' : c);
                    break;
            }
        }
    }
}
