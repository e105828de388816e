using Dsl.Native;

namespace Dsl;

// Gradients writing into caller-provided outputs (see Ops.Backward.cs for the math). In the
// multi-output forms a null output skips that gradient. Conv2d and layer-norm gradients are
// computed by libtorch into temporaries and copied, since ATen's out= forms need all three outputs.
public static unsafe partial class Kernels
{
    /// <summary>output = gradOutput · [x &gt; 0] (x: ReLU's input or output).</summary>
    public static void ReluBackward(Tensor gradOutput, Tensor x, Tensor output) => ThresholdBackward(gradOutput, x, 0, output);

    /// <summary>output = gradOutput · [x &gt; threshold].</summary>
    public static void ThresholdBackward(Tensor gradOutput, Tensor x, double threshold, Tensor output) =>
        Status.Check(NativeMethods.dsl_threshold_backward_out(output.Handle, gradOutput.Handle, x.Handle, threshold), "threshold_backward",
            gradOutput, x, output);

    /// <summary>output = gradOutput · GELU′(x) (exact or tanh approximation).</summary>
    public static void GeluBackward(Tensor gradOutput, Tensor x, bool tanhApproximation, Tensor output) =>
        Status.Check(NativeMethods.dsl_gelu_backward_out(output.Handle, gradOutput.Handle, x.Handle, tanhApproximation ? 1 : 0), "gelu_backward",
            gradOutput, x, output);

    /// <summary>output = gradOutput · SiLU′(x).</summary>
    public static void SiluBackward(Tensor gradOutput, Tensor x, Tensor output) =>
        Status.Check(NativeMethods.dsl_silu_backward_out(output.Handle, gradOutput.Handle, x.Handle), "silu_backward", gradOutput, x, output);

    /// <summary>output = gradOutput · y·(1 - y), y = σ(x).</summary>
    public static void SigmoidBackward(Tensor gradOutput, Tensor y, Tensor output) =>
        Status.Check(NativeMethods.dsl_sigmoid_backward_out(output.Handle, gradOutput.Handle, y.Handle), "sigmoid_backward", gradOutput, y, output);

    /// <summary>output = gradOutput · (1 - y²), y = tanh(x).</summary>
    public static void TanhBackward(Tensor gradOutput, Tensor y, Tensor output) =>
        Status.Check(NativeMethods.dsl_tanh_backward_out(output.Handle, gradOutput.Handle, y.Handle), "tanh_backward", gradOutput, y, output);

    /// <summary>output = y · (gradOutput - Σ_dim gradOutput·y), y = softmax(x).</summary>
    public static void SoftmaxBackward(Tensor gradOutput, Tensor y, long dim, Tensor output) =>
        Status.Check(NativeMethods.dsl_softmax_backward_out(output.Handle, gradOutput.Handle, y.Handle, dim), "softmax_backward", gradOutput, y, output);

    /// <summary>output = gradOutput - eʸ · Σ_dim gradOutput, y = log_softmax(x).</summary>
    public static void LogSoftmaxBackward(Tensor gradOutput, Tensor y, long dim, Tensor output) =>
        Status.Check(NativeMethods.dsl_log_softmax_backward_out(output.Handle, gradOutput.Handle, y.Handle, dim), "log_softmax_backward",
            gradOutput, y, output);

    /// <summary>output = d nll_loss / d logProbs (see <see cref="Ops.NllLossBackward"/>).</summary>
    public static void NllLossBackward(Tensor gradOutput, Tensor logProbs, Tensor targets, Tensor totalWeight, Reduction reduction, Tensor? weight,
        long ignoreIndex, Tensor output) =>
        Status.Check(NativeMethods.dsl_nll_loss_backward_out(output.Handle, gradOutput.Handle, logProbs.Handle, targets.Handle, Call.HandleOf(weight),
            (int)reduction, ignoreIndex, totalWeight.Handle), "nll_loss_backward", gradOutput, logProbs, targets, totalWeight, output);

    /// <summary>output = 2·(input - target)·gradOutput (÷ numel for the mean).</summary>
    public static void MseLossBackward(Tensor gradOutput, Tensor input, Tensor target, Reduction reduction, Tensor output) =>
        Status.Check(NativeMethods.dsl_mse_loss_backward_out(output.Handle, gradOutput.Handle, input.Handle, target.Handle, (int)reduction),
            "mse_loss_backward", gradOutput, input, target, output);

    /// <summary>output = d binary_cross_entropy_with_logits / d logits (see <see cref="Ops.BinaryCrossEntropyWithLogitsBackward"/>).</summary>
    public static void BinaryCrossEntropyWithLogitsBackward(Tensor gradOutput, Tensor logits, Tensor targets, Reduction reduction, Tensor? weight,
        Tensor? posWeight, Tensor output) =>
        Status.Check(NativeMethods.dsl_binary_cross_entropy_with_logits_backward_out(output.Handle, gradOutput.Handle, logits.Handle, targets.Handle,
            Call.HandleOf(weight), Call.HandleOf(posWeight), (int)reduction), "binary_cross_entropy_with_logits_backward",
            gradOutput, logits, targets, output);

