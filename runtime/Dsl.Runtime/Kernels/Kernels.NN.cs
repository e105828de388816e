using Dsl.Native;

namespace Dsl;

// Neural-network layers and losses writing into caller-provided outputs (see Ops.NN.cs for the
// math). Every hyperparameter is explicit, outputs come last. A pooling stride of null means
// "the kernel size". Where ATen has no out= form (max_pool2d without indices, conv2d on an
// unbatched input, layer norm without its statistics) libtorch computes into a temporary and copies.
public static unsafe partial class Kernels
{
    /// <summary>output = softmax(x) along <paramref name="dim"/>.</summary>
    public static void Softmax(Tensor x, long dim, Tensor output) =>
        Status.Check(NativeMethods.dsl_softmax_out(output.Handle, x.Handle, dim), "softmax", x, output);

    /// <summary>output = log_softmax(x) along <paramref name="dim"/>.</summary>
    public static void LogSoftmax(Tensor x, long dim, Tensor output) =>
        Status.Check(NativeMethods.dsl_log_softmax_out(output.Handle, x.Handle, dim), "log_softmax", x, output);

    /// <summary>
    /// output = nll_loss(logProbs, targets) (see <see cref="Ops.NllLoss"/>) and, when
    /// <paramref name="totalWeight"/> is given, the total weight that <see cref="NllLossBackward"/> needs.
    /// </summary>
    public static void NllLoss(Tensor logProbs, Tensor targets, Reduction reduction, Tensor? weight, long ignoreIndex, Tensor output,
        Tensor? totalWeight) =>
        Status.Check(NativeMethods.dsl_nll_loss_out(output.Handle, Call.HandleOf(totalWeight), logProbs.Handle, targets.Handle,
            Call.HandleOf(weight), (int)reduction, ignoreIndex), "nll_loss", logProbs, targets, weight, output, totalWeight);

    /// <summary>output = nll_loss(log_softmax(logits, 1), targets) (see <see cref="Ops.CrossEntropy"/>).</summary>
    public static void CrossEntropy(Tensor logits, Tensor targets, Reduction reduction, Tensor? weight, long ignoreIndex, Tensor output) =>
        CrossEntropy(logits, targets, reduction, weight, ignoreIndex, 0, output);

    /// <summary>output = cross-entropy with label smoothing ε (see <see cref="Ops.CrossEntropy"/>); logits [N, C, ...] or [C].</summary>
    public static void CrossEntropy(Tensor logits, Tensor targets, Reduction reduction, Tensor? weight, long ignoreIndex, double labelSmoothing,
        Tensor output) =>
        Status.Check(NativeMethods.dsl_cross_entropy_out(output.Handle, logits.Handle, targets.Handle, Call.HandleOf(weight), (int)reduction,
            ignoreIndex, labelSmoothing), "cross_entropy", logits, targets, weight, output);

    /// <summary>
    /// The mean cross-entropy of logits [N, C] against labels [N] into <paramref name="loss"/> (one element) and its
    /// gradient for the logits, (softmax(logits) - onehot(labels)) / n, into <paramref name="gradient"/> ([N, C]), in
    /// one pass; n counts the labels that are not <paramref name="ignoreIndex"/> (their rows get a zero gradient).
    /// What the generated step calls when the loss is nothing but this cross-entropy.
    /// </summary>
    public static void CrossEntropyWithGradient(Tensor logits, Tensor targets, long ignoreIndex, Tensor loss, Tensor gradient) =>
        Status.Check(NativeMethods.dsl_cross_entropy_with_gradient(logits.Handle, targets.Handle, ignoreIndex, loss.Handle, gradient.Handle),
            "cross_entropy_with_gradient", logits, targets, loss, gradient);

    /// <summary>output (the logits' shape) = d cross_entropy / d logits (see <see cref="Ops.CrossEntropyBackward"/>).</summary>
    public static void CrossEntropyBackward(Tensor gradOutput, Tensor logits, Tensor targets, Reduction reduction, Tensor? weight, long ignoreIndex,
        double labelSmoothing, Tensor output) =>
        Status.Check(NativeMethods.dsl_cross_entropy_backward_out(output.Handle, gradOutput.Handle, logits.Handle, targets.Handle, Call.HandleOf(weight),
            (int)reduction, ignoreIndex, labelSmoothing), "cross_entropy_backward", gradOutput, logits, targets, weight, output);

    /// <summary>output = reduced (input - target)²; the shapes must be equal.</summary>
    public static void MseLoss(Tensor input, Tensor target, Reduction reduction, Tensor output) =>
        Status.Check(NativeMethods.dsl_mse_loss_out(output.Handle, input.Handle, target.Handle, (int)reduction), "mse_loss", input, target, output);

