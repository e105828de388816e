using Dsl.Generators.Tests.Infrastructure;

namespace Dsl.Generators.Tests;

/// <summary>
/// A [Loss]'s tensor parameters may leave out [Shape] when a use fixes it: an argument of a model's
/// Forward takes Forward's declared shape, a loss's labels or target follow its prediction.
/// </summary>
public sealed class ShapeInferenceTests
{
    private const string Model = """
        [Model]
        public partial class Classifier
        {
            [Dim] public int Inputs, Classes;
            [Param(nameof(Inputs), nameof(Classes))] public Tensor W;

            public Tensor Forward([Shape("Batch", nameof(Inputs))] Tensor x) => MatMul(x, W);
        }
        """;

    [Fact]
    public void InputsPassedToForwardAndToALossNeedNoShape()
    {
        var run = GeneratorHarness.Run(Model + """
            [Experiment]
            public partial class Digits
            {
                public Classifier Net = new() { Inputs = 6, Classes = 3 };

                [Loss]
                public Tensor Loss(Tensor images, Tensor labels) => CrossEntropy(Net.Forward(images), labels);
            }
            """);
        Assert.Empty(run.Diagnostics);
        Assert.Empty(run.CompilationErrors);
        var type = GeneratorHarness.Load(run.Output).GetType("Demo.Digits", throwOnError: true)!;
        dynamic experiment = Activator.CreateInstance(type)!;
        experiment.Initialize(1UL);
        using var images = Tensor.Zeros([4, 6]);
        using var labels = Tensor.Zeros([4], DType.Int64);
        float loss = experiment.TrainStep(images, labels);
        Assert.True(float.IsFinite(loss));
        // The inferred shapes are checked like declared ones.
        using var wrong = Tensor.Zeros([4, 5]);
        var error = Assert.Throws<ArgumentException>(() => { experiment.TrainStep(wrong, labels); });
        Assert.Contains("'images' has shape [4, 5] but its [Shape] is [Batch, 6]", error.Message);
        using var wrongLabels = Tensor.Zeros([5], DType.Int64);
        error = Assert.Throws<ArgumentException>(() => { experiment.TrainStep(images, wrongLabels); });
        Assert.Contains("'labels' has shape [5] but its [Shape] is [Batch]", error.Message);
    }

    [Fact]
    public void ATargetTakesThePredictionsShape()
    {
        var run = GeneratorHarness.Run(Model + """
            [Experiment]
            public partial class Fit
            {
                public Classifier Net = new() { Inputs = 6, Classes = 3 };

                [Loss]
                public Tensor Loss(Tensor x, Tensor y) => MseLoss(Net.Forward(x), y);
            }
            """);
        Assert.Empty(run.Diagnostics);
        Assert.Contains("\"[Batch, 3]\"", run.Source("Demo.Fit.g.cs"));
    }

    [Fact]
    public void AnInputUsedBeforeAnythingFixesItsShapeNeedsIt()
    {
        var run = GeneratorHarness.Run(Model + """
            [Experiment]
            public partial class Scaled
            {
                public Classifier Net = new() { Inputs = 6, Classes = 3 };

                [Loss]
                public Tensor Loss(Tensor x) => Sum(Net.Forward(x * 2));
            }
            """);
        var diagnostic = Assert.Single(run.Diagnostics);
        Assert.Equal("DSL0009", diagnostic.Id);
        Assert.Equal("Parameter 'x' of 'Loss' needs a [Shape(...)] attribute so the generator can check shapes",
            diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal("x", diagnostic.Location.SourceTree!.GetText().ToString(diagnostic.Location.SourceSpan));
    }
}
