using System.Globalization;
using System.Text.RegularExpressions;
using Dsl.Testing;
using Xunit;

namespace Dsl.Examples.Tests;

/// <summary>examples/Sets: the Deep Sets model learns its target, is invariant to the order of a set's elements, and its step allocates nothing once warm.</summary>
public sealed class SetsTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "dsl-sets-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_folder)) Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public void Sets_explains_more_than_95_percent_of_the_target_variance()
    {
        var (exit, output) = QuickstartTests.Run("Sets", $"--epochs 8 --out \"{Path.Combine(_folder, "run")}\" --quiet");
        Assert.True(exit == 0, output);

        var r2 = Regex.Match(output, @"R² (-?\d+\.\d+) on 2000 sets");
        Assert.True(r2.Success, output);
        Assert.True(double.Parse(r2.Groups[1].Value, CultureInfo.InvariantCulture) >= 0.95, output);
    }

    [Fact]
    public void The_output_does_not_depend_on_the_order_of_the_elements()
    {
        var experiment = new SetRegression();
        experiment.Initialize(3);
        using var data = SetData.Create(8, seed: 5);
        using var offset = data["offset"];
        using var elementsTensor = data["elements"];
        var elements = elementsTensor.ToArray<float>();
        // Each set's 10 (a, b) pairs in another order: element i moves to (3i + 1) mod 10.
        var shuffled = new float[elements.Length];
        for (var n = 0; n < 8; n++)
        {
            for (var i = 0; i < SetData.Elements; i++)
            {
                var to = (3 * i + 1) % SetData.Elements;
                shuffled[n * 20 + 2 * to] = elements[n * 20 + 2 * i];
                shuffled[n * 20 + 2 * to + 1] = elements[n * 20 + 2 * i + 1];
            }
        }
        Assert.NotEqual(elements, shuffled);
        using var permuted = Tensor.FromArray(shuffled, 8, 20);

        var before = experiment.Net.Predict(elementsTensor, offset).ToArray<float>();
        var after = experiment.Net.Predict(permuted, offset).ToArray<float>();
        for (var n = 0; n < 8; n++) Assert.True(Math.Abs(before[n] - after[n]) <= 1e-5 * (1 + Math.Abs(before[n])), $"set {n}: {before[n]} in one order, {after[n]} in another");
        // and the model is not constant: another offset changes the output
        using var other = Ops.Add(offset, 1.0);
        Assert.True(Math.Abs(before[0] - experiment.Net.Predict(elementsTensor, other).ToArray<float>()[0]) > 1e-4);
    }

    [Fact]
    public void The_generated_sets_step_allocates_no_managed_memory_once_warm()
    {
        var experiment = new SetRegression();
        experiment.Initialize(0);
        using var data = SetData.Create(32, seed: 0);
        using var elements = data["elements"];
        using var offset = data["offset"];
        using var target = data["target"];
        experiment.TrainStep(elements, offset, target);

        Assert.Equal(0, Allocations.Measure(() => experiment.TrainStep(elements, offset, target)));
    }
}
