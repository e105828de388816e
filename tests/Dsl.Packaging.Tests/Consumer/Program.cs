// A new user's first program: one PackageReference to Dsl, a model, an experiment, a few steps.
using System.Globalization;
using Dsl;
using static Dsl.Ops;

// Three Gaussian blobs in four dimensions, seeded: a sample is its class's center plus noise.
using var g = new Generator(seed: 11);
using var centers = Tensor.Randn([3, 4], g) * 2.0;
using var labels = Tensor.RandInt(0, 3, [64], g);
using var center = IndexSelect(centers, 0, labels);
using var noise = Tensor.Randn([64, 4], g);
using var x = center + noise;

var experiment = new PackagedApp.Classifier();
experiment.Initialize(seed: 5);
float first = experiment.TrainStep(x, labels), last = first;
for (var step = 1; step < 200; step++) last = experiment.TrainStep(x, labels);
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"first loss {first:R}"));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"last loss {last:R}"));

namespace PackagedApp
{
    [Model]
    public partial class Mlp
    {
        [Dim] public int Inputs, Hidden, Classes;
        [Param(nameof(Inputs), nameof(Hidden))]  public Tensor W1 = null!;
        [Param(nameof(Hidden))]                  public Tensor B1 = null!;
        [Param(nameof(Hidden), nameof(Classes))] public Tensor W2 = null!;
        [Param(nameof(Classes))]                 public Tensor B2 = null!;

        public Tensor Forward([Shape("Batch", nameof(Inputs))] Tensor x)
            => MatMul(Relu(MatMul(x, W1) + B1), W2) + B2;
    }

    [Experiment]
    public partial class Classifier
    {
        public Mlp Net = new() { Inputs = 4, Hidden = 16, Classes = 3 };
        public Adam Optimizer = new() { LearningRate = 0.01 };

        [Loss]
        public Tensor Loss([Shape("Batch", 4)] Tensor x, [Shape("Batch")] Tensor labels)
            => CrossEntropy(Net.Forward(x), labels);
    }
}
