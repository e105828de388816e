using Dsl.Native;

namespace Dsl;

// Conv1d, batch norm, group norm, adaptive average pooling and scaled dot-product attention with
// their gradients, into caller-provided outputs (see Ops.Layers.cs for the math). In the backward
// forms a null gradient output is not computed.
public static unsafe partial class Kernels
{
    /// <summary>output = conv1d(input, weight) + bias (bias may be null); input [N, C, L] or [C, L], weight [O, C/groups, k].</summary>
    public static void Conv1d(Tensor input, Tensor weight, Tensor? bias, long stride, long padding, long dilation, long groups, Tensor output) =>
        Status.Check(NativeMethods.dsl_conv1d_out(output.Handle, input.Handle, weight.Handle, Call.HandleOf(bias), stride, padding, dilation, groups),
            "conv1d", input, weight, bias, output);

    /// <summary>conv1d's gradients into gradInput, gradWeight and gradBias; a null one is not computed.</summary>
    public static void Conv1dBackward(Tensor gradOutput, Tensor input, Tensor weight, long stride, long padding, long dilation, long groups,
        Tensor? gradInput, Tensor? gradWeight, Tensor? gradBias) =>
        Status.Check(NativeMethods.dsl_conv1d_backward_out(Call.HandleOf(gradInput), Call.HandleOf(gradWeight), Call.HandleOf(gradBias),
            gradOutput.Handle, input.Handle, weight.Handle, stride, padding, dilation, groups),
            "conv1d_backward", gradOutput, input, weight, gradInput, gradWeight, gradBias);

    /// <summary>
    /// output = batch norm of x [N, C] or [N, C, ...]. Training normalizes with the batch's statistics
    /// and updates runningMean/runningVar in place (momentum, unbiased variance, as torch); evaluation
    /// uses the running statistics. saveMean/saveInvstd [C] (may be null) receive the statistics used,
    /// which <see cref="BatchNormBackward"/> needs.
    /// </summary>
    public static void BatchNorm(Tensor x, Tensor? runningMean, Tensor? runningVar, Tensor? weight, Tensor? bias, bool training, double momentum,
        double eps, Tensor output, Tensor? saveMean, Tensor? saveInvstd) =>
        Status.Check(NativeMethods.dsl_batch_norm_out(output.Handle, Call.HandleOf(saveMean), Call.HandleOf(saveInvstd), x.Handle, Call.HandleOf(weight),
            Call.HandleOf(bias), Call.HandleOf(runningMean), Call.HandleOf(runningVar), training ? 1 : 0, momentum, eps),
            "batch_norm", x, runningMean, runningVar, weight, bias, output, saveMean, saveInvstd);

    /// <summary>batch norm's gradients from the forward's saved statistics (training) or the running ones (evaluation).</summary>
    public static void BatchNormBackward(Tensor gradOutput, Tensor x, Tensor? weight, Tensor? runningMean, Tensor? runningVar, Tensor saveMean,
        Tensor saveInvstd, bool training, double eps, Tensor? gradInput, Tensor? gradWeight, Tensor? gradBias) =>
        Status.Check(NativeMethods.dsl_batch_norm_backward_out(Call.HandleOf(gradInput), Call.HandleOf(gradWeight), Call.HandleOf(gradBias),
            gradOutput.Handle, x.Handle, Call.HandleOf(weight), Call.HandleOf(runningMean), Call.HandleOf(runningVar), saveMean.Handle, saveInvstd.Handle,
            training ? 1 : 0, eps), "batch_norm_backward", gradOutput, x, weight, runningMean, runningVar, saveMean, saveInvstd, gradInput, gradWeight, gradBias);

    /// <summary>output = group norm of x [N, C, ...]; mean and rstd [N, numGroups] (may be null) receive what <see cref="GroupNormBackward"/> needs.</summary>
    public static void GroupNorm(Tensor x, long numGroups, Tensor? weight, Tensor? bias, double eps, Tensor output, Tensor? mean, Tensor? rstd) =>
        Status.Check(NativeMethods.dsl_group_norm_out(output.Handle, Call.HandleOf(mean), Call.HandleOf(rstd), x.Handle, numGroups, Call.HandleOf(weight),
            Call.HandleOf(bias), eps), "group_norm", x, weight, bias, output, mean, rstd);

    /// <summary>group norm's gradients from the forward's mean and rstd; a null output is not computed.</summary>
    public static void GroupNormBackward(Tensor gradOutput, Tensor x, Tensor mean, Tensor rstd, long numGroups, Tensor? weight,
        Tensor? gradInput, Tensor? gradWeight, Tensor? gradBias) =>
        Status.Check(NativeMethods.dsl_group_norm_backward_out(Call.HandleOf(gradInput), Call.HandleOf(gradWeight), Call.HandleOf(gradBias),
            gradOutput.Handle, x.Handle, mean.Handle, rstd.Handle, Call.HandleOf(weight), numGroups),
            "group_norm_backward", gradOutput, x, mean, rstd, weight, gradInput, gradWeight, gradBias);

    /// <summary>output [..., outputSize.Height, outputSize.Width] = adaptive average pooling of x [N, C, H, W] or [C, H, W].</summary>
    public static void AdaptiveAvgPool2d(Tensor x, Size2 outputSize, Tensor output) =>
        Status.Check(NativeMethods.dsl_adaptive_avg_pool2d_out(output.Handle, x.Handle, outputSize.Height, outputSize.Width), "adaptive_avg_pool2d", x, output);

    /// <summary>output (x's shape) = adaptive average pooling's gradient.</summary>
    public static void AdaptiveAvgPool2dBackward(Tensor gradOutput, Tensor x, Tensor output) =>
        Status.Check(NativeMethods.dsl_adaptive_avg_pool2d_backward_out(output.Handle, gradOutput.Handle, x.Handle), "adaptive_avg_pool2d_backward",
            gradOutput, x, output);

    /// <summary>
    /// output [..., Tq, Dv] = softmax(q·kᵀ·scale, masked when <paramref name="causal"/>)·v and
    /// probs [..., Tq, Tk] = the softmax, which <see cref="ScaledDotProductAttentionBackward"/> needs.
    /// A null scale is 1/√D.
    /// </summary>
    public static void ScaledDotProductAttention(Tensor q, Tensor k, Tensor v, bool causal, double? scale, Tensor output, Tensor probs) =>
        Status.Check(NativeMethods.dsl_scaled_dot_product_attention_out(output.Handle, probs.Handle, q.Handle, k.Handle, v.Handle, causal ? 1 : 0,
            scale ?? double.NaN), "scaled_dot_product_attention", q, k, v, output, probs);

    /// <summary>attention's gradients with respect to q, k and v from the forward's probabilities; a null output is not computed.</summary>
    public static void ScaledDotProductAttentionBackward(Tensor gradOutput, Tensor q, Tensor k, Tensor v, Tensor probs, double? scale,
        Tensor? gradQ, Tensor? gradK, Tensor? gradV) =>
        Status.Check(NativeMethods.dsl_scaled_dot_product_attention_backward_out(Call.HandleOf(gradQ), Call.HandleOf(gradK), Call.HandleOf(gradV),
            gradOutput.Handle, q.Handle, k.Handle, v.Handle, probs.Handle, scale ?? double.NaN),
            "scaled_dot_product_attention_backward", gradOutput, q, k, v, probs, gradQ, gradK, gradV);
}
