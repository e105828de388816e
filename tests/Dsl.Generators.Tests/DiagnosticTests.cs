using Dsl.Generators.Diagnostics;
using Dsl.Generators.Tests.Infrastructure;
using Microsoft.CodeAnalysis;

namespace Dsl.Generators.Tests;

/// <summary>One test per diagnostic id: the exact message and the text it points at (docs/DIAGNOSTICS.md).</summary>
public sealed class DiagnosticTests
{
    private const string Linear = """
        [Model]
        public partial class Linear
        {
            [Dim] public int In, Out;
            [Param(nameof(In), nameof(Out))] public Tensor W;
            [Param(nameof(Out))] public Tensor B;

            public Tensor Forward([Shape("Batch", nameof(In))] Tensor x) => MatMul(x, W) + B;
        }
        """;

    /// <summary>Runs the generator and returns its only diagnostic with the source text it points at.</summary>
    private static (Diagnostic Diagnostic, string Text) Single(params string[] snippets)
    {
        var run = GeneratorHarness.Run(snippets);
        var diagnostic = Assert.Single(run.Diagnostics);
        // The generator reports locations as path + span (specs hold no syntax trees); find the file by path.
        var tree = run.Input.SyntaxTrees.Single(t => t.FilePath == diagnostic.Location.GetLineSpan().Path);
        return (diagnostic, tree.GetText().ToString(diagnostic.Location.SourceSpan));
    }

