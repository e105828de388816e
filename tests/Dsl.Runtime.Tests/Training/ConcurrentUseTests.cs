using Xunit;

namespace Dsl.Runtime.Tests.Training;

/// <summary>
/// One experiment driven from two threads at once is refused with a clear exception, never a crash
/// or lost updates. Issue 11, finding 1 (two threads with batch sizes 256 and 100 crashed the process).
/// </summary>
public sealed class ConcurrentUseTests
{
    private static (Tensor Images, Tensor Labels) Batch(int size, ulong seed)
    {
        using var generator = new Generator(seed);
        var images = Tensor.Randn([size, 784], generator);
        var labels = Tensor.FromArray(Enumerable.Range(0, size).Select(i => (long)((i * 7 + (int)seed) % 10)).ToArray());
        return (images, labels);
    }

    [Fact]
    public void TwoThreadsTimesTwoThousandStepsGetTheClearExceptionAndLoseNoUpdate()
    {
        const int steps = 2000;
        var experiment = new DigitsExperiment();
        experiment.Initialize(1);
        var batches = new[] { Batch(256, 2), Batch(100, 3) };
        var applied = new int[2];
        var refused = new int[2];
        var unexpected = new List<Exception>();
        string? message = null;
        using var start = new Barrier(2);
        var threads = Enumerable.Range(0, 2).Select(t => new Thread(() =>
        {
            var (images, labels) = batches[t];
            start.SignalAndWait();
            for (var i = 0; i < steps; i++)
            {
                try
                {
                    experiment.TrainStep(images, labels, 0.1);
                    applied[t]++;
                }
                catch (InvalidOperationException e)
                {
                    refused[t]++;
                    message ??= e.Message;
                }
                catch (Exception e)
                {
                    lock (unexpected) unexpected.Add(e);
                }
            }
        })).ToArray();
        foreach (var thread in threads) thread.Start();
        foreach (var thread in threads) thread.Join();
        foreach (var (images, labels) in batches)
        {
            images.Dispose();
            labels.Dispose();
        }

        Assert.Empty(unexpected);
        Assert.Equal(2 * steps, applied.Sum() + refused.Sum());
        // Every step that was not refused was applied exactly once.
        Assert.Equal(applied.Sum(), experiment.StepCount);
        Assert.True(refused.Sum() > 0, "the threads never overlapped");
        Assert.Contains("DigitsExperiment.", message);
        Assert.Contains("one training thread", message);
        // Afterwards the experiment is whole: one thread trains on.
        var (x, y) = Batch(100, 4);
        using (x)
        using (y)
        {
            Assert.True(float.IsFinite(experiment.TrainStep(x, y)));
        }
    }

    [Fact]
    public void ReleaseBuffersFromAnotherThreadDuringAStepIsRefused()
    {
        // Freeing the buffers while a step on another thread computes into them crashed the process.
        var experiment = new DigitsExperiment();
        experiment.Initialize(1);
        var (x, y) = Batch(256, 6);
        using (x)
        using (y)
        {
            experiment.TrainStep(x, y);
            var refused = 0;
            var unexpected = new List<Exception>();
            using var stop = new CancellationTokenSource();
            var trainer = new Thread(() =>
            {
                while (!stop.IsCancellationRequested)
                {
                    try { experiment.TrainStep(x, y); }
                    catch (InvalidOperationException) { }
                    catch (Exception e) { lock (unexpected) unexpected.Add(e); }
                }
            });
            trainer.Start();
            for (var i = 0; i < 2000 && refused == 0; i++)
            {
                try { experiment.ReleaseBuffers(); }
                catch (InvalidOperationException e)
                {
                    Assert.Contains("DigitsExperiment.ReleaseBuffers", e.Message);
                    refused++;
                }
            }
            stop.Cancel();
            trainer.Join();
            Assert.Empty(unexpected);
            Assert.True(refused > 0, "ReleaseBuffers never overlapped a step");
            Assert.True(float.IsFinite(experiment.TrainStep(x, y)));
        }
    }

    [Fact]
    public void OneThreadAfterAnotherIsFine()
    {
        var experiment = new DigitsExperiment();
        experiment.Initialize(1);
        var (x, y) = Batch(32, 5);
        using (x)
        using (y)
        {
            for (var i = 0; i < 3; i++)
            {
                var worker = new Thread(() => experiment.TrainStep(x, y));
                worker.Start();
                worker.Join();
            }
        }
        Assert.Equal(3, experiment.StepCount);
    }
}
