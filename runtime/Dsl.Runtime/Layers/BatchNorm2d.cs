using static Dsl.Ops;

namespace Dsl;

#pragma warning disable CS8618 // parameters are allocated by the generated Initialize

/// <summary>
/// Batch normalization of images per channel, as torch.nn.BatchNorm2d(Channels) with its defaults
/// (eps 1e-5, momentum 0.1, affine, tracking running statistics): x [Batch, Channels, H, W] → the
/// same shape. Weight (ones) and bias (zeros) [Channels] are trained; the running mean (zeros) and
/// variance (ones) are frozen parameters, updated in place by the training step and saved in
/// checkpoints with the weights. The training step (TrainStep, Fit) normalizes with the batch's
/// statistics and updates the running ones, as torch's train mode; EvaluateLoss, Evaluate and Predict
/// use the running statistics, as torch's eval mode.
/// </summary>
[Model]
public partial class BatchNorm2d
{
    [Dim] public int Channels;

    [Param(nameof(Channels)), Init(Init.Ones)] public Tensor Weight;
    [Param(nameof(Channels)), Init(Init.Zeros)] public Tensor Bias;
    [Param(nameof(Channels), Frozen = true), Init(Init.Zeros)] public Tensor RunningMean;
    [Param(nameof(Channels), Frozen = true), Init(Init.Ones)] public Tensor RunningVar;

    public Tensor Forward([Shape("Batch", nameof(Channels), "Height", "Width")] Tensor x) =>
        BatchNorm(x, RunningMean, RunningVar, Weight, Bias);
}
