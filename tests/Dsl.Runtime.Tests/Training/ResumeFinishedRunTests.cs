using Dsl.Testing;
using Xunit;

namespace Dsl.Runtime.Tests.Training;

/// <summary>Fit and run folders: one Fit per folder, and resuming a finished run writes nothing. Issue 11, finding 9.</summary>
public sealed class ResumeFinishedRunTests
{
    [Fact]
    public void Resuming_a_finished_run_needs_no_temporary_file()
    {
        using var temp = new TemporaryFolder();
        using var data = Synthetic.Blobs(60, classes: 3, features: 2, seed: 20);
        var run = Path.Combine(temp.Path, "finished");
        var options = new FitOptions { Epochs = 2, BatchSize = 20, RunFolder = run, Verbosity = FitVerbosity.Silent };
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

    [Fact]
    public void Of_two_Fit_calls_into_one_new_folder_on_two_threads_one_runs_and_the_other_is_refused()
    {
        using var data = Synthetic.Blobs(60, classes: 3, features: 2, seed: 21);
        for (var trial = 0; trial < 6; trial++)
        {
            using var temp = new TemporaryFolder();
            var run = Path.Combine(temp.Path, "shared");
            var options = new FitOptions { Epochs = 2, BatchSize = 20, RunFolder = run, Verbosity = FitVerbosity.Silent };
            using var barrier = new Barrier(2);
            var outcomes = new object?[2];
            var threads = Enumerable.Range(0, 2).Select(i => new Thread(() =>
            {
                var experiment = new BlobsExperiment();
                barrier.SignalAndWait();
                try { outcomes[i] = experiment.Fit(data, options); }
                catch (Exception e) { outcomes[i] = e; }
            })).ToList();
            threads.ForEach(t => t.Start());
            threads.ForEach(t => t.Join());
            Assert.Single(outcomes, o => o is FitReport);
            var refused = Assert.IsType<InvalidOperationException>(Assert.Single(outcomes, o => o is Exception));
            Assert.Contains(run, refused.Message);
            var rows = File.ReadAllLines(Path.Combine(run, "metrics.csv")).Skip(1).Select(line => line.Split(',')[0] + "," + line.Split(',')[1]).ToList();
            Assert.NotEmpty(rows);
            Assert.Equal(rows.Distinct().Count(), rows.Count); // one run's rows, none twice
        }
    }
}
