using Dsl.Generators.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Dsl.Generators.Tests;

/// <summary>
/// The built-in layers are [Model]s of Dsl.Runtime that the generator reads back from the
/// assembly (ModelSource attributes): experiments hold them as sub-models, their shapes are checked
/// at the user's call, their Forward is compiled into the user's step, and they initialize as torch.nn.
/// Gradients against torch.nn.functional are in Operators/LayerCases.cs.
/// </summary>
public sealed class LayerTests
{
    private const string LinearExperiment = """
        [Experiment]
        public partial class Regression
        {
            public Linear L1 = new() { In = 784, Out = 10 };

            [Loss]
            public Tensor Loss([Shape("Batch", 784)] Tensor x, [Shape("Batch", 10)] Tensor y) => MseLoss(L1.Forward(x), y);
        }
        """;

    [Fact]
    public void DslRuntimeShipsItsLayerDeclarations()
    {
        var compilation = GeneratorHarness.Compilation(TestSources.File(LinearExperiment));
        var shipped = Parsing.LibraryModels.Read(compilation, default);
        Assert.Contains(shipped, s => s.Type == "Dsl.Linear" && s.Path == "Dsl.Runtime/Linear.cs" && s.Text.Contains("[Model]"));
        Assert.Contains(shipped, s => s.Type == "Dsl.Mlp");
    }

    [Fact]
    public void ALayerIsCompiledIntoTheUsersStep()
    {
        var run = GeneratorHarness.Run(LinearExperiment);
        Assert.Empty(run.Diagnostics);
        Assert.Empty(run.CompilationErrors);
        // Only the experiment is generated here: Linear's own members come from Dsl.Runtime.
        Assert.Equal(["Demo.Regression.g.cs"], run.Sources.Select(s => s.HintName));
        var step = run.Source("Demo.Regression.g.cs");
        // x · Weightᵀ + Bias: one Addmm with the transpose as its flag (Optimization/Fusion).
        Assert.Contains("global::Dsl.Kernels.Addmm(L1.Bias, x, L1.Weight, ", step);
        Assert.Contains(", 1d, 1d, false, true);", step);
    }

    [Fact]
    public void AWrongInputToALayerIsReportedAtTheUsersCall()
    {
        var run = GeneratorHarness.Run(LinearExperiment.Replace("L1.Forward(x)", "L1.Forward(y)"));
        var diagnostic = Assert.Single(run.Diagnostics);
        Assert.Equal("DSL0104", diagnostic.Id);
        Assert.Equal("L1.Forward: parameter 'x' is declared [Batch, 784] but the argument y is [Batch, 10]", diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal("L1.Forward(y)", diagnostic.Location.SourceTree!.GetText().ToString(diagnostic.Location.SourceSpan));
    }

    [Fact]
    public void AnEditOfTheUsersCodeDoesNotReadTheLayersAgain()
    {
        var compilation = GeneratorHarness.Compilation(TestSources.File(LinearExperiment));
        var first = GeneratorHarness.Run(compilation, GeneratorHarness.CreateDriver());
        var edited = compilation.ReplaceSyntaxTree(compilation.SyntaxTrees[0],
            CSharpSyntaxTree.ParseText("// an edit\n" + compilation.SyntaxTrees[0], GeneratorHarness.ParseOptions, path: compilation.SyntaxTrees[0].FilePath));
        var second = GeneratorHarness.Run(edited, first.Driver);
        var library = second.Result.Results.Single().TrackedSteps[DslGenerator.Steps.LibraryModels].SelectMany(s => s.Outputs).ToList();
        Assert.NotEmpty(library);
        Assert.All(library, o => Assert.True(o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, o.Reason.ToString()));
    }

    [Fact]
    public void LinearInitializesAsTorchNnLinear()
    {
        // torch.nn.Linear(784, 10): weight and bias uniform in ±1/√784.
        var layer = new Linear { In = 784, Out = 10 };
        layer.Initialize(5);
        var bound = 1 / Math.Sqrt(784);
        foreach (var (name, tensor) in layer.Parameters)
        {
            var values = tensor.ToArray<float>();
            Assert.All(values, v => Assert.InRange(v, -bound, bound));
            // 7,840 weights reach close to both ends; the 10 biases at least a third of the way (a fan-in of 10 would overshoot).
            var reach = values.Length > 100 ? 0.9 : 0.3;
            Assert.True(values.Max(Math.Abs) > reach * bound, name + " does not fill ±1/√784");
        }
        Assert.Equal([10L, 784L], layer.Weight.Shape.Dims.ToArray());
    }

    [Fact]
    public void AFanInOfNoWeightIsADiagnostic()
    {
        var run = GeneratorHarness.Run("""
            [Model]
            public partial class Odd
            {
                [Param(3, 4), Init(Init.TorchFanIn)] public Tensor W;
                [Param(3), Init(Init.TorchFanIn, FanInOf = "V")] public Tensor B;

                public Tensor Forward([Shape("Batch", 4)] Tensor x) => MatMul(x, Transpose(W)) + B;
            }
            """);
        var diagnostic = Assert.Single(run.Diagnostics);
        Assert.Equal("DSL0020", diagnostic.Id);
        Assert.Equal("[Init] of B: FanInOf names 'V', which is not a [Param] of Odd with two or more dimensions (a weight)",
            diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
    }
}
