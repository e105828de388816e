using static Dsl.Ops;

namespace Dsl;

#pragma warning disable CS8618 // parameters are allocated by the generated Initialize

/// <summary>
/// Causal multi-head self-attention over [Batch, T, Features], Heads heads of HeadSize each (usually
/// Heads × HeadSize = Features): query, key and value projections, scaled dot-product attention in
/// which each position sees itself and the positions before it, and an output projection. The
/// projections are torch.nn.Linear(Features, Heads·HeadSize) and Linear(Heads·HeadSize, Features)
/// with their per-head axes kept apart: QueryWeight [Features, Heads, HeadSize] is torch's weight
/// transposed (x · W, as flax's DenseGeneral), OutputWeight [Features, Heads, HeadSize] is torch's
/// weight [Features, Heads·HeadSize] as it is; biases [Heads, HeadSize] and [Features]. Initialized as
/// torch.nn.Linear (uniform in ±1/√(Heads·HeadSize)). Keeping the head axes in the parameters means
/// no reshape of activations. Not torch.nn.MultiheadAttention's packed in_proj_weight (Xavier-initialized).
/// </summary>
[Model]
public partial class MultiHeadAttention
{
    [Dim] public int Features, Heads, HeadSize;

    [Param(nameof(Features), nameof(Heads), nameof(HeadSize)), Init(Init.TorchFanIn)] public Tensor QueryWeight;
    [Param(nameof(Heads), nameof(HeadSize)), Init(Init.TorchFanIn, FanInOf = nameof(QueryWeight))] public Tensor QueryBias;
    [Param(nameof(Features), nameof(Heads), nameof(HeadSize)), Init(Init.TorchFanIn)] public Tensor KeyWeight;
    [Param(nameof(Heads), nameof(HeadSize)), Init(Init.TorchFanIn, FanInOf = nameof(KeyWeight))] public Tensor KeyBias;
    [Param(nameof(Features), nameof(Heads), nameof(HeadSize)), Init(Init.TorchFanIn)] public Tensor ValueWeight;
    [Param(nameof(Heads), nameof(HeadSize)), Init(Init.TorchFanIn, FanInOf = nameof(ValueWeight))] public Tensor ValueBias;
    [Param(nameof(Features), nameof(Heads), nameof(HeadSize)), Init(Init.TorchFanIn)] public Tensor OutputWeight;
    [Param(nameof(Features)), Init(Init.TorchFanIn, FanInOf = nameof(OutputWeight))] public Tensor OutputBias;

    public Tensor Forward([Shape("Batch", "T", nameof(Features))] Tensor x)
    {
        // [Batch, 1, T, Features] · [Heads, Features, HeadSize] → [Batch, Heads, T, HeadSize]
        var q = MatMul(Unsqueeze(x, 1), Permute(QueryWeight, 1, 0, 2)) + Unsqueeze(QueryBias, 1);
        var k = MatMul(Unsqueeze(x, 1), Permute(KeyWeight, 1, 0, 2)) + Unsqueeze(KeyBias, 1);
        var v = MatMul(Unsqueeze(x, 1), Permute(ValueWeight, 1, 0, 2)) + Unsqueeze(ValueBias, 1);
        var heads = ScaledDotProductAttention(q, k, v, causal: true);
        // [Batch, Heads, T, HeadSize] · [Heads, HeadSize, Features], summed over the heads → [Batch, T, Features]
        return Sum(MatMul(heads, Permute(OutputWeight, 1, 2, 0)), 1) + OutputBias;
    }
}
