using static Dsl.Ops;

namespace Dsl;

#pragma warning disable CS8618 // parameters are allocated by the generated Initialize

/// <summary>
/// A pre-norm transformer decoder block over [Batch, T, Features]: x + Attention(LayerNorm(x)), then
/// x + Mlp(LayerNorm(x)) with a GELU MLP Features → Hidden → Features (Hidden is usually 4 × Features).
/// The attention is <see cref="MultiHeadAttention"/>'s (causal, Heads heads of HeadSize, its parameter
/// layout); the norms are
/// <see cref="LayerNorm"/>'s and the MLP's layers torch.nn.Linear's, each with torch's layout and
/// initialization. The parameters are declared here rather than as sub-models because a layer's
/// dims can be set only to constants (a block cannot hand its Features down).
/// </summary>
[Model]
public partial class TransformerBlock
{
    [Dim] public int Features, Heads, HeadSize, Hidden;

    [Param(nameof(Features)), Init(Init.Ones)] public Tensor Norm1Weight;
    [Param(nameof(Features)), Init(Init.Zeros)] public Tensor Norm1Bias;
    [Param(nameof(Features), nameof(Heads), nameof(HeadSize)), Init(Init.TorchFanIn)] public Tensor QueryWeight;
    [Param(nameof(Heads), nameof(HeadSize)), Init(Init.TorchFanIn, FanInOf = nameof(QueryWeight))] public Tensor QueryBias;
    [Param(nameof(Features), nameof(Heads), nameof(HeadSize)), Init(Init.TorchFanIn)] public Tensor KeyWeight;
    [Param(nameof(Heads), nameof(HeadSize)), Init(Init.TorchFanIn, FanInOf = nameof(KeyWeight))] public Tensor KeyBias;
    [Param(nameof(Features), nameof(Heads), nameof(HeadSize)), Init(Init.TorchFanIn)] public Tensor ValueWeight;
    [Param(nameof(Heads), nameof(HeadSize)), Init(Init.TorchFanIn, FanInOf = nameof(ValueWeight))] public Tensor ValueBias;
    [Param(nameof(Features), nameof(Heads), nameof(HeadSize)), Init(Init.TorchFanIn)] public Tensor OutputWeight;
    [Param(nameof(Features)), Init(Init.TorchFanIn, FanInOf = nameof(OutputWeight))] public Tensor OutputBias;
    [Param(nameof(Features)), Init(Init.Ones)] public Tensor Norm2Weight;
    [Param(nameof(Features)), Init(Init.Zeros)] public Tensor Norm2Bias;
    [Param(nameof(Hidden), nameof(Features)), Init(Init.TorchFanIn)] public Tensor Hidden1Weight;
    [Param(nameof(Hidden)), Init(Init.TorchFanIn, FanInOf = nameof(Hidden1Weight))] public Tensor Hidden1Bias;
    [Param(nameof(Features), nameof(Hidden)), Init(Init.TorchFanIn)] public Tensor Hidden2Weight;
    [Param(nameof(Features)), Init(Init.TorchFanIn, FanInOf = nameof(Hidden2Weight))] public Tensor Hidden2Bias;

    public Tensor Forward([Shape("Batch", "T", nameof(Features))] Tensor x)
    {
        var a = Ops.LayerNorm(x, [Features], Norm1Weight, Norm1Bias);
        var q = MatMul(Unsqueeze(a, 1), Permute(QueryWeight, 1, 0, 2)) + Unsqueeze(QueryBias, 1);
        var k = MatMul(Unsqueeze(a, 1), Permute(KeyWeight, 1, 0, 2)) + Unsqueeze(KeyBias, 1);
        var v = MatMul(Unsqueeze(a, 1), Permute(ValueWeight, 1, 0, 2)) + Unsqueeze(ValueBias, 1);
        var heads = ScaledDotProductAttention(q, k, v, causal: true);
        var h = x + Sum(MatMul(heads, Permute(OutputWeight, 1, 2, 0)), 1) + OutputBias;
        var m = Ops.LayerNorm(h, [Features], Norm2Weight, Norm2Bias);
        return h + Ops.Linear(Gelu(Ops.Linear(m, Hidden1Weight, Hidden1Bias)), Hidden2Weight, Hidden2Bias);
    }
}
