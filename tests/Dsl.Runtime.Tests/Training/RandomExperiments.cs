using static Dsl.Ops;

namespace Dsl.Runtime.Tests.Training;

// Experiments whose steps draw random numbers (docs/DSL.md, "Randomness"), compiled by the generator
// like a user's.

/// <summary>An MLP with dropout on its hidden layer (identity in evaluation and Predict).</summary>
[Model]
public partial class DropoutMlp
{
    [Dim] public int Inputs, Hidden, Classes;

    [Param(nameof(Inputs), nameof(Hidden))] public Tensor W1;
    [Param(nameof(Hidden))] public Tensor B1;
    [Param(nameof(Hidden), nameof(Classes))] public Tensor W2;
    [Param(nameof(Classes))] public Tensor B2;

    public Tensor Forward([Shape("Batch", nameof(Inputs))] Tensor x) => MatMul(Dropout(Relu(MatMul(x, W1) + B1), 0.3), W2) + B2;
}

[Experiment]
public partial class DropoutDigitsExperiment
{
    public DropoutMlp Net = new() { Inputs = 784, Hidden = 32, Classes = 10 };
    public Adam Optimizer = new() { LearningRate = 3e-3 };

    [Loss]
    public Tensor Loss([Shape("Batch", 784)] Tensor images, [Shape("Batch")] Tensor labels) => CrossEntropy(Net.Forward(images), labels);

    [Metric]
    public Tensor Accuracy(Tensor images, Tensor labels) => Ops.Accuracy(Net.Predict(images), labels);
}

/// <summary>A velocity field v(x_t, t) for flow matching.</summary>
[Model]
public partial class VelocityNet
{
    [Dim] public int Features, Hidden;

    [Param(nameof(Features), nameof(Hidden))] public Tensor Wx;
    [Param(1, nameof(Hidden))] public Tensor Wt;
    [Param(nameof(Hidden))] public Tensor B1;
    [Param(nameof(Hidden), nameof(Features))] public Tensor W2;
    [Param(nameof(Features))] public Tensor B2;

    public Tensor Forward([Shape("Batch", nameof(Features))] Tensor x, [Shape("Batch", 1)] Tensor t) =>
        MatMul(Tanh(MatMul(x, Wx) + MatMul(t, Wt) + B1), W2) + B2;
}

/// <summary>
/// Flow matching (rectified flow) with t and the noise drawn inside the loss: x_t = (1 - t)·noise + t·x,
/// and the model learns the velocity x - noise.
/// </summary>
[Experiment]
public partial class FlowMatchingExperiment
{
    public VelocityNet Net = new() { Features = 2, Hidden = 32 };
    public Adam Optimizer = new() { LearningRate = 1e-2 };

    [Loss]
    public Tensor Loss([Shape("Batch", 2)] Tensor x)
    {
        var t = Rand([x.Size(0), 1]);
        var noise = RandnLike(x);
        var xt = (1 - t) * noise + t * x;
        return MseLoss(Net.Forward(xt, t), x - noise);
    }
}

/// <summary>Exposes its draws as gradients: d/dA Σ A ⊙ Randn = the normal draw, d/dU Σ U ⊙ Rand = the uniform draw.</summary>
[Model]
public partial class DrawProbe
{
    [Param(4, 5)] public Tensor A;
    [Param(3, 6)] public Tensor U;

    public Tensor Forward([Shape("Batch", 5)] Tensor x) => MatMul(x, Transpose(A));
}

[Experiment]
public partial class DrawProbeExperiment
{
    public DrawProbe Probe = new();

    [Loss]
    public Tensor Loss([Shape("Batch", 6)] Tensor x) => Sum(Probe.A * Randn(4, 5)) + Sum(Probe.U * Rand([3, x.Size(1)])) + 0 * Sum(x);
}
