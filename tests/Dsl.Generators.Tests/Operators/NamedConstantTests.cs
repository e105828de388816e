using Dsl.Generators.Tests.Infrastructure;

namespace Dsl.Generators.Tests.Operators;

/// <summary>
/// A C# constant (a const field of the class or of another type, a const local) stands for its
/// value wherever a body needs a number known at compile time: a draw's shape, a Reshape size, an
/// axis, a loop bound.
/// </summary>
public sealed class NamedConstantTests
{
    private const string Source = """
        public static class Sizes
        {
            public const int Draws = 5;
        }

        [Model]
        public partial class Folded
        {
            public const int Width = 4;

            [Param(8)] public Tensor W;

            public Tensor Forward([Shape("Batch", 8)] Tensor x) => Sum(Reshape(x * W, -1, 2, Width), 1);
        }

        [Experiment]
        public partial class Constants
        {
            private const int Rows = 3;
            private const double Scale = 0.5;

            public Folded Net = new();

            [Loss]
            public Tensor Loss([Shape("Batch", 8)] Tensor x)
            {
                const int Axis = 1;
                var noise = Rand([Rows, Sizes.Draws]);
                return Mean(Square(Net.Forward(x))) + Scale * Sum(Mean(noise, Axis));
            }
        }
        """;

    [Fact]
    public void ConstantsGiveShapesSizesAndAxes()
    {
        var run = GeneratorHarness.Run(Source);
        Assert.True(run.Diagnostics.IsEmpty, string.Join("; ", run.Diagnostics));
        var text = string.Join("\n", run.Output.SyntaxTrees.Select(t => t.ToString()));
        Assert.Contains("U[0, 1) draws, [3, 5]   [3, 5]", text);   // Rows and Sizes.Draws
        Assert.Contains("[Batch, 2, 4]", text);                     // Reshape(..., -1, 2, Width)

        dynamic experiment = Activator.CreateInstance(GeneratorHarness.Load(run.Output).GetType("Demo.Constants", throwOnError: true)!)!;
        experiment.Initialize(1UL, DType.Float64);
        using var x = Tensor.Zeros([2, 8], DType.Float64);
        // With x = 0 the model's term is 0; the rest is 0.5 · Σ of the 3 row means of U[0, 1) draws.
        var loss = (double)(float)experiment.ComputeGradients(x);
        Assert.InRange(loss, 0.0, 1.5);
        Assert.NotEqual(0.0, loss);
    }

    [Fact]
    public void ANonNumericConstantIsStillRefusedWhereANumberIsNeeded()
    {
        var run = GeneratorHarness.Run(Source.Replace("private const int Rows = 3;", "private const string Rows = \"3\";"));
        Assert.Contains(run.Diagnostics, d => d.Id.StartsWith("DSL", StringComparison.Ordinal) && d.GetMessage(System.Globalization.CultureInfo.InvariantCulture).Contains("Rows"));
    }
}