    private static void AssertDiagnostic((Diagnostic Diagnostic, string Text) actual, string id, string message, string text)
    {
        Assert.Equal(id, actual.Diagnostic.Id);
        Assert.Equal(message, actual.Diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(text, actual.Text);
    }

    [Fact]
    public void DSL0001_NotPartial() => AssertDiagnostic(Single("""
        [Model]
        public class Lonely
        {
            public Tensor Forward([Shape(3)] Tensor x) => Relu(x);
        }
        """), "DSL0001", "'Lonely' is marked [Model] and must be declared 'partial' so the generator can add its members", "Lonely");

    [Fact]
    public void DSL0002_NestedType() => AssertDiagnostic(Single("""
        public partial class Outer
        {
            [Model]
            public partial class Inner
            {
                public Tensor Forward([Shape(3)] Tensor x) => Relu(x);
            }
        }
        """), "DSL0002", "'Inner' cannot be a [Model]: nested types are not supported; declare it at namespace level", "Inner");

    [Fact]
    public void DSL0003_UnsupportedStatement() => AssertDiagnostic(Single("""
        [Model]
        public partial class Branchy
        {
            public Tensor Forward([Shape(3)] Tensor x, long mode)
            {
                switch (mode) { case 1: return Relu(x); }
                return x;
            }
        }
        """), "DSL0003", "The 'switch' statement 'switch (mode) { case 1: return Relu(x); }' is not supported in 'Forward'; a Forward body may use numbers, 'var' locals, parameters, fields, the operators + - * /, calls of Dsl.Ops functions, of a sub-model's Forward and of [Differentiable] functions, 'for' loops (constant bounds unroll; a bound known when the step runs, such as x.Size(1), makes a real loop), 'if'/'else' and 'c ? a : b' on number conditions (== != < <= > >= && || !), and 'return'",
        "switch (mode) { case 1: return Relu(x); }");

    [Fact]
    public void DSL0003_AnArgumentNamesTheFunctionItIsGivenTo() => AssertDiagnostic(Single("""
        [Model]
        public partial class Flat
        {
            public Tensor Forward([Shape(20, 20)] Tensor x) => Relu(x ?? x);
        }
        """), "DSL0003", "The operator 'x ?? x' (an argument of Relu) is not supported in 'Forward'; a Forward body may use numbers, 'var' locals, parameters, fields, the operators + - * /, calls of Dsl.Ops functions, of a sub-model's Forward and of [Differentiable] functions, 'for' loops (constant bounds unroll; a bound known when the step runs, such as x.Size(1), makes a real loop), 'if'/'else' and 'c ? a : b' on number conditions (== != < <= > >= && || !), and 'return'",
        "x ?? x");

    [Fact]
    public void DSL0003_InAnUpdateListsOnlyWhatAnUpdateBodyAllows() => AssertDiagnostic(Single("""
        [UpdateRule]
        public partial class Delayed
        {
            public float LearningRate = 0.1f;

            [Update]
            void Update(Tensor param, Tensor grad, long step)
            {
                try { } finally { }
                param -= LearningRate * grad;
            }
        }
        """), "DSL0003", "The 'try' statement 'try { } finally { }' is not supported in 'Update'; an [Update] body may use numbers, 'var' locals, its parameters, the rule's number fields, the operators + - * /, the elementwise Dsl.Ops functions (Sqrt, Square, Exp, Log, Abs, Sign, Tanh, Sigmoid, Relu, Maximum, Minimum, Clamp, Pow, Sin, Cos), 'if'/'else' and 'c ? a : b' on number conditions (== != < <= > >= && || !), and assignments to 'param' and to [State] fields",
        "try { } finally { }");

    [Fact]
    public void DSL0003_InAStepListsGradAndApply() => AssertDiagnostic(Single(Linear, """
        [Experiment]
        public partial class Stepped
        {
            public Linear Net = new() { In = 2, Out = 3 };

            [Step]
            public Tensor Train([Shape("Batch", 2)] Tensor x)
            {
                var loss = Mean(Square(Net.Forward(x)));
                try { } finally { }
                return loss;
            }
        }
        """), "DSL0003", "The 'try' statement 'try { } finally { }' is not supported in 'Train'; a [Step] body may use numbers, 'var' locals, parameters, fields, the operators + - * /, calls of Dsl.Ops functions, of a model's Forward and of [Differentiable] functions, Grad(loss, Model), an update rule's Apply(Model, gradients), assignments to fields, 'for' loops (constant bounds unroll; a bound known when the step runs, such as x.Size(1), makes a real loop), 'if'/'else' and 'c ? a : b' on number conditions (== != < <= > >= && || !), and 'return'",
        "try { } finally { }");

    [Fact]
    public void DSL0004_UnknownFunction() => AssertDiagnostic(Single("""
        [Model]
        public partial class Soft
        {
            public Tensor Forward([Shape(3)] Tensor x) => Rsqrt(x);
        }
        """), "DSL0004", "'Rsqrt' is not a function the generator knows; supported: " + Parsing.Functions.SupportedFunctionList, "Rsqrt(x)");

    [Fact]
    public void DSL0004_UserFunction() => AssertDiagnostic(Single("""
        public static class Helpers
        {
            public static Tensor Twice(Tensor x) => x + x;
        }

        [Model]
        public partial class UsesHelper
        {
            public Tensor Forward([Shape(3)] Tensor x) => Helpers.Twice(x);
        }
        """), "DSL0004", "'Helpers.Twice' is not a function the generator knows; supported: " + Parsing.Functions.SupportedFunctionList, "Helpers.Twice(x)");

    [Fact]
    public void DSL0005_MissingForward() => AssertDiagnostic(Single("""
        [Model]
        public partial class NoForward
        {
        }
        """), "DSL0005", "Model 'NoForward' needs a method 'Tensor Forward(...)' with [Shape] on each tensor parameter", "NoForward");

    [Fact]
    public void DSL0006_MissingLoss() => AssertDiagnostic(Single(Linear, """
        [Experiment]
        public partial class NoLoss
        {
            public Linear Net = new() { In = 2, Out = 3 };
        }
        """), "DSL0006", "Experiment 'NoLoss' needs exactly one method marked [Loss] (or one marked [Step]) returning a Tensor; none was found", "NoLoss");

    [Fact]
    public void DSL0007_BadDimension() => AssertDiagnostic(Single("""
        [Model]
        public partial class Typo
        {
            [Dim] public int Hidden;
            [Param("Hiden")] public Tensor B;

            public Tensor Forward([Shape(nameof(Hidden))] Tensor x) => x + B;
        }
        """), "DSL0007", "Dimension '\"Hiden\"' of 'B' must be a positive integer constant or the name of a [Dim] field of 'Typo'", "\"Hiden\"");

    [Fact]
    public void DSL0008_BadMemberType() => AssertDiagnostic(Single("""
        [Model]
        public partial class WrongType
        {
            [Param(3)] public double[] W = [];

            public Tensor Forward([Shape(3)] Tensor x) => x;
        }
        """), "DSL0008", "'W' is marked [Param] and must be of type Dsl.Tensor", "W");

    [Fact]
    public void DSL0008_PropertyParameter() => AssertDiagnostic(Single("""
        [Model]
        public partial class WithProperty
        {
            [Param(3)] public Tensor W { get; } = null!;

            public Tensor Forward([Shape(3)] Tensor x) => x * W;
        }
        """), "DSL0008", "'W' is marked [Param] and must be of type Dsl.Tensor held in a field, a settable property or a partial property the generator implements ('public partial Tensor W { get; }'), not a get-only property", "W");

    [Fact]
    public void DSL0009_MissingShape() => AssertDiagnostic(Single("""
        [Model]
        public partial class Shapeless
        {
            public Tensor Forward(Tensor x) => Relu(x);
        }
        """), "DSL0009", "Parameter 'x' of 'Forward' needs a [Shape(...)] attribute so the generator can check shapes", "x");

    [Fact]
    public void DSL0010_BadInitializer() => AssertDiagnostic(Single(Linear, """
        [Experiment]
        public partial class ZeroSized
        {
            public Linear Net = new() { In = 0, Out = 3 };

            [Loss]
            public Tensor Loss([Shape("Batch", 2)] Tensor x) => Mean(Net.Forward(x));
        }
        """), "DSL0010", "In the initializer of 'Net': [Dim] 'In' must be set to a positive integer constant, not '0'", "0");

    [Fact]
    public void DSL0011_UnknownName() => AssertDiagnostic(Single("""
        [Model]
        public partial class Missing
        {
            [Param(3, 3)] public Tensor W;

            public Tensor Forward([Shape("Batch", 3)] Tensor x) => MatMul(x, W3);
        }
        """), "DSL0011", "'W3' is not a parameter, local, [Param], [Dim], sub-model or number field visible in 'Forward'", "W3");

    [Fact]
    public void DSL0012_WrongArgumentCount() => AssertDiagnostic(Single("""
        [Model]
        public partial class TooMany
        {
            public Tensor Forward([Shape(3)] Tensor x) => Relu(x, x);
        }
        """), "DSL0012", "'Relu' takes 1 argument(s) but 2 were given", "Relu(x, x)");

    [Fact]
    public void DSL0013_RecursiveModel() => AssertDiagnostic(Single("""
        [Model]
        public partial class Russian
        {
            public Russian Inner = null!;

            public Tensor Forward([Shape(3)] Tensor x) => Inner.Forward(x);
        }
        """), "DSL0013", "Model 'Russian' contains itself through 'Inner'; models must form a tree", "Inner");

    [Fact]
    public void DSL0101_MatMulInnerDimensions() => AssertDiagnostic(Single("""
        [Model]
        public partial class Mismatched
        {
            [Param(256, 128)] public Tensor W1;

            public Tensor Forward([Shape("Batch", 784)] Tensor x) => MatMul(x, W1);
        }
        """), "DSL0101", "MatMul inner dimensions differ: x is [Batch, 784], W1 is [256, 128]", "MatMul(x, W1)");

    [Fact]
    public void DSL0102_Broadcast() => AssertDiagnostic(Single("""
        [Model]
        public partial class BadBias
        {
            [Param(3, 4)] public Tensor W;
            [Param(5)] public Tensor B;

            public Tensor Forward([Shape("Batch", 3)] Tensor x) => MatMul(x, W) + B;
        }
        """), "DSL0102", "Add: MatMul(x, W) is [Batch, 4] and B is [5], which do not broadcast (dimension 1: 4 vs 5)", "MatMul(x, W) + B");

    [Fact]
    public void DSL0103_Rank() => AssertDiagnostic(Single("""
        [Model]
        public partial class VectorProduct
        {
            [Param(3)] public Tensor B;

            public Tensor Forward([Shape("Batch", 3)] Tensor x) => MatMul(x, B);
        }
        """), "DSL0103", "MatMul needs operands with at least 2 axes (matrices or batches of them); B is [3]", "MatMul(x, B)");

    [Fact]
    public void DSL0104_ArgumentShape() => AssertDiagnostic(Single(Linear, """
        [Experiment]
        public partial class WrongInput
        {
            public Linear Net = new() { In = 784, Out = 10 };

            [Loss]
            public Tensor Loss([Shape("Batch", 785)] Tensor images) => Mean(Net.Forward(images));
        }
        """), "DSL0104", "Net.Forward: parameter 'x' is declared [Batch, 784] but the argument images is [Batch, 785]", "Net.Forward(images)");

    [Fact]
    public void DSL0105_LossNotScalar() => AssertDiagnostic(Single(Linear, """
        [Experiment]
        public partial class VectorLoss
        {
            public Linear Net = new() { In = 2, Out = 3 };

            [Loss]
            public Tensor Loss([Shape("Batch", 2)] Tensor x) => Net.Forward(x);
        }
        """), "DSL0105", "The loss 'Loss' must be a scalar but is [Batch, 3]; reduce it with Mean(...) or Sum(...)", "Loss");

    [Fact]
    public void DSL0106_LabelsShape() => AssertDiagnostic(Single(Linear, """
        [Experiment]
        public partial class Unaligned
        {
            public Linear Net = new() { In = 2, Out = 3 };

            [Loss]
            public Tensor Loss([Shape("Batch", 2)] Tensor x, [Shape("Count")] Tensor labels) => CrossEntropy(Net.Forward(x), labels);
        }
        """), "DSL0106", "CrossEntropy: the logits 'Net.Forward(x)' is [Batch, 3] but the labels 'labels' is [Count]", "CrossEntropy(Net.Forward(x), labels)");

    [Fact]
    public void DSL0107_NumberWhereTensor() => AssertDiagnostic(Single("""
        [Model]
        public partial class Scalarish
        {
            public double Slope = 2;

            public Tensor Forward([Shape(3)] Tensor x) => x * Relu(Slope);
        }
        """), "DSL0107", "Relu needs a tensor for 'Slope' but got a number", "Relu(Slope)");

    [Fact]
    public void DSL0014_MemberNamedLikeAGeneratedOne() => AssertDiagnostic(Single("""
        [Model]
        public partial class Counted
        {
            [Param(3)] public Tensor W;
            public int Parameters => 3;

            public Tensor Forward([Shape(3)] Tensor x) => x * W;
        }
        """), "DSL0014", "'Parameters' is the name of a member the generator adds to this [Model] (public IReadOnlyList<(string Name, Tensor Value)> Parameters { get; }); rename yours",
        "Parameters");

    [Fact]
    public void DSL0015_StaticParam() => AssertDiagnostic(Single("""
        [Model]
        public partial class Shared
        {
            [Param(3)] public static Tensor W = null!;

            public Tensor Forward([Shape(3)] Tensor x) => x * W;
        }
        """), "DSL0015", "'W' is marked [Param] but is static; the generated Initialize assigns it, so it must be a writable instance field or property", "W");

    [Fact]
    public void DSL0016_StateInAModel() => AssertDiagnostic(Single("""
        [Model]
        public partial class Stateful
        {
            [Param(3)] public Tensor W;
            [State] public Tensor Momentum = null!;

            public Tensor Forward([Shape(3)] Tensor x) => x * W;
        }
        """), "DSL0016", "[State] on 'Momentum' belongs in an [UpdateRule] class; a [Model] does not use it", "State");

    [Fact]
    public void DSL0017_SubModelWithoutInitializer() => AssertDiagnostic(Single(Linear, """
        [Experiment]
        public partial class Unset
        {
            public Linear Net;

            [Loss]
            public Tensor Loss([Shape("Batch", 2)] Tensor x) => Mean(Square(Net.Forward(x)));
        }
        """), "DSL0017", "'Net' holds the [Model] 'Linear' but has no initializer; give it one ('= new()', with its [Dim] sizes set) so the generated code has an instance to use", "Net");

    [Fact]
    public void DSL0018_DerivativeOfNoFunction() => AssertDiagnostic(Single("""
        public static class Functions
        {
            public static Tensor Softplus(Tensor x) => Log(Exp(x) + 1);

            [Derivative("Nope")]
            public static Tensor SoftplusDerivative(Tensor x, Tensor gradOutput) => gradOutput * Sigmoid(x);
        }
        """), "DSL0018", "[Derivative(\"Nope\")] on 'SoftplusDerivative' names no method of 'Functions'; a derivative rule sits beside its function in the same class (write nameof(TheFunction))",
        "\"Nope\"");

    [Fact]
    public void DSL0019_PrivateParam() => AssertDiagnostic(Single("""
        [Model]
        public partial class Hidden
        {
            [Param(3)] Tensor W;

            public Tensor Forward([Shape(3)] Tensor x) => x * W;
        }
        """), "DSL0019", "'W' of the model 'Hidden' is private; the code generated for the experiments that use the model reads it, so it must be public or internal", "W");

    [Fact]
    public void DSL0201_NoParameterDependence() => AssertDiagnostic(Single(Linear, """
        [Experiment]
        public partial class Detached
        {
            public Linear Net = new() { In = 2, Out = 3 };

            [Loss]
            public Tensor Loss([Shape("Batch", 2)] Tensor x) => Mean(Square(x));
        }
        """), "DSL0201", "The loss 'Loss' does not depend on any trainable [Param]; TrainStep computes it but changes nothing", "Loss");

    [Fact]
    public void DSL0202_NoSecondDerivative() => AssertDiagnostic(Single(Linear, """
        public static class Functions
        {
            public static Tensor Softplus(Tensor x) => Log(Exp(x) + 1);

            [Derivative(nameof(Softplus))]
            public static Tensor SoftplusDerivative(Tensor x, Tensor gradOutput) => gradOutput * Sigmoid(x);
        }

        [Experiment]
        public partial class Penalized
        {
            public Linear Net = new() { In = 2, Out = 3 };

            [Loss]
            public Tensor Loss([Shape("Batch", 2)] Tensor x) => Sum(Square(Grad(Sum(Functions.Softplus(Net.Forward(x))), x)));
        }
        """), "DSL0202", "'Loss' differentiates through SoftplusDerivative, which has no derivative rule (second derivatives exist for the Ops functions and sub-model calls, not for user [Derivative] rules)",
        "Grad(Sum(Functions.Softplus(Net.Forward(x))), x)");

    [Fact]
    public void DSL0203_InvalidGrad() => AssertDiagnostic(Single(Linear, """
        [Experiment]
        public partial class Penalized
        {
            public Linear Net = new() { In = 2, Out = 3 };

            [Loss]
            public Tensor Loss([Shape("Batch", 2)] Tensor x) => Sum(Square(Grad(Net.Forward(x), x)));
        }
        """), "DSL0203", "Grad(Net.Forward(x), x) in 'Loss': Net.Forward(x) must be a scalar (reduce it with Sum or Mean), but it is [Batch, 3]",
        "Grad(Net.Forward(x), x)");

    [Fact]
    public void DSL0301_BadUpdateRule() => AssertDiagnostic(Single("""
        [UpdateRule]
        public partial class NoUpdate
        {
            public float LearningRate = 0.1f;
        }
        """), "DSL0301", "Update rule 'NoUpdate': it needs exactly one method marked [Update]", "NoUpdate");

    private const string Deep = """
        [Model]
        public partial class Deep
        {
            [Param(2, 4)] public Tensor W1;
            [Param(4, 3)] public Tensor W2;

            public Tensor Forward([Shape("Batch", 2)] Tensor x) => MatMul(Tanh(MatMul(x, W1)), W2);
        }
        """;

    [Fact]
    public void DSL0204_ValueUsedAfterItsParameterWasUpdated() => AssertDiagnostic(Single(Deep, """
        [Experiment]
        public partial class Stale
        {
            public Deep Net = new();
            public Sgd Optimizer = new();

            [Step]
            public Tensor Step([Shape("Batch", 2)] Tensor x, [Shape("Batch", 3)] Tensor y)
            {
                var loss = MseLoss(Net.Forward(x), y);
                Net.W2 *= 0.5;
                Optimizer.Apply(Net, Grad(loss, Net));
                return loss;
            }
        }
        """), "DSL0204", "In the step 'Step', dTanh (part of a gradient) needs 'Net.W2' as it was before an update of 'Net.W2' earlier in the step; take the gradient before updating 'Net.W2', or compute the loss again after the update", "Step");

    [Fact]
    public void DSL0302_UpdateRuleNotElementwise() => AssertDiagnostic(Single("""
        [UpdateRule]
        public partial class Preconditioned
        {
            public double LearningRate = 0.1;

            [Update]
            void Update(Tensor param, Tensor grad, long step)
            {
                param -= LearningRate * MatMul(grad, grad);
            }
        }
        """), "DSL0302", "Update rule 'Preconditioned': MatMul(grad, grad) is not elementwise; an [Update] body compiles to one loop over the parameter's elements, so it may use numbers, + - * / and the elementwise functions (Sqrt, Square, Exp, Log, Abs, Sign, Tanh, Sigmoid, Relu, Maximum, Minimum, Clamp, Pow, Sin, Cos)", "MatMul(grad, grad)");

    [Fact]
    public void DSL0303_MetricParameterIsNotAStepInput() => AssertDiagnostic(Single(Linear, """
        [Experiment]
        public partial class Measured
        {
            public Linear Net = new() { In = 2, Out = 3 };

            [Loss]
            public Tensor Loss([Shape("Batch", 2)] Tensor x, [Shape("Batch")] Tensor labels) => CrossEntropy(Net.Forward(x), labels);

            [Metric]
            public Tensor Accuracy(Tensor inputs, Tensor labels) => Mean(labels);
        }
        """), "DSL0303", "Metric 'Accuracy': 'inputs' is not a tensor input of Loss (a metric's parameters are matched by name to the step's inputs: x, labels)", "Accuracy");

    [Fact]
    public void DSL0304_ApplyOfAFieldThatIsNoUpdateRule() => AssertDiagnostic(Single(Linear, """
        [Experiment]
        public partial class Misapplied
        {
            public Linear Net = new() { In = 2, Out = 3 };
            public Adam Optimizer = new();

            [Step]
            public Tensor Step([Shape("Batch", 2)] Tensor x, [Shape("Batch", 3)] Tensor y)
            {
                var loss = MseLoss(Net.Forward(x), y);
                Optimiser.Apply(Net, Grad(loss, Net));
                return loss;
            }
        }
        """), "DSL0304", "'Optimiser.Apply' in the step 'Step': 'Optimiser' is not an update-rule field of the experiment (its update rules: Optimizer)", "Optimiser.Apply(Net, Grad(loss, Net))");

    [Theory]
    [InlineData("reading the model")]
    [InlineData("checking the model")]
    [InlineData("lowering")]
    [InlineData("differentiating")]
    [InlineData("planning")]
    [InlineData("emitting")]
    public void DSL9999_InternalFailureBecomesADiagnostic(string stage)
    {
        Guard.FailInStageForTesting.Value = s => s == stage;
        try
        {
            var run = GeneratorHarness.Run(TestSources.Mlp, TestSources.DigitClassifierSgd);
            Assert.NotEmpty(run.Diagnostics);
            Assert.All(run.Diagnostics, d => Assert.Equal("DSL9999", d.Id));
            Assert.All(run.Diagnostics, d => Assert.Contains("test failure injected in '" + stage + "'", d.GetMessage(System.Globalization.CultureInfo.InvariantCulture)));
            Assert.DoesNotContain(run.Diagnostics, d => d.Id == "CS8785");
        }
        finally
        {
            Guard.FailInStageForTesting.Value = null;
        }
    }

    [Fact]
    public void DSL0020_AnAxisMustBeAConstant() => AssertDiagnostic(Single("""
        [Model]
        public partial class Pool
        {
            public int Axis = 1;

            public Tensor Forward([Shape("Batch", 8)] Tensor x) => Sum(x, Axis);
        }
        """), "DSL0020", "Sum: 'dim' must be constant integers (or a model's [Dim]), but 'Axis' is not", "Axis");

    [Fact]
    public void DSL0020_AnUnknownNamedArgument() => AssertDiagnostic(Single("""
        [Model]
        public partial class Pool
        {
            public Tensor Forward([Shape("Batch", 8)] Tensor x) => Mean(x, 1, keepDims: true);
        }
        """), "DSL0020", "Mean: it has no parameter 'keepDims' (Mean(x, dim?, keepdim?))", "keepDims: true");

    [Fact]
    public void DSL0108_AxisOutOfRange() => AssertDiagnostic(Single("""
        [Model]
        public partial class Pool
        {
            public Tensor Forward([Shape("Batch", 8)] Tensor x) => Sum(x, -3);
        }
        """), "DSL0108", "Sum: axis -3 is out of range for x, which is [Batch, 8] (rank 2: axes -2..1)", "Sum(x, -3)");

    [Fact]
    public void DSL0109_Shapes() => AssertDiagnostic(Single("""
        [Model]
        public partial class Pool
        {
            public Tensor Forward([Shape("Batch", 16, 5, 5)] Tensor x) => Reshape(x, -1, 300);
        }
        """), "DSL0109", "Reshape needs a shape with as many elements as its operand; x is [Batch, 16, 5, 5] (Batch·400 elements) and the shape [-1, 300] leaves Batch·400 / 300 for the -1, which is not a whole size the compiler can name",
        "Reshape(x, -1, 300)");

    // ---- loops: run-time loops ----

    private const string Looped = """
        [Experiment]
        public partial class Looped
        {
            public Linear Net = new() { In = 2, Out = 3 };

            [Loss]
            public Tensor Loss([Shape("Batch", 2)] Tensor x)
            {
                var h = Net.Forward(x);
                LOOP
                return Mean(Square(h));
            }
        }
        """;

    [Fact]
    public void DSL0023_LoopBoundIsATensor() => AssertDiagnostic(Single(Linear, Looped.Replace("LOOP", "for (var t = 0; t < Sum(x); t++) h = Tanh(h);")),
        "DSL0023", "The loop 'for (var t = 0; t < Sum(x); t++)' in 'Loss' needs a bound that is a number known when the step runs (an input's size such as x.Size(1), a number argument or field); 'Sum(x)' is a tensor of shape []",
        "Sum(x)");

    [Fact]
    public void DSL0024_WhileLoop() => AssertDiagnostic(Single(Linear, Looped.Replace("LOOP", "while (true) { }")),
        "DSL0024", "The loop 'while (true) { }' in 'Loss' is not supported: write 'for (var t = 0; t < n; t++)' with n a number known when the step runs",
        "while (true) { }");

    [Fact]
    public void DSL0024_BreakInARunTimeLoop() => AssertDiagnostic(Single(Linear, Looped.Replace("LOOP", "for (var t = 0; t < x.Size(0); t++) { h = Tanh(h); break; }")),
        "DSL0024", "'break;' inside the loop 'for (var t = 0; t < x.Size(0); t++)' in 'Loss' is not supported: a run-time loop runs all its iterations (no break, continue or return)",
        "break;");

    [Fact]
    public void DSL0024_AssigningTheLoopVariable() => AssertDiagnostic(Single(Linear, Looped.Replace("LOOP", "for (var t = 0; t < x.Size(0); t++) { h = Tanh(h); t = 2; }")),
        "DSL0024", "'t = 2' inside the loop 'for (var t = 0; t < x.Size(0); t++)' in 'Loss' is not supported: the loop variable 't' is read-only in the body",
        "t = 2");

    [Fact]
    public void DSL0025_CarriedValueChangesShape() => AssertDiagnostic(Single(Linear, Looped.Replace("LOOP", "for (var t = 0; t < x.Size(0); t++) h = Sum(h, [1], keepdim: true);")),
        "DSL0025", "The loop 'for (var t = 0; t < x.Size(0); t++)' in 'Loss' carries 'h', which is [Batch, 3] before the loop and [Batch, 1] after its body; a value a loop assigns must keep its shape and stay a tensor",
        "for (var t = 0; t < x.Size(0); t++) h = Sum(h, [1], keepdim: true);");

    [Fact]
    public void DSL0205_SecondDerivativeThroughARunTimeLoop() => AssertDiagnostic(Single(Linear, """
        [Experiment]
        public partial class Penalized
        {
            public Linear Net = new() { In = 2, Out = 2 };

            [Loss]
            public Tensor Loss([Shape("Batch", 2)] Tensor x)
            {
                var h = x;
                for (var t = 0; t < x.Size(0); t++) h = Tanh(Net.Forward(h));
                return Sum(Square(Grad(Sum(h), x)));
            }
        }
        """), "DSL0205", "'Loss' differentiates through a run-time loop twice (a gradient of a gradient, such as a gradient penalty); the reversed loop of the backward pass has no derivative yet",
        "Grad(Sum(h), x)");
    // ---- control: random ops ----
    [Fact]
    public void DSL0021_DropoutProbabilityOutOfRange() => AssertDiagnostic(Single("""
        [Model]
        public partial class Dropped
        {
            public Tensor Forward([Shape("Batch", 3)] Tensor x) => Dropout(x, 1.5);
        }
        """), "DSL0021", "Dropout: p must be in [0, 1) (the probability of dropping an element), but '1.5' is 1.5", "Dropout(x, 1.5)");

    [Fact]
    public void DSL0021_DropoutProbabilityOneDividesByZero() => AssertDiagnostic(Single("""
        [Model]
        public partial class Dropped
        {
            public Tensor Forward([Shape("Batch", 3)] Tensor x) => Dropout(x, 1);
        }
        """), "DSL0021", "Dropout: p must be in [0, 1) (the probability of dropping an element), but '1' is 1", "Dropout(x, 1)");

    [Fact]
    public void DSL0022_RandIntEmptyRange() => AssertDiagnostic(Single("""
        [Model]
        public partial class Drawn
        {
            public Tensor Forward([Shape("Batch", 3)] Tensor x) => x * RandInt(5, 5, 3);
        }
        """), "DSL0022", "RandInt: needs low < high (integers are drawn from [low, high)), but low is 5 and high is 5", "RandInt(5, 5, 3)");

    [Fact]
    public void DSL0022_NegativeSize() => AssertDiagnostic(Single("""
        [Model]
        public partial class Drawn
        {
            public Tensor Forward([Shape("Batch", 3)] Tensor x) => x + Randn(2, -3);
        }
        """), "DSL0022", "Randn: needs sizes ≥ 0, but the shape is [2, -3], with the size -3", "Randn(2, -3)");

    [Fact]
    public void DSL0022_BernoulliProbabilityOutOfRange() => AssertDiagnostic(Single("""
        [Model]
        public partial class Drawn
        {
            public Tensor Forward([Shape("Batch", 3)] Tensor x) => x * Bernoulli(x, 2);
        }
        """), "DSL0022", "Bernoulli: needs a probability p in [0, 1], but '2' is 2", "Bernoulli(x, 2)");

    [Fact]
    public void DSL0305_RandomDrawInAnUpdateRule() => AssertDiagnostic(Single("""
        [UpdateRule]
        public partial class NoisySgd
        {
            public double LearningRate = 0.1;

            [Update]
            void Update(Tensor param, Tensor grad, long step)
            {
                param -= LearningRate * (grad + RandnLike(param));
            }
        }
        """), "DSL0305", "Update rule 'NoisySgd': RandnLike(param) draws random numbers; an [Update] body is a deterministic elementwise loop over the parameter's elements, so draw in the [Loss], [Step] or Forward that computes the gradient instead", "RandnLike(param)");

    [Fact]
    public void EveryCatalogIdHasATestAndADocLine()
    {
        var tested = typeof(DiagnosticTests).GetMethods().Select(m => m.Name).Where(n => n.StartsWith("DSL", StringComparison.Ordinal))
            .Select(n => n.Substring(0, 7)).ToHashSet();
        var docs = File.ReadAllText(Path.Combine(RepositoryRoot(), "docs", "DIAGNOSTICS.md"));
        foreach (var descriptor in DiagnosticCatalog.All)
        {
            Assert.Contains(descriptor.Id, tested);
            Assert.Contains("## " + descriptor.Id, docs);
        }
    }

    // ---- rule state: initialization, evaluation state, number state ----

    private static string RuleWithState(string members, string body = "param -= LearningRate * grad;") => $$"""
        [UpdateRule]
        public sealed partial class Odd
        {
            public double LearningRate = 0.1;
            {{members}}

            [Update]
            void Update(Tensor param, Tensor grad, long step)
            {
                {{body}}
            }
        }
        """;

    [Fact]
    public void DSL0306_UnknownInit() => AssertDiagnostic(Single(RuleWithState("[State(Init = (StateInit)7)] Tensor s = null!;")),
        "DSL0306", "State 's' of update rule 'Odd': Init = 7 is not a StateInit; expected StateInit.Zeros or StateInit.Parameter", "s");

    [Fact]
    public void DSL0306_InitFromTheParameterOnANumber() => AssertDiagnostic(Single(RuleWithState("[State(Init = StateInit.Parameter)] double total;")),
        "DSL0306", "State 'total' of update rule 'Odd': Init = StateInit.Parameter copies the parameter into a tensor of its shape, but this state is a double (a number starts at 0); declare it 'Tensor' or drop Init",
        "total");

    [Fact]
    public void DSL0307_EvaluateAtANumber() => AssertDiagnostic(Single(RuleWithState("[State(EvaluateAt = true)] double total;")),
        "DSL0307", "Update rule 'Odd': 'total' is marked EvaluateAt = true, but it is a double; the model is evaluated at a Tensor state of the parameter's shape",
        "total");

    [Fact]
    public void DSL0307_TwoEvaluationStates() => AssertDiagnostic(Single(RuleWithState(
        "[State(Init = StateInit.Parameter, EvaluateAt = true)] Tensor a = null!, b = null!;")),
        "DSL0307", "Update rule 'Odd': the states 'a', 'b' are all marked EvaluateAt = true, but the model is evaluated at one of them; mark only one",
        "Odd");

    [Fact]
    public void DSL0308_ANumberStateThatIsNotADouble() => AssertDiagnostic(Single(RuleWithState("[State] float total;")),
        "DSL0308", "Number state 'total' of update rule 'Odd': a number state is a double (it holds sums of learning rates and the like), not float",
        "total");

    [Fact]
    public void DSL0308_ATensorAssignedToANumberState() => AssertDiagnostic(Single(RuleWithState("[State] double total;",
        "total += Square(grad);\n        param -= LearningRate * grad;")),
        "DSL0308", "Number state 'total' of update rule 'Odd': it is assigned a tensor ('Square(grad)'), but a number state holds one number per parameter; assign a number (of hyperparameters, 'step' and other numbers), or declare the state 'Tensor' for one value per element",
        "total += Square(grad)");

    [Fact]
    public void AStateOfAnotherTypeIsDSL0008() => AssertDiagnostic(Single(RuleWithState("[State] string name = \"\";")),
        "DSL0008", "'name' is marked [State] and must be of type Dsl.Tensor (a tensor of the parameter's shape) or double (a number per parameter)", "name");

    private static string RepositoryRoot([System.Runtime.CompilerServices.CallerFilePath] string file = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(file)!, "..", ".."));

