using static Dsl.Ops;

namespace Dsl;

#pragma warning disable CS8618 // parameters are allocated by the generated Initialize

/// <summary>
/// Two linear layers with a ReLU between them (In → Hidden → Out), each initialized as
/// torch.nn.Linear: the same function as <c>nn.Sequential(nn.Linear(In, Hidden), nn.ReLU(),
/// nn.Linear(Hidden, Out))</c>, with weights in torch's layout ([Hidden, In], [Out, Hidden]).
/// </summary>
[Model]
public partial class Mlp
{
    [Dim] public int In, Hidden, Out;

    [Param(nameof(Hidden), nameof(In)), Init(Init.TorchFanIn)] public Tensor Weight1;
    [Param(nameof(Hidden)), Init(Init.TorchFanIn, FanInOf = nameof(Weight1))] public Tensor Bias1;
    [Param(nameof(Out), nameof(Hidden)), Init(Init.TorchFanIn)] public Tensor Weight2;
    [Param(nameof(Out)), Init(Init.TorchFanIn, FanInOf = nameof(Weight2))] public Tensor Bias2;

    public Tensor Forward([Shape("Batch", nameof(In))] Tensor x) =>
        MatMul(Relu(MatMul(x, Transpose(Weight1)) + Bias1), Transpose(Weight2)) + Bias2;
}
