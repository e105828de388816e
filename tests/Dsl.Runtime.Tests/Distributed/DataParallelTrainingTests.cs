using Dsl.Runtime.Tests.Checkpoints;
using Xunit;
using Xunit.Abstractions;

namespace Dsl.Runtime.Tests.Distributed;

/// <summary>
/// Data-parallel training of the probe's experiment (8-16-3 MLP, SGD) by several processes on the
/// loopback address, compared with one process that trains each step on every member's batch
/// together. Tolerance: the members average their gradients in a different order of float32
/// additions than the single process's mean over the joined batch; after 50 SGD steps the
/// parameters (|w| ≤ ~1) agree to 1e-5 (measured: ~1e-7). The members agree with each other exactly:
/// they apply the same reduced gradient with the same arithmetic.
/// </summary>
[Collection(DistributedCollection.Name)]
public sealed class DataParallelTrainingTests(ITestOutputHelper output)
{
    internal const double Tolerance = 1e-5;

    [Fact]
    public void Two_processes_end_with_equal_parameters_equal_to_one_process_on_both_batches()
    {
        using var folder = new TemporaryFolder();
        Train(folder, world: 2, examples: 96, tail: "pad", steps: 50);
    }

    [Theory]
    [InlineData("pad")]
    [InlineData("drop")]
    public void Three_processes_on_data_that_does_not_divide_by_three(string tail)
    {
        using var folder = new TemporaryFolder();
        // 100 = 3·33 + 1: padding repeats two examples per epoch, dropping leaves one out.
        Train(folder, world: 3, examples: 100, tail: tail, steps: 50);
    }

    private void Train(TemporaryFolder folder, int world, int examples, string tail, int steps)
    {
        using var job = new ProbeJob();
        var port = ProbeJob.FreePort();
        var settings = $"steps={steps} examples={examples} batch=8 tail={tail}";
        for (var rank = 0; rank < world; rank++) job.StartProbe(rank, world, port, $"train \"{folder.File($"rank{rank}.safetensors")}\" {settings}");
        job.StartProbe(0, 0, 0, $"reference \"{folder.File("reference.safetensors")}\" {settings} world={world}");
        job.WaitAll();
        output.WriteLine(job.Transcripts().Length > 4000 ? job.Transcripts()[^4000..] : job.Transcripts());
        ParameterFiles.AssertSameJob(folder, world, steps, output);
    }
}

/// <summary>The processes of these tests compete for the 2 cores; one test at a time keeps them within their timeouts.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class DistributedCollection
{
    public const string Name = "distributed processes";
}

internal static class ParameterFiles
{
    /// <summary>Every rank's file holds the same parameters, equal to the reference's within <see cref="DataParallelTrainingTests.Tolerance"/>, after <paramref name="steps"/> steps.</summary>
    public static void AssertSameJob(TemporaryFolder folder, int world, int steps, ITestOutputHelper output)
    {
        using var reference = SafeTensors.Open(folder.File("reference.safetensors"));
        for (var rank = 0; rank < world; rank++)
        {
            using var file = SafeTensors.Open(folder.File($"rank{rank}.safetensors"));
            using var step = file.Read("step");
            Assert.Equal(steps, step.ToArray<long>()[0]);
            foreach (var name in reference.Names.Where(n => n != "step"))
            {
                using var mine = file.Read(name);
                using var theirs = reference.Read(name);
                var a = mine.ToArray<float>();
                var b = theirs.ToArray<float>();
                var worst = a.Zip(b, (x, y) => Math.Abs((double)x - y)).Max();
                output.WriteLine($"rank {rank} {name}: largest difference from the reference {worst:G3}");
                Assert.True(worst <= DataParallelTrainingTests.Tolerance, $"rank {rank}'s {name} differs from the single-process reference by {worst:G3} (tolerance {DataParallelTrainingTests.Tolerance})");
                if (rank > 0)
                {
                    using var first = SafeTensors.Open(folder.File("rank0.safetensors"));
                    using var zero = first.Read(name);
                    Assert.Equal(zero.ToArray<float>(), a);
                }
            }
        }
    }
}
