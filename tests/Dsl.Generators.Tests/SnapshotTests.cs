using Dsl.Generators.Tests.Infrastructure;

namespace Dsl.Generators.Tests;

/// <summary>Whole generated files for representative declarations (tier 1 of DESIGN.md section 6).</summary>
public sealed class SnapshotTests
{
    [Fact]
    public void DigitClassifierSgd()
    {
        var run = GeneratorHarness.Run(TestSources.Mlp, TestSources.DigitClassifierSgd);
        Assert.Empty(run.Diagnostics);
        Snapshot.Verify(run, nameof(SnapshotTests));
    }

    [Fact]
    public void DigitClassifierAdam()
    {
        var run = GeneratorHarness.Run(TestSources.Mlp, TestSources.Adam, TestSources.DigitClassifierAdam);
        Assert.Empty(run.Diagnostics);
        Snapshot.Verify(run, nameof(SnapshotTests));
    }

    [Fact]
    public void CustomStepWithTwoUpdateRulesAndAFrozenCritic()
    {
        var run = GeneratorHarness.Run(CustomStepTests.TwoPlayers);
        Assert.Empty(run.Diagnostics);
        Snapshot.Verify(run, nameof(SnapshotTests));
    }

    [Fact]
    public void CustomStepWithPlainTensorUpdates()
    {
        var run = GeneratorHarness.Run(CustomStepTests.Plastic);
        Assert.Empty(run.Diagnostics);
        Snapshot.Verify(run, nameof(SnapshotTests));
    }

    [Fact]
    public void ComposedModels()
    {
        var run = GeneratorHarness.Run(TestSources.Composed);
        Assert.Empty(run.Diagnostics);
        Snapshot.Verify(run, nameof(SnapshotTests));
    }
}
