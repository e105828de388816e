using System.Runtime.InteropServices;

namespace Dsl.Native;

// nn.cpp. A 2-d hyperparameter (kernel, stride, padding, dilation) is two longs, height then width;
// a pooling stride of (0, 0) means "the kernel size". Optional tensors are IntPtr.Zero when absent.
internal static unsafe partial class NativeMethods
{
    [LibraryImport(Lib)] internal static partial int dsl_softmax(IntPtr x, long dim, out IntPtr result);
    [LibraryImport(Lib)] internal static partial int dsl_softmax_out(IntPtr output, IntPtr x, long dim);
    [LibraryImport(Lib)] internal static partial int dsl_log_softmax(IntPtr x, long dim, out IntPtr result);
    [LibraryImport(Lib)] internal static partial int dsl_log_softmax_out(IntPtr output, IntPtr x, long dim);

    [LibraryImport(Lib)] internal static partial int dsl_nll_loss(IntPtr logProbs, IntPtr target, IntPtr weight, int reduction, long ignoreIndex, out IntPtr result, IntPtr* totalWeight);
    [LibraryImport(Lib)] internal static partial int dsl_nll_loss_out(IntPtr output, IntPtr totalWeight, IntPtr logProbs, IntPtr target, IntPtr weight, int reduction, long ignoreIndex);
    [LibraryImport(Lib)] internal static partial int dsl_cross_entropy(IntPtr logits, IntPtr target, IntPtr weight, int reduction, long ignoreIndex, double labelSmoothing, out IntPtr result);
    [LibraryImport(Lib)] internal static partial int dsl_cross_entropy_out(IntPtr output, IntPtr logits, IntPtr target, IntPtr weight, int reduction, long ignoreIndex, double labelSmoothing);
    [LibraryImport(Lib)] internal static partial int dsl_cross_entropy_backward(IntPtr grad, IntPtr logits, IntPtr target, IntPtr weight, int reduction, long ignoreIndex, double labelSmoothing, out IntPtr result);
    [LibraryImport(Lib)] internal static partial int dsl_cross_entropy_backward_out(IntPtr output, IntPtr grad, IntPtr logits, IntPtr target, IntPtr weight, int reduction, long ignoreIndex, double labelSmoothing);
    [LibraryImport(Lib)] internal static partial int dsl_cross_entropy_with_gradient(IntPtr logits, IntPtr target, long ignoreIndex, IntPtr loss, IntPtr gradient);
    [LibraryImport(Lib)] internal static partial int dsl_mse_loss(IntPtr input, IntPtr target, int reduction, out IntPtr result);
    [LibraryImport(Lib)] internal static partial int dsl_mse_loss_out(IntPtr output, IntPtr input, IntPtr target, int reduction);
    [LibraryImport(Lib)] internal static partial int dsl_binary_cross_entropy_with_logits(IntPtr logits, IntPtr target, IntPtr weight, IntPtr posWeight, int reduction, out IntPtr result);
    [LibraryImport(Lib)] internal static partial int dsl_binary_cross_entropy_with_logits_out(IntPtr output, IntPtr logits, IntPtr target, IntPtr weight, IntPtr posWeight, int reduction);

    [LibraryImport(Lib)]
    internal static partial int dsl_conv2d(IntPtr input, IntPtr weight, IntPtr bias, long strideH, long strideW, long paddingH, long paddingW,
        long dilationH, long dilationW, long groups, out IntPtr result);
    [LibraryImport(Lib)]
    internal static partial int dsl_conv2d_out(IntPtr output, IntPtr input, IntPtr weight, IntPtr bias, long strideH, long strideW, long paddingH, long paddingW,
        long dilationH, long dilationW, long groups);

    [LibraryImport(Lib)]
    internal static partial int dsl_max_pool2d_with_indices(IntPtr x, long kernelH, long kernelW, long strideH, long strideW, long paddingH, long paddingW,
        long dilationH, long dilationW, int ceilMode, out IntPtr result, out IntPtr indices);
    [LibraryImport(Lib)]
    internal static partial int dsl_max_pool2d_with_indices_out(IntPtr output, IntPtr indices, IntPtr x, long kernelH, long kernelW, long strideH, long strideW,
        long paddingH, long paddingW, long dilationH, long dilationW, int ceilMode);
    [LibraryImport(Lib)]
    internal static partial int dsl_max_pool2d(IntPtr x, long kernelH, long kernelW, long strideH, long strideW, long paddingH, long paddingW,
        long dilationH, long dilationW, int ceilMode, out IntPtr result);
    [LibraryImport(Lib)]
    internal static partial int dsl_max_pool2d_out(IntPtr output, IntPtr x, long kernelH, long kernelW, long strideH, long strideW, long paddingH, long paddingW,
        long dilationH, long dilationW, int ceilMode);
    [LibraryImport(Lib)]
    internal static partial int dsl_avg_pool2d(IntPtr x, long kernelH, long kernelW, long strideH, long strideW, long paddingH, long paddingW,
        int ceilMode, int countIncludePad, long divisorOverride, out IntPtr result);
    [LibraryImport(Lib)]
    internal static partial int dsl_avg_pool2d_out(IntPtr output, IntPtr x, long kernelH, long kernelW, long strideH, long strideW, long paddingH, long paddingW,
        int ceilMode, int countIncludePad, long divisorOverride);

    [LibraryImport(Lib)]
    internal static partial int dsl_layer_norm(IntPtr x, long* normalizedShape, int rank, IntPtr weight, IntPtr bias, double eps,
        out IntPtr result, IntPtr* mean, IntPtr* rstd);
    [LibraryImport(Lib)]
    internal static partial int dsl_layer_norm_out(IntPtr output, IntPtr mean, IntPtr rstd, IntPtr x, long* normalizedShape, int rank,
        IntPtr weight, IntPtr bias, double eps);

    [LibraryImport(Lib)] internal static partial int dsl_dropout(IntPtr x, double p, IntPtr generator, out IntPtr result, out IntPtr mask);
    [LibraryImport(Lib)] internal static partial int dsl_dropout_out(IntPtr output, IntPtr mask, IntPtr x, double p, IntPtr generator);

    [LibraryImport(Lib)] internal static partial int dsl_embedding(IntPtr weight, IntPtr indices, out IntPtr result);
    [LibraryImport(Lib)] internal static partial int dsl_embedding_out(IntPtr output, IntPtr weight, IntPtr indices);
}
