using Dsl.Native;

namespace Dsl;

// Neural-network layers and losses. Their gradients are in Ops.Backward.cs.
public static unsafe partial class Ops
{
    // ---- softmax -----------------------------------------------------------------------------

    /// <summary>softmax(x)ᵢ = eˣⁱ / Σⱼ eˣʲ along <paramref name="dim"/> (negative counts from the end).</summary>
    public static Tensor Softmax(Tensor x, long dim)
    {
        Status.Check(NativeMethods.dsl_softmax(x.Handle, dim, out var result), "softmax", x);
        return new Tensor(result);
    }

    /// <summary>log_softmax(x)ᵢ = xᵢ - log Σⱼ eˣʲ along <paramref name="dim"/>, computed stably.</summary>
    public static Tensor LogSoftmax(Tensor x, long dim)
    {
        Status.Check(NativeMethods.dsl_log_softmax(x.Handle, dim, out var result), "log_softmax", x);
        return new Tensor(result);
    }

    // ---- losses ------------------------------------------------------------------------------

    /// <summary>
    /// Negative log-likelihood: loss = -w[yₙ]·logProbs[n, yₙ] for log-probabilities [N, C] (or [C])
    /// and Int64 class indices [N] (or a scalar), or a class per position: [N, C, d1, ...] against
    /// [N, d1, ...] (as torch's nll_loss); the mean divides by Σ w[yₙ]. Targets equal to
    /// <paramref name="ignoreIndex"/> count for nothing. <paramref name="weight"/> [C] is optional.
    /// </summary>
    public static Tensor NllLoss(Tensor logProbs, Tensor targets, Reduction reduction = Reduction.Mean, Tensor? weight = null,
        long ignoreIndex = -100)
    {
        Status.Check(NativeMethods.dsl_nll_loss(logProbs.Handle, targets.Handle, Call.HandleOf(weight), (int)reduction, ignoreIndex,
            out var result, null), "nll_loss", logProbs, targets, weight);
        return new Tensor(result);
    }

    /// <summary>
    /// <see cref="NllLoss"/> and its total weight Σ w[yₙ] over the counted targets (their count
    /// without a weight), which <see cref="NllLossBackward"/> needs.
    /// </summary>
    public static (Tensor Loss, Tensor TotalWeight) NllLossForward(Tensor logProbs, Tensor targets, Reduction reduction = Reduction.Mean,
        Tensor? weight = null, long ignoreIndex = -100)
    {
        IntPtr totalWeight;
        Status.Check(NativeMethods.dsl_nll_loss(logProbs.Handle, targets.Handle, Call.HandleOf(weight), (int)reduction, ignoreIndex,
            out var result, &totalWeight), "nll_loss", logProbs, targets, weight);
        return (new Tensor(result), new Tensor(totalWeight));
    }

    /// <summary>An <c>ignoreIndex</c> for <see cref="CrossEntropy(Tensor, Tensor, Reduction, Tensor?, long, double)"/> and <see cref="NllLossForward"/> that no label can equal: every label outside [0, C) then throws.</summary>
    public const long NoIgnoreIndex = long.MinValue;

    /// <summary>
    /// Cross-entropy of unnormalized logits [N, C], [C] or [N, C, d1, ...] (classes along dim 1) against
    /// Int64 class indices [N], [] or [N, d1, ...], as torch's F.cross_entropy:
    /// (1 - ε)·nll_loss(log_softmax(logits, 1), targets) + (ε/C)·Σ_c -w_c·log_softmax(logits, 1)_c with
    /// ε = <paramref name="labelSmoothing"/>. Targets equal to <paramref name="ignoreIndex"/> (PyTorch's
    /// default, -100) add nothing and are left out of the nll mean; when every target is ignored the mean
    /// is 0/0 = NaN. <see cref="NoIgnoreIndex"/> ignores none. Other targets outside [0, C) throw.
    /// <paramref name="weight"/> [C] weighs each class (the mean then divides by Σ w[yₙ]).
    /// </summary>
    public static Tensor CrossEntropy(Tensor logits, Tensor targets, Reduction reduction = Reduction.Mean, Tensor? weight = null,
        long ignoreIndex = -100, double labelSmoothing = 0)
    {
        Status.Check(NativeMethods.dsl_cross_entropy(logits.Handle, targets.Handle, Call.HandleOf(weight), (int)reduction, ignoreIndex,
            labelSmoothing, out var result), "cross_entropy", logits, targets, weight);
        return new Tensor(result);
    }

