using System.Reflection;
using Dsl.Generators.Tests.Infrastructure;

namespace Dsl.Generators.Tests;

/// <summary>
/// The generated code compiled in memory against Dsl.Runtime, loaded and run: training lowers the
/// loss, and the generated gradients match central finite differences of the eager loss (the user's
/// own [Loss] and Forward, real C# over Ops) in float64.
/// </summary>
public sealed class IntegrationTests
{
    private const string SmallMlp = """
        [Model]
        public partial class Mlp
        {
            [Dim] public int Inputs, Hidden, Classes;

            [Param(nameof(Inputs), nameof(Hidden))]  public Tensor W1;
            [Param(nameof(Hidden))]                  public Tensor B1;
            [Param(nameof(Hidden), nameof(Classes))] public Tensor W2;
            [Param(nameof(Classes))]                 public Tensor B2;

            public Tensor Forward([Shape("Batch", nameof(Inputs))] Tensor x)
                => MatMul(Relu(MatMul(x, W1) + B1), W2) + B2;
        }

        [Experiment]
        public partial class Classifier
        {
            public Mlp Net = new() { Inputs = 4, Hidden = 16, Classes = 3 };
            public double LearningRate = 0.5;

            [Loss]
            public Tensor Loss([Shape("Batch", 4)] Tensor x, [Shape("Batch")] Tensor labels)
                => CrossEntropy(Net.Forward(x), labels);
        }
        """;

    private const string Everything = """
        [Model]
        public partial class Mixer
        {
            [Dim] public int Width;

            [Param(nameof(Width), nameof(Width))] public Tensor W;
            [Param(nameof(Width))] public Tensor Scale;
            [Param(1)] public Tensor Shift;

            public Tensor Forward([Shape("Batch", nameof(Width))] Tensor x)
            {
                var h = Tanh(MatMul(x, W)) * Scale - Shift;
                var g = Sigmoid(h) / (Exp(h * 0.5) + 1) + Log(Square(h) + 1);
                return g + h + -Neg(x) * 0.25;
            }
        }

        [Experiment]
        public partial class Regression
        {
            public Mixer Net = new() { Width = 3 };
            public double LearningRate = 0.1;

            [Loss]
            public Tensor Loss([Shape("Batch", 3)] Tensor x, [Shape("Batch", 3)] Tensor y)
                => MseLoss(Net.Forward(x), y) + Mean(Net.Forward(y)) * 0.1 + Sum(Square(Net.W)) * 0.01;
        }
        """;

    [Fact]
    public void GeneratedCodeCompilesWithoutErrorsOrWarningsFromTheGenerator()
    {
        foreach (var sources in new[] { new[] { TestSources.Mlp, TestSources.DigitClassifierSgd }, [TestSources.Mlp, TestSources.Adam, TestSources.DigitClassifierAdam],
                     [TestSources.Composed], [SmallMlp], [Everything] })
        {
            var run = GeneratorHarness.Run(sources);
            Assert.Empty(run.Diagnostics);
            Assert.Empty(run.CompilationErrors);
            var generatedWarnings = run.Output.GetDiagnostics().Where(d => d.Severity == Microsoft.CodeAnalysis.DiagnosticSeverity.Warning
                && d.Location.SourceTree?.FilePath.EndsWith(".g.cs", StringComparison.Ordinal) == true);
            Assert.Empty(generatedWarnings);
        }
    }

    [Fact]
    public void SgdTrainingLowersTheLoss()
    {
        dynamic experiment = Create(SmallMlp, "Demo.Classifier");
        experiment.Initialize(7UL, DType.Float32);
        var (x, labels) = ClassificationData(64, seed: 1);
        float first = experiment.TrainStep(x, labels);
        float last = first;
        for (var i = 0; i < 200; i++) last = experiment.TrainStep(x, labels);
        Assert.True(last < first * 0.3, $"loss went from {first} to {last}");
        Assert.Equal(201L, (long)experiment.StepCount);
    }

    [Fact]
    public void AdamTrainingLowersTheLoss()
    {
        var source = SmallMlp.Replace("public double LearningRate = 0.5;", "public Adam Optimizer = new() { LearningRate = 0.01f };") + "\n" + TestSources.Adam;
        dynamic experiment = Create(source, "Demo.Classifier");
        experiment.Initialize(7UL, DType.Float32);
        var (x, labels) = ClassificationData(64, seed: 2);
        float first = experiment.TrainStep(x, labels);
        float last = first;
        for (var i = 0; i < 200; i++) last = experiment.TrainStep(x, labels);
        Assert.True(last < first * 0.3, $"loss went from {first} to {last}");
    }

