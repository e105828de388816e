using System.Diagnostics;
using Xunit;

namespace Dsl.Runtime.Tests.Training;

/// <summary>Debian's Chromium, headless, run the way a person would open report.html.</summary>
internal static class HeadlessChromium
{
    public const string Executable = "/usr/bin/chromium";

    public static void RequireInstalled()
    {
        if (!File.Exists(Executable))
            Assert.Fail($"{Executable} is missing: the report tests render report.html in headless Chromium. Run scripts/install-deps.sh (it installs Debian's chromium package).");
    }

    /// <summary>Runs Chromium on <paramref name="file"/> with <paramref name="mode"/> (--dump-dom or --screenshot=...) and returns its standard output.</summary>
    public static string Run(string file, params string[] mode)
    {
        RequireInstalled();
        var profile = Path.Combine(Path.GetTempPath(), "dsl-chromium-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(profile);
        try
        {
            var start = new ProcessStartInfo(Executable)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var argument in new[]
            {
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--user-data-dir=" + profile,
            }.Concat(mode).Append(new Uri(file).AbsoluteUri))
                start.ArgumentList.Add(argument);

            using var process = Process.Start(start) ?? throw new InvalidOperationException($"{Executable} did not start.");
            var output = process.StandardOutput.ReadToEndAsync();
            var errors = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
            {
                process.Kill(entireProcessTree: true);
                Assert.Fail($"{Executable} {string.Join(' ', mode)} did not finish within 2 minutes.");
            }
            process.WaitForExit();
            if (process.ExitCode != 0)
                Assert.Fail($"{Executable} {string.Join(' ', mode)} exited with {process.ExitCode}: {errors.Result}");
            return output.Result;
        }
        finally
        {
            try { Directory.Delete(profile, recursive: true); } catch (IOException) { }
        }
    }
}

public sealed class ReportInBrowserTests
{
    private const int Epochs = 10, StepsPerEpoch = 100, LogEvery = 10;

    // Split colours of the report's palette: train is the first split seen, valid the second.
    private static readonly (int R, int G, int B) TrainColor = (0x1f, 0x77, 0xb4), ValidColor = (0xff, 0x7f, 0x0e);

    /// <summary>A run whose loss falls as a person expects: train below valid, accuracy rising; a little deterministic noise.</summary>
    private static string WriteSyntheticRun(string folder)
    {
        using var run = RunFolder.Create(folder, new Dictionary<string, string>
        {
            ["experiment"] = "DigitClassifier",
            ["model"] = "Mlp 784-256-10",
            ["optimizer"] = "Adam(learning_rate: 0.001)",
            ["batch_size"] = "64",
            ["note"] = "<script>document.title='owned'</script></table>",
        });
        for (var epoch = 1; epoch <= Epochs; epoch++)
        {
            for (var batch = LogEvery; batch <= StepsPerEpoch; batch += LogEvery)
            {
                var step = (epoch - 1) * StepsPerEpoch + batch;
                var loss = 0.1 + 2.2 * Math.Exp(-step / 250.0) + 0.05 * Math.Sin(step * 0.37);
                run.Log(step, epoch, new Dictionary<string, double> { ["train.loss"] = loss });
            }
            var end = epoch * StepsPerEpoch;
            run.Log(end, epoch, new Dictionary<string, double>
            {
                ["valid.loss"] = 0.25 + 2.1 * Math.Exp(-end / 300.0),
                ["valid.accuracy"] = 0.97 - 0.6 * Math.Exp(-end / 280.0),
            });
        }
        return run.WriteReport("DigitClassifier — synthetic run", notes: "Synthetic data for the report test.");
    }

    [Fact]
    public void Chromium_reads_the_report_with_every_series_drawn_and_nothing_injected()
    {
        using var temp = new TemporaryFolder();
        var report = WriteSyntheticRun(Path.Combine(temp.Path, "run"));

        var dom = HeadlessChromium.Run(report, "--dump-dom");

        Assert.Contains("<h1>DigitClassifier — synthetic run</h1>", dom);
        Assert.Equal(2, ReportMarkup.Count(dom, "<svg"));
        var series = ReportMarkup.Series(dom);
        Assert.Equal(["train.loss", "valid.loss", "valid.accuracy"], series.Keys);
        Assert.Equal(Epochs * StepsPerEpoch / LogEvery, series["train.loss"].Points.Count);
        Assert.Equal(Epochs, series["valid.loss"].Points.Count);
        Assert.Equal(Epochs, series["valid.accuracy"].Points.Count);
        Assert.All(series.Values, s => Assert.Equal(s.Declared, s.Points.Count));
        // The configuration's markup stayed text: the browser built no script element and the
        // table around it is whole (the injected </table> did not close it).
        Assert.DoesNotContain("<script", dom);
        Assert.Contains("&lt;script&gt;document.title='owned'&lt;/script&gt;&lt;/table&gt;", dom);
        Assert.Contains("<title>DigitClassifier — synthetic run</title>", dom);
    }

    [Fact]
    public void Chromium_screenshot_of_the_report_shows_the_chart_lines()
    {
        using var temp = new TemporaryFolder();
        var report = WriteSyntheticRun(Path.Combine(temp.Path, "run"));
        var png = Path.Combine(temp.Path, "report.png");

        HeadlessChromium.Run(report, "--screenshot=" + png, "--window-size=1200,900", "--hide-scrollbars");

        Assert.True(File.Exists(png), $"Chromium wrote no screenshot at {png}.");
        var image = PngImage.Read(png);
        Assert.Equal((1200, 900), (image.Width, image.Height));

        // The charts sit in the band below the heading: both lines' colours must be there,
        // drawn as lines (many pixels), and the band must not be one flat colour.
        int train = 0, valid = 0;
        var colors = new HashSet<(byte, byte, byte)>();
        for (var y = 60; y < 480; y++)
            for (var x = 0; x < image.Width; x++)
            {
                var (r, g, b, _) = image.Pixel(x, y);
                colors.Add((r, g, b));
                if (Near((r, g, b), TrainColor)) train++;
                if (Near((r, g, b), ValidColor)) valid++;
            }
        Assert.True(train > 300, $"{train} pixels of the train line's colour in the chart band");
        Assert.True(valid > 300, $"{valid} pixels of the valid line's colour in the chart band");
        Assert.True(colors.Count > 20, $"{colors.Count} distinct colours in the chart band");

        // Keep the picture where a person can look at it.
        var keep = Environment.GetEnvironmentVariable("DSL_REPORT_SCREENSHOT");
        if (!string.IsNullOrEmpty(keep)) File.Copy(png, keep, overwrite: true);
    }

    private static bool Near((byte R, byte G, byte B) pixel, (int R, int G, int B) color) =>
        Math.Abs(pixel.R - color.R) + Math.Abs(pixel.G - color.G) + Math.Abs(pixel.B - color.B) < 60;
}
