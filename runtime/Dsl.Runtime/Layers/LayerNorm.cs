using static Dsl.Ops;

namespace Dsl;

#pragma warning disable CS8618 // parameters are allocated by the generated Initialize

/// <summary>
/// Layer normalization over the last axis, as torch.nn.LayerNorm(Features): (x - mean) / √(var + 1e-5)
/// per position, times Weight plus Bias (ones and zeros at first, as torch). For inputs
/// [Batch, T, Features] (a sequence of feature vectors, as a transformer's).
/// </summary>
[Model]
public partial class LayerNorm
{
    [Dim] public int Features;

    [Param(nameof(Features)), Init(Init.Ones)] public Tensor Weight;
    [Param(nameof(Features)), Init(Init.Zeros)] public Tensor Bias;

    public Tensor Forward([Shape("Batch", "T", nameof(Features))] Tensor x) => Ops.LayerNorm(x, [Features], Weight, Bias);
}
