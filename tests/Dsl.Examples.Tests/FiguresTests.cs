using System.Globalization;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Xunit;

namespace Dsl.Examples.Tests;

/// <summary>The examples' shared figure and table helper (examples/Dsl.Examples.Shared/Figures.cs).</summary>
public sealed class FiguresTests
{
    [Fact]
    public void A_line_is_drawn_through_its_points_in_order_inside_the_plot()
    {
        var svg = new Figure("title <&>", "x", "y").Add("a", [(0.0, 0.0), (1.0, 2.0), (2.0, 1.0)]).ToSvg();
        var document = XDocument.Parse(svg); // well-formed, the title escaped
        Assert.Contains("title &lt;&amp;&gt;", svg);

        var path = document.Descendants().Single(e => e.Name.LocalName == "path" && e.Attribute("fill")?.Value == "none");
        var points = Regex.Matches(path.Attribute("d")!.Value, @"[ML](-?[\d.]+),(-?[\d.]+)")
            .Select(m => (X: double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), Y: double.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture)))
            .ToList();
        Assert.Equal(3, points.Count);
        Assert.True(points[0].X < points[1].X && points[1].X < points[2].X, "x grows to the right");
        Assert.True(points[1].Y < points[2].Y && points[2].Y < points[0].Y, "larger y is drawn higher (smaller SVG y)");
        Assert.All(points, p => Assert.InRange(p.X, 0, 560));
        Assert.All(points, p => Assert.InRange(p.Y, 0, 340));
    }

    [Fact]
    public void Non_finite_points_and_non_positive_points_on_a_log_axis_are_left_out_and_counted()
    {
        var svg = new Figure("t", "x", "y") { LogY = true }
            .Add("a", [(1.0, 10.0), (2.0, double.NaN), (3.0, 0.0), (4.0, 1000.0)]).ToSvg();
        Assert.Contains("data-points=\"2\"", svg);
        Assert.Contains("2 points not drawn", svg);
        // Powers of ten are the ticks of a log axis spanning 10 to 1000.
        foreach (var tick in new[] { ">10<", ">100<", ">1000<" }) Assert.Contains(tick, svg);
    }

    [Fact]
    public void Equal_aspect_gives_one_unit_the_same_length_on_both_axes()
    {
        var figure = new Figure("pentagon", "", "") { EqualAspect = true, Width = 400, Height = 300 };
        var svg = figure.Add("columns", [(1.0, 0.0), (0.0, 1.0)], Mark.Arrows).ToSvg();
        var lines = XDocument.Parse(svg).Descendants().Where(e => e.Name.LocalName == "line" && e.Attribute("stroke-width")?.Value == "2").ToList();
        Assert.Equal(2, lines.Count);
        double Length(XElement l, string a, string b) =>
            Math.Abs(double.Parse(l.Attribute(a)!.Value, CultureInfo.InvariantCulture) - double.Parse(l.Attribute(b)!.Value, CultureInfo.InvariantCulture));
        Assert.Equal(Length(lines[0], "x1", "x2"), Length(lines[1], "y1", "y2"), 0.2);
    }

    [Theory]
    [InlineData(0.0, 1.0, "0.0 0.2 0.4 0.6 0.8 1.0")]
    [InlineData(0.0, 1000.0, "0 200 400 600 800 1000")]
    [InlineData(-3.0, 3.0, "-3 -2 -1 0 1 2 3")]
    public void Linear_ticks_fall_at_one_two_five_spacings(double min, double max, string expected)
    {
        var ticks = Figure.Ticks(min, max, log: false, count: 5);
        Assert.Equal(expected, string.Join(' ', ticks.Select(t => t.Text)));
    }

    [Fact]
    public void A_table_pads_its_columns_and_refuses_a_ragged_row()
    {
        var text = Table.Markdown(["S", "features"], [["0", "5"], ["0.95", "10.5"]]);
        Assert.Equal("| S    | features |\n|------|----------|\n| 0    | 5        |\n| 0.95 | 10.5     |\n", text);
        var error = Assert.Throws<ArgumentException>(() => Table.Markdown(["a", "b"], [["1"]]));
        Assert.Contains("row 0 has 1 cells; the header has 2", error.Message);
    }

    [Fact]
    public void A_figure_without_series_says_so()
    {
        var error = Assert.Throws<InvalidOperationException>(() => new Figure("empty", "x", "y").ToSvg());
        Assert.Contains("'empty' has no series", error.Message);
    }

    [Fact]
    public void A_series_without_a_label_is_drawn_but_left_out_of_the_legend()
    {
        var svg = new Figure("t", "x", "y")
            .Add("closed form", [(0.0, 0.0), (1.0, 1.0)])
            .Add("", [(0.0, 0.1), (1.0, 0.9)], Mark.Dots, color: "#123456")
            .ToSvg();
        var document = XDocument.Parse(svg);
        Assert.Equal(2, document.Descendants().Count(e => e.Attribute("data-series") is not null));
        var legendSwatches = document.Descendants().Where(e => e.Name.LocalName == "rect" && e.Attribute("height")?.Value == "4").ToList();
        Assert.Single(legendSwatches);
        Assert.NotEqual("#123456", legendSwatches[0].Attribute("fill")!.Value);
        Assert.Contains("fill=\"#123456\"", svg);   // the unlabelled dots are still drawn, in their colour
    }
}
