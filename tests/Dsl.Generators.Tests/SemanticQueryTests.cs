using System.Text;
using Dsl.Generators.Parsing;
using Dsl.Generators.Tests.Infrastructure;

namespace Dsl.Generators.Tests;

/// <summary>
/// The body parser answers its per-expression semantic questions (what a call binds to, whether a
/// name is a C# constant) from one walk of the method's operation tree. Asking the semantic model
/// per expression instead makes it walk up from each expression through every level of a
/// left-nested sum, so a 16,000-term body cost n² (12 s where 1,000 terms took 1.3 s). The count of
/// per-expression queries is the thing pinned here, not a time: it must not grow with the body.
/// </summary>
public sealed class SemanticQueryTests
{
    /// <summary>A sum of terms with Ops calls, a [Differentiable] call and named constants (field and local).</summary>
    private static string Declaration(int terms)
    {
        var sum = new StringBuilder();
        for (var i = 0; i < terms; i++)
        {
            if (i > 0) sum.Append(" + ");
            sum.Append((i % 3) switch
            {
                0 => $"Tanh(x + B) * Scale * {i + 1}",
                1 => $"Twice(x) * Local",
                _ => $"MatMul(x, V) * {i + 1}",
            });
        }
        return $$"""
            [Model]
            public partial class Sum
            {
                public const double Scale = 0.5;
                [Param(3)] public Tensor B;
                [Param(3, 3)] public Tensor V;

                [Differentiable]
                public static Tensor Twice(Tensor t) => t * 2;

                public Tensor Forward([Shape("Batch", 3)] Tensor x)
                {
                    const int Local = 3;
                    return {{sum}};
                }
            }

            [Experiment]
            public partial class SumRegression
            {
                public Sum Net = new();
                public double LearningRate = 0.01;

                [Loss]
                public Tensor Loss([Shape("Batch", 3)] Tensor x, [Shape("Batch", 3)] Tensor y) => MseLoss(Net.Forward(x), y);
            }
            """;
    }

    private static int QueriesFor(int terms)
    {
        BodyParser.ExpressionQueries = 0;
        var run = GeneratorHarness.Run(Declaration(terms));
        Assert.Empty(run.Diagnostics);
        Assert.Contains("Demo.SumRegression.g.cs", run.Sources.Select(s => s.HintName));
        return BodyParser.ExpressionQueries;
    }

    [Fact]
    public void PerExpressionSemanticQueriesDoNotGrowWithTheBody()
    {
        var small = QueriesFor(30);
        var large = QueriesFor(300);
        // 270 more terms hold 90 more Ops calls, 90 more user calls, 180 more named constants: one
        // query each would add hundreds. A few fixed ones (outside any method body) may remain.
        Assert.True(large - small == 0, $"per-expression semantic-model queries: {small} for 30 terms, {large} for 300 terms (must not grow)");
    }
}
