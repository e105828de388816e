using static Dsl.Ops;

namespace Dsl;

#pragma warning disable CS8618 // parameters are allocated by the generated Initialize

/// <summary>
/// y = x Wᵀ + b, as torch.nn.Linear: weight [Out, In] and bias [Out] in torch's layout, initialized
/// as torch.nn.Linear does (uniform in ±1/√In for both). Hold it as a sub-model:
/// <c>public Linear L1 = new() { In = 784, Out = 256 };</c> and call <c>L1.Forward(x)</c>.
/// </summary>
[Model]
public partial class Linear
{
    [Dim] public int In, Out;

    [Param(nameof(Out), nameof(In)), Init(Init.TorchFanIn)] public Tensor Weight;
    [Param(nameof(Out)), Init(Init.TorchFanIn, FanInOf = nameof(Weight))] public Tensor Bias;

    public Tensor Forward([Shape("Batch", nameof(In))] Tensor x) => MatMul(x, Transpose(Weight)) + Bias;
}
