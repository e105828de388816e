using Dsl.Generators.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Dsl.Generators.Tests.Operators;

/// <summary>
/// Every operator of the language, differentiated by the generator, checked two ways in float64: the
/// generated gradient against central finite differences of the eager loss, and against PyTorch's
/// autograd on the same values (relative error at most the case's tolerance, 1e-10 unless a case
/// says why not). The cases live in one file per group of ops (<see cref="LanguageOpCases"/>).
/// </summary>
public sealed class LanguageOpTests(LanguageOpResults results, ITestOutputHelper output) : IClassFixture<LanguageOpResults>
{
    public static TheoryData<string> CaseNames => new(LanguageOpCases.All.Select(c => c.Name));

    /// <summary>The cases whose loss runs eagerly (finite differences need it; a loss taking Grad does not).</summary>
    public static TheoryData<string> EagerCaseNames => new(LanguageOpCases.All.Where(c => c.Eager).Select(c => c.Name));

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void GradientsMatchPyTorch(string name)
    {
        var result = results.Get(name);
        var report = CrossCheckResults.Compare(result.Ours, result.Torch!, results.Cases[name].Tolerance);
        output.WriteLine(report.Summary);
        Assert.True(report.Mismatches.Count == 0, name + ":\n" + string.Join("\n", report.Mismatches));
    }

    [Theory]
    [MemberData(nameof(EagerCaseNames))]
    public void GradientsMatchFiniteDifferences(string name)
    {
        var c = results.Cases[name];
        var run = GeneratorHarness.Run(c.Source);
        Assert.True(run.Diagnostics.IsEmpty, string.Join("; ", run.Diagnostics));
        var type = GeneratorHarness.Load(run.Output).GetType(c.Experiment, throwOnError: true)!;
        dynamic experiment = Activator.CreateInstance(type)!;
        experiment.Initialize(c.Seed, DType.Float64);
        using var generator = new Generator(c.Seed + 1000);
        var inputs = c.Inputs(generator);
        try
        {
            GradientCheck.AgainstFiniteDifferences(experiment, inputs);
        }
        finally
        {
            foreach (var input in inputs.OfType<Tensor>()) input.Dispose();
        }
    }

    [Fact]
    public void EveryCaseHasAUniqueName() =>
        Assert.Equal(LanguageOpCases.All.Count, LanguageOpCases.All.Select(c => c.Name).Distinct().Count());
}

/// <summary>Runs every op case's generated code, then the PyTorch references in one python process.</summary>
public sealed class LanguageOpResults() : CrossCheckResults(LanguageOpCases.All);

/// <summary>
/// The op cases, one list per group of ops, each in its own file. A case is an experiment whose loss
/// applies the op to trainable parameters (so the gradient flows through every differentiable
/// operand) and the same loss written with torch.
/// </summary>
public static partial class LanguageOpCases
{
    public static IReadOnlyList<CrossCheckCase> All { get; } =
        [.. Reductions, .. Elementwise, .. ShapeOps, .. Products, .. NN, .. Losses, .. Layers, .. ConvLayers, .. TransformerLayers];

    /// <summary>The float64 tolerance of the issue: relative error at most 1e-10 against torch.autograd.</summary>
    public const double Exact = 1e-10;

    internal static Tensor Randn(Generator g, params long[] shape) => Tensor.Randn(shape, g, DType.Float64);

    internal static Tensor Labels(Generator g, long classes, params long[] shape) => Tensor.RandInt(0, classes, shape, g);

    /// <summary>
    /// A case with one model <c>{name}Model</c> holding <paramref name="parameters"/> (C# member
    /// declarations, e.g. <c>[Param(3, 4)] public Tensor W;</c>) and an experiment <c>{name}</c> whose
    /// [Loss] takes <paramref name="lossParameters"/> and returns <paramref name="loss"/> (reading the
    /// parameters as <c>Net.W</c>). The model's Forward is the identity on a 1-element input, unused.
    /// The torch side sees parameters as <c>Net_W</c>.
    /// </summary>
    internal static CrossCheckCase Case(string name, string parameters, string lossParameters, string loss, Func<Generator, object[]> inputs,
        string torch, ulong seed = 1, double tolerance = Exact, bool eager = true) => new(name, $$"""
        [Model]
        public partial class {{name}}Model
        {
            {{parameters}}

            public Tensor Forward([Shape(1)] Tensor x) => x;
        }

        [Experiment]
        public partial class {{name}}
        {
            public {{name}}Model Net = new();

            [Loss]
            public Tensor Loss({{lossParameters}}) => {{loss}};
        }
        """, "Demo." + name, seed, inputs, torch, tolerance, eager);
}
