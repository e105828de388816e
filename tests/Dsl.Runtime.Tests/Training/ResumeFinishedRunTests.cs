using Dsl.Testing;
using Xunit;

namespace Dsl.Runtime.Tests.Training;

/// <summary>Resuming a finished run writes nothing to its folder. Issue 11, finding 9.</summary>
public sealed class ResumeFinishedRunTests
{
    [Fact]
    public void Resuming_a_finished_run_needs_no_temporary_file()
    {
        using var temp = new TemporaryFolder();
        using var data = Synthetic.Blobs(60, classes: 3, features: 2, seed: 20);
        var run = Path.Combine(temp.Path, "finished");
        var options = new FitOptions { Epochs = 2, BatchSize = 20, RunFolder = run, Output = TextWriter.Null, Quiet = true };
        new BlobsExperiment().Fit(data, options);
        var report = File.ReadAllText(Path.Combine(run, "report.html"));
        var written = Directory.GetFiles(run, "*", SearchOption.AllDirectories).ToDictionary(f => f, File.GetLastWriteTimeUtc);

        // Root ignores a read-only mode, so block the temporary files instead: any write through one fails.
        foreach (var file in new[] { "report.html.tmp", "metrics.csv.tmp", "config.json.tmp" })
            Directory.CreateDirectory(Path.Combine(run, file));
        var again = new BlobsExperiment();
        var resumed = again.Fit(data, options with { Resume = true });
        Assert.Equal(6, resumed.Steps);
        Assert.Equal(report, File.ReadAllText(Path.Combine(run, "report.html")));
        foreach (var (file, time) in written) Assert.Equal((file, time), (file, File.GetLastWriteTimeUtc(file)));
    }
}
