using System.Diagnostics;
using Dsl.Runtime.Tests.Checkpoints;
using Xunit;
using Xunit.Abstractions;

namespace Dsl.Runtime.Tests.Distributed;

/// <summary>
/// A member killed mid-run (SIGKILL): the others fail within the group's timeout with an error
/// naming the lost rank, and rank 0's last checkpoint resumes the job with every member restarted,
/// ending where an uninterrupted job ends (the single-process reference on the joined batches).
/// </summary>
[Collection(DistributedCollection.Name)]
public sealed class LostMemberTests(ITestOutputHelper output)
{
    private const int TimeoutSeconds = 20;
    private const int Steps = 40;

    [Fact]
    public void Killing_rank_2_fails_ranks_0_and_1_naming_it_and_the_job_resumes_from_rank_0s_checkpoint()
    {
        KillAndResume(world: 3, victim: 2);
    }

    [Fact]
    public void Killing_rank_0_fails_the_others_naming_it_and_the_job_resumes_from_its_checkpoint()
    {
        KillAndResume(world: 2, victim: 0);
    }

    private void KillAndResume(int world, int victim)
    {
        using var folder = new TemporaryFolder();
        var run = folder.File("run");
        var settings = $"steps={Steps} examples=96 batch=8 run=\"{run}\" checkpoint=5";
        using (var job = new ProbeJob())
        {
            var port = ProbeJob.FreePort();
            var members = Enumerable.Range(0, world)
                .Select(rank => job.StartProbe(rank, world, port, $"train \"{folder.File($"killed{rank}.safetensors")}\" {settings} delay=100", timeoutSeconds: TimeoutSeconds))
                .ToArray();
            members[0].WaitForStep(12);
            members[victim].Kill();
            var killedAt = Stopwatch.StartNew();
            // Bounded by the timeout plus time for the processes to report and exit; a hang fails here.
            job.WaitAll(TimeSpan.FromSeconds(TimeoutSeconds + 60));
            output.WriteLine($"the others exited {killedAt.Elapsed.TotalSeconds:F1} s after the kill");
            output.WriteLine(job.Transcripts()[^Math.Min(3000, job.Transcripts().Length)..]);
            foreach (var member in members.Where((_, rank) => rank != victim))
            {
                Assert.Equal(3, member.ExitCode);
                Assert.Contains($"lost rank {victim}", member.Errors);
                Assert.Contains("DistributedException", member.Errors);
                if (victim == 0) Assert.Contains("hosts the group's store", member.Errors);
                else Assert.Contains("pid " + members[victim].Process.Id, member.Errors);
            }
            Assert.True(members.All(m => m.Step < Steps), "the job finished before the kill; nothing was interrupted");
        }
        Assert.True(File.Exists(Path.Combine(run, "checkpoints", "latest.safetensors")), "rank 0 wrote no checkpoint before the kill");

        using (var job = new ProbeJob())
        {
            var port = ProbeJob.FreePort();
            var members = Enumerable.Range(0, world)
                .Select(rank => job.StartProbe(rank, world, port, $"train \"{folder.File($"rank{rank}.safetensors")}\" {settings} resume=1", timeoutSeconds: TimeoutSeconds))
                .ToArray();
            job.StartProbe(0, 0, 0, $"reference \"{folder.File("reference.safetensors")}\" {settings} world={world}");
            job.WaitAll();
            output.WriteLine(job.Transcripts()[..Math.Min(2000, job.Transcripts().Length)]);
            foreach (var member in members)
            {
                Assert.True(member.ExitCode == 0, member.Transcript());
                // It resumed: its first step is past the first checkpoint, not step 1.
                var first = long.Parse(member.Output.Split('\n')[0].Split(' ')[1]);
                Assert.True(first > 5, $"{member.Name} started again at step {first} instead of resuming");
            }
        }
        ParameterFiles.AssertSameJob(folder, world, Steps, output);
    }

    [Fact]
    public void Resuming_with_another_world_size_says_which_one_wrote_the_checkpoint()
    {
        using var folder = new TemporaryFolder();
        var run = folder.File("run");
        using (var job = new ProbeJob())
        {
            var port = ProbeJob.FreePort();
            for (var rank = 0; rank < 2; rank++) job.StartProbe(rank, 2, port, $"train \"{folder.File($"a{rank}.safetensors")}\" steps=8 run=\"{run}\"");
            job.WaitAll();
            Assert.True(job.Transcripts().Split("(exit 0)").Length == 3, job.Transcripts());
        }
        using (var job = new ProbeJob())
        {
            var alone = job.StartProbe(0, 0, 0, $"train \"{folder.File("b.safetensors")}\" steps=16 run=\"{run}\" resume=1");
            job.WaitAll();
            Assert.Equal(3, alone.ExitCode);
            Assert.Contains("was written by a run of 2 processes and this run has 1; resume with 2", alone.Errors);
        }
    }
}