    // ---- conditions on run-time numbers (ConditionTests has the features) ----

    [Fact]
    public void DSL0026_ATensorCondition() => AssertDiagnostic(Single("""
        [Model]
        public partial class Gate
        {
            public Tensor Forward([Shape("Batch", 3)] Tensor x)
            {
                if (x > 0) return Relu(x);
                return x;
            }
        }
        """), "DSL0026", "The condition 'x > 0' in 'Forward' is a tensor [Batch, 3]; 'if' and '?:' choose with a number known at run time (a step, a hyper-parameter, a number argument); use Where(...) for elementwise choices",
        "x > 0");

    [Fact]
    public void DSL0027_BranchesOfDifferentShapes() => AssertDiagnostic(Single("""
        [Model]
        public partial class Pick
        {
            public Tensor Forward([Shape(3)] Tensor x, [Shape(4)] Tensor z, double s) => s > 0 ? x : z;
        }
        """), "DSL0027", "The branches of 's > 0 ? x : z' give 'x' (a tensor [3]) and 'z' (a tensor [4]); both must be numbers, or tensors of one shape (a number or a tensor that broadcasts takes the other's shape)",
        "s > 0 ? x : z");

    [Fact]
    public void DSL0027_AnIfLeavesALocalWithTwoShapes() => AssertDiagnostic(Single("""
        [Model]
        public partial class Grow
        {
            public Tensor Forward([Shape(3)] Tensor x, double s)
            {
                var h = x;
                if (s > 0) h = Cat([x, x], 0);
                return Sum(h);
            }
        }
        """), "DSL0027", "The branches of 'h' (if (s > 0)) give a tensor [6] and a tensor [3]; both must be numbers, or tensors of one shape (a number or a tensor that broadcasts takes the other's shape)",
        "s > 0");

