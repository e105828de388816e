using System.Globalization;
using Dsl.Generators.Tests.Infrastructure;

namespace Dsl.Generators.Tests;

/// <summary>
/// The built-in Conv2d and BatchNorm2d layers: their initialization is torch.nn's, and a shipped layer
/// whose shapes need its dims (a convolution's kernel) compiles on its own and is checked where it is
/// used. Gradients against torch are in Operators/ConvLayerCases.cs.
/// </summary>
public sealed class ConvLayerTests
{
    private const string SymbolicKernel = """
        [Model]
        public partial class Blur
        {
            [Dim] public int Channels, Kernel;

            [Param(nameof(Channels), nameof(Channels), nameof(Kernel), nameof(Kernel))] public Tensor W;

            public Tensor Forward([Shape("Batch", nameof(Channels), "Height", "Width")] Tensor x) => Conv2d(x, W);
        }
        """;

    private static string File(string attribute) =>
        "using Dsl;\nusing static Dsl.Ops;\n" + attribute + "\nnamespace Demo;\n\n" + SymbolicKernel + "\n";

    [Fact]
    public void AShippedLayerLeavesSizesItsDimsSetToItsUsers()
    {
        var run = GeneratorHarness.RunFiles(File("[assembly: ShipModels]"));
        Assert.Empty(run.Diagnostics);
        Assert.Empty(run.CompilationErrors);
        var model = run.Source("Demo.Blur.g.cs");
        Assert.Contains("public void Initialize(", model);
        // No Predict of its own: its Forward's sizes are known only where an experiment sets its dims.
        Assert.DoesNotContain("Predict(", model);
    }

    [Fact]
    public void AModelOfTheUsersOwnStillReportsAKernelItCannotKnow()
    {
        var run = GeneratorHarness.RunFiles(File(""));
        var diagnostic = Assert.Single(run.Diagnostics);
        Assert.Equal("DSL0020", diagnostic.Id);
        Assert.Equal("Conv2d: needs constant kernel sizes, but the weight 'W' is [Channels, Channels, Kernel, Kernel]",
            diagnostic.GetMessage(CultureInfo.InvariantCulture));
    }

    [Fact]
    public void Conv2dInitializesAsTorchNnConv2d()
    {
        // torch.nn.Conv2d(3, 8, 5): weight [8, 3, 5, 5] and bias [8] uniform in ±1/√(3·5·5).
        var layer = new Conv2d { In = 3, Out = 8, Kernel = 5 };
        layer.Initialize(7);
        Assert.Equal([8L, 3L, 5L, 5L], layer.Weight.Shape.Dims.ToArray());
        Assert.Equal([8L], layer.Bias.Shape.Dims.ToArray());
        var bound = 1 / Math.Sqrt(3 * 5 * 5);
        foreach (var (name, tensor) in layer.Parameters)
        {
            var values = tensor.ToArray<float>();
            Assert.All(values, v => Assert.InRange(v, -bound, bound));
            // 600 weights reach close to both ends; the 8 biases at least a third of the way (a fan-in of 3 would overshoot).
            var reach = values.Length > 100 ? 0.9 : 0.3;
            Assert.True(values.Max(Math.Abs) > reach * bound, name + " does not fill ±1/√75");
        }
    }

    [Fact]
    public void BatchNorm2dInitializesAsTorchNnBatchNorm2d()
    {
        var layer = new BatchNorm2d { Channels = 4 };
        layer.Initialize(7);
        Assert.Equal(["Weight", "Bias", "RunningMean", "RunningVar"], layer.Parameters.Select(p => p.Name));
        Assert.All(layer.Weight.ToArray<float>(), v => Assert.Equal(1f, v));
        Assert.All(layer.Bias.ToArray<float>(), v => Assert.Equal(0f, v));
        Assert.All(layer.RunningMean.ToArray<float>(), v => Assert.Equal(0f, v));
        Assert.All(layer.RunningVar.ToArray<float>(), v => Assert.Equal(1f, v));
    }
}