    /// <summary>
    /// <see cref="CrossEntropy"/>'s gradient with respect to the logits: with L = log_softmax(logits, 1) and
    /// dL = -g·((1 - ε)·w[y]·onehot(y) + (ε/C)·w) at each counted target (÷ Σ w[yₙ] for the mean; the
    /// smoothing part ÷ the number of counted targets when unweighted, as torch), dlogits = dL - softmax·Σ_c dL.
    /// gradOutput is a scalar for the mean and sum, the targets' shape for none.
    /// </summary>
    public static Tensor CrossEntropyBackward(Tensor gradOutput, Tensor logits, Tensor targets, Reduction reduction = Reduction.Mean,
        Tensor? weight = null, long ignoreIndex = -100, double labelSmoothing = 0)
    {
        Status.Check(NativeMethods.dsl_cross_entropy_backward(gradOutput.Handle, logits.Handle, targets.Handle, Call.HandleOf(weight), (int)reduction,
            ignoreIndex, labelSmoothing, out var result), "cross_entropy_backward", gradOutput, logits, targets, weight);
        return new Tensor(result);
    }

    /// <summary>Mean squared error (input - target)², reduced; the shapes must be equal (no broadcasting).</summary>
    public static Tensor MseLoss(Tensor input, Tensor target, Reduction reduction = Reduction.Mean)
    {
        Status.Check(NativeMethods.dsl_mse_loss(input.Handle, target.Handle, (int)reduction, out var result), "mse_loss", input, target);
        return new Tensor(result);
    }

    /// <summary>
    /// Binary cross-entropy on logits, computed stably:
    /// -w·[pw·t·log σ(x) + (1 - t)·log(1 - σ(x))], reduced. Targets have the logits' shape;
    /// <paramref name="weight"/> broadcasts over it, <paramref name="posWeight"/> is per class (last dimension).
    /// </summary>
    public static Tensor BinaryCrossEntropyWithLogits(Tensor logits, Tensor targets, Reduction reduction = Reduction.Mean,
        Tensor? weight = null, Tensor? posWeight = null)
    {
        Status.Check(NativeMethods.dsl_binary_cross_entropy_with_logits(logits.Handle, targets.Handle, Call.HandleOf(weight),
            Call.HandleOf(posWeight), (int)reduction, out var result), "binary_cross_entropy_with_logits", logits, targets, weight, posWeight);
        return new Tensor(result);
    }

    // ---- convolution -------------------------------------------------------------------------

    /// <summary>
    /// 2-d cross-correlation: out[n, o] = bias[o] + Σ_c weight[o, c] ⋆ input[n, g·C/groups + c],
    /// input [N, C, H, W] (or [C, H, W]), weight [O, C/groups, kH, kW], bias [O] or none.
    /// Output size per side: ⌊(in + 2·padding - dilation·(k - 1) - 1) / stride⌋ + 1.
    /// </summary>
    public static Tensor Conv2d(Tensor input, Tensor weight, Tensor? bias = null, Size2? stride = null, Size2? padding = null,
        Size2? dilation = null, long groups = 1)
    {
        Size2 s = stride ?? 1, p = padding ?? 0, d = dilation ?? 1;
        Status.Check(NativeMethods.dsl_conv2d(input.Handle, weight.Handle, Call.HandleOf(bias), s.Height, s.Width, p.Height, p.Width,
            d.Height, d.Width, groups, out var result), "conv2d", input, weight, bias);
        return new Tensor(result);
    }

    // ---- pooling -----------------------------------------------------------------------------

    /// <summary>
    /// 2-d max pooling over [N, C, H, W] (or [C, H, W]) with the flat index (within each H·W plane)
    /// of every maximum, which <see cref="MaxPool2dWithIndicesBackward"/> needs. The stride defaults
    /// to the kernel size; padding pads with -∞.
    /// </summary>
    public static (Tensor Output, Tensor Indices) MaxPool2dWithIndices(Tensor x, Size2 kernel, Size2? stride = null, Size2? padding = null,
        Size2? dilation = null, bool ceilMode = false)
    {
        Size2 s = stride ?? (0, 0), p = padding ?? 0, d = dilation ?? 1;
        Status.Check(NativeMethods.dsl_max_pool2d_with_indices(x.Handle, kernel.Height, kernel.Width, s.Height, s.Width, p.Height, p.Width,
            d.Height, d.Width, ceilMode ? 1 : 0, out var result, out var indices), "max_pool2d_with_indices", x);
        return (new Tensor(result), new Tensor(indices));
    }

    /// <summary>2-d max pooling (see <see cref="MaxPool2dWithIndices"/>), without the indices.</summary>
    public static Tensor MaxPool2d(Tensor x, Size2 kernel, Size2? stride = null, Size2? padding = null, Size2? dilation = null,
        bool ceilMode = false)
    {
        Size2 s = stride ?? (0, 0), p = padding ?? 0, d = dilation ?? 1;
        Status.Check(NativeMethods.dsl_max_pool2d(x.Handle, kernel.Height, kernel.Width, s.Height, s.Width, p.Height, p.Width,
            d.Height, d.Width, ceilMode ? 1 : 0, out var result), "max_pool2d", x);
        return new Tensor(result);
    }