    [Fact]
    public void DSL0028_ALocalAssignedInOneBranchOnly()
    {
        var run = GeneratorHarness.Run("""
            [Model]
            public partial class Half
            {
                public Tensor Forward([Shape(3)] Tensor x, double s)
                {
                    Tensor y;
                    if (s > 0) y = Relu(x);
                    return y;
                }
            }
            """);
        var diagnostic = Assert.Single(run.Diagnostics);
        var tree = run.Input.SyntaxTrees.Single(t => t.FilePath == diagnostic.Location.GetLineSpan().Path);
        var line = tree.GetText().Lines.Single(l => l.ToString().Contains("if (s > 0)")).LineNumber + 1;
        AssertDiagnostic((diagnostic, tree.GetText().ToString(diagnostic.Location.SourceSpan)), "DSL0028",
            "'y' is read in 'Forward' but only one branch of the 'if' at line " + line + " assigns it; assign it in both branches (or before the 'if')", "y");
    }

    [Fact]
    public void DSL0029_CallsNestedMoreThan64Deep()
    {
        // 70 nested calls: the 65th level, and what it holds, is where the parser stops.
        var inner = string.Concat(Enumerable.Repeat("Tanh(", 6)) + "x" + new string(')', 6);
        AssertDiagnostic(Single($$"""
            [Model]
            public partial class Nested
            {
                public Tensor Forward([Shape(3)] Tensor x) => {{string.Concat(Enumerable.Repeat("Tanh(", 70))}}x{{new string(')', 70)}};
            }
            """), "DSL0029", "'" + inner + "' in 'Forward' is nested more than 64 levels deep (calls inside calls, parenthesized operands, unary minus); give inner parts names with 'var' locals",
            inner);
    }

