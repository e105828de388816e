using Dsl.Generators.Tests.Infrastructure;
using Microsoft.CodeAnalysis;

namespace Dsl.Generators.Tests.Operators;

/// <summary>
/// Misuse of the elementwise and reduction ops of issue 9: a compile-time diagnostic with its exact
/// message and the text it points at, one or more per op.
/// </summary>
public sealed class ElementwiseDiagnosticTests
{
    /// <summary>A model whose Forward is <paramref name="body"/>, over x [Batch, 3] and y [Batch, 4].</summary>
    private static string Model(string body) => $$"""
        [Model]
        public partial class Probe
        {
            public Tensor Forward([Shape("Batch", 3)] Tensor x, [Shape("Batch", 4)] Tensor y) => {{body}};
        }
        """;

    /// <summary>Runs the generator and returns its only diagnostic with the source text it points at.</summary>
    private static (Diagnostic Diagnostic, string Text) Single(string source)
    {
        var run = GeneratorHarness.Run(source);
        var diagnostic = Assert.Single(run.Diagnostics);
        var tree = run.Input.SyntaxTrees.Single(t => t.FilePath == diagnostic.Location.GetLineSpan().Path);
        return (diagnostic, tree.GetText().ToString(diagnostic.Location.SourceSpan));
    }

