using Dsl.Generators.Tests.Infrastructure;
using Microsoft.CodeAnalysis;

namespace Dsl.Generators.Tests;

/// <summary>
/// Declarations a user half-typing in an IDE writes that once broke the generator (an exception),
/// produced generated code that did not compile, or were accepted silently. Each is now working
/// code (no errors in the .g.cs files) or a DSL diagnostic at the user's token.
/// </summary>
public sealed class DeclarationEdgeCaseTests
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

    /// <summary>The generator reported exactly one diagnostic, with this id and message, at this text; it did not crash.</summary>
    private static void AssertOnly(GeneratorRun run, string id, string message, string text)
    {
        Assert.DoesNotContain(run.Diagnostics, d => d.Id is "CS8785" or "DSL9999");
        var diagnostic = Assert.Single(run.Diagnostics);
        Assert.Equal(id, diagnostic.Id);
        Assert.Equal(message, diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
        Assert.NotNull(diagnostic.Location.SourceTree);
        Assert.Equal(text, diagnostic.Location.SourceTree!.GetText().ToString(diagnostic.Location.SourceSpan));
    }

    private static IReadOnlyList<Diagnostic> GeneratedFileErrors(GeneratorRun run) => run.CompilationErrors
        .Where(d => d.Location.SourceTree?.FilePath.EndsWith(".g.cs", StringComparison.Ordinal) == true).ToList();

    // ---- generator exceptions -------------------------------------------------------------------

    [Fact]
    public void TwoPartsBothMarkedModelGenerateOneFile()
    {
        // Once CS8785 ("hintName must be unique"): each attributed part was a declaration of its own.
        var run = GeneratorHarness.Run("""
            [Model]
            public partial class Twice
            {
                [Param(3)] public Tensor W;
            }

            [Model]
            public partial class Twice
            {
                public Tensor Forward([Shape(3)] Tensor x) => x * W;
            }
            """);
        Assert.Empty(run.Diagnostics);
        Assert.Equal(["Demo.Twice.g.cs"], run.Sources.Select(s => s.HintName));
        Assert.Empty(GeneratedFileErrors(run));
        // The duplicate attribute is the user's own error, reported by the compiler.
        Assert.All(run.CompilationErrors, d => Assert.Equal("CS0579", d.Id));
    }

    [Fact]
    public void TwoPartsWithOtherAttributesWork()
    {
        var run = GeneratorHarness.Run("""
            [Model]
            public partial class Split
            {
                [Param(3)] public Tensor W;
            }

            [System.Diagnostics.DebuggerDisplay("Split")]
            public partial class Split
            {
                public Tensor Forward([Shape(3)] Tensor x) => x * W;
            }
            """);
        Assert.Empty(run.Diagnostics);
        Assert.Empty(run.CompilationErrors);
        var model = Activator.CreateInstance(GeneratorHarness.Load(run.Output).GetType("Demo.Split", throwOnError: true)!)!;
        ((dynamic)model).Initialize(1UL, DType.Float32);
        Assert.True((bool)((dynamic)model).IsInitialized);
    }

    [Fact]
    public void AClassThatIsBothAModelAndAnExperimentIsADiagnostic() => AssertOnly(GeneratorHarness.Run("""
        [Model, Experiment]
        public partial class Both
        {
            [Param(3)] public Tensor W;

            public Tensor Forward([Shape(3)] Tensor x) => x * W;

            [Loss]
            public Tensor Loss([Shape(3)] Tensor x) => Sum(Forward(x));
        }
        """), "DSL0002", "'Both' cannot be a [Experiment]: it is already a [Model]; a class is one of [Model], [Experiment] and [UpdateRule]", "Both");

    [Fact]
    public void NullParamDimsAreADiagnostic() => AssertOnly(GeneratorHarness.Run("""
        [Model]
        public partial class Nothing
        {
            [Param(null)] public Tensor W;

            public Tensor Forward([Shape(3)] Tensor x) => x * W;
        }
        """), "DSL0007", "Dimension 'null' of 'W' must be a positive integer constant or the name of a [Dim] field of 'Nothing'", "null");

    [Fact]
    public void NullShapeIsADiagnostic() => AssertOnly(GeneratorHarness.Run("""
        [Model]
        public partial class Shapeless
        {
            [Param(3)] public Tensor W;

            public Tensor Forward([Shape(null)] Tensor x) => x * W;
        }
        """), "DSL0007", "Dimension 'null' of 'x' must be a positive integer constant or the name of a [Dim] field of 'Shapeless'", "null");

    // ---- generated code that did not compile --------------------------------------------------

    [Fact]
    public void AFileLocalModelIsADiagnostic() => AssertOnly(GeneratorHarness.Run("""
        [Model]
        file partial class Local
        {
            [Param(3)] public Tensor W;

            public Tensor Forward([Shape(3)] Tensor x) => x * W;
        }
        """), "DSL0002", "'Local' cannot be a [Model]: a file-local type cannot be extended by the generated file; remove 'file'", "Local");

    [Theory]
    [InlineData("[Param(3)] public static Tensor W = null!;", "static")]
    [InlineData("[Param(3)] public readonly Tensor W = null!;", "readonly")]
    public void AParamTheGeneratedCodeCannotAssignIsADiagnostic(string declaration, string problem) => AssertOnly(GeneratorHarness.Run($$"""
        [Model]
        public partial class Fixed
        {
            {{declaration}}

            public Tensor Forward([Shape(3)] Tensor x) => x * W;
        }
        """), "DSL0015", "'W' is marked [Param] but is " + problem + "; the generated Initialize assigns it, so it must be a writable instance field or property", "W");

    [Fact]
    public void AStringLearningRateOnAPlainSgdExperimentIsADiagnostic() => AssertOnly(GeneratorHarness.Run(Linear, """
        [Experiment]
        public partial class Worded
        {
            public Linear Net = new() { In = 2, Out = 3 };
            public string LearningRate = "fast";

            [Loss]
            public Tensor Loss([Shape("Batch", 2)] Tensor x) => Mean(Square(Net.Forward(x)));
        }
        """), "DSL0014", "'LearningRate' is the name of a member the generator adds to this [Experiment] (public double LearningRate { get; set; }, the step size of its plain gradient-descent update, unless yours is a number field or property); rename yours",
        "LearningRate");

    [Fact]
    public void ANumberLearningRatePropertyIsTheStepSize()
    {
        var run = GeneratorHarness.Run(Linear, """
            [Experiment]
            public partial class Tuned
            {
                public Linear Net = new() { In = 2, Out = 3 };
                public float LearningRate { get; set; } = 0.5f;

                [Loss]
                public Tensor Loss([Shape("Batch", 2)] Tensor x) => Mean(Square(Net.Forward(x)));
            }
            """);
        Assert.Empty(run.Diagnostics);
        Assert.Empty(run.CompilationErrors);
    }

    [Theory]
    [InlineData("public int Parameters => 3;", "Parameters", "public IReadOnlyList<(string Name, Tensor Value)> Parameters { get; }")]
    [InlineData("public void Initialize() { }", "Initialize", "public void Initialize(ulong seed, DType dtype)")]
    [InlineData("public bool IsInitialized;", "IsInitialized", "public bool IsInitialized { get; }")]
    public void AModelMemberNamedLikeAGeneratedOneIsADiagnostic(string declaration, string name, string generated) => AssertOnly(GeneratorHarness.Run($$"""
        [Model]
        public partial class Named
        {
            [Param(3)] public Tensor W;
            {{declaration}}

            public Tensor Forward([Shape(3)] Tensor x) => x * W;
        }
        """), "DSL0014", "'" + name + "' is the name of a member the generator adds to this [Model] (" + generated + "); rename yours", name);

    [Theory]
    [InlineData("public int TrainStep;", "TrainStep", "public float TrainStep(...)")]
    [InlineData("public long StepCount() => 0;", "StepCount", "public long StepCount { get; }")]
    [InlineData("public string Gradients = \"\";", "Gradients", "public IReadOnlyList<(string Name, Tensor Value)> Gradients { get; }")]
    public void AnExperimentMemberNamedLikeAGeneratedOneIsADiagnostic(string declaration, string name, string generated) => AssertOnly(GeneratorHarness.Run(Linear, $$"""
        [Experiment]
        public partial class Named
        {
            public Linear Net = new() { In = 2, Out = 3 };
            public double LearningRate = 0.1;
            {{declaration}}

            [Loss]
            public Tensor Loss([Shape("Batch", 2)] Tensor x) => Mean(Square(Net.Forward(x)));
        }
        """), "DSL0014", "'" + name + "' is the name of a member the generator adds to this [Experiment] (" + generated + "); rename yours", name);

    [Fact]
    public void AModelWithItsOwnPredictKeepsItAndTrains()
    {
        // The generated conveniences that can give way do: a user Predict (and its buffers' release) is left alone.
        var run = GeneratorHarness.Run("""
            [Model]
            public partial class Own
            {
                [Param(3)] public Tensor W;

                public Tensor Forward([Shape(3)] Tensor x) => x * W;

                public Tensor Predict(Tensor x) => x;

                public void ReleasePredictBuffers() { }
            }
            """);
        Assert.Empty(run.Diagnostics);
        Assert.Empty(run.CompilationErrors);
    }

    // ---- accepted silently ----------------------------------------------------------------------

    [Theory]
    [InlineData("Model", "[Param(3)] public Tensor W; public Tensor Forward([Shape(3)] Tensor x) => x * W;", "model")]
    [InlineData("Experiment", "[Loss] public Tensor Loss([Shape(3)] Tensor x) => Sum(x);", "experiment")]
    public void ARecordIsADiagnostic(string kind, string members, string noun) => AssertOnly(GeneratorHarness.Run($$"""
        [{{kind}}]
        public partial record Recorded
        {
            {{members}}
        }
        """), "DSL0002", "'Recorded' cannot be a [" + kind + "]: a record is not supported (records compare and copy by value; a " + noun + " holds tensors it owns); declare a class", "Recorded");

    [Fact]
    public void ADerivativeNamingNoFunctionIsADiagnostic() => AssertOnly(GeneratorHarness.Run("""
        public static class Functions
        {
            [Derivative(nameof(Functions))]
            public static Tensor Rule(Tensor x, Tensor gradOutput) => gradOutput;
        }
        """), "DSL0018", "[Derivative(\"Functions\")] on 'Rule' names no method of 'Functions'; a derivative rule sits beside its function in the same class (write nameof(TheFunction))",
        "nameof(Functions)");

    [Fact]
    public void StateAndUpdateInAModelAreDiagnostics()
    {
        var run = GeneratorHarness.Run("""
            [Model]
            public partial class Confused
            {
                [Param(3)] public Tensor W;
                [State] public Tensor M = null!;

                public Tensor Forward([Shape(3)] Tensor x) => x * W;

                [Update]
                void Step(Tensor param, Tensor grad, long step) => param -= grad;
            }
            """);
        Assert.DoesNotContain(run.Diagnostics, d => d.Id is "CS8785" or "DSL9999");
        var messages = run.Diagnostics.OrderBy(d => d.Location.SourceSpan.Start)
            .Select(d => d.Id + " " + d.GetMessage(System.Globalization.CultureInfo.InvariantCulture) + " @ " + d.Location.SourceTree!.GetText().ToString(d.Location.SourceSpan));
        Assert.Equal([
            "DSL0016 [State] on 'M' belongs in an [UpdateRule] class; a [Model] does not use it @ State",
            "DSL0016 [Update] on 'Step' belongs in an [UpdateRule] class; a [Model] does not use it @ Update",
        ], messages);
        Assert.Empty(run.Sources);
    }

    [Fact]
    public void ASubModelWithoutInitializerIsADiagnostic() => AssertOnly(GeneratorHarness.Run(Linear, """
        [Model]
        public partial class Outer
        {
            public Linear Inner { get; set; }

            public Tensor Forward([Shape("Batch", 2)] Tensor x) => Inner.Forward(x);
        }
        """), "DSL0017", "'Inner' holds the [Model] 'Linear' but has no initializer; give it one ('= new()', with its [Dim] sizes set) so the generated code has an instance to use", "Inner");
}
