namespace Dsl;

// Forms of the nn kernels that the generated step calls where a setting is known only at run time:
// a layer norm over the trailing axes of x (the sizes read from x, so a model's [Dim] may be one)
// and an embedding's weight gradient whose row count is the output's. No managed allocation.
public static partial class Kernels
{
    /// <summary>output = layer_norm(x) over its last <paramref name="normalizedDims"/> axes; mean and rstd receive the statistics (see <see cref="LayerNorm"/>).</summary>
    public static void LayerNormTrailing(Tensor x, long normalizedDims, Tensor? weight, Tensor? bias, double eps, Tensor output, Tensor? mean, Tensor? rstd) =>
        LayerNorm(x, TrailingSizes(x, normalizedDims, stackalloc long[8]), weight, bias, eps, output, mean, rstd);

    /// <summary>The gradients of <see cref="LayerNormTrailing"/> (see <see cref="LayerNormBackward"/>); a null output is not computed.</summary>
    public static void LayerNormTrailingBackward(Tensor gradOutput, Tensor x, long normalizedDims, Tensor mean, Tensor rstd, Tensor? weight, Tensor? bias,
        Tensor? gradInput, Tensor? gradWeight, Tensor? gradBias) =>
        LayerNormBackward(gradOutput, x, TrailingSizes(x, normalizedDims, stackalloc long[8]), mean, rstd, weight, bias, gradInput, gradWeight, gradBias);

    /// <summary>output [num, dim] = the embedding's weight gradient: row i is the sum of gradOutput's rows whose index is i.</summary>
    public static void EmbeddingBackward(Tensor gradOutput, Tensor indices, Tensor output) =>
        EmbeddingBackward(gradOutput, indices, output.Size(0), -1, false, output);

    private static ReadOnlySpan<long> TrailingSizes(Tensor x, long count, Span<long> scratch)
    {
        var rank = x.Rank;
        if (count < 1 || count > rank || count > scratch.Length)
        {
            throw new ArgumentException($"layer_norm: cannot normalize the last {count} axes of a tensor of shape {x.Shape} (rank {rank}).", nameof(count));
        }
        for (var i = 0; i < count; i++) scratch[i] = x.Size(rank - (int)count + i);
        return scratch[..(int)count];
    }
}
