using System.Globalization;
using System.Text.RegularExpressions;
using Dsl.Training;
using Xunit;

namespace Dsl.Runtime.Tests.Training;

/// <summary>Reads the drawn series back out of a report's (or a browser's serialized) HTML.</summary>
internal static partial class ReportMarkup
{
    [GeneratedRegex("""<path class="series" data-metric="(?<metric>[^"]*)" data-points="(?<count>\d+)"[^>]*? d="(?<d>[^"]*)"[^>]*>""")]
    private static partial Regex SeriesPath();

    [GeneratedRegex("""(?<command>[ML])(?<x>-?[0-9.]+),(?<y>-?[0-9.]+)""")]
    private static partial Regex PathCommand();

    /// <summary>Each series path: its metric, declared point count and the (command, x, y) of its path data.</summary>
    public static Dictionary<string, (int Declared, List<(char Command, double X, double Y)> Points)> Series(string html) =>
        SeriesPath().Matches(html).ToDictionary(
            m => System.Net.WebUtility.HtmlDecode(m.Groups["metric"].Value),
            m => (int.Parse(m.Groups["count"].Value, CultureInfo.InvariantCulture),
                  PathCommand().Matches(m.Groups["d"].Value)
                      .Select(c => (c.Groups["command"].Value[0],
                                    double.Parse(c.Groups["x"].Value, CultureInfo.InvariantCulture),
                                    double.Parse(c.Groups["y"].Value, CultureInfo.InvariantCulture)))
                      .ToList()));

    public static int Count(string html, string fragment) => Regex.Matches(html, Regex.Escape(fragment)).Count;
}

public sealed class HtmlReportTests
{
    private static readonly Dictionary<string, string> NoConfiguration = new();

    private static MetricHistory History(params (string Name, double[] Values)[] series)
    {
        var history = new MetricHistory();
        foreach (var (name, values) in series)
            for (var i = 0; i < values.Length; i++)
                history.Add(name, (i + 1) * 10, i + 1, values[i]);
        return history;
    }

    [Fact]
    public void One_svg_chart_per_quantity_with_a_line_per_split()
    {
        var history = History(
            ("train.loss", [2.0, 1.0, 0.5]),
            ("valid.loss", [2.2, 1.3, 0.9]),
            ("valid.accuracy", [0.5, 0.7, 0.8]),
            ("lr", [0.1, 0.1, 0.01]));
        var html = HtmlReport.Render("run", NoConfiguration, history);

        Assert.Equal(3, ReportMarkup.Count(html, "<svg"));
        Assert.Equal(3, ReportMarkup.Count(html, "</svg>"));
        Assert.Contains("<figure class=\"chart\" data-quantity=\"loss\">", html);
        Assert.Contains("<figure class=\"chart\" data-quantity=\"accuracy\">", html);
        Assert.Contains("<figure class=\"chart\" data-quantity=\"lr\">", html);
        Assert.Equal(["train.loss", "valid.loss", "valid.accuracy", "lr"], ReportMarkup.Series(html).Keys);
        // The legend names the splits of the loss chart.
        Assert.Matches("<g class=\"legend\"[^>]*>.*>train</text>.*>valid</text>", html);
    }

    [Fact]
    public void A_small_series_is_drawn_through_every_point_in_step_order()
    {
        double[] loss = [2.0, 1.5, 1.0, 0.75, 0.5];
        var html = HtmlReport.Render("run", NoConfiguration, History(("train.loss", loss)));
        var (declared, points) = ReportMarkup.Series(html)["train.loss"];

        Assert.Equal(5, declared);
        Assert.Equal("MLLLL", new string(points.Select(p => p.Command).ToArray()));
        Assert.All(points.Zip(points.Skip(1)), pair => Assert.True(pair.Second.X > pair.First.X));
        // A falling loss goes down the page: SVG's y grows downward.
        Assert.All(points.Zip(points.Skip(1)), pair => Assert.True(pair.Second.Y > pair.First.Y));
        // Equal steps in value (2.0 -> 1.5 -> 1.0) are equal steps in pixels, and so are equal steps in step.
        Assert.Equal(points[1].Y - points[0].Y, points[2].Y - points[1].Y, tolerance: 0.15); // coordinates have one decimal
        Assert.Equal(points[1].X - points[0].X, points[4].X - points[3].X, tolerance: 0.15);
        Assert.Equal(5, ReportMarkup.Count(html, "<circle"));
    }

