using static Dsl.Ops;

namespace Dsl.Runtime.Tests.Training;

// Experiments the trainer tests run. This test project gets the generator as an analyzer (as every
// project referencing the runtime does), so these declarations are compiled like a user's.

[Model]
public partial class Mlp
{
    [Dim] public int Inputs, Hidden, Classes;

    [Param(nameof(Inputs), nameof(Hidden))] public Tensor W1;
    [Param(nameof(Hidden))] public Tensor B1;
    [Param(nameof(Hidden), nameof(Classes))] public Tensor W2;
    [Param(nameof(Classes))] public Tensor B2;

    public Tensor Forward([Shape("Batch", nameof(Inputs))] Tensor x) => MatMul(Relu(MatMul(x, W1) + B1), W2) + B2;
}

[Experiment]
public partial class DigitsExperiment
{
    public Mlp Net = new() { Inputs = 784, Hidden = 32, Classes = 10 };
    public Adam Optimizer = new() { LearningRate = 3e-3 };

    [Loss]
    public Tensor Loss([Shape("Batch", 784)] Tensor images, [Shape("Batch")] Tensor labels) => CrossEntropy(Net.Forward(images), labels);

    [Metric]
    public Tensor Accuracy(Tensor images, Tensor labels) => Ops.Accuracy(Net.Predict(images), labels);
}

[Experiment]
public partial class BlobsExperiment
{
    public Mlp Net = new() { Inputs = 2, Hidden = 16, Classes = 3 };
    public Sgd Optimizer = new() { LearningRate = 0.1 };

    [Loss]
    public Tensor Loss([Shape("Batch", 2)] Tensor features, [Shape("Batch")] Tensor labels) => CrossEntropy(Net.Forward(features), labels);
}
