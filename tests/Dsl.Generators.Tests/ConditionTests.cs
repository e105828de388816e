using Dsl.Generators.Tests.Infrastructure;

namespace Dsl.Generators.Tests;

/// <summary>
/// Conditions on run-time numbers: <c>if</c>/<c>else</c>, <c>else if</c>, <c>c ? a : b</c>, comparisons
/// and <c>&amp;&amp; || !</c> in a [Loss], a [Step] (effects inside branches) and an [UpdateRule]. Each branch
/// is exercised; gradients against float64 finite differences of the eager loss (the same C# run
/// directly), update rules against a hand-written float64 reference (the PyTorch cross-check of the
/// loss is in TorchCrossCheckTests).
/// </summary>
public sealed class ConditionTests
{
    internal const string Dense = """
        [Model]
        public partial class Dense
        {
            [Dim] public int In, Out;
            [Param(nameof(In), nameof(Out))] public Tensor W;
            [Param(nameof(Out))] public Tensor B;

            public Tensor Forward([Shape("Batch", nameof(In))] Tensor x) => MatMul(x, W) + B;
        }
        """;

    /// <summary>A warm-up on a number argument, a choice of error on a hyper-parameter and the step, a penalty chosen by '?:', an early return.</summary>
    internal const string WarmUp = Dense + """

        [Experiment]
        public partial class WarmUp
        {
            public Dense Net = new() { In = 4, Out = 3 };
            public Sgd Optimizer = new() { LearningRate = 0.01 };
            public double Warmup = 5, Robust = 1;

            [Loss]
            public Tensor Loss([Shape("Batch", 4)] Tensor x, [Shape("Batch", 3)] Tensor y, double step)
            {
                var prediction = Net.Forward(x);
                var scale = step < Warmup ? (step + 1) / (Warmup + 1) : 1.0;
                Tensor error;
                if (Robust > 0 && step >= 2)
                {
                    error = Abs(prediction - y);
                }
                else
                {
                    error = Square(prediction - y);
                }
                var penalty = step == 0 ? Sum(Square(Net.W)) : 0.5 * Sum(Abs(Net.B));
                if (step > 100) return Mean(error);
                return scale * Mean(error) + 0.1 * penalty;
            }
        }
        """;

    /// <summary>A momentum rule that starts from the first gradient ('on the first step'), with an 'else if' and a '?:' of tensors.</summary>
    internal const string FirstStepMomentum = """
        [UpdateRule]
        public partial class FirstStepMomentum
        {
            public float LearningRate = 0.1f, Beta = 0.9f;
            [State] Tensor m = null!;

            [Update]
            void Update(Tensor param, Tensor grad, long step)
            {
                if (step == 1) m = grad;
                else if (step > 3 && !(Beta > 1)) m = Beta * m + (1 - Beta) * grad;
                else m = m + grad;
                param -= step <= 2 ? 0.5 * LearningRate * m : LearningRate * m;
            }
        }
        """;

    /// <summary>A [Step] whose effects are inside branches: the rule applied in one phase, a plain update of a parameter in the other.</summary>
    internal const string Phased = Dense + FirstStepMomentum + """

        [Experiment]
        public partial class Phased
        {
            public Dense Net = new() { In = 3, Out = 2 };
            public FirstStepMomentum Optimizer = new();
            public double Phase = 1;

            [Step]
            public Tensor Step([Shape("Batch", 3)] Tensor x, [Shape("Batch", 2)] Tensor y)
            {
                var loss = MseLoss(Net.Forward(x), y);
                if (Phase > 0)
                {
                    Optimizer.Apply(Net, Grad(loss, Net));
                }
                else
                {
                    Net.B *= 0.5;
                }
                return loss;
            }
        }

        [Experiment]
        public partial class AlwaysApplied
        {
            public Dense Net = new() { In = 3, Out = 2 };
            public FirstStepMomentum Optimizer = new();

            [Step]
            public Tensor Step([Shape("Batch", 3)] Tensor x, [Shape("Batch", 2)] Tensor y)
            {
                var loss = MseLoss(Net.Forward(x), y);
                Optimizer.Apply(Net, Grad(loss, Net));
                return loss;
            }
        }
        """;