    [Fact]
    public void NaN_and_infinities_leave_gaps_and_are_marked()
    {
        double[] loss = [2.0, 1.5, double.NaN, 1.0, double.PositiveInfinity, 0.5, 0.25];
        var html = HtmlReport.Render("run", NoConfiguration, History(("train.loss", loss)));
        var (declared, points) = ReportMarkup.Series(html)["train.loss"];

        Assert.Equal(5, declared);
        Assert.Equal("MLMML", new string(points.Select(p => p.Command).ToArray()));
        Assert.Contains("class=\"non-finite\"", html);
        Assert.Contains("data-count=\"2\"", html);
        Assert.Contains("2 NaN or infinite values are not drawn", html);
        Assert.Contains("7 (2 not finite)", html);
        Assert.DoesNotContain("NaN,", html);      // no NaN coordinate reached the SVG
        Assert.DoesNotContain("Infinity,", html);
    }

    [Fact]
    public void A_series_of_only_NaN_says_so_instead_of_drawing()
    {
        var html = HtmlReport.Render("run", NoConfiguration, History(("train.loss", [double.NaN, double.NaN])));
        Assert.Contains("no finite values", html);
        Assert.Equal(0, ReportMarkup.Series(html)["train.loss"].Declared);
        Assert.Contains("none finite", html);
    }

    [Fact]
    public void A_single_point_is_drawn_as_a_dot()
    {
        var history = new MetricHistory();
        history.Add("valid.accuracy", 100, 1, 0.75);
        var html = HtmlReport.Render("run", NoConfiguration, history);
        var (declared, points) = ReportMarkup.Series(html)["valid.accuracy"];
        Assert.Equal(1, declared);
        Assert.Single(points);
        Assert.Matches("<circle cx=\"[0-9.]+\" cy=\"[0-9.]+\" r=\"3.5\"/>", html);
        Assert.DoesNotContain("NaN", html);
    }

    [Fact]
    public void A_constant_series_gets_a_value_axis_around_its_value()
    {
        var html = HtmlReport.Render("run", NoConfiguration, History(("lr", [0.001, 0.001, 0.001, 0.001])));
        var (_, points) = ReportMarkup.Series(html)["lr"];
        Assert.Equal(4, points.Count);
        Assert.Single(points.Select(p => p.Y).Distinct());
        Assert.DoesNotContain("NaN", html);
        // By hand: the axis spans the value ± 10% (0.0009 to 0.0011), ticks every 0.00005, five decimals.
        Assert.Contains(">0.00090</text>", html);
        Assert.Contains(">0.00100</text>", html);
        Assert.Contains(">0.00110</text>", html);
    }

    [Fact]
    public void Thousands_of_points_are_downsampled_but_a_one_step_spike_keeps_its_height()
    {
        var history = new MetricHistory();
        for (var step = 1; step <= 20_000; step++)
            history.Add("train.loss", step, 1, step == 12_345 ? 50.0 : 1.0 + 0.5 * Math.Sin(step * 0.01));
        var html = HtmlReport.Render("run", NoConfiguration, history);
        var (declared, points) = ReportMarkup.Series(html)["train.loss"];

        Assert.InRange(declared, 100, 4 * LineChart.Buckets);
        Assert.Equal(declared, points.Count);
        // The spike is the highest point drawn (smallest y), and it is far above every other.
        var top = points.MinBy(p => p.Y);
        var secondTop = points.Where(p => p != top).Min(p => p.Y);
        Assert.True(secondTop - top.Y > 100, $"spike at y={top.Y}, next highest at y={secondTop}");

        var runs = LineChart.DrawnRuns(history.Series("train.loss"), 1, 20_000);
        var kept = runs.SelectMany(r => r).ToList();
        Assert.Contains(kept, p => p.Step == 12_345 && p.Value == 50.0);
        Assert.Equal(history.Series("train.loss").Min(p => p.Value), kept.Min(p => p.Value));
        Assert.Equal(1, kept.First().Step);
        Assert.Equal(20_000, kept.Last().Step);
    }