    /// <summary>output = reduced -w·[pw·t·log σ(x) + (1 - t)·log(1 - σ(x))]; weight and posWeight may be null.</summary>
    public static void BinaryCrossEntropyWithLogits(Tensor logits, Tensor targets, Reduction reduction, Tensor? weight, Tensor? posWeight,
        Tensor output) =>
        Status.Check(NativeMethods.dsl_binary_cross_entropy_with_logits_out(output.Handle, logits.Handle, targets.Handle, Call.HandleOf(weight),
            Call.HandleOf(posWeight), (int)reduction), "binary_cross_entropy_with_logits", logits, targets, weight, posWeight, output);

    /// <summary>output = conv2d(input, weight) + bias (bias may be null).</summary>
    public static void Conv2d(Tensor input, Tensor weight, Tensor? bias, Size2 stride, Size2 padding, Size2 dilation, long groups, Tensor output) =>
        Status.Check(NativeMethods.dsl_conv2d_out(output.Handle, input.Handle, weight.Handle, Call.HandleOf(bias), stride.Height, stride.Width,
            padding.Height, padding.Width, dilation.Height, dilation.Width, groups), "conv2d", input, weight, bias, output);

    /// <summary>output = 2-d max pooling of x; indices (Int64) = where each maximum was, per H·W plane.</summary>
    public static void MaxPool2dWithIndices(Tensor x, Size2 kernel, Size2? stride, Size2 padding, Size2 dilation, bool ceilMode,
        Tensor output, Tensor indices)
    {
        var s = stride ?? default;
        Status.Check(NativeMethods.dsl_max_pool2d_with_indices_out(output.Handle, indices.Handle, x.Handle, kernel.Height, kernel.Width,
            s.Height, s.Width, padding.Height, padding.Width, dilation.Height, dilation.Width, ceilMode ? 1 : 0),
            "max_pool2d_with_indices", x, output, indices);
    }

    /// <summary>output = 2-d max pooling of x.</summary>
    public static void MaxPool2d(Tensor x, Size2 kernel, Size2? stride, Size2 padding, Size2 dilation, bool ceilMode, Tensor output)
    {
        var s = stride ?? default;
        Status.Check(NativeMethods.dsl_max_pool2d_out(output.Handle, x.Handle, kernel.Height, kernel.Width, s.Height, s.Width,
            padding.Height, padding.Width, dilation.Height, dilation.Width, ceilMode ? 1 : 0), "max_pool2d", x, output);
    }

    /// <summary>output = 2-d average pooling of x (divisorOverride null: the window size).</summary>
    public static void AvgPool2d(Tensor x, Size2 kernel, Size2? stride, Size2 padding, bool ceilMode, bool countIncludePad,
        long? divisorOverride, Tensor output)
    {
        var s = stride ?? default;
        Status.Check(NativeMethods.dsl_avg_pool2d_out(output.Handle, x.Handle, kernel.Height, kernel.Width, s.Height, s.Width,
            padding.Height, padding.Width, ceilMode ? 1 : 0, countIncludePad ? 1 : 0, Ops.DivisorCode(divisorOverride)), "avg_pool2d", x, output);
    }

    /// <summary>
    /// output = layer_norm(x) over the trailing <paramref name="normalizedShape"/> dims; mean and
    /// rstd (may be null) receive the statistics <see cref="LayerNormBackward"/> needs.
    /// </summary>
    public static void LayerNorm(Tensor x, ReadOnlySpan<long> normalizedShape, Tensor? weight, Tensor? bias, double eps, Tensor output,
        Tensor? mean, Tensor? rstd)
    {
        fixed (long* shape = normalizedShape)
        {
            Status.Check(NativeMethods.dsl_layer_norm_out(output.Handle, Call.HandleOf(mean), Call.HandleOf(rstd), x.Handle, shape,
                normalizedShape.Length, Call.HandleOf(weight), Call.HandleOf(bias), eps), "layer_norm", x, weight, bias, output, mean, rstd);
        }
    }

    /// <summary>
    /// mask ~ Bernoulli(1 - p) (0 or 1, in the mask's dtype: floating or Bool) and
    /// output = x · mask / (1 - p), drawn from <paramref name="generator"/> (null: the global one).
    /// </summary>
    public static void Dropout(Tensor x, double p, Generator? generator, Tensor output, Tensor mask) =>
        Status.Check(NativeMethods.dsl_dropout_out(output.Handle, mask.Handle, x.Handle, p, Generator.HandleOf(generator)), "dropout", x, output, mask);

    /// <summary>output[..., :] = weight[indices[...], :].</summary>
    public static void Embedding(Tensor weight, Tensor indices, Tensor output) =>
        Status.Check(NativeMethods.dsl_embedding_out(output.Handle, weight.Handle, indices.Handle), "embedding", weight, indices, output);
}