    private static string Source(GeneratorRun run, string hint) => run.Sources.Single(s => s.HintName == hint).Text;

    private static System.Reflection.Assembly Compile(string source)
    {
        var run = GeneratorHarness.Run(source);
        Assert.True(run.Diagnostics.IsEmpty, string.Join("; ", run.Diagnostics));
        return GeneratorHarness.Load(run.Output);
    }

    // ---- parsing and lowering ----

    [Fact]
    public void ConditionsParseAndPrintAsWritten()
    {
        var run = GeneratorHarness.Run(WarmUp);
        Assert.Empty(run.Diagnostics);
        var code = Source(run, "Demo.WarmUp.g.cs");
        // The number choice is a C# '?:' evaluated inline; the tensor choices are a real if/else around one copy.
        Assert.Contains("((step < Warmup) ? ((step + 1d) / (Warmup + 1d)) : 1d)", code);
        Assert.Contains("if ((Robust > 0d) && (step >= 2d)) global::Dsl.Kernels.Copy(", code);
        Assert.Contains("if (step > 100d) global::Dsl.Kernels.Copy(", code);
        Assert.Contains("if (step == 0d) global::Dsl.Kernels.Copy(", code);
        // The gradient of the branch not taken is zero.
        Assert.Contains("else global::Dsl.Kernels.Fill(", code);
    }

    [Fact]
    public void AnUpdateRuleConditionIsOneBoolForTheWholeLoop()
    {
        var run = GeneratorHarness.Run(FirstStepMomentum);
        Assert.Empty(run.Diagnostics);
        var code = Source(run, "Demo.FirstStepMomentum.g.cs");
        Assert.Contains(" = (step == 1d);", code);
        Assert.Contains("bool condition", code);
        Assert.DoesNotContain("new global::System.Numerics.Vector<double>(condition", code);
        Assert.Contains("(condition ? ", code);
    }

    [Fact]
    public void EffectsInsideABranchAreGuarded()
    {
        var run = GeneratorHarness.Run(Phased);
        Assert.Empty(run.Diagnostics);
        var code = Source(run, "Demo.Phased.g.cs");
        Assert.Contains("if (Phase > 0d)", code);
        Assert.Contains("if (!(Phase > 0d))", code);
    }

    // ---- gradients ----

    public static TheoryData<double, double> Branches => new()
    {
        { 0, 1 },   // warming up (scale 1/6), squared error, the W penalty
        { 1, 1 },   // warming up, squared error (step < 2), the B penalty
        { 3, 1 },   // warming up, absolute error
        { 7, 1 },   // warm, absolute error
        { 7, 0 },   // warm, squared error (Robust off)
        { 200, 1 }, // the early return
    };

    [Theory]
    [MemberData(nameof(Branches))]
    public void LossGradientsFollowTheBranchTaken(double step, double robust)
    {
        dynamic experiment = Activator.CreateInstance(Compile(WarmUp).GetType("Demo.WarmUp", throwOnError: true)!)!;
        experiment.Robust = robust;
        experiment.Initialize(3UL, DType.Float64);
        using var g = new Generator(11);
        using var x = Tensor.Randn([6, 4], g, DType.Float64);
        using var y = Tensor.Randn([6, 3], g, DType.Float64);
        GradientCheck.AgainstFiniteDifferences(experiment, new object[] { x, y, step }, tolerance: 1e-6);
    }

    [Fact]
    public void TheLossValueIsTheEagerLossInEveryBranch()
    {
        dynamic experiment = Activator.CreateInstance(Compile(WarmUp).GetType("Demo.WarmUp", throwOnError: true)!)!;
        experiment.Initialize(3UL, DType.Float64);
        using var g = new Generator(12);
        using var x = Tensor.Randn([5, 4], g, DType.Float64);
        using var y = Tensor.Randn([5, 3], g, DType.Float64);
        var seen = new HashSet<double>();
        foreach (var step in new[] { 0.0, 1, 3, 7, 200 })
        {
            float computed = experiment.ComputeGradients(x, y, step);
            using var eager = (Tensor)experiment.Loss(x, y, step);
            Assert.Equal(eager.Item(), computed, 1e-5);
            seen.Add(Math.Round(computed, 6));
        }
        // Five steps, five different losses: every branch changed the value.
        Assert.Equal(5, seen.Count);
    }