    [Fact]
    public void ComposedModelTrainingLowersTheLoss()
    {
        dynamic experiment = Create(TestSources.Composed, "Demo.Compression");
        experiment.Initialize(3UL, DType.Float32);
        using var g = new Generator(5);
        using var x = Tensor.Rand([32, 8], g);
        float first = experiment.TrainStep(x);
        float last = first;
        for (var i = 0; i < 300; i++) last = experiment.TrainStep(x);
        Assert.True(last < first * 0.8, $"loss went from {first} to {last}");
    }

    [Fact]
    public void GradientsOfTheMlpMatchFiniteDifferences()
    {
        dynamic experiment = Create(SmallMlp, "Demo.Classifier");
        experiment.Initialize(11UL, DType.Float64);
        var (x32, labels) = ClassificationData(5, seed: 3);
        using var x = x32.To(DType.Float64);
        CheckGradients(experiment, new object[] { x, labels });
    }

    /// <summary>Abs, Sign (zero derivative), Transpose folded into a product and Transpose as a copy.</summary>
    private const string Transposed = """
        [Model]
        public partial class Folded
        {
            [Dim] public int Width;

            [Param(nameof(Width), nameof(Width))] public Tensor W;
            [Param(nameof(Width))] public Tensor B;

            public Tensor Forward([Shape("Batch", nameof(Width))] Tensor x)
            {
                var h = MatMul(x, Transpose(W)) + Abs(B) * Sign(x) + Sign(B) * 0.1;
                var t = Transpose(Tanh(h));
                return Transpose(MatMul(W, t)) + Abs(h);
            }
        }

        [Experiment]
        public partial class FoldedRegression
        {
            public Folded Net = new() { Width = 3 };
            public double LearningRate = 0.1;

            [Loss]
            public Tensor Loss([Shape("Batch", 3)] Tensor x, [Shape("Batch", 3)] Tensor y) => MseLoss(Net.Forward(x), y);
        }
        """;

    [Fact]
    public void GradientsOfAbsSignAndTransposeMatchFiniteDifferences()
    {
        var run = GeneratorHarness.Run(Transposed);
        Assert.Empty(run.Diagnostics);
        // The transpose inside the product is the product's flag (the product and the sum after it are one
        // Addmm, Optimization/Fusion); the other one is a copy (and its gradient another).
        var step = run.Source("Demo.FoldedRegression.g.cs");
        Assert.Matches(@"global::Dsl\.Kernels\.Addmm\(__\w+, x, Net\.W, __\w+, 1d, 1d, false, true\);", step);
        Assert.Contains("global::Dsl.Kernels.Transpose(", step);
        dynamic experiment = Create(Transposed, "Demo.FoldedRegression");
        experiment.Initialize(17UL, DType.Float64);
        using var g = new Generator(6);
        using var x = Tensor.Randn([4, 3], g, DType.Float64);
        using var y = Tensor.Randn([4, 3], g, DType.Float64);
        CheckGradients(experiment, new object[] { x, y });
    }

    [Fact]
    public void GradientsOfEveryOpMatchFiniteDifferences()
    {
        dynamic experiment = Create(Everything, "Demo.Regression");
        experiment.Initialize(13UL, DType.Float64);
        using var g = new Generator(4);
        using var x = Tensor.Randn([4, 3], g, DType.Float64);
        using var y = Tensor.Randn([4, 3], g, DType.Float64);
        CheckGradients(experiment, new object[] { x, y });
    }

    [Fact]
    public void GradientsOfComposedModelsMatchFiniteDifferences()
    {
        dynamic experiment = Create(TestSources.Composed, "Demo.Compression");
        experiment.Initialize(17UL, DType.Float64);
        using var g = new Generator(6);
        using var x = Tensor.Rand([6, 8], g, DType.Float64);
        CheckGradients(experiment, new object[] { x });
    }

