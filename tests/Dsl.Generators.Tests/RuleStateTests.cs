using Dsl.Generators.Tests.Infrastructure;
using Microsoft.CodeAnalysis;

namespace Dsl.Generators.Tests;

/// <summary>
/// Update-rule state users can read and initialize: [State(Init = StateInit.Parameter, EvaluateAt = true)]
/// tensors and [State] double number states: the generated rule (a snapshot) and the diagnostics of misuse
/// (DSL0306, DSL0307, DSL0308), each with its exact message and the text it points at.
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

    private static (Diagnostic Diagnostic, string Text) Single(string source)
    {
        var run = GeneratorHarness.Run(source);
        var diagnostic = Assert.Single(run.Diagnostics);
        var tree = run.Input.SyntaxTrees.Single(t => t.FilePath == diagnostic.Location.GetLineSpan().Path);
        return (diagnostic, tree.GetText().ToString(diagnostic.Location.SourceSpan));
    }

    private static void AssertDiagnostic((Diagnostic Diagnostic, string Text) actual, string id, string message, string text)
    {
        Assert.Equal(id, actual.Diagnostic.Id);
        Assert.Equal(message, actual.Diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(text, actual.Text);
    }

    private static string Rule(string members, string body = "param -= LearningRate * grad;") => $$"""
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
    public void DSL0306_UnknownInit() => AssertDiagnostic(Single(Rule("[State(Init = (StateInit)7)] Tensor s = null!;")),
        "DSL0306", "State 's' of update rule 'Odd': Init = 7 is not a StateInit; expected StateInit.Zeros or StateInit.Parameter", "s");

    [Fact]
    public void DSL0306_InitFromTheParameterOnANumber() => AssertDiagnostic(Single(Rule("[State(Init = StateInit.Parameter)] double total;")),
        "DSL0306", "State 'total' of update rule 'Odd': Init = StateInit.Parameter copies the parameter into a tensor of its shape, but this state is a double (a number starts at 0); declare it 'Tensor' or drop Init",
        "total");

    [Fact]
    public void DSL0307_EvaluateAtANumber() => AssertDiagnostic(Single(Rule("[State(EvaluateAt = true)] double total;")),
        "DSL0307", "Update rule 'Odd': 'total' is marked EvaluateAt = true, but it is a double; the model is evaluated at a Tensor state of the parameter's shape",
        "total");

    [Fact]
    public void DSL0307_TwoEvaluationStates() => AssertDiagnostic(Single(Rule(
        "[State(Init = StateInit.Parameter, EvaluateAt = true)] Tensor a = null!, b = null!;")),
        "DSL0307", "Update rule 'Odd': the states 'a', 'b' are all marked EvaluateAt = true, but the model is evaluated at one of them; mark only one",
        "Odd");

    [Fact]
    public void DSL0308_ANumberStateThatIsNotADouble() => AssertDiagnostic(Single(Rule("[State] float total;")),
        "DSL0308", "Number state 'total' of update rule 'Odd': a number state is a double (it holds sums of learning rates and the like), not float",
        "total");

    [Fact]
    public void DSL0308_ATensorAssignedToANumberState() => AssertDiagnostic(Single(Rule("[State] double total;",
        "total += Square(grad);\n        param -= LearningRate * grad;")),
        "DSL0308", "Number state 'total' of update rule 'Odd': it is assigned a tensor ('Square(grad)'), but a number state holds one number per parameter; assign a number (of hyperparameters, 'step' and other numbers), or declare the state 'Tensor' for one value per element",
        "total += Square(grad)");

    [Fact]
    public void AStateOfAnotherTypeIsDSL0008() => AssertDiagnostic(Single(Rule("[State] string name = \"\";")),
        "DSL0008", "'name' is marked [State] and must be of type Dsl.Tensor (a tensor of the parameter's shape) or double (a number per parameter)", "name");
}