    /// <summary>Conditions in a model's Forward (on its own number field) and in a [Differentiable] function (on a number argument).</summary>
    internal const string GatedModel = """
        public static class Functions
        {
            [Differentiable]
            public static Tensor Soft(Tensor x, double sharp)
            {
                if (sharp > 1) return Tanh(x * sharp) / sharp;
                else if (sharp < 0.5) return x;
                return Tanh(x);
            }
        }

        [Model]
        public partial class Gated
        {
            [Dim] public int In, Out;
            [Param(nameof(In), nameof(Out))] public Tensor W;
            public double Sharp = 2, Skip = 0;

            public Tensor Forward([Shape("Batch", nameof(In))] Tensor x)
            {
                var h = Functions.Soft(MatMul(x, W), Sharp);
                if (!(Skip == 0)) h = h + Sum(x, [1], keepdim: true);
                return h;
            }
        }

        [Experiment]
        public partial class GatedRegression
        {
            public Gated Net = new() { In = 3, Out = 2 };

            [Loss]
            public Tensor Loss([Shape("Batch", 3)] Tensor x, [Shape("Batch", 2)] Tensor y) => MseLoss(Net.Forward(x), y);
        }
        """;

    [Theory]
    [InlineData(2.0, 0.0)]
    [InlineData(0.25, 1.0)]
    [InlineData(0.75, 0.0)]
    public void ConditionsInAForwardAndADifferentiableFunction(double sharp, double skip)
    {
        dynamic experiment = Activator.CreateInstance(Compile(GatedModel).GetType("Demo.GatedRegression", throwOnError: true)!)!;
        experiment.Net.Sharp = sharp;
        experiment.Net.Skip = skip;
        experiment.Initialize(6UL, DType.Float64);
        using var g = new Generator(13);
        using var x = Tensor.Randn([5, 3], g, DType.Float64);
        using var y = Tensor.Randn([5, 2], g, DType.Float64);
        GradientCheck.AgainstFiniteDifferences(experiment, new object[] { x, y }, tolerance: 1e-6);
        float computed = experiment.ComputeGradients(x, y);
        using var eager = (Tensor)experiment.Loss(x, y);
        Assert.Equal(eager.Item(), computed, 1e-6);
    }

    // ---- update rules ----

    [Theory]
    [InlineData(DType.Float64)]
    [InlineData(DType.Float32)]
    public void AFirstStepRuleMatchesAHandWrittenReference(DType dtype)
    {
        var rule = (IUpdateRule)Activator.CreateInstance(Compile(FirstStepMomentum).GetType("Demo.FirstStepMomentum", throwOnError: true)!)!;
        const int Count = 37; // vector blocks and a scalar tail
        var param = Enumerable.Range(0, Count).Select(i => Math.Sin(i + 1)).ToArray();
        using var p64 = Tensor.FromArray(param, Count);
        using var p = p64.To(dtype);
        using var state = rule.CreateState(p);
        var m = new double[Count];
        double lr = 0.1f, beta = 0.9f; // the rule's float fields, widened
        for (long step = 1; step <= 6; step++)
        {
            var grad = Enumerable.Range(0, Count).Select(i => 1.3 * Math.Cos(3 * i + 0.5 * step)).ToArray();
            using var g64 = Tensor.FromArray(grad, Count);
            using var g = g64.To(dtype);
            rule.Update(state, p, g, step);
            for (var i = 0; i < Count; i++)
            {
                m[i] = step == 1 ? grad[i] : step > 3 ? beta * m[i] + (1 - beta) * grad[i] : m[i] + grad[i];
                param[i] -= step <= 2 ? 0.5 * lr * m[i] : lr * m[i];
            }
            using var back = p.To(DType.Float64);
            var actual = back.ToArray<double>();
            for (var i = 0; i < Count; i++)
            {
                Assert.True(Math.Abs(param[i] - actual[i]) <= (dtype == DType.Float64 ? 1e-12 : 1e-5),
                    $"step {step}, element {i}: expected {param[i]:R}, got {actual[i]:R}");
            }
        }
    }

