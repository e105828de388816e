using System.Runtime.InteropServices;

namespace Dsl.Native;

// backward.cpp. In the multi-output forms a null out pointer (or output handle) skips that gradient.
internal static unsafe partial class NativeMethods
{
    [LibraryImport(Lib)] internal static partial int dsl_threshold_backward(IntPtr gradOutput, IntPtr x, double threshold, out IntPtr result);
    [LibraryImport(Lib)] internal static partial int dsl_threshold_backward_out(IntPtr output, IntPtr gradOutput, IntPtr x, double threshold);
    [LibraryImport(Lib)] internal static partial int dsl_gelu_backward(IntPtr gradOutput, IntPtr x, int tanhApproximation, out IntPtr result);
    [LibraryImport(Lib)] internal static partial int dsl_gelu_backward_out(IntPtr output, IntPtr gradOutput, IntPtr x, int tanhApproximation);
    [LibraryImport(Lib)] internal static partial int dsl_silu_backward(IntPtr gradOutput, IntPtr x, out IntPtr result);
    [LibraryImport(Lib)] internal static partial int dsl_silu_backward_out(IntPtr output, IntPtr gradOutput, IntPtr x);
    [LibraryImport(Lib)] internal static partial int dsl_sigmoid_backward(IntPtr gradOutput, IntPtr y, out IntPtr result);
    [LibraryImport(Lib)] internal static partial int dsl_sigmoid_backward_out(IntPtr output, IntPtr gradOutput, IntPtr y);
    [LibraryImport(Lib)] internal static partial int dsl_tanh_backward(IntPtr gradOutput, IntPtr y, out IntPtr result);
    [LibraryImport(Lib)] internal static partial int dsl_tanh_backward_out(IntPtr output, IntPtr gradOutput, IntPtr y);

    [LibraryImport(Lib)] internal static partial int dsl_softmax_backward(IntPtr gradOutput, IntPtr y, long dim, out IntPtr result);
    [LibraryImport(Lib)] internal static partial int dsl_softmax_backward_out(IntPtr output, IntPtr gradOutput, IntPtr y, long dim);
    [LibraryImport(Lib)] internal static partial int dsl_log_softmax_backward(IntPtr gradOutput, IntPtr y, long dim, out IntPtr result);
    [LibraryImport(Lib)] internal static partial int dsl_log_softmax_backward_out(IntPtr output, IntPtr gradOutput, IntPtr y, long dim);

    [LibraryImport(Lib)]
    internal static partial int dsl_nll_loss_backward(IntPtr gradOutput, IntPtr logProbs, IntPtr target, IntPtr weight, int reduction, long ignoreIndex,
        IntPtr totalWeight, out IntPtr result);
    [LibraryImport(Lib)]
    internal static partial int dsl_nll_loss_backward_out(IntPtr output, IntPtr gradOutput, IntPtr logProbs, IntPtr target, IntPtr weight, int reduction,
        long ignoreIndex, IntPtr totalWeight);
    [LibraryImport(Lib)] internal static partial int dsl_mse_loss_backward(IntPtr gradOutput, IntPtr input, IntPtr target, int reduction, out IntPtr result);
    [LibraryImport(Lib)] internal static partial int dsl_mse_loss_backward_out(IntPtr output, IntPtr gradOutput, IntPtr input, IntPtr target, int reduction);
    [LibraryImport(Lib)]
    internal static partial int dsl_binary_cross_entropy_with_logits_backward(IntPtr gradOutput, IntPtr logits, IntPtr target, IntPtr weight, IntPtr posWeight,
        int reduction, out IntPtr result);
    [LibraryImport(Lib)]
    internal static partial int dsl_binary_cross_entropy_with_logits_backward_out(IntPtr output, IntPtr gradOutput, IntPtr logits, IntPtr target, IntPtr weight,
        IntPtr posWeight, int reduction);

    [LibraryImport(Lib)] internal static partial int dsl_dropout_backward(IntPtr gradOutput, IntPtr mask, double p, out IntPtr result);
    [LibraryImport(Lib)] internal static partial int dsl_dropout_backward_out(IntPtr output, IntPtr gradOutput, IntPtr mask, double p);

    [LibraryImport(Lib)]
    internal static partial int dsl_conv2d_backward(IntPtr gradOutput, IntPtr input, IntPtr weight, long strideH, long strideW, long paddingH, long paddingW,
        long dilationH, long dilationW, long groups, IntPtr* gradInput, IntPtr* gradWeight, IntPtr* gradBias);
    [LibraryImport(Lib)]
    internal static partial int dsl_conv2d_backward_out(IntPtr gradInput, IntPtr gradWeight, IntPtr gradBias, IntPtr gradOutput, IntPtr input, IntPtr weight,
        long strideH, long strideW, long paddingH, long paddingW, long dilationH, long dilationW, long groups);

    [LibraryImport(Lib)]
    internal static partial int dsl_max_pool2d_with_indices_backward(IntPtr gradOutput, IntPtr x, IntPtr indices, long kernelH, long kernelW,
        long strideH, long strideW, long paddingH, long paddingW, long dilationH, long dilationW, int ceilMode, out IntPtr result);
    [LibraryImport(Lib)]
    internal static partial int dsl_max_pool2d_with_indices_backward_out(IntPtr output, IntPtr gradOutput, IntPtr x, IntPtr indices, long kernelH, long kernelW,
        long strideH, long strideW, long paddingH, long paddingW, long dilationH, long dilationW, int ceilMode);
    [LibraryImport(Lib)]
    internal static partial int dsl_max_pool2d_gather(IntPtr values, IntPtr indices, out IntPtr result);
    [LibraryImport(Lib)]
    internal static partial int dsl_max_pool2d_gather_out(IntPtr output, IntPtr values, IntPtr indices);
    [LibraryImport(Lib)]
    internal static partial int dsl_avg_pool2d_backward(IntPtr gradOutput, IntPtr x, long kernelH, long kernelW, long strideH, long strideW,
        long paddingH, long paddingW, int ceilMode, int countIncludePad, long divisorOverride, out IntPtr result);
    [LibraryImport(Lib)]
    internal static partial int dsl_avg_pool2d_backward_out(IntPtr output, IntPtr gradOutput, IntPtr x, long kernelH, long kernelW, long strideH, long strideW,
        long paddingH, long paddingW, int ceilMode, int countIncludePad, long divisorOverride);

    [LibraryImport(Lib)]
    internal static partial int dsl_layer_norm_backward(IntPtr gradOutput, IntPtr x, long* normalizedShape, int rank, IntPtr mean, IntPtr rstd,
        IntPtr weight, IntPtr bias, IntPtr* gradInput, IntPtr* gradWeight, IntPtr* gradBias);
    [LibraryImport(Lib)]
    internal static partial int dsl_layer_norm_backward_out(IntPtr gradInput, IntPtr gradWeight, IntPtr gradBias, IntPtr gradOutput, IntPtr x,
        long* normalizedShape, int rank, IntPtr mean, IntPtr rstd, IntPtr weight, IntPtr bias);

    [LibraryImport(Lib)]
    internal static partial int dsl_embedding_backward(IntPtr gradOutput, IntPtr indices, long numWeights, long paddingIdx, int scaleGradByFreq, out IntPtr result);
    [LibraryImport(Lib)]
    internal static partial int dsl_embedding_backward_out(IntPtr output, IntPtr gradOutput, IntPtr indices, long numWeights, long paddingIdx, int scaleGradByFreq);
}
