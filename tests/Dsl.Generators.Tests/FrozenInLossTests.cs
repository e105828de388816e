using Dsl.Generators.Tests.Infrastructure;

namespace Dsl.Generators.Tests;

/// <summary>
/// <c>Frozen(model)</c> inside a [Loss] (not only a [Step]): the frozen model's parameters get no
/// gradient and are not updated, and where the same model is read both ways only the plain path
/// carries a gradient. Checked against finite differences of float64 references.
/// </summary>
public sealed class FrozenInLossTests
{
    private const string Source = """
        [Model]
        public partial class Dense
        {
            [Param(3, 2)] public Tensor W;
            [Param(2)] public Tensor B;

            public Tensor Forward([Shape("Batch", 3)] Tensor x) => Tanh(MatMul(x, W) + B);
        }

        [Experiment]
        public partial class Distill
        {
            public Dense Student = new();
            public Dense Teacher = new();
            public double LearningRate = 0.5;

            [Loss]
            public Tensor Loss([Shape("Batch", 3)] Tensor x) => MseLoss(Student.Forward(x), Frozen(Teacher).Forward(x));
        }

        [Experiment]
        public partial class SelfTarget
        {
            public Dense Net = new();
            public double LearningRate = 0.5;

            [Loss]
            public Tensor Loss([Shape("Batch", 3)] Tensor x) => MseLoss(Net.Forward(x), Frozen(Net).Forward(Tanh(x)));
        }
        """;

    private static Type Compile(string type)
    {
        var run = GeneratorHarness.Run(Source);
        Assert.Empty(run.Diagnostics);
        return GeneratorHarness.Load(run.Output).GetType(type, throwOnError: true)!;
    }

    private static double[] Values(IReadOnlyList<(string Name, Tensor Value)> tensors, string name) => tensors.Single(t => t.Name == name).Value.ToArray<double>();

    [Fact]
    public void AFrozenTeacherGetsNoGradientAndStaysPut()
    {
        dynamic experiment = Activator.CreateInstance(Compile("Demo.Distill"))!;
        experiment.Initialize(5UL, DType.Float64);
        using var g = new Generator(6);
        using var x = Tensor.Randn([4, 3], g, DType.Float64);
        object[] inputs = [x];

        GradientCheck.ComputeGradients(experiment, inputs);
        var gradients = (IReadOnlyList<(string Name, Tensor Value)>)experiment.Gradients;
        Assert.Equal(["Student.W", "Student.B"], gradients.Select(p => p.Name).ToArray());
        // The eager loss reads both models; only the student's parameters are perturbed.
        GradientCheck.AgainstFiniteDifferences((object)experiment, inputs);

        var parameters = (IReadOnlyList<(string Name, Tensor Value)>)experiment.Parameters;
        var teacher = Values(parameters, "Teacher.W");
        var student = Values(parameters, "Student.W");
        experiment.TrainStep(x);
        Assert.Equal(teacher, Values(parameters, "Teacher.W"));
        Assert.NotEqual(student, Values(parameters, "Student.W"));
    }

    [Fact]
    public void AModelReadBothWaysGetsTheGradientOfItsPlainPathOnly()
    {
        var type = Compile("Demo.SelfTarget");
        dynamic experiment = Activator.CreateInstance(type)!;
        dynamic copy = Activator.CreateInstance(type)!;
        experiment.Initialize(7UL, DType.Float64);
        copy.Initialize(7UL, DType.Float64);
        using var g = new Generator(8);
        using var x = Tensor.Randn([5, 3], g, DType.Float64);
        using var squashed = Ops.Tanh(x);
        object net = experiment.Net;
        object frozen = copy.Net;
        var forward = net.GetType().GetMethod("Forward")!;

        // The target is the same model at the parameters before perturbation: a fixed copy.
        double Reference()
        {
            using var prediction = (Tensor)forward.Invoke(net, [x])!;
            using var target = (Tensor)forward.Invoke(frozen, [squashed])!;
            using var loss = Ops.MseLoss(prediction, target);
            return loss.Item();
        }

        GradientCheck.AgainstFiniteDifferences((object)experiment, [x], loss: Reference);
    }
}
