// The configurations of the side-by-side benchmark as a researcher declares them: one MLP model and
// an experiment per size (ENVIRONMENT.md's mlp-s, mlp-m, mlp-l) and the small CNN cnn-s. The
// generator, running as an analyzer on this project, writes each experiment's TrainStep,
// ComputeGradients and ApplyUpdate. cnn-lenet and transformer are the examples' own experiments
// (examples/Cnn's DigitCnn, examples/Transformer's Sorting), referenced, not copied.
using Dsl;
using static Dsl.Ops;

namespace SideBySide;

#pragma warning disable CS8618 // parameters are created by the generated Initialize

/// <summary>Inputs-Hidden-Hidden-Classes, ReLU between the layers; weights (in, out).</summary>
[Model]
public partial class Mlp
{
    [Dim] public int Inputs, Hidden, Classes;
    [Param(nameof(Inputs), nameof(Hidden))] public Tensor W1;
    [Param(nameof(Hidden))] public Tensor B1;
    [Param(nameof(Hidden), nameof(Hidden))] public Tensor W2;
    [Param(nameof(Hidden))] public Tensor B2;
    [Param(nameof(Hidden), nameof(Classes))] public Tensor W3;
    [Param(nameof(Classes))] public Tensor B3;

    public Tensor Forward([Shape("Batch", nameof(Inputs))] Tensor x) =>
        MatMul(Relu(MatMul(Relu(MatMul(x, W1) + B1), W2) + B2), W3) + B3;
}

/// <summary>mlp-s: 784-64-64-10, batch 32.</summary>
[Experiment]
public partial class MlpS
{
    public Mlp Net = new() { Inputs = 784, Hidden = 64, Classes = 10 };
    public Adam Optimizer = new() { LearningRate = 1e-3 };

    [Loss]
    public Tensor Loss([Shape("Batch", 784)] Tensor images, [Shape("Batch")] Tensor labels) => CrossEntropy(Net.Forward(images), labels);
}

/// <summary>mlp-m: 784-256-256-10, batch 128.</summary>
[Experiment]
public partial class MlpM
{
    public Mlp Net = new() { Inputs = 784, Hidden = 256, Classes = 10 };
    public Adam Optimizer = new() { LearningRate = 1e-3 };

    [Loss]
    public Tensor Loss([Shape("Batch", 784)] Tensor images, [Shape("Batch")] Tensor labels) => CrossEntropy(Net.Forward(images), labels);
}

/// <summary>mlp-l: 784-1024-1024-10, batch 512.</summary>
[Experiment]
public partial class MlpL
{
    public Mlp Net = new() { Inputs = 784, Hidden = 1024, Classes = 10 };
    public Adam Optimizer = new() { LearningRate = 1e-3 };

    [Loss]
    public Tensor Loss([Shape("Batch", 784)] Tensor images, [Shape("Batch")] Tensor labels) => CrossEntropy(Net.Forward(images), labels);
}

/// <summary>
/// cnn-s of ENVIRONMENT.md: conv 1→8 3x3, ReLU, max-pool 2, conv 8→16 3x3, ReLU, max-pool 2, linear
/// 400→10, on [Batch, 1, 28, 28] images; the runtime's Conv2d and Linear layers (torch's layouts).
/// </summary>
[Model]
public partial class SmallCnn
{
    public Conv2d Conv1 = new() { In = 1, Out = 8, Kernel = 3 };
    public Conv2d Conv2 = new() { In = 8, Out = 16, Kernel = 3 };
    public Linear Fc = new() { In = 16 * 5 * 5, Out = 10 };

    public Tensor Forward([Shape("Batch", 1, 28, 28)] Tensor images)
    {
        var x = MaxPool2d(Relu(Conv1.Forward(images)), 2);   // [Batch, 8, 13, 13]
        x = MaxPool2d(Relu(Conv2.Forward(x)), 2);            // [Batch, 16, 5, 5]
        return Fc.Forward(Flatten(x, 1));
    }
}

/// <summary>cnn-s: <see cref="SmallCnn"/>, batch 32.</summary>
[Experiment]
public partial class CnnS
{
    public SmallCnn Net = new();
    public Adam Optimizer = new() { LearningRate = 1e-3 };

    [Loss]
    public Tensor Loss([Shape("Batch", 1, 28, 28)] Tensor images, [Shape("Batch")] Tensor labels) => CrossEntropy(Net.Forward(images), labels);
}