    [Fact]
    public void DSL0003_ASwitchExpressionNamesTheConditions() => AssertDiagnostic(Single("""
        [Model]
        public partial class Switchy
        {
            public Tensor Forward([Shape(3)] Tensor x, double s) => s switch { > 0 => Relu(x), _ => x };
        }
        """), "DSL0003", "The switch expression 's switch { > 0 => Relu(x), _ => x }' (choose with a condition on numbers: 'c ? a : b' or 'if (c) ... else ...', comparing with == != < <= > >=) is not supported in 'Forward'; a Forward body may use numbers, 'var' locals, parameters, fields, the operators + - * /, calls of Dsl.Ops functions, of a sub-model's Forward and of [Differentiable] functions, 'for' loops (constant bounds unroll; a bound known when the step runs, such as x.Size(1), makes a real loop), 'if'/'else' and 'c ? a : b' on number conditions (== != < <= > >= && || !), and 'return'",
        "s switch { > 0 => Relu(x), _ => x }");

    [Fact]
    public void DSL0003_AConditionUsedAsAValue() => AssertDiagnostic(Single("""
        [Model]
        public partial class Masked
        {
            public Tensor Forward([Shape(3)] Tensor x, double s)
            {
                var on = s > 0;
                return x * on;
            }
        }
        """), "DSL0003", "Using the condition 'on' as a value (a condition chooses: 'c ? a : b', 'if (c) ...'; an elementwise mask is Where(Gt(x, y), a, b)) is not supported in 'Forward'; a body may use numbers, 'var' locals, parameters, fields, the operators + - * /, calls of Dsl.Ops functions, calls of a sub-model's Forward, 'if'/'else' and 'c ? a : b' on number conditions (== != < <= > >= && || !), and 'return'",
        "x * on");

