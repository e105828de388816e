using System.Text.RegularExpressions;
using Dsl.Generators.Tests.Infrastructure;

namespace Dsl.Generators.Tests;

/// <summary>
/// Optimization/Fusion: a 2-D product plus a bias becomes one Addmm call, and a [Loss] that is one
/// cross-entropy is computed with its gradient by one CrossEntropyWithGradient call in the step;
/// where a fused-away value is read elsewhere the nodes stay apart. The fused step's gradients are
/// checked against finite differences of its own EvaluateLoss (which runs the fused forward pass).
/// </summary>
public sealed class FusionTests
{
    private const string Classifier = """
        [Model]
        public partial class TwoLayer
        {
            [Param(4, 5)] public Tensor W1;
            [Param(5)] public Tensor B1;
            [Param(5, 3)] public Tensor W2;
            [Param(3)] public Tensor B2;

            public Tensor Forward([Shape("Batch", 4)] Tensor x) => MatMul(Tanh(B1 + MatMul(x, W1)), W2) + B2;
        }

        [Experiment]
        public partial class Classify
        {
            public TwoLayer Net = new();

            [Loss]
            public Tensor Loss([Shape("Batch", 4)] Tensor x, [Shape("Batch")] Tensor labels) => CrossEntropy(Net.Forward(x), labels);
        }
        """;

    private static int Count(string code, string kernel) => Regex.Matches(code, @"^\s*global::Dsl\.Kernels\." + kernel + @"\(", RegexOptions.Multiline).Count;

    private static string Body(string code, string member)
    {
        var start = code.IndexOf("public float " + member + "(", StringComparison.Ordinal);
        return code.Substring(start, code.IndexOf("\n    }", start, StringComparison.Ordinal) - start);
    }

    private static string Generate(string source, string hint)
    {
        var run = GeneratorHarness.Run(source);
        Assert.Empty(run.Diagnostics);
        Assert.Empty(run.CompilationErrors);
        return run.Source(hint);
    }

    [Fact]
    public void TheStepComputesEachLayerWithAddmmAndTheLossWithItsGradientInOneCall()
    {
        var code = Generate(Classifier, "Demo.Classify.g.cs");
        var step = Body(code, "ComputeGradients");
        Assert.Equal(2, Count(step, "Addmm"));
        Assert.Equal(0, Count(step, "Add"));
        Assert.Equal(3, Count(step, "Mm")); // dW1, dW2 and the hidden layer's input gradient
        Assert.Equal(1, Count(step, "CrossEntropyWithGradient"));
        foreach (var unfused in new[] { "LogSoftmax", "NllLoss", "Fill", "NllLossBackward", "LogSoftmaxBackward" }) Assert.Equal(0, Count(step, unfused));
        // The loss has no line of its own in the step (the fused call's math line names it), and no empty comment either.
        Assert.DoesNotContain("// loss = CrossEntropy", step, StringComparison.Ordinal);
        Assert.Contains("// dLogits = (softmax(logits) - onehot(labels)) / B, and loss = CrossEntropy(logits, labels), in one pass", step, StringComparison.Ordinal);
        Assert.DoesNotMatch(new Regex(@"^\s*//\s*$", RegexOptions.Multiline), step);

        // The evaluation has no gradient to compute: it keeps log_softmax + nll_loss.
        var evaluate = Body(code, "EvaluateLoss");
        Assert.Equal(2, Count(evaluate, "Addmm"));
        Assert.Equal(1, Count(evaluate, "LogSoftmax"));
        Assert.Equal(1, Count(evaluate, "NllLoss"));
        Assert.Equal(0, Count(evaluate, "CrossEntropyWithGradient"));
    }

    [Fact]
    public void AProductReadTwiceAndALossReadByAPenaltyStayUnfused()
    {
        var code = Generate("""
            [Model]
            public partial class Shared
            {
                [Param(4, 3)] public Tensor W;
                [Param(3)] public Tensor B;

                public Tensor Forward([Shape("Batch", 4)] Tensor x) => MatMul(x, W) + B + Relu(MatMul(x, W));
            }

            [Experiment]
            public partial class Penalized
            {
                public Shared Net = new();

                [Loss]
                public Tensor Loss([Shape("Batch", 4)] Tensor x, [Shape("Batch")] Tensor labels) =>
                    CrossEntropy(Net.Forward(x), labels) + 0.01 * Sum(Net.W * Net.W);
            }
            """, "Demo.Penalized.g.cs");
        var step = Body(code, "ComputeGradients");
        var forward = step.Substring(0, step.IndexOf("// Backward", StringComparison.Ordinal));
        Assert.Equal(0, Count(forward, "Addmm"));
        Assert.Equal(1, Count(forward, "Mm"));
        Assert.Equal(0, Count(step, "CrossEntropyWithGradient"));
        Assert.Equal(1, Count(step, "NllLossBackward"));
    }

    [Fact]
    public void TheFusedStepMatchesFiniteDifferencesOfItsFusedEvaluationInFloat64()
    {
        dynamic experiment = Create(Classifier, "Demo.Classify");
        experiment.Initialize(5UL, DType.Float64);
        using var g = new Generator(9);
        using var x = Tensor.Randn([7, 4], g, DType.Float64);
        // Two ignored labels (-100): they add nothing to the loss and get zero gradient rows.
        using var labels = Tensor.FromArray(new long[] { 0, 2, -100, 1, 1, -100, 2 }, 7);
        object[] inputs = [x, labels];

        // The methods return the loss as a float; the buffer holds it in float64.
        var lossBuffer = ((object)experiment).GetType().GetField("__loss", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)!;
        double Buffered() => ((Tensor)lossBuffer.GetValue((object)experiment)!).Item();
        experiment.ComputeGradients(x, labels);
        var fused = Buffered();
        experiment.EvaluateLoss(x, labels);
        var evaluated = Buffered();
        using var eager = (Tensor)experiment.Loss(x, labels);
        Assert.Equal(eager.Item(), fused, 1e-12);
        Assert.Equal(eager.Item(), evaluated, 1e-12);

        // The reference loss is the generated EvaluateLoss (Addmm in the forward pass), not the eager one.
        Func<double> fusedEvaluation = () =>
        {
            experiment.EvaluateLoss(x, labels);
            return Buffered();
        };
        GradientCheck.AgainstFiniteDifferences(experiment, inputs, loss: fusedEvaluation);
    }

    private static object Create(string source, string typeName)
    {
        var run = GeneratorHarness.Run(source);
        Assert.Empty(run.Diagnostics);
        var assembly = GeneratorHarness.Load(run.Output);
        return Activator.CreateInstance(assembly.GetType(typeName, throwOnError: true)!)!;
    }
}
