using System.Globalization;
using System.Text;

namespace Dsl.Training;

/// <summary>One line of a chart: a metric, the label its legend shows, and its colour.</summary>
internal sealed record ChartSeries(string Metric, string Label, string Color, IReadOnlyList<MetricPoint> Points);

/// <summary>
/// One chart of the report: every metric of one quantity ("loss": train.loss and valid.loss),
/// drawn as inline SVG against the step axis.
/// </summary>
internal sealed class LineChart
{
    public const int Width = 540;
    public const int Height = 300;
    private const double PlotLeft = 62, PlotRight = Width - 16, PlotTop = 34, PlotBottom = Height - 38;
    private const double PlotWidth = PlotRight - PlotLeft, PlotHeight = PlotBottom - PlotTop;

    /// <summary>Pixel columns the downsampler groups points into (two pixels each).</summary>
    internal const int Buckets = (int)(PlotWidth / 2);

    /// <summary>Series with at most this many drawn points also get a dot at each point.</summary>
    private const int MarkerLimit = 60;

    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public LineChart(string quantity, IReadOnlyList<ChartSeries> series)
    {
        Quantity = quantity;
        Series = series;
    }

    public string Quantity { get; }
    public IReadOnlyList<ChartSeries> Series { get; }

    /// <summary>How many values of all series are NaN or infinite (not drawn, marked ×).</summary>
    public int NonFiniteCount => Series.Sum(s => s.Points.Count(p => !double.IsFinite(p.Value)));

    /// <summary>
    /// The points of a series that are drawn, as runs of finite values (a NaN or infinity ends a
    /// run, leaving a gap), sorted by step. Beyond <see cref="Buckets"/> × 4 finite points the
    /// series is downsampled: within each pixel column the first, lowest, highest and last point
    /// of a run are kept, in their order, so a one-step spike still reaches its true height.
    /// </summary>
    internal static List<List<MetricPoint>> DrawnRuns(IReadOnlyList<MetricPoint> points, double stepMin, double stepMax)
    {
        var sorted = points.OrderBy(p => p.Step).ToList(); // stable: equal steps keep logging order
        var runs = new List<List<MetricPoint>>();
        var finite = sorted.Count(p => double.IsFinite(p.Value));
        var downsample = finite > Buckets * 4;

        List<MetricPoint>? run = null;
        // The current pixel column's candidates while downsampling.
        var bucket = -1;
        MetricPoint first = default, last = default, low = default, high = default;
        int firstAt = 0, lastAt = 0, lowAt = 0, highAt = 0;

        void FlushBucket()
        {
            if (bucket < 0 || run is null) return;
            var picks = new (int At, MetricPoint Point)[] { (firstAt, first), (lowAt, low), (highAt, high), (lastAt, last) };
            foreach (var pick in picks.DistinctBy(p => p.At).OrderBy(p => p.At)) run.Add(pick.Point);
            bucket = -1;
        }

        for (var i = 0; i < sorted.Count; i++)
        {
            var point = sorted[i];
            if (!double.IsFinite(point.Value))
            {
                FlushBucket();
                run = null;
                continue;
            }
            if (run is null)
            {
                run = [];
                runs.Add(run);
            }
            if (!downsample)
            {
                run.Add(point);
                continue;
            }
            var column = stepMax > stepMin
                ? Math.Clamp((int)((point.Step - stepMin) / (stepMax - stepMin) * Buckets), 0, Buckets - 1)
                : 0;
            if (column != bucket)
            {
                FlushBucket();
                bucket = column;
                first = last = low = high = point;
                firstAt = lastAt = lowAt = highAt = i;
                continue;
            }
            last = point;
            lastAt = i;
            if (point.Value < low.Value) { low = point; lowAt = i; }
            if (point.Value > high.Value) { high = point; highAt = i; }
        }
        FlushBucket();
        return runs;
    }

