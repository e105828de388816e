using Xunit;

namespace Dsl.Runtime.Tests.Checkpoints;

/// <summary>
/// Restore reads one snapshot of a file that a writer keeps replacing: every restored state is one
/// saved version, never one version's step with the other's parameters. Issue 11, finding 3.
/// </summary>
[Trait("Category", "LongRunning")]
public sealed class RestoreRaceTests : IDisposable
{
    private readonly TemporaryFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void AHundredThousandRestoresAgainstAlternatingSavesNeverMixVersions()
    {
        const int restores = 100_000;
        var path = _folder.File("shared.safetensors");
        var first = CheckpointHardeningTests.Trained(1);
        var second = CheckpointHardeningTests.Trained(2);
        var versions = new Dictionary<long, float[][]>
        {
            [1000] = CheckpointHardeningTests.Snapshot(first),
            [2000] = CheckpointHardeningTests.Snapshot(second),
        };
        Assert.NotEqual(versions[1000][0], versions[2000][0]);
        ExperimentCheckpoint.Save(first, path, new TrainingPosition(1000, 0, 0, 0));

        using var stop = new CancellationTokenSource();
        var saves = 0;
        var writer = Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                var (experiment, step) = saves % 2 == 0 ? (second, 2000L) : (first, 1000L);
                ExperimentCheckpoint.Save(experiment, path, new TrainingPosition(step, 0, 0, 0));
                saves++;
            }
        });

        var target = new Training.BlobsExperiment();
        var (mixed, seenFirst, seenSecond) = (0, 0, 0);
        try
        {
            for (var i = 0; i < restores; i++)
            {
                var position = target.Restore(path);
                var parameters = CheckpointHardeningTests.Snapshot(target);
                if (!versions.TryGetValue(position.Step, out var expected) || !expected.Zip(parameters).All(p => p.First.AsSpan().SequenceEqual(p.Second)))
                {
                    mixed++;
                }
                if (position.Step == 1000) seenFirst++;
                else seenSecond++;
            }
        }
        finally
        {
            stop.Cancel();
            writer.Wait();
        }
        Assert.Equal(0, mixed);
        // The writer really did alternate under the reader.
        Assert.True(saves > 10 && seenFirst > 0 && seenSecond > 0, $"{saves} saves; {seenFirst} and {seenSecond} restores of each version");
    }
}