    [Fact]
    public void AWrongInputShapeIsAClearException()
    {
        dynamic experiment = Create(SmallMlp, "Demo.Classifier");
        experiment.Initialize(1UL, DType.Float32);
        var (x, labels) = ClassificationData(8, seed: 1);
        using var wide = Tensor.Zeros([8, 5]);
        var error = Assert.Throws<ArgumentException>(() => (float)experiment.TrainStep(wide, labels));
        Assert.StartsWith("Classifier.Loss: 'x' has shape [8, 5] but its [Shape] is [Batch, 4].", error.Message);
        using var shortLabels = Tensor.Zeros([7], DType.Int64);
        error = Assert.Throws<ArgumentException>(() => (float)experiment.TrainStep(x, shortLabels));
        Assert.StartsWith("Classifier.Loss: 'labels' has shape [7] but its [Shape] is [Batch] (Batch = 8, from x axis 0).", error.Message);
    }

    [Fact]
    public void ANewBatchSizeReallocatesAndKeepsWorking()
    {
        dynamic experiment = Create(SmallMlp, "Demo.Classifier");
        experiment.Initialize(1UL, DType.Float32);
        var (x8, labels8) = ClassificationData(8, seed: 1);
        var (x5, labels5) = ClassificationData(5, seed: 2);
        float a = experiment.TrainStep(x8, labels8);
        float b = experiment.TrainStep(x5, labels5);
        float c = experiment.TrainStep(x8, labels8);
        Assert.All(new[] { a, b, c }, v => Assert.True(float.IsFinite(v) && v > 0));
    }

    [Fact]
    public void InitializeIsDeterministicAndLikeTorchLinear()
    {
        dynamic first = Create(SmallMlp, "Demo.Classifier");
        dynamic second = Create(SmallMlp, "Demo.Classifier");
        first.Initialize(42UL, DType.Float32);
        second.Initialize(42UL, DType.Float32);
        var a = (IReadOnlyList<(string Name, Tensor Value)>)first.Parameters;
        var b = (IReadOnlyList<(string Name, Tensor Value)>)second.Parameters;
        Assert.Equal(["Net.W1", "Net.B1", "Net.W2", "Net.B2"], a.Select(p => p.Name));
        for (var i = 0; i < a.Count; i++) Assert.Equal(a[i].Value.ToArray<float>(), b[i].Value.ToArray<float>());
        // W1 and B1 lie in ±1/√Inputs, W2 and B2 in ±1/√Hidden.
        Assert.All(a[0].Value.ToArray<float>(), v => Assert.InRange(v, -0.5f, 0.5f));
        Assert.All(a[1].Value.ToArray<float>(), v => Assert.InRange(v, -0.5f, 0.5f));
        Assert.All(a[2].Value.ToArray<float>(), v => Assert.InRange(v, -0.25f, 0.25f));
        Assert.Contains(a[1].Value.ToArray<float>(), v => Math.Abs(v) > 0.25f);
    }

    [Fact]
    public void SteadyStateTrainStepAllocatesNoManagedMemory()
    {
        dynamic experiment = Create(SmallMlp, "Demo.Classifier");
        experiment.Initialize(1UL, DType.Float32);
        var (x, labels) = ClassificationData(16, seed: 1);
        var step = (Func<Tensor, Tensor, double, float>)Delegate.CreateDelegate(typeof(Func<Tensor, Tensor, double, float>), (object)experiment,
            ((object)experiment).GetType().GetMethod("TrainStep")!);
        for (var i = 0; i < 5; i++) step(x, labels, 1d);
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 20; i++) step(x, labels, 1d);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void ParametersAsPartialOrSettablePropertiesTrainLikeFields()
    {
        const string Properties = """
            [Model]
            public partial class Mlp
            {
                [Dim] public int Inputs, Hidden, Classes;

                [Param(nameof(Inputs), nameof(Hidden))]  public partial Tensor W1 { get; }
                [Param(nameof(Hidden))]                  public partial Tensor B1 { get; private set; }
                [Param(nameof(Hidden), nameof(Classes))] public Tensor W2 { get; set; } = null!;
                [Param(nameof(Classes))]                 public Tensor B2;

                public Tensor Forward([Shape("Batch", nameof(Inputs))] Tensor x)
                    => MatMul(Relu(MatMul(x, W1) + B1), W2) + B2;
            }

            [Experiment]
            public partial class Classifier
            {
                public Mlp Net = new() { Inputs = 4, Hidden = 16, Classes = 3 };
                public double LearningRate = 0.5;

                [Loss]
                public Tensor Loss([Shape("Batch", 4)] Tensor x, [Shape("Batch")] Tensor labels)
                    => CrossEntropy(Net.Forward(x), labels);
            }
            """;
        var run = GeneratorHarness.Run(Properties);
        Assert.Empty(run.Diagnostics);
        Assert.Empty(run.CompilationErrors);
        Assert.DoesNotContain(run.Output.GetDiagnostics(), d => d.Id.StartsWith("CS86", StringComparison.Ordinal));   // no nullable warnings
        dynamic withProperties = Create(Properties, "Demo.Classifier");
        dynamic withFields = Create(SmallMlp, "Demo.Classifier");
        withProperties.Initialize(3UL, DType.Float32);
        withFields.Initialize(3UL, DType.Float32);
        var (x, labels) = ClassificationData(32, seed: 4);
        for (var i = 0; i < 10; i++)
        {
            float a = withProperties.TrainStep(x, labels, 1d);
            float b = withFields.TrainStep(x, labels, 1d);
            Assert.Equal(b, a);
        }
        Assert.Equal(((Tensor)withFields.Net.W1).ToArray<float>(), ((Tensor)withProperties.Net.W1).ToArray<float>());
    }