    /// <summary>Writes the chart's &lt;svg&gt; element.</summary>
    public void Render(StringBuilder html)
    {
        var all = Series.SelectMany(s => s.Points).ToList();
        var finite = all.Where(p => double.IsFinite(p.Value)).ToList();

        // Step axis: every point, NaN included, so a marked NaN sits where it happened.
        double stepMin = all.Min(p => p.Step), stepMax = all.Max(p => p.Step);
        if (stepMax == stepMin) { stepMin -= 1; stepMax += 1; }

        // Value axis: finite values with 5% headroom; a constant series gets a band around its value.
        double valueMin, valueMax;
        if (finite.Count == 0) { valueMin = 0; valueMax = 1; }
        else
        {
            valueMin = finite.Min(p => p.Value);
            valueMax = finite.Max(p => p.Value);
            var pad = valueMax > valueMin ? (valueMax - valueMin) * 0.05
                : valueMin != 0 ? Math.Abs(valueMin) * 0.1
                : 1;
            valueMin -= pad;
            valueMax += pad;
        }

        double X(double step) => PlotLeft + (step - stepMin) / (stepMax - stepMin) * PlotWidth;
        double Y(double value) => PlotBottom - (value - valueMin) / (valueMax - valueMin) * PlotHeight;

        html.Append(Invariant, $"<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{Height}\" viewBox=\"0 0 {Width} {Height}\" role=\"img\" aria-label=\"");
        Html.AppendEscaped(html, $"{Quantity} by step");
        html.Append("\">\n");
        html.Append(Invariant, $"<rect x=\"0\" y=\"0\" width=\"{Width}\" height=\"{Height}\" fill=\"#ffffff\"/>\n");

        // Grid and tick labels.
        var valueSpacing = AxisTicks.Spacing(valueMax - valueMin, 5);
        html.Append("<g class=\"y-axis\" font-size=\"11\" fill=\"#555555\" text-anchor=\"end\">\n");
        foreach (var tick in AxisTicks.Values(valueMin, valueMax, valueSpacing))
        {
            var y = Y(tick);
            html.Append(Invariant, $"<line x1=\"{PlotLeft:F1}\" x2=\"{PlotRight:F1}\" y1=\"{y:F1}\" y2=\"{y:F1}\" stroke=\"#e6e6e6\"/>");
            html.Append(Invariant, $"<text x=\"{PlotLeft - 6:F1}\" y=\"{y + 4:F1}\">{AxisTicks.FormatValue(tick, valueSpacing)}</text>\n");
        }
        html.Append("</g>\n");

        var stepSpacing = Math.Max(1, AxisTicks.Spacing(stepMax - stepMin, 6));
        html.Append("<g class=\"x-axis\" font-size=\"11\" fill=\"#555555\" text-anchor=\"middle\">\n");
        foreach (var tick in AxisTicks.Values(stepMin, stepMax, stepSpacing))
        {
            var x = X(tick);
            html.Append(Invariant, $"<line x1=\"{x:F1}\" x2=\"{x:F1}\" y1=\"{PlotBottom:F1}\" y2=\"{PlotBottom + 4:F1}\" stroke=\"#999999\"/>");
            html.Append(Invariant, $"<text x=\"{x:F1}\" y=\"{PlotBottom + 17:F1}\">{AxisTicks.FormatStep(tick, stepSpacing)}</text>\n");
        }
        html.Append(Invariant, $"<text x=\"{PlotLeft + PlotWidth / 2:F1}\" y=\"{Height - 4}\" fill=\"#333333\">step</text>\n");
        html.Append("</g>\n");

        // Epoch ends, faint, when there are few enough to tell apart.
        var epochEnds = all.GroupBy(p => p.Epoch).Where(g => g.Key > 0).Select(g => g.Max(p => p.Step)).OrderBy(s => s).ToList();
        if (epochEnds.Count is >= 2 and <= 40)
        {
            html.Append("<g class=\"epochs\" stroke=\"#cccccc\" stroke-dasharray=\"3 3\">");
            foreach (var end in epochEnds.Take(epochEnds.Count - 1))
                html.Append(Invariant, $"<line x1=\"{X(end):F1}\" x2=\"{X(end):F1}\" y1=\"{PlotTop:F1}\" y2=\"{PlotBottom:F1}\"/>");
            html.Append("</g>\n");
        }

        html.Append(Invariant, $"<rect x=\"{PlotLeft:F1}\" y=\"{PlotTop:F1}\" width=\"{PlotWidth:F1}\" height=\"{PlotHeight:F1}\" fill=\"none\" stroke=\"#999999\"/>\n");

        // The lines.
        foreach (var series in Series)
        {
            var runs = DrawnRuns(series.Points, stepMin, stepMax);
            var drawn = runs.Sum(r => r.Count);
            html.Append("<path class=\"series\" data-metric=\"");
            Html.AppendEscaped(html, series.Metric);
            html.Append(Invariant, $"\" data-points=\"{drawn}\" fill=\"none\" stroke=\"{series.Color}\" stroke-width=\"2\" stroke-linejoin=\"round\" stroke-linecap=\"round\" d=\"");
            var separator = "";
            foreach (var run in runs)
                for (var i = 0; i < run.Count; i++)
                {
                    html.Append(Invariant, $"{separator}{(i == 0 ? 'M' : 'L')}{X(run[i].Step):F1},{Y(run[i].Value):F1}");
                    separator = " ";
                }
            html.Append("\"><title>");
            Html.AppendEscaped(html, series.Metric);
            html.Append("</title></path>\n");

            // Dots where a line alone would not show the points: short series and isolated values.
            html.Append(Invariant, $"<g class=\"markers\" fill=\"{series.Color}\">");
            foreach (var run in runs)
                if (drawn <= MarkerLimit || run.Count == 1)
                    foreach (var point in run)
                        html.Append(Invariant, $"<circle cx=\"{X(point.Step):F1}\" cy=\"{Y(point.Value):F1}\" r=\"{(run.Count == 1 ? 3.5 : 2.5):F1}\"/>");
            html.Append("</g>\n");
        }

        // NaN and infinities: a red × on the edge of the plot at their step (top for +inf, bottom otherwise).
        var nonFinite = all.Where(p => !double.IsFinite(p.Value)).ToList();
        if (nonFinite.Count > 0)
        {
            html.Append(Invariant, $"<path class=\"non-finite\" stroke=\"#d62728\" stroke-width=\"2\" fill=\"none\" data-count=\"{nonFinite.Count}\" d=\"");
            foreach (var mark in nonFinite.Select(p => (X: Math.Round(X(p.Step)), Y: double.IsPositiveInfinity(p.Value) ? PlotTop : PlotBottom)).Distinct())
                html.Append(Invariant, $"M{mark.X - 4:F1},{mark.Y - 4:F1} L{mark.X + 4:F1},{mark.Y + 4:F1} M{mark.X - 4:F1},{mark.Y + 4:F1} L{mark.X + 4:F1},{mark.Y - 4:F1} ");
            html.Append(Invariant, $"\"><title>{nonFinite.Count} NaN or infinite value{(nonFinite.Count == 1 ? "" : "s")}, not drawn</title></path>\n");
        }
        if (finite.Count == 0)
            html.Append(Invariant, $"<text x=\"{PlotLeft + PlotWidth / 2:F1}\" y=\"{PlotTop + PlotHeight / 2:F1}\" font-size=\"13\" fill=\"#d62728\" text-anchor=\"middle\">no finite values</text>\n");

        // Legend, top left, one entry per series.
        html.Append("<g class=\"legend\" font-size=\"12\" fill=\"#333333\">");
        var legendX = PlotLeft;
        foreach (var series in Series)
        {
            html.Append(Invariant, $"<line x1=\"{legendX:F1}\" x2=\"{legendX + 18:F1}\" y1=\"16\" y2=\"16\" stroke=\"{series.Color}\" stroke-width=\"3\"/>");
            html.Append(Invariant, $"<text x=\"{legendX + 23:F1}\" y=\"20\">");
            Html.AppendEscaped(html, series.Label);
            html.Append("</text>");
            legendX += 23 + 7.0 * series.Label.Length + 18;
        }
        html.Append("</g>\n");
        html.Append("</svg>\n");
    }
}