    /// <summary>
    /// 2-d average pooling over [N, C, H, W] (or [C, H, W]); the stride defaults to the kernel size.
    /// Each window's sum is divided by <paramref name="divisorOverride"/> when given, else by the
    /// window size, counting zero padding only if <paramref name="countIncludePad"/>.
    /// </summary>
    public static Tensor AvgPool2d(Tensor x, Size2 kernel, Size2? stride = null, Size2? padding = null, bool ceilMode = false,
        bool countIncludePad = true, long? divisorOverride = null)
    {
        Size2 s = stride ?? (0, 0), p = padding ?? 0;
        Status.Check(NativeMethods.dsl_avg_pool2d(x.Handle, kernel.Height, kernel.Width, s.Height, s.Width, p.Height, p.Width,
            ceilMode ? 1 : 0, countIncludePad ? 1 : 0, DivisorCode(divisorOverride), out var result), "avg_pool2d", x);
        return new Tensor(result);
    }

    internal static long DivisorCode(long? divisorOverride) => divisorOverride switch
    {
        null => 0,
        <= 0 => throw new ArgumentOutOfRangeException(nameof(divisorOverride), divisorOverride, "The divisor must be positive."),
        var d => d.Value,
    };

    // ---- layer norm --------------------------------------------------------------------------

    /// <summary>
    /// Layer normalization over the trailing dims <paramref name="normalizedShape"/>:
    /// (x - mean) / √(var + eps) · weight + bias, with the biased variance; weight and bias
    /// (shaped <paramref name="normalizedShape"/>) are optional.
    /// </summary>
    public static Tensor LayerNorm(Tensor x, ReadOnlySpan<long> normalizedShape, Tensor? weight = null, Tensor? bias = null, double eps = 1e-5)
    {
        IntPtr result;
        fixed (long* shape = normalizedShape)
        {
            Status.Check(NativeMethods.dsl_layer_norm(x.Handle, shape, normalizedShape.Length, Call.HandleOf(weight), Call.HandleOf(bias), eps,
                out result, null, null), "layer_norm", x, weight, bias);
        }
        return new Tensor(result);
    }

    /// <summary>
    /// <see cref="LayerNorm"/> with its statistics: the mean and rstd = 1/√(var + eps) of each
    /// normalized group, shaped like x with the normalized dims set to 1, which
    /// <see cref="LayerNormBackward"/> needs (ATen's native_layer_norm).
    /// </summary>
    public static (Tensor Output, Tensor Mean, Tensor Rstd) LayerNormForward(Tensor x, ReadOnlySpan<long> normalizedShape,
        Tensor? weight = null, Tensor? bias = null, double eps = 1e-5)
    {
        IntPtr result, mean, rstd;
        fixed (long* shape = normalizedShape)
        {
            Status.Check(NativeMethods.dsl_layer_norm(x.Handle, shape, normalizedShape.Length, Call.HandleOf(weight), Call.HandleOf(bias), eps,
                out result, &mean, &rstd), "layer_norm", x, weight, bias);
        }
        return (new Tensor(result), new Tensor(mean), new Tensor(rstd));
    }

    // ---- dropout -----------------------------------------------------------------------------

    /// <summary>
    /// Inverted dropout for training: mask ~ Bernoulli(1 - p) (0 or 1, in x's dtype) and
    /// output = x · mask / (1 - p), so the expectation is x. The same seed gives the same mask;
    /// without a generator libtorch's global one is used. <see cref="DropoutBackward"/> takes the mask.
    /// The language's <c>Dropout(x, p)</c> (a tensor, identity outside training) is <see cref="Dropout(Tensor, double, bool)"/>.
    /// </summary>
    public static (Tensor Output, Tensor Mask) DropoutWithMask(Tensor x, double p, Generator? generator = null)
    {
        Status.Check(NativeMethods.dsl_dropout(x.Handle, p, Generator.HandleOf(generator), out var result, out var mask), "dropout", x);
        return (new Tensor(result), new Tensor(mask));
    }

    // ---- embedding ---------------------------------------------------------------------------

    /// <summary>Row lookup: out[..., :] = weight[indices[...], :] for weight [num, dim] and integer indices of any shape.</summary>
    public static Tensor Embedding(Tensor weight, Tensor indices)
    {
        Status.Check(NativeMethods.dsl_embedding(weight.Handle, indices.Handle, out var result), "embedding", weight, indices);
        return new Tensor(result);
    }
}
