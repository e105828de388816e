using System.Diagnostics;
using Xunit;

namespace Dsl.Runtime.Tests.Training;

/// <summary>One run folder, one run at a time (a lock file), and a finished run resumes without writing. Issue 11, finding 9.</summary>
public sealed class RunFolderLockTests
{
    private static readonly Dictionary<string, string> Configuration = new() { ["experiment"] = "Lock" };

    [Fact]
    public void A_folder_whose_run_is_still_open_cannot_be_opened_again()
    {
        using var temp = new TemporaryFolder();
        using var first = RunFolder.Create(temp.Path, Configuration);
        var e = Assert.ThrowsAny<Exception>(() => RunFolder.Open(temp.Path).Dispose());
        Assert.True(e is IOException or InvalidOperationException, e.GetType().Name + ": " + e.Message);
        Assert.Contains(temp.Path, e.Message);
        Assert.Contains(Environment.ProcessId.ToString(), e.Message);
    }

    [Fact]
    public void Of_many_threads_creating_one_new_folder_exactly_one_succeeds()
    {
        for (var trial = 0; trial < 20; trial++)
        {
            using var temp = new TemporaryFolder();
            var path = Path.Combine(temp.Path, "run");
            const int threads = 4;
            using var barrier = new Barrier(threads);
            var created = new RunFolder?[threads];
            var refused = new Exception?[threads];
            var workers = Enumerable.Range(0, threads).Select(i => new Thread(() =>
            {
                barrier.SignalAndWait();
                try { created[i] = RunFolder.Create(path, Configuration); }
                catch (Exception e) { refused[i] = e; }
            })).ToList();
            workers.ForEach(t => t.Start());
            workers.ForEach(t => t.Join());
            try
            {
                Assert.Equal(1, created.Count(r => r is not null));
                Assert.All(refused.Where(e => e is not null), e => Assert.True(e is InvalidOperationException or IOException, e!.ToString()));
            }
            finally
            {
                foreach (var run in created) run?.Dispose();
            }
        }
    }

    [Fact]
    public void The_lock_goes_with_the_run_and_a_stale_lock_of_a_dead_process_is_taken_over()
    {
        using var temp = new TemporaryFolder();
        RunFolder.Create(temp.Path, Configuration).Dispose();
        var lockPath = Path.Combine(temp.Path, "run.lock");
        Assert.False(File.Exists(lockPath));

        using (var exited = Process.Start(new ProcessStartInfo("true") { UseShellExecute = false })!)
        {
            exited.WaitForExit();
            File.WriteAllText(lockPath, exited.Id + "\n");
        }
        using (var resumed = RunFolder.Open(temp.Path))
            Assert.Equal(Environment.ProcessId.ToString(), File.ReadAllText(lockPath).Trim());
        Assert.False(File.Exists(lockPath));
    }

    [Fact]
    public void Writing_an_unchanged_report_again_writes_nothing()
    {
        using var temp = new TemporaryFolder();
        using (var run = RunFolder.Create(temp.Path, Configuration))
        {
            run.Log(1, 1, new Dictionary<string, double> { ["loss"] = 0.5 });
            run.WriteReport("Lock");
        }
        // Nothing may be written: a temporary file could not be created here (as in a read-only folder, even for root).
        Directory.CreateDirectory(Path.Combine(temp.Path, "report.html.tmp"));
        var before = File.GetLastWriteTimeUtc(Path.Combine(temp.Path, "report.html"));
        using var resumed = RunFolder.Open(temp.Path);
        Assert.Equal(0, resumed.DiscardAfter(1));
        resumed.WriteReport("Lock");
        Assert.Equal(before, File.GetLastWriteTimeUtc(Path.Combine(temp.Path, "report.html")));
    }
}