    // ---- composed update rules: a rule wrapping an inner rule ----

    private static string Wrapper(string members, string body) => $$"""
        [UpdateRule]
        public sealed partial class Wrapper
        {
            public double Lambda = 2;
            {{members}}
            [State] Tensor h = null!;

            [Update]
            void Update(Tensor param, Tensor grad, long step)
            {
                {{body}}
            }
        }
        """;

    private const string OneInner = "public IUpdateRule Inner = new Sgd();";

    [Fact]
    public void DSL0309_TwoInnerRules() => AssertDiagnostic(Single(Wrapper(OneInner + " public IUpdateRule Other = new Adam();",
        "h = grad;\n        Inner.Apply(param, grad + Lambda * h, step);")),
        "DSL0309", "Update rule 'Wrapper': it holds update rules in 'Inner', 'Other', but a rule wraps one inner rule; to chain several, let the inner rule wrap the next",
        "Other");

    [Fact]
    public void DSL0309_AStaticInnerRule() => AssertDiagnostic(Single(Wrapper("public static AdamW Inner = new();",
        "h = grad;\n        Inner.Apply(param, grad + Lambda * h, step);")),
        "DSL0309", "Update rule 'Wrapper': its inner rule 'Inner' is static; make it an instance field, so each instance of the rule wraps its own",
        "Inner");

