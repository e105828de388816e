using static Dsl.Ops;

namespace Dsl;

#pragma warning disable CS8618 // parameters are allocated by the generated Initialize

/// <summary>
/// A lookup table of Count vectors of Features each, as torch.nn.Embedding(Count, Features): Weight
/// [Count, Features] initialized N(0, 1) as torch does; Forward maps Int64 indices [Batch, T] to
/// their rows, [Batch, T, Features].
/// </summary>
[Model]
public partial class Embedding
{
    [Dim] public int Count, Features;

    [Param(nameof(Count), nameof(Features)), Init(Init.Normal)] public Tensor Weight;

    public Tensor Forward([Shape("Batch", "T")] Tensor indices) => Ops.Embedding(Weight, indices);
}
