using System.Text.RegularExpressions;
using Dsl.Generators.Tests.Infrastructure;

namespace Dsl.Generators.Tests;

/// <summary>
/// Repeated pure subexpressions are computed once in the generated step (the graph keeps one node
/// per op and inputs); effects, parameters read after an update and user functions that run as C#
/// are not merged.
/// </summary>
public sealed class CommonSubexpressionTests
{
    private static int Count(string code, string kernel) => Regex.Matches(code, @"^\s*global::Dsl\.Kernels\." + kernel + @"\(", RegexOptions.Multiline).Count;

    private static string Step(string source, string hint)
    {
        var run = GeneratorHarness.Run(source);
        Assert.Empty(run.Diagnostics);
        Assert.Empty(run.CompilationErrors);
        return run.Source(hint);
    }

    [Fact]
    public void ARepeatedExpressionIsComputedOnce()
    {
        // Exp(logits) three times and MatMul(x, W) twice, as a user writes a softmax by hand.
        var code = Step("""
            [Model]
            public partial class Scorer
            {
                [Param(4, 3)] public Tensor W;

                public Tensor Forward([Shape("Batch", 4)] Tensor x) => Exp(MatMul(x, W)) / Sum(Exp(MatMul(x, W))) + Exp(MatMul(x, W));
            }

            [Experiment]
            public partial class Scoring
            {
                public Scorer Net = new();

                [Loss]
                public Tensor Loss([Shape("Batch", 4)] Tensor x, [Shape("Batch", 3)] Tensor y) => MseLoss(Net.Forward(x), y);
            }
            """, "Demo.Scoring.g.cs");
        var forward = code.Substring(code.IndexOf("// Forward", StringComparison.Ordinal));
        forward = forward.Substring(0, forward.IndexOf("// Backward", StringComparison.Ordinal));
        Assert.Equal(1, Count(forward, "Exp"));
        Assert.Equal(1, Count(forward, "Mm"));
    }

    [Fact]
    public void AUserFunctionThatRunsAsCSharpIsCalledEachTimeItIsWritten()
    {
        // Noisy's body could draw random numbers: two calls are two values.
        var code = Step("""
            public static class Functions
            {
                public static Tensor Noisy(Tensor x) => x * 2;

                [Derivative(nameof(Noisy))]
                public static Tensor NoisyDerivative(Tensor x, Tensor gradOutput) => gradOutput * 2;
            }

            [Model]
            public partial class Twice
            {
                [Param(3)] public Tensor W;

                public Tensor Forward([Shape("Batch", 3)] Tensor x) => Functions.Noisy(x * W) + Functions.Noisy(x * W);
            }

            [Experiment]
            public partial class TwiceFit
            {
                public Twice Net = new();

                [Loss]
                public Tensor Loss([Shape("Batch", 3)] Tensor x, [Shape("Batch", 3)] Tensor y) => MseLoss(Net.Forward(x), y);
            }
            """, "Demo.TwiceFit.g.cs");
        var forward = code.Substring(code.IndexOf("// Forward", StringComparison.Ordinal));
        forward = forward.Substring(0, forward.IndexOf("// Backward", StringComparison.Ordinal));
        Assert.Equal(2, Regex.Matches(forward, @"__result = global::Demo\.Functions\.Noisy\(").Count);
        Assert.Equal(1, Count(forward, "Mul"));
    }

    [Fact]
    public void AParameterReadAfterAnUpdateIsANewValue()
    {
        // The same expression before and after Net.W changes must be computed twice.
        var code = Step("""
            [Model]
            public partial class Line
            {
                [Param(3, 1)] public Tensor W;

                public Tensor Forward([Shape("Batch", 3)] Tensor x) => MatMul(x, W);
            }

            [Experiment]
            public partial class Stepped
            {
                public Line Net = new();

                [Step]
                public Tensor Step([Shape("Batch", 3)] Tensor x, [Shape("Batch", 1)] Tensor y)
                {
                    var before = MseLoss(Net.Forward(x), y);
                    Net.W -= 0.1 * Grad(before, Net.W);
                    var after = MseLoss(Net.Forward(x), y);
                    return before + after;
                }
            }
            """, "Demo.Stepped.g.cs");
        Assert.Equal(2, Count(code, "MseLoss"));
    }
}