    // ---- [Step] ----

    [Fact]
    public void AStepBranchRunsOnlyTheEffectsOfTheBranchTaken()
    {
        var assembly = Compile(Phased);
        dynamic phased = Activator.CreateInstance(assembly.GetType("Demo.Phased", throwOnError: true)!)!;
        dynamic always = Activator.CreateInstance(assembly.GetType("Demo.AlwaysApplied", throwOnError: true)!)!;
        phased.Initialize(4UL, DType.Float64);
        always.Initialize(4UL, DType.Float64);
        using var g = new Generator(5);
        using var x = Tensor.Randn([6, 3], g, DType.Float64);
        using var y = Tensor.Randn([6, 2], g, DType.Float64);
        static Dictionary<string, double[]> Values(dynamic experiment) =>
            ((IReadOnlyList<(string Name, Tensor Value)>)experiment.Parameters).ToDictionary(p => p.Name, p => p.Value.ToArray<double>());

        // Phase > 0: the rule is applied, exactly as in the experiment that always applies it.
        for (var i = 0; i < 3; i++)
        {
            float a = phased.TrainStep(x, y, 1d);
            float b = always.TrainStep(x, y, 1d);
            Assert.Equal(b, a);
        }
        Assert.Equal(Values(always)["Net.W"], Values(phased)["Net.W"]);
        Assert.Equal(Values(always)["Net.B"], Values(phased)["Net.B"]);

        // Phase 0: only Net.B *= 0.5; W and the rule's state stay as they were.
        var before = Values(phased);
        phased.Phase = 0.0;
        phased.TrainStep(x, y, 1d);
        var after = Values(phased);
        Assert.Equal(before["Net.W"], after["Net.W"]);
        Assert.Equal(before["Net.B"].Select(v => 0.5 * v).ToArray(), after["Net.B"]);
    }

    // ---- allocation ----

    [Fact]
    public void WarmStepsWithConditionsAllocateNoManagedMemory()
    {
        var assembly = Compile(WarmUp + "\n" + Phased.Substring(Dense.Length));
        dynamic warmUp = Activator.CreateInstance(assembly.GetType("Demo.WarmUp", throwOnError: true)!)!;
        dynamic phased = Activator.CreateInstance(assembly.GetType("Demo.Phased", throwOnError: true)!)!;
        warmUp.Initialize(1UL, DType.Float32);
        phased.Initialize(1UL, DType.Float32);
        using var g = new Generator(2);
        using var x4 = Tensor.Randn([8, 4], g);
        using var y3 = Tensor.Randn([8, 3], g);
        using var x3 = Tensor.Randn([8, 3], g);
        using var y2 = Tensor.Randn([8, 2], g);
        var loss = (Func<Tensor, Tensor, double, double, float>)Delegate.CreateDelegate(typeof(Func<Tensor, Tensor, double, double, float>),
            (object)warmUp, ((object)warmUp).GetType().GetMethod("TrainStep")!);
        var step = (Func<Tensor, Tensor, double, float>)Delegate.CreateDelegate(typeof(Func<Tensor, Tensor, double, float>),
            (object)phased, ((object)phased).GetType().GetMethod("TrainStep")!);
        for (var i = 0; i < 5; i++)
        {
            loss(x4, y3, i, 1d);
            step(x3, y2, 1d);
        }
        var start = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 20; i++)
        {
            loss(x4, y3, i % 9, 1d); // both sides of every condition
            step(x3, y2, 1d);
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - start);
    }

    // ---- snapshot ----

    [Fact]
    public void ConditionsSnapshot()
    {
        var run = GeneratorHarness.Run(WarmUp + "\n" + FirstStepMomentum);
        Assert.Empty(run.Diagnostics);
        Snapshot.Verify(run, nameof(ConditionTests));
    }
}
