using Dsl.Testing;
using Xunit;
using Xunit.Abstractions;

namespace Dsl.Runtime.Tests.Training;

/// <summary>
/// Fit's managed allocation grows linearly with the steps it runs (issue 11, finding 9: it grew
/// quadratically, 554 MB over 40k steps, because report.html was rendered from the whole history
/// at every epoch's end).
/// </summary>
[Collection(nameof(MemoryTests))] // GC.GetTotalAllocatedBytes counts every thread: run alone, or tests beside it count as Fit (a CI run saw 45-72 KB/step)
public sealed class FitAllocationTests(ITestOutputHelper output)
{
    private static long AllocatedByFit(long epochs)
    {
        using var temp = new TemporaryFolder();
        using var data = Synthetic.Blobs(400, classes: 3, features: 2, seed: 30);
        var options = new FitOptions
        {
            Epochs = (int)epochs, BatchSize = 20, RunFolder = Path.Combine(temp.Path, "run"), Verbosity = FitVerbosity.Silent,
        };
        var experiment = new BlobsExperiment();
        var before = GC.GetTotalAllocatedBytes(precise: true);
        experiment.Fit(data, options);
        return GC.GetTotalAllocatedBytes(precise: true) - before;
    }

    [Fact]
    public void Allocation_per_step_does_not_grow_with_the_run()
    {
        AllocatedByFit(2); // warm: JIT, first-use caches
        var shortRun = AllocatedByFit(100);   // 2,000 steps (20 per epoch)
        var longRun = AllocatedByFit(800);    // 16,000 steps
        double perStepShort = shortRun / 2_000.0, perStepLong = longRun / 16_000.0;
        output.WriteLine($"2,000 steps: {shortRun / 1e6:F1} MB ({perStepShort:F0} B/step); 16,000 steps: {longRun / 1e6:F1} MB ({perStepLong:F0} B/step)");
        Assert.True(perStepLong <= 1.5 * perStepShort,
            $"allocation per step grew from {perStepShort:F0} B over 2,000 steps to {perStepLong:F0} B over 16,000: quadratic in the run's length");
    }
}
