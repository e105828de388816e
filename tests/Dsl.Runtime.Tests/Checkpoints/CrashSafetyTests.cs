using System.Diagnostics;
using System.Globalization;
using Xunit;
using Xunit.Abstractions;

namespace Dsl.Runtime.Tests.Checkpoints;

/// <summary>
/// A process that saves checkpoints in a loop is killed (SIGKILL) at random moments; after every
/// kill the file at the path must be a whole checkpoint of one iteration. This exercises the
/// write-then-rename protocol; the fsyncs that protect against power loss are not observable here.
/// </summary>
public sealed class CrashSafetyTests(ITestOutputHelper output)
{
    private const int Kills = 24;

    private static string ProbePath
    {
        get
        {
            // tests/Dsl.Runtime.Tests/bin/<Config>/net10.0 -> tests/Dsl.CheckpointProbe/bin/<Config>/net10.0
            var here = AppContext.BaseDirectory.TrimEnd('/');
            var framework = Path.GetFileName(here);
            var configuration = Path.GetFileName(Path.GetDirectoryName(here)!);
            var tests = Path.GetFullPath(Path.Combine(here, "..", "..", "..", ".."));
            return Path.Combine(tests, "Dsl.CheckpointProbe", "bin", configuration, framework, "Dsl.CheckpointProbe.dll");
        }
    }

    [Fact]
    public void Killing_a_saving_process_at_random_moments_always_leaves_a_whole_checkpoint()
    {
        using var folder = new TemporaryFolder();
        var path = folder.File("run.safetensors");
        var random = new Random(20240611);
        var killedWithTemporary = 0;
        for (var round = 0; round < Kills; round++)
        {
            var first = round * 100_000L; // float32 holds these iterations exactly
            var delay = random.Next(3, 300);
            var saved = RunAndKill(path, first, delay);

            // Before the kill the probe had finished at least one save of this round, so the file
            // holds one of this round's iterations (possibly one whose "saved" line was not printed yet).
            using var file = SafeTensors.Open(path);
            var iteration = long.Parse(file.Metadata["iteration"], CultureInfo.InvariantCulture);
            Assert.InRange(iteration, first, saved + 1);
            foreach (var name in new[] { "weight", "moments", "counts", "flags" })
            {
                using var tensor = file.Read(name);
                using var asDouble = tensor.To(DType.Float64);
                var expected = name == "flags" ? iteration % 256 : iteration;
                var values = asDouble.ToArray<double>();
                var wrong = Array.FindIndex(values, v => v != expected);
                Assert.True(wrong < 0, $"round {round}: '{name}' element {wrong} is {(wrong < 0 ? 0 : values[wrong])}, but the metadata says iteration {iteration}");
            }
            Assert.Equal(["counts", "flags", "moments", "weight"], file.Names.Order());

            // At most the temporary of the save that was interrupted is left: the first save of
            // each round removed the ones older rounds left behind.
            var temporaries = Directory.GetFiles(folder.Path, "run.safetensors.tmp-*");
            Assert.True(temporaries.Length <= 1, $"round {round}: {temporaries.Length} temporaries: {string.Join(", ", temporaries)}");
            killedWithTemporary += temporaries.Length;
            output.WriteLine($"round {round}: killed after {delay} ms at iteration {iteration} (last reported {saved}), {temporaries.Length} temporary");
        }
        output.WriteLine($"{killedWithTemporary} of {Kills} kills interrupted a save");

        // A save after the crashes cleans up whatever the last one left.
        using (var w = Tensor.Zeros([1])) SafeTensors.Save(path, [("w", w)]);
        Assert.Empty(Directory.GetFiles(folder.Path, "run.safetensors.tmp-*"));
    }

    /// <summary>Starts the probe, waits for its first completed save, lets it run <paramref name="delayMs"/> more, kills it; returns the last iteration it reported.</summary>
    private static long RunAndKill(string path, long firstIteration, int delayMs)
    {
        var start = new ProcessStartInfo("dotnet", $"\"{ProbePath}\" \"{path}\" {firstIteration}")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["OMP_NUM_THREADS"] = "1";
        using var process = Process.Start(start)!;
        var lastSaved = -1L;
        using var firstSave = new ManualResetEventSlim();
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is { } line && line.StartsWith("saved ", StringComparison.Ordinal))
            {
                Interlocked.Exchange(ref lastSaved, long.Parse(line.AsSpan(6), CultureInfo.InvariantCulture));
                firstSave.Set();
            }
        };
        var errors = new System.Text.StringBuilder();
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (errors) errors.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            // A generous bound only so a broken probe fails the test instead of hanging it.
            if (!firstSave.Wait(TimeSpan.FromMinutes(2)))
            {
                throw new Xunit.Sdk.XunitException($"the probe saved nothing (exited: {process.HasExited}); stderr:\n{errors}");
            }
            Thread.Sleep(delayMs);
            Assert.False(process.HasExited, $"the probe stopped by itself; stderr:\n{errors}");
        }
        finally
        {
            if (!process.HasExited) process.Kill(); // SIGKILL on Unix: no handler, no finally blocks run
            process.WaitForExit();
        }
        return Interlocked.Read(ref lastSaved);
    }
}
