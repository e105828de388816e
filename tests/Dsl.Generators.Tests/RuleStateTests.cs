using Dsl.Generators.Tests.Infrastructure;

namespace Dsl.Generators.Tests;

/// <summary>
/// Update-rule state users can read and initialize: [State(Init = StateInit.Parameter, EvaluateAt = true)]
/// tensors and [State] double number states, as generated (a snapshot). Their diagnostics (DSL0306-DSL0308)
/// are in DiagnosticTests.
/// </summary>
public sealed class RuleStateTests
{
    /// <summary>A Schedule-Free-like rule: state copied from the parameter, a number state, an evaluation state.</summary>
    public const string Averaged = """
        [UpdateRule]
        public sealed partial class Averaged
        {
            public double LearningRate = 0.1, Beta = 0.9, WarmupSteps = 4;
            [State(Init = StateInit.Parameter)] Tensor z = null!;
            [State(Init = StateInit.Parameter, EvaluateAt = true)] Tensor x = null!;
            [State] double weightSum;

            [Update]
            void Update(Tensor param, Tensor grad, long step)
            {
                var lr = LearningRate * Minimum(1, step / WarmupSteps);
                weightSum += lr * lr;
                var c = lr * lr / weightSum;
                z = z - lr * grad;
                x = (1 - c) * x + c * z;
                param = (1 - Beta) * z + Beta * x;
            }
        }
        """;

    [Fact]
    public void AveragedRuleSnapshot()
    {
        var run = GeneratorHarness.Run(Averaged);
        Assert.Empty(run.Diagnostics);
        Snapshot.Verify(run, nameof(RuleStateTests));
    }
}
