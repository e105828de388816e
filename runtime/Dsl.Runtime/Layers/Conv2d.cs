using static Dsl.Ops;

namespace Dsl;

#pragma warning disable CS8618 // parameters are allocated by the generated Initialize

/// <summary>
/// A 2-D convolution as torch.nn.Conv2d(In, Out, Kernel) with its defaults (stride 1, no padding, no
/// dilation, one group): x [Batch, In, H, W] → [Batch, Out, H - Kernel + 1, W - Kernel + 1]. Weight
/// [Out, In, Kernel, Kernel] and bias [Out] in torch's layout, initialized as torch.nn.Conv2d does
/// (uniform in ±1/√(In·Kernel²) for both). Hold it as a sub-model:
/// <c>public Conv2d Conv1 = new() { In = 1, Out = 6, Kernel = 5 };</c> and call <c>Conv1.Forward(x)</c>.
/// </summary>
/// <remarks>
/// Stride and padding are fixed at torch's defaults: a convolution's settings must be compile-time
/// constants, and a [Dim] (the only compile-time setting a layer can take) is a positive size, so
/// padding 0 could not be a [Dim]. For other settings call <c>Conv2d(x, weight, bias, stride: 2,
/// padding: 1)</c> on parameters of your own model. The spatial sizes must be known at compile time
/// (as after <c>Reshape(images, -1, 1, 28, 28)</c>).
/// </remarks>
[Model]
public partial class Conv2d
{
    [Dim] public int In, Out, Kernel;

    [Param(nameof(Out), nameof(In), nameof(Kernel), nameof(Kernel)), Init(Init.TorchFanIn)] public Tensor Weight;
    [Param(nameof(Out)), Init(Init.TorchFanIn, FanInOf = nameof(Weight))] public Tensor Bias;

    public Tensor Forward([Shape("Batch", nameof(In), "Height", "Width")] Tensor x) => Ops.Conv2d(x, Weight, Bias);
}
