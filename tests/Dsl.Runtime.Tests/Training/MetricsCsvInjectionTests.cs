using Xunit;

namespace Dsl.Runtime.Tests.Training;

/// <summary>Metric names a spreadsheet would run as formulas are written quoted and defused, and read back as they were. Issue 11, finding 9.</summary>
public sealed class MetricsCsvInjectionTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "dsl-csv-injection-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_folder)) Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public void FormulaLikeMetricNamesAreQuotedWithAnApostropheAndRoundTrip()
    {
        string[] names = ["=HYPERLINK(\"x\")", "+1", "-2", "@SUM(A1)", "'=already", "plain"];
        using (var run = RunFolder.Create(_folder, new Dictionary<string, string> { ["experiment"] = "Csv" }))
        {
            run.Log(1, 1, names.ToDictionary(n => n, n => 1.5));
        }
        var header = File.ReadAllLines(Path.Combine(_folder, "metrics.csv"))[0];
        Assert.Equal("step,epoch,\"'=HYPERLINK(\"\"x\"\")\",\"'+1\",\"'-2\",\"'@SUM(A1)\",\"''=already\",plain", header);
        using var reopened = RunFolder.Open(_folder);
        Assert.Equal(names.Order(StringComparer.Ordinal), reopened.History.Names.Order(StringComparer.Ordinal));
    }
}