    /// <summary>output = gradOutput · mask / (1 - p).</summary>
    public static void DropoutBackward(Tensor gradOutput, Tensor mask, double p, Tensor output) =>
        Status.Check(NativeMethods.dsl_dropout_backward_out(output.Handle, gradOutput.Handle, mask.Handle, p), "dropout_backward", gradOutput, mask, output);

    /// <summary>conv2d's gradients into gradInput, gradWeight and gradBias; a null one is not computed.</summary>
    public static void Conv2dBackward(Tensor gradOutput, Tensor input, Tensor weight, Size2 stride, Size2 padding, Size2 dilation, long groups,
        Tensor? gradInput, Tensor? gradWeight, Tensor? gradBias) =>
        Status.Check(NativeMethods.dsl_conv2d_backward_out(Call.HandleOf(gradInput), Call.HandleOf(gradWeight), Call.HandleOf(gradBias),
            gradOutput.Handle, input.Handle, weight.Handle, stride.Height, stride.Width, padding.Height, padding.Width, dilation.Height, dilation.Width,
            groups), "conv2d_backward", gradOutput, input, weight, gradInput, gradWeight, gradBias);

    /// <summary>output = max_pool2d's gradient, routed through the forward's indices.</summary>
    public static void MaxPool2dWithIndicesBackward(Tensor gradOutput, Tensor x, Tensor indices, Size2 kernel, Size2? stride, Size2 padding,
        Size2 dilation, bool ceilMode, Tensor output)
    {
        var s = stride ?? default;
        Status.Check(NativeMethods.dsl_max_pool2d_with_indices_backward_out(output.Handle, gradOutput.Handle, x.Handle, indices.Handle,
            kernel.Height, kernel.Width, s.Height, s.Width, padding.Height, padding.Width, dilation.Height, dilation.Width, ceilMode ? 1 : 0),
            "max_pool2d_with_indices_backward", gradOutput, x, indices, output);
    }

    /// <summary>output [N, C, oh, ow] = values [N, C, H, W] at max pooling's indices (see <see cref="Ops.MaxPool2dGather"/>).</summary>
    public static void MaxPool2dGather(Tensor values, Tensor indices, Tensor output) =>
        Status.Check(NativeMethods.dsl_max_pool2d_gather_out(output.Handle, values.Handle, indices.Handle), "max_pool2d_gather", values, indices, output);

    /// <summary>output = avg_pool2d's gradient.</summary>
    public static void AvgPool2dBackward(Tensor gradOutput, Tensor x, Size2 kernel, Size2? stride, Size2 padding, bool ceilMode,
        bool countIncludePad, long? divisorOverride, Tensor output)
    {
        var s = stride ?? default;
        Status.Check(NativeMethods.dsl_avg_pool2d_backward_out(output.Handle, gradOutput.Handle, x.Handle, kernel.Height, kernel.Width,
            s.Height, s.Width, padding.Height, padding.Width, ceilMode ? 1 : 0, countIncludePad ? 1 : 0, Ops.DivisorCode(divisorOverride)),
            "avg_pool2d_backward", gradOutput, x, output);
    }

    /// <summary>
    /// layer_norm's gradients into gradInput, gradWeight and gradBias from the forward statistics;
    /// a null one is not computed (a weight or bias gradient needs that tensor).
    /// </summary>
    public static void LayerNormBackward(Tensor gradOutput, Tensor x, ReadOnlySpan<long> normalizedShape, Tensor mean, Tensor rstd, Tensor? weight,
        Tensor? bias, Tensor? gradInput, Tensor? gradWeight, Tensor? gradBias)
    {
        fixed (long* shape = normalizedShape)
        {
            Status.Check(NativeMethods.dsl_layer_norm_backward_out(Call.HandleOf(gradInput), Call.HandleOf(gradWeight), Call.HandleOf(gradBias),
                gradOutput.Handle, x.Handle, shape, normalizedShape.Length, mean.Handle, rstd.Handle, Call.HandleOf(weight), Call.HandleOf(bias)),
                "layer_norm_backward", gradOutput, x, mean, rstd, weight, bias, gradInput, gradWeight, gradBias);
        }
    }

    /// <summary>output [numWeights, dim] = embedding's weight gradient (paddingIdx -1: none).</summary>
    public static void EmbeddingBackward(Tensor gradOutput, Tensor indices, long numWeights, long paddingIdx, bool scaleGradByFreq, Tensor output) =>
        Status.Check(NativeMethods.dsl_embedding_backward_out(output.Handle, gradOutput.Handle, indices.Handle, numWeights, paddingIdx,
            scaleGradByFreq ? 1 : 0), "embedding_backward", gradOutput, indices, output);
}
