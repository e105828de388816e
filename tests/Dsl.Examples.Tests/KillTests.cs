using System.Diagnostics;
using Xunit;

namespace Dsl.Examples.Tests;

/// <summary>
/// A training run with checkpointing, killed with SIGKILL at random moments again and again (each
/// time resumed from where it was): the latest checkpoint is always complete and readable, the runs
/// make progress, and the last resume finishes the run.
/// </summary>
public sealed class KillTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "dsl-kill-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_folder)) Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public void Killing_a_checkpointing_run_never_leaves_an_unreadable_latest_checkpoint()
    {
        var run = Path.Combine(_folder, "run");
        var latest = Path.Combine(run, "checkpoints", "latest.safetensors");
        var random = new Random(20261201);
        var options = $"--out \"{run}\" --epochs 4 --checkpoint-every 2 --quiet";
        var steps = new List<long>();
        // The delays are measured against this machine's start-up: the first run is killed only once it has
        // written a checkpoint (start-up, data generation and two steps; seconds on a loaded machine), and
        // later kills fall anywhere from well before that point to deep into training. Fixed delays made the
        // test depend on the machine's load: under load no kill came after the first checkpoint.
        var startup = Stopwatch.StartNew();
        for (var attempt = 0; attempt < 12; attempt++)
        {
            using (var process = QuickstartTests.Start("Quickstart", options + (File.Exists(Path.Combine(run, "config.json")) ? " --resume" : "")))
            {
                if (attempt == 0)
                {
                    while (!File.Exists(latest) && !process.HasExited && startup.Elapsed < TimeSpan.FromSeconds(120)) Thread.Sleep(20);
                    Assert.True(File.Exists(latest), $"the first run wrote no checkpoint in {startup.Elapsed.TotalSeconds:F1} s (exited: {process.HasExited})");
                    Thread.Sleep(random.Next(0, 300));
                }
                else
                {
                    Thread.Sleep(random.Next(300, (int)Math.Min(startup.ElapsedMilliseconds, 20_000) + 2700));
                }
                process.Kill(entireProcessTree: true);
                process.WaitForExit();
                if (attempt == 0) startup.Stop();
            }
            Assert.True(File.Exists(latest), $"attempt {attempt}: the latest checkpoint is gone");
            using var file = SafeTensors.Open(latest);
            foreach (var name in file.Names)
            {
                using var tensor = file.Read(name);
                Assert.True(tensor.NumElements > 0, name);
            }
            steps.Add(long.Parse(file.Metadata["dsl.step"], System.Globalization.CultureInfo.InvariantCulture));
            Assert.Contains("param/Net.Weight1", file.Names);
            Assert.Contains("state/Optimizer/Net.Weight1/m", file.Names);
        }
        Assert.True(steps[^1] > steps[0], "resumed runs made no progress: " + string.Join(", ", steps));
        Assert.Equal(steps.OrderBy(s => s), steps);

        var (exit, output) = QuickstartTests.Run("Quickstart", options + " --resume");
        Assert.True(exit == 0, output);
        using var final = SafeTensors.Open(latest);
        Assert.Equal("628", final.Metadata["dsl.step"]);   // 4 epochs of 157 steps
    }
}