    [Fact]
    public void DSL0309_ApplyingAnInnerRuleTheRuleDoesNotHold() => AssertDiagnostic(Single(Wrapper("",
        "h = grad;\n        Inner.Apply(param, grad + Lambda * h, step);")),
        "DSL0309", "Update rule 'Wrapper': 'Inner.Apply' hands the gradient to an inner rule, but the rule holds none; declare the rule it wraps as a field ('public IUpdateRule Inner = new AdamW();') and apply that",
        "Inner.Apply(param, grad + Lambda * h, step)");

    [Fact]
    public void DSL0310_StatementsAfterTheInnerRule() => AssertDiagnostic(Single(Wrapper(OneInner,
        "Inner.Apply(param, grad, step);\n        h = grad;")),
        "DSL0310", "'Inner.Apply' in update rule 'Wrapper': statements follow it; the inner rule's update ends the body, so put them before it",
        "Inner.Apply(param, grad, step)");

    [Fact]
    public void DSL0310_TheInnerRuleAppliedTwice()
    {
        var run = GeneratorHarness.Run(Wrapper(OneInner, "h = grad;\n        Inner.Apply(param, grad, step);\n        Inner.Apply(param, grad, step);"));
        // The first is followed by a statement, the second applies the rule again: both are reported.
        Assert.Equal(["DSL0310", "DSL0310"], run.Diagnostics.Select(d => d.Id));
        var messages = run.Diagnostics.Select(d => d.GetMessage(System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Contains("'Inner.Apply' in update rule 'Wrapper': statements follow it; the inner rule's update ends the body, so put them before it", messages);
        Assert.Contains("'Inner.Apply' in update rule 'Wrapper': the inner rule is applied more than once; apply it once, as the body's last statement", messages);
    }

    [Fact]
    public void DSL0310_TheInnerRuleAppliedInACondition() => AssertDiagnostic(Single(Wrapper(OneInner,
        "h = grad;\n        if (step > 1) { Inner.Apply(param, grad + Lambda * h, step); }")),
        "DSL0310", "'Inner.Apply' in update rule 'Wrapper': the inner rule is applied inside an 'if' or a loop; apply it once, as the body's last statement (choose the gradient with '?:' instead)",
        "Inner.Apply(param, grad + Lambda * h, step)");

    [Fact]
    public void DSL0310_ArgumentsInTheWrongOrder() => AssertDiagnostic(Single(Wrapper(OneInner,
        "h = grad;\n        Inner.Apply(grad, param, step);")),
        "DSL0310", "'Inner.Apply' in update rule 'Wrapper': write 'Inner.Apply(param, gradient, step)': the rule's parameter, the gradient the inner rule steps on, and the step",
        "Inner.Apply(grad, param, step)");

    [Fact]
    public void DSL0310_ANumberHandedOn() => AssertDiagnostic(Single(Wrapper(OneInner,
        "h = grad;\n        Inner.Apply(param, Lambda * 2, step);")),
        "DSL0310", "'Inner.Apply' in update rule 'Wrapper': the gradient handed on is a number; the inner rule steps on a tensor of the parameter's shape (an expression of 'grad')",
        "Inner.Apply(param, Lambda * 2, step)");

    [Fact]
    public void DSL0311_TheParameterAssignedBesideTheInnerRule() => AssertDiagnostic(Single(Wrapper(OneInner,
        "h = grad;\n        param -= 0.01 * param;\n        Inner.Apply(param, grad + Lambda * h, step);")),
        "DSL0311", "'param' is assigned in update rule 'Wrapper', which also applies its inner rule 'Inner'; the inner rule updates the parameter: compute the gradient it gets instead (fold the change into the gradient handed on: Inner.Apply(param, ĝ, step))",
        "param -= 0.01 * param");

    [Fact]
    public void DSL0312_AnInnerRuleNeverApplied() => AssertDiagnostic(Single(Wrapper(OneInner,
        "h = grad;\n        param -= 0.1 * h;")),
        "DSL0312", "Update rule 'Wrapper' holds an inner rule in 'Inner' but its [Update] body never applies it; end the body with 'Inner.Apply(param, gradient, step);' (or remove the field)",
        "Update");
}
