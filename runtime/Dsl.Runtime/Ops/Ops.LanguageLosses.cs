namespace Dsl;

// Cross-entropy with label smoothing, as torch.nn.functional.cross_entropy(label_smoothing=ε) for
// logits [N, C] and class indices [N]: (1 - ε)·nll + (ε / C)·smooth, where smooth_n = -Σ_c w_c·logp[n, c]
// for the counted targets (0 for ignored ones), summed, or divided by the total weight of the counted
// targets for the mean (nll_loss's), or kept per example for Reduction.None. The generated step
// computes the same with Kernels into its buffers (Operations/LossOps2.cs).
public static partial class Ops
{
    /// <summary>Cross-entropy against targets smoothed by <paramref name="labelSmoothing"/> (name it: <c>labelSmoothing: 0.1</c>).</summary>
    public static Tensor CrossEntropy(Tensor logits, Tensor targets, double labelSmoothing, Reduction reduction = Reduction.Mean, Tensor? weight = null,
        long ignoreIndex = -100)
    {
        if (labelSmoothing is < 0 or > 1 || double.IsNaN(labelSmoothing))
        {
            throw new ArgumentOutOfRangeException(nameof(labelSmoothing), labelSmoothing, "cross_entropy: label smoothing must be in [0, 1].");
        }
        if (logits.Rank != 2) throw new ArgumentException($"cross_entropy with label smoothing takes logits [N, C], but they are {logits.Shape}.", nameof(logits));
        using var logProbs = LogSoftmax(logits, 1);
        var (loss, totalWeight) = NllLossForward(logProbs, targets, reduction, weight, ignoreIndex);
        using (totalWeight)
        {
            using var weighted = weight is null ? logProbs.Clone() : Mul(logProbs, weight);
            using var rowSum = Tensor.Empty([logits.Size(0), 1], logits.DType);
            Kernels.Sum(weighted, [1], true, rowSum);
            using var spread = Tensor.EmptyLike(logits);
            Kernels.Copy(rowSum, spread);
            using var smooth = Tensor.Empty([logits.Size(0)], logits.DType);
            Kernels.NllLoss(spread, targets, Reduction.None, null, ignoreIndex, smooth, null);
            var share = labelSmoothing / logits.Size(1);
            Kernels.MulInPlace(loss, 1 - labelSmoothing);
            if (reduction == Reduction.None)
            {
                Kernels.AddInPlace(loss, smooth, share);
                return loss;
            }
            using var total = Tensor.Empty([], logits.DType);
            Kernels.Sum(smooth, total);
            if (reduction == Reduction.Mean) Kernels.DivInPlace(total, totalWeight);
            Kernels.AddInPlace(loss, total, share);
            return loss;
        }
    }
}