    [Fact]
    public void Text_is_escaped_so_injected_markup_stays_text()
    {
        var configuration = new Dictionary<string, string>
        {
            ["note"] = "</td></table><script>alert('x')</script><img src=x onerror=alert(1)>",
            ["<b>name</b>"] = "a & b \"quoted\"",
        };
        var history = new MetricHistory();
        history.Add("train.<i>loss</i>", 1, 1, 1.0);
        history.Add("train.<i>loss</i>", 2, 1, 0.5);
        var html = HtmlReport.Render("Run <script>alert(1)</script> & co", configuration, history, notes: "see </p><script>x</script>");

        Assert.DoesNotContain("<script", html);
        Assert.DoesNotContain("<img", html);
        Assert.DoesNotContain("<b>", html);
        Assert.DoesNotContain("<i>", html);
        Assert.Contains("<title>Run &lt;script&gt;alert(1)&lt;/script&gt; &amp; co</title>", html);
        Assert.Contains("&lt;/td&gt;&lt;/table&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;", html);
        Assert.Contains("<td>&lt;b&gt;name&lt;/b&gt;</td><td class=\"value\">a &amp; b &quot;quoted&quot;</td>", html);
        Assert.Contains("data-metric=\"train.&lt;i&gt;loss&lt;/i&gt;\"", html);
        Assert.Contains("see &lt;/p&gt;&lt;script&gt;x&lt;/script&gt;", html);
    }

    [Fact]
    public void The_page_needs_nothing_from_outside()
    {
        var html = HtmlReport.Render("run", new Dictionary<string, string> { ["lr"] = "0.1" }, History(("train.loss", [1.0, 0.5])));
        Assert.StartsWith("<!DOCTYPE html>", html);
        foreach (var external in new[] { "<script", "<link", "src=", "url(", "@import", "@font-face", "href=" })
            Assert.DoesNotContain(external, html);
        // The only address in the page is the SVG namespace name, which is never fetched.
        Assert.Equal(ReportMarkup.Count(html, "<svg"), ReportMarkup.Count(html, "http"));
    }

    [Fact]
    public void The_results_table_has_final_and_best_values()
    {
        var history = History(("valid.loss", [0.9, 0.4, 0.6]), ("valid.accuracy", [0.5, 0.8, 0.7]));
        var html = HtmlReport.Render("run", NoConfiguration, history);
        // valid.loss: final 0.6 at step 30, best (lowest) 0.4 at step 20, epoch 2.
        Assert.Contains("<tr><td>valid.loss</td><td class=\"number\">0.6</td><td class=\"number\">30</td><td class=\"number\" title=\"lowest\">0.4</td><td class=\"number\">20</td><td class=\"number\">2</td><td class=\"number\">3</td></tr>", html);
        // valid.accuracy: best is the highest, 0.8 at step 20.
        Assert.Contains("<tr><td>valid.accuracy</td><td class=\"number\">0.7</td><td class=\"number\">30</td><td class=\"number\" title=\"highest\">0.8</td><td class=\"number\">20</td>", html);
    }

    [Fact]
    public void An_empty_history_still_renders_the_configuration()
    {
        var html = HtmlReport.Render("run", new Dictionary<string, string> { ["seed"] = "7" }, new MetricHistory());
        Assert.Contains("No metrics were logged.", html);
        Assert.Contains("<td>seed</td><td class=\"value\">7</td>", html);
        Assert.DoesNotContain("<svg", html);
    }

    [Fact]
    public void Tick_spacing_and_labels_are_round()
    {
        Assert.Equal(0.2, AxisTicks.Spacing(1.0, 5), precision: 12);
        Assert.Equal(500, AxisTicks.Spacing(2600, 6), precision: 9);
        Assert.Equal([0.0, 0.5, 1.0, 1.5, 2.0], AxisTicks.Values(-0.1, 2.1, 0.5));
        Assert.Equal("0.25", AxisTicks.FormatValue(0.25, 0.05));
        Assert.Equal("3", AxisTicks.FormatValue(3, 1));
        Assert.Equal("12k", AxisTicks.FormatStep(12_000, 2000));
        Assert.Equal("12.35k", AxisTicks.FormatStep(12_350, 50));
        Assert.Equal("20001", AxisTicks.FormatStep(20_001, 1)); // neighbours 20000 and 20002 must differ
        Assert.Equal("2.5M", AxisTicks.FormatStep(2_500_000, 500_000));
        Assert.Equal("800", AxisTicks.FormatStep(800, 200));
    }
}