    private static void AssertDiagnostic(string body, string id, string message, string text)
    {
        var (diagnostic, actual) = Single(Model(body));
        Assert.Equal(id, diagnostic.Id);
        Assert.Equal(message, diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(text, actual);
    }

    private const string NoBroadcast = "which do not broadcast (dimension 1: 3 vs 4)";

    [Fact]
    public void Gelu_FlagMustBeABool() => AssertDiagnostic("Gelu(x, 1)", "DSL0020", "Gelu: 'tanhApproximation' must be true or false, but is '1'", "1");

    [Fact]
    public void Gelu_NeedsATensor() => AssertDiagnostic("x * Gelu(2.5)", "DSL0107", "Gelu needs a tensor for '2.5' but got a number", "Gelu(2.5)");

    [Fact]
    public void Silu_NeedsATensor() => AssertDiagnostic("x * Silu(1)", "DSL0107", "Silu needs a tensor for '1' but got a number", "Silu(1)");

    [Fact]
    public void Clamp_NeedsABound() => AssertDiagnostic("Clamp(x)", "DSL0020", "Clamp: give 'min', 'max' or both (torch.clamp needs at least one bound)", "Clamp(x)");

    [Fact]
    public void Clamp_BoundsAreNumbers() => AssertDiagnostic("Clamp(x, min: y)", "DSL0020", "Clamp: 'min' must be a number, but 'y' is a tensor", "y");

    [Fact]
    public void Pow_TensorExponent() => AssertDiagnostic("Pow(x, x)", "DSL0020", "Pow: the exponent must be a number, but 'x' is a tensor (a tensor exponent is not supported)", "Pow(x, x)");

    [Fact]
    public void Pow_NumberBaseTensorExponent() => AssertDiagnostic("Pow(2, x)", "DSL0020", "Pow: the base must be a tensor when the exponent 'x' is one (a tensor exponent is not supported)", "Pow(2, x)");

    [Fact]
    public void Maximum_ShapesMustBroadcast() => AssertDiagnostic("Maximum(x, y)", "DSL0102", "Maximum: x is [Batch, 3] and y is [Batch, 4], " + NoBroadcast, "Maximum(x, y)");

    [Fact]
    public void Minimum_ShapesMustBroadcast() => AssertDiagnostic("Minimum(x, y)", "DSL0102", "Minimum: x is [Batch, 3] and y is [Batch, 4], " + NoBroadcast, "Minimum(x, y)");

    [Fact]
    public void Maximum_OfTwoNumbersIsANumber() => Assert.Empty(GeneratorHarness.Run(Model("x * Maximum(1, 2)")).Diagnostics);   // Math.Max, as Pow of two numbers

    [Fact]
    public void Where_BranchesMustBroadcast() => AssertDiagnostic("Where(Gt(x, 0), x, y)", "DSL0102", "Where: the broadcast of Gt(x, 0) and x is [Batch, 3] and y is [Batch, 4], " + NoBroadcast, "Where(Gt(x, 0), x, y)");

    [Fact]
    public void Where_ConditionMustBroadcast() => AssertDiagnostic("Where(Gt(y, 0), x, x)", "DSL0102", "Where: Gt(y, 0) is [Batch, 4] and x is [Batch, 3], " + NoBroadcast.Replace("3 vs 4", "4 vs 3"), "Where(Gt(y, 0), x, x)");

    [Theory]
    [InlineData("Gt")]
    [InlineData("Ge")]
    [InlineData("Lt")]
    [InlineData("Le")]
    [InlineData("Eq")]
    [InlineData("Ne")]
    public void Comparison_ShapesMustBroadcast(string op) =>
        AssertDiagnostic("Where(" + op + "(x, y), x, x)", "DSL0102", op + ": x is [Batch, 3] and y is [Batch, 4], " + NoBroadcast, op + "(x, y)");

    [Fact]
    public void Comparison_NeedsATensorFirst() => AssertDiagnostic("Where(Gt(0, x), x, x)", "DSL0107", "Gt needs a tensor for '0' but got a number", "Gt(0, x)");

    [Fact]
    public void Max_TakesNoAxis() => AssertDiagnostic("x * Max(x, 1)", "DSL0012", "'Max' takes 1 argument(s) but 2 were given", "Max(x, 1)");

    [Fact]
    public void Amax_AxisOutOfRange() => AssertDiagnostic("Amax(x, 2)", "DSL0108", "Amax: axis 2 is out of range for x, which is [Batch, 3] (rank 2: axes -2..1)", "Amax(x, 2)");

    [Fact]
    public void Amax_NeedsAnAxis() => AssertDiagnostic("Amax(x)", "DSL0012", "'Amax' takes 2 to 3 argument(s) but 1 were given", "Amax(x)");

    [Fact]
    public void Min_TakesNoAxis() => AssertDiagnostic("x * Min(x, 0)", "DSL0012", "'Min' takes 1 argument(s) but 2 were given", "Min(x, 0)");

    [Fact]
    public void Amin_AxisOutOfRange() => AssertDiagnostic("Amin(x, [1, 2])", "DSL0108", "Amin: axis 2 is out of range for x, which is [Batch, 3] (rank 2: axes -2..1)", "Amin(x, [1, 2])");

    [Fact]
    public void Amin_AxisGivenTwice() => AssertDiagnostic("Amin(x, [1, -1])", "DSL0020", "Amin: the axis -1 is given twice", "Amin(x, [1, -1])");

    [Fact]
    public void Norm_AxisOutOfRange() => AssertDiagnostic("Norm(x, 2, [3])", "DSL0108", "Norm: axis 3 is out of range for x, which is [Batch, 3] (rank 2: axes -2..1)", "Norm(x, 2, [3])");

    [Fact]
    public void Norm_OrderIsAConstant() => AssertDiagnostic("Norm(x, x)", "DSL0020", "Norm: 'p' must be a constant number, but 'x' is not", "x");

    [Fact]
    public void Norm_SecondDerivativeOnlyForP2()
    {
        var run = GeneratorHarness.Run("""
            [Model]
            public partial class NormModel
            {
                [Param(3, 4)] public Tensor W;

                public Tensor Forward([Shape(1)] Tensor x) => x;
            }

            [Experiment]
            public partial class NormPenalty
            {
                public NormModel Net = new();

                [Loss]
                public Tensor Loss([Shape(3, 4)] Tensor c) => Sum(Square(Grad(Sum(Norm(Net.W * c, 1, [1])), Net.W)));
            }
            """);
        var diagnostic = Assert.Single(run.Diagnostics);
        Assert.Equal("DSL0202", diagnostic.Id);
        Assert.Contains("NormBackward (p = 1)", diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void LogSumExp_AxisOutOfRange() => AssertDiagnostic("LogSumExp(x, [0, -3])", "DSL0108", "LogSumExp: axis -3 is out of range for x, which is [Batch, 3] (rank 2: axes -2..1)", "LogSumExp(x, [0, -3])");

    [Fact]
    public void Var_UnbiasedOverARunTimeAxis() => AssertDiagnostic("Var(x, 0)", "DSL0020",
        "Var: the unbiased variance over axis 0 of x, which is [Batch, 3], needs that axis's size at compile time; pass unbiased: false or reduce over axes of known size", "Var(x, 0)");

    [Fact]
    public void Var_AxisOutOfRange() => AssertDiagnostic("Var(x, 5, unbiased: false)", "DSL0108", "Var: axis 5 is out of range for x, which is [Batch, 3] (rank 2: axes -2..1)", "Var(x, 5, unbiased: false)");

    [Fact]
    public void Softmax_AxisOutOfRange() => AssertDiagnostic("Softmax(x, 2)", "DSL0108", "Softmax: axis 2 is out of range for x, which is [Batch, 3] (rank 2: axes -2..1)", "Softmax(x, 2)");

    [Fact]
    public void Softmax_AxisIsOneConstant() => AssertDiagnostic("Softmax(x, [0, 1])", "DSL0020", "Softmax: 'dim' must be a constant integer, but '[0, 1]' is not", "[0, 1]");

    [Fact]
    public void LogSoftmax_AxisOutOfRange() => AssertDiagnostic("LogSoftmax(x, -3)", "DSL0108", "LogSoftmax: axis -3 is out of range for x, which is [Batch, 3] (rank 2: axes -2..1)", "LogSoftmax(x, -3)");

    [Fact]
    public void Argmax_KeepdimNeedsAnAxis() => AssertDiagnostic("x * Argmax(x, keepdim: true)", "DSL0020", "Argmax: 'keepdim' needs 'dim' (the index over all elements is a scalar)", "Argmax(x, keepdim: true)");

    [Fact]
    public void Argmax_AxisOutOfRange() => AssertDiagnostic("x * Argmax(x, 2)", "DSL0108", "Argmax: axis 2 is out of range for x, which is [Batch, 3] (rank 2: axes -2..1)", "Argmax(x, 2)");
}

/// <summary>Misuse of the activations that take number settings.</summary>
public sealed class ActivationDiagnosticTests
{
    private static void AssertDiagnostic(string body, string id, string message, string text)
    {
        var run = GeneratorHarness.Run($$"""
            [Model]
            public partial class Probe
            {
                public Tensor Forward([Shape("Batch", 3)] Tensor x, [Shape("Batch", 4)] Tensor y) => {{body}};
            }
            """);
        var diagnostic = Assert.Single(run.Diagnostics);
        var tree = run.Input.SyntaxTrees.Single(t => t.FilePath == diagnostic.Location.GetLineSpan().Path);
        Assert.Equal(id, diagnostic.Id);
        Assert.Equal(message, diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(text, tree.GetText().ToString(diagnostic.Location.SourceSpan));
    }

    [Fact]
    public void Softplus_BetaIsANumber() => AssertDiagnostic("Softplus(x, beta: y)", "DSL0020", "Softplus: 'beta' must be a number, but 'y' is a tensor", "y");

    [Fact]
    public void LeakyRelu_SlopeIsANumber() => AssertDiagnostic("LeakyRelu(x, [0.1])", "DSL0020", "LeakyRelu: 'negativeSlope' must be a number, but '[0.1]' is a setting", "[0.1]");

    [Fact]
    public void Elu_AlphaIsANumber() => AssertDiagnostic("Elu(x, alpha: true)", "DSL0020", "Elu: 'alpha' must be a number, but 'true' is a setting", "true");

    [Theory]
    [InlineData("Softplus")]
    [InlineData("LeakyRelu")]
    [InlineData("Elu")]
    [InlineData("LogSigmoid")]
    [InlineData("Erf")]
    [InlineData("Log1p")]
    [InlineData("Expm1")]
    [InlineData("Sin")]
    [InlineData("Cos")]
    public void NeedsATensor(string op) => AssertDiagnostic("x * " + op + "(0.5)", "DSL0107", op + " needs a tensor for '0.5' but got a number", op + "(0.5)");
}
