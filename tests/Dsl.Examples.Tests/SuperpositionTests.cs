using Dsl.Testing;
using Xunit;
using Xunit.Abstractions;

namespace Dsl.Examples.Tests;

/// <summary>
/// examples/Superposition at reduced size, on seeds other than the README's: the phase change (dense inputs
/// represent m = 5 of n = 20 features, sparse inputs more than m) and, for n = 5, m = 2, the regular pentagon
/// as the lowest-loss arrangement.
/// </summary>
public sealed class SuperpositionTests(ITestOutputHelper output)
{
    [Fact]
    public void Dense_inputs_represent_m_features_and_sparse_inputs_more_than_m()
    {
        foreach (var seed in new ulong[] { 5, 6 })
        {
            var dense = SuperpositionRuns.Represented(SuperpositionRuns.Columns(SuperpositionRuns.TrainWeights(20, 5, 0.0, 0.7, seed, Steps), 5, 20));
            var sparse = SuperpositionRuns.Represented(SuperpositionRuns.Columns(SuperpositionRuns.TrainWeights(20, 5, 0.95, 0.7, seed, Steps), 5, 20));
            output.WriteLine($"seed {seed}: S = 0 represents {dense}, S = 0.95 represents {sparse}");
            // Measured (README): 5 at S = 0 on every seed; 10 at S = 0.95.
            Assert.Equal(5, dense);
            Assert.True(sparse >= 8, $"seed {seed}: S = 0.95 represents {sparse} features, expected more than m = 5 (at least 8)");
        }
    }

    [Fact]
    public void Five_features_in_two_dimensions_form_a_regular_pentagon()
    {
        var runs = Enumerable.Range(4, 4).Select(k => SuperpositionRuns.TrainSmall(0.9, 0.9, (ulong)k, PentagonSteps)).ToList();
        foreach (var run in runs)
            output.WriteLine($"seed {run.Seed}: loss {run.Loss:F5}, norms {string.Join(", ", SuperpositionRuns.Norms(run.Columns).Select(v => v.ToString("F2")))}, angles {string.Join(", ", SuperpositionRuns.NeighbourAngles(run.Columns).Select(v => v.ToString("F1")))}");
        var best = runs.MinBy(r => r.Loss)!;

        // All five features represented, their columns 72° apart and of one length.
        var angles = SuperpositionRuns.NeighbourAngles(best.Columns);
        Assert.Equal(5, angles.Length);
        Assert.All(angles, a => Assert.InRange(a, 66, 78));
        var norms = SuperpositionRuns.Norms(best.Columns);
        Assert.True(norms.Max() / norms.Min() < 1.15, $"column norms {string.Join(", ", norms)} are not about equal");
        // Any run that settled in another arrangement (a square, one feature dropped) has a higher loss.
        foreach (var other in runs.Where(r => SuperpositionRuns.NeighbourAngles(r.Columns).Length != 5))
            Assert.True(other.Loss > best.Loss, $"seed {other.Seed} ({SuperpositionRuns.NeighbourAngles(other.Columns).Length} features) has loss {other.Loss}, not above the pentagon's {best.Loss}");
    }

    [Fact]
    public void The_step_allocates_no_managed_memory_once_warm()
    {
        var experiment = new Superposition { Sparsity = 0.9 };
        (experiment.Net.Features, experiment.Net.Hidden) = (20, 5);
        experiment.Initialize(0);
        using var importance = Tensor.FromArray(Enumerable.Range(0, 20).Select(i => (float)Math.Pow(0.7, i)).ToArray(), 20);
        experiment.TrainStep(importance);

        Assert.Equal(0, Allocations.Measure(() => experiment.TrainStep(importance)));
    }

    private const int Steps = 1500, PentagonSteps = 3000;
}
