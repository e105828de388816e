using Dsl.Testing;
using Xunit;
using Xunit.Abstractions;

namespace Dsl.Examples.Tests;

/// <summary>
/// examples/ChaosExpansion: the chaos features are what the expansion needs, the closed-form floor is
/// the one computed independently in PyTorch, a model trained with squared error recovers the closed-form
/// coefficients of orders 0 and 1, and the trained error falls as the order N and the modes K grow.
/// </summary>
public sealed class ChaosExpansionTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "dsl-chaos-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_folder)) Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public void Multi_indices_and_hermite_polynomials_are_the_textbook_ones()
    {
        // |A| = C(K + N, N).
        Assert.Equal(35, ChaosData.MultiIndices(4, 3).Length);
        Assert.Equal(84, ChaosData.MultiIndices(6, 3).Length);
        Assert.Equal([[0, 0], [1, 0], [0, 1], [2, 0], [1, 1], [0, 2]], ChaosData.MultiIndices(2, 2));
        // He3(x) = x³ − 3x, He4(x) = x⁴ − 6x² + 3.
        Assert.Equal(8 - 6, ChaosData.Hermite(3, 2), 12);
        Assert.Equal(81 - 54 + 3, ChaosData.Hermite(4, 3), 12);
    }

    [Fact]
    public void The_features_are_orthonormal_and_the_closed_form_is_the_projection_of_the_paths()
    {
        using var set = ChaosData.Create(20_000, k: 3, n: 2, seed: 11);
        var (paths, count) = (set.Paths, set.Count);
        // E[Ξα Ξβ] = δαβ (the ξk are i.i.d. N(0, 1)); sampling error of 20,000 paths is about 0.01-0.03.
        for (var a = 0; a < count; a++)
            for (var b = a; b < count; b++)
            {
                double sum = 0;
                for (var p = 0; p < paths; p++) sum += set.Features[p * count + a] * set.Features[p * count + b];
                Assert.True(Math.Abs(sum / paths - (a == b ? 1 : 0)) < 0.08, $"E[Ξ{a} Ξ{b}] = {sum / paths}");
            }
        // The closed-form coefficient is E[X(t)·Ξα]/x0 (the paths are exact solutions on the noise's grid).
        foreach (var s in new[] { 8, 16, 32 })
            for (var a = 0; a < count; a++)
            {
                double sum = 0, squares = 0;
                for (var p = 0; p < paths; p++)
                {
                    var value = set.Target[p * ChaosData.Times + s] * set.Features[p * count + a] / set.X0[p];
                    sum += value;
                    squares += value * value;
                }
                var (mean, standardError) = (sum / paths, Math.Sqrt((squares / paths - Math.Pow(sum / paths, 2)) / paths));
                var exact = ChaosData.ClosedForm(set.Alphas[a], ChaosData.Time(s), 1);
                Assert.True(Math.Abs(mean - exact) < 4 * standardError + 2e-3, $"t = {ChaosData.Time(s)}, α = {a}: sample {mean} ± {standardError}, closed form {exact}");
            }
    }

    [Theory]
    [InlineData(4, 3, 0.0806)]
    [InlineData(6, 3, 0.0644)]
    public void The_closed_form_floor_is_the_one_computed_independently(int k, int n, double expected)
    {
        // The floors from a PyTorch check of the same setup (mid-point sampling of the basis, 33 grid times).
        using var set = ChaosData.Create(ChaosRuns.TestPaths, k, n, seed: 2);
        var floor = set.ClosedFormError();
        output.WriteLine($"K = {k}, N = {n}: floor {floor:F4}");
        Assert.InRange(floor, expected * 0.97, expected * 1.03);
    }

    [Fact]
    public void Squared_error_recovers_the_closed_form_coefficients_of_orders_zero_and_one()
    {
        var experiment = ChaosRuns.TrainMse(k: 2, n: 2, trainPaths: ReducedPaths, epochs: ReducedEpochs, batchSize: 64, ChaosRuns.LearningRate, seed: 3);
        var matches = ChaosRuns.CompareCoefficients(experiment.Net, ChaosData.MultiIndices(2, 2), maxOrder: 1);
        foreach (var m in matches) output.WriteLine($"{m.Alpha} (order {m.Order}): {m.RelativeError:P2}");
        Assert.Equal(3, matches.Count);
        Assert.True(matches[0].RelativeError < OrderZeroTolerance, $"order 0: {matches[0].RelativeError:P2}");
        Assert.All(matches.Skip(1), m => Assert.True(m.RelativeError < OrderOneTolerance, $"{m.Alpha}: {m.RelativeError:P2}"));
    }

    [Fact]
    public void The_trained_error_falls_as_the_order_and_the_modes_grow()
    {
        var results = new[] { (1, 1), (2, 2), (4, 3) }
            .Select(c => ChaosRuns.TrainRelative(c.Item1, c.Item2, ReducedPaths, ReducedEpochs, batchSize: 64, ChaosRuns.LearningRate, seed: 4).Result)
            .ToList();
        foreach (var r in results) output.WriteLine($"K = {r.K}, N = {r.N}: trained {r.Trained:F4}, floor {r.Floor:F4} ({r.Ratio:F3}x), {r.Seconds:F1} s");
        for (var i = 1; i < results.Count; i++)
        {
            Assert.True(results[i].Trained < results[i - 1].Trained, $"(K, N) = ({results[i].K}, {results[i].N}) is not below ({results[i - 1].K}, {results[i - 1].N})");
            // Not just lower: below what the smaller expansion could reach at best.
            Assert.True(results[i].Trained < results[i - 1].Floor, $"({results[i].K}, {results[i].N}) trained {results[i].Trained} is not below the floor {results[i - 1].Floor} of ({results[i - 1].K}, {results[i - 1].N})");
        }
        Assert.All(results, r => Assert.True(r.Ratio < ReducedRatio, $"({r.K}, {r.N}): {r.Ratio:F3}x the floor"));
    }

    [Fact]
    public void The_program_prints_its_tables_and_writes_its_figures()
    {
        var run = Path.Combine(_folder, "run");
        var (exit, text) = QuickstartTests.Run("ChaosExpansion", $"--epochs 1 --batch-size 256 --out \"{run}\" --quiet");
        Assert.True(exit == 0, text);
        foreach (var line in new[] { "(a) Trained error against the closed-form floor", "| 4 | 3 | 35 |", "| 6 | 3 | 84 |", "(b) Coefficients", "(c) Error as N and K grow", "(d) Mean and variance" })
            Assert.Contains(line, text.Replace("  ", " ").Replace("  ", " ").Replace("  ", " "));
        foreach (var svg in new[] { "error-by-order.svg", "error-by-modes.svg", "coefficients.svg", "moments.svg" })
            Assert.True(File.Exists(Path.Combine(run, svg)), svg);
    }

    [Fact]
    public void A_warm_training_step_allocates_no_managed_memory()
    {
        using var set = ChaosData.Create(64, k: 4, n: 3, seed: 5);
        var experiment = new ChaosRelativeL2 { Net = new() { Count = set.Count } };
        experiment.Initialize(0);
        using var inputs = set.Data["inputs"];
        using var features = set.Data["features"];
        using var target = set.Data["target"];
        experiment.TrainStep(inputs, features, target);

        Assert.Equal(0, Allocations.Measure(() => experiment.TrainStep(inputs, features, target)));
    }

    // Reduced size, and tolerances measured over seeds (README, "The test").
    private const int ReducedPaths = 4096, ReducedEpochs = 4;
    private const double OrderZeroTolerance = 0.05, OrderOneTolerance = 0.2, ReducedRatio = 1.5;
}