    // ---- helpers -----------------------------------------------------------------------------------

    private static object Create(string source, string typeName)
    {
        var run = GeneratorHarness.Run(source);
        Assert.Empty(run.Diagnostics);
        var assembly = GeneratorHarness.Load(run.Output);
        return Activator.CreateInstance(assembly.GetType(typeName, throwOnError: true)!)!;
    }

    /// <summary>Points in 4-D labeled by which of the first three coordinates is largest.</summary>
    private static (Tensor X, Tensor Labels) ClassificationData(int count, int seed)
    {
        using var g = new Generator((ulong)seed);
        var x = Tensor.Randn([count, 4], g);
        var values = x.ToArray<float>();
        var labels = new long[count];
        for (var i = 0; i < count; i++)
        {
            var row = values.AsSpan(i * 4, 3);
            labels[i] = row.IndexOf(MaxOf(row));
        }
        return (x, Tensor.FromArray(labels, count));
    }

    private static float MaxOf(ReadOnlySpan<float> values)
    {
        var max = values[0];
        foreach (var v in values) max = Math.Max(max, v);
        return max;
    }

    /// <summary>Generated gradients against (L(p + h) - L(p - h)) / 2h of the eager [Loss], for every element of every parameter.</summary>
    private static void CheckGradients(dynamic experiment, object[] inputs)
    {
        var type = ((object)experiment).GetType();
        var computeGradients = type.GetMethod("ComputeGradients")!;
        var loss = type.GetMethod("Loss")!;
        double EagerLoss()
        {
            using var value = (Tensor)loss.Invoke((object)experiment, inputs)!;
            return value.Item();
        }

        computeGradients.Invoke((object)experiment, inputs);
        var gradients = ((IReadOnlyList<(string Name, Tensor Value)>)experiment.Gradients).ToDictionary(g => g.Name, g => g.Value.ToArray<double>());
        var parameters = (IReadOnlyList<(string Name, Tensor Value)>)experiment.Parameters;
        Assert.Equal(parameters.Select(p => p.Name).OrderBy(n => n), gradients.Keys.OrderBy(n => n));
        const double h = 1e-6;
        foreach (var (name, tensor) in parameters)
        {
            var values = tensor.ToArray<double>();
            var analytic = gradients[name];
            for (var i = 0; i < values.Length; i++)
            {
                var original = values[i];
                values[i] = original + h;
                tensor.CopyFrom<double>(values);
                var plus = EagerLoss();
                values[i] = original - h;
                tensor.CopyFrom<double>(values);
                var minus = EagerLoss();
                values[i] = original;
                tensor.CopyFrom<double>(values);
                var numeric = (plus - minus) / (2 * h);
                Assert.True(Math.Abs(numeric - analytic[i]) <= 1e-6 + 1e-5 * Math.Abs(numeric),
                    $"d loss / d {name}[{i}]: generated {analytic[i]:R}, finite differences {numeric:R}");
            }
        }
    }
}
