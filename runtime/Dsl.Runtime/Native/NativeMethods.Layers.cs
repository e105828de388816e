using System.Runtime.InteropServices;

namespace Dsl.Native;

// nn_layers.cpp and attention.cpp. Optional tensors are IntPtr.Zero when absent; a null gradient
// buffer skips that gradient. An attention scale of NaN means 1/√D.
internal static unsafe partial class NativeMethods
{
    [LibraryImport(Lib)]
    internal static partial int dsl_conv1d(IntPtr input, IntPtr weight, IntPtr bias, long stride, long padding, long dilation, long groups, out IntPtr result);
    [LibraryImport(Lib)]
    internal static partial int dsl_conv1d_out(IntPtr output, IntPtr input, IntPtr weight, IntPtr bias, long stride, long padding, long dilation, long groups);
    [LibraryImport(Lib)]
    internal static partial int dsl_conv1d_backward_out(IntPtr gradInput, IntPtr gradWeight, IntPtr gradBias, IntPtr gradOutput, IntPtr input, IntPtr weight,
        long stride, long padding, long dilation, long groups);

    [LibraryImport(Lib)]
    internal static partial int dsl_batch_norm(IntPtr x, IntPtr weight, IntPtr bias, IntPtr runningMean, IntPtr runningVar, int training, double momentum,
        double eps, out IntPtr result, IntPtr* saveMean, IntPtr* saveInvstd);
    [LibraryImport(Lib)]
    internal static partial int dsl_batch_norm_out(IntPtr output, IntPtr saveMean, IntPtr saveInvstd, IntPtr x, IntPtr weight, IntPtr bias, IntPtr runningMean,
        IntPtr runningVar, int training, double momentum, double eps);
    [LibraryImport(Lib)]
    internal static partial int dsl_batch_norm_backward_out(IntPtr gradInput, IntPtr gradWeight, IntPtr gradBias, IntPtr gradOutput, IntPtr x, IntPtr weight,
        IntPtr runningMean, IntPtr runningVar, IntPtr saveMean, IntPtr saveInvstd, int training, double eps);

    [LibraryImport(Lib)]
    internal static partial int dsl_group_norm(IntPtr x, long groups, IntPtr weight, IntPtr bias, double eps, out IntPtr result, IntPtr* mean, IntPtr* rstd);
    [LibraryImport(Lib)]
    internal static partial int dsl_group_norm_out(IntPtr output, IntPtr mean, IntPtr rstd, IntPtr x, long groups, IntPtr weight, IntPtr bias, double eps);
    [LibraryImport(Lib)]
    internal static partial int dsl_group_norm_backward_out(IntPtr gradInput, IntPtr gradWeight, IntPtr gradBias, IntPtr gradOutput, IntPtr x, IntPtr mean,
        IntPtr rstd, IntPtr weight, long groups);

    [LibraryImport(Lib)] internal static partial int dsl_adaptive_avg_pool2d(IntPtr x, long outH, long outW, out IntPtr result);
    [LibraryImport(Lib)] internal static partial int dsl_adaptive_avg_pool2d_out(IntPtr output, IntPtr x, long outH, long outW);
    [LibraryImport(Lib)] internal static partial int dsl_adaptive_avg_pool2d_backward_out(IntPtr output, IntPtr gradOutput, IntPtr x);

    [LibraryImport(Lib)]
    internal static partial int dsl_scaled_dot_product_attention(IntPtr q, IntPtr k, IntPtr v, int causal, double scale, out IntPtr result, IntPtr* probs);
    [LibraryImport(Lib)]
    internal static partial int dsl_scaled_dot_product_attention_out(IntPtr output, IntPtr probs, IntPtr q, IntPtr k, IntPtr v, int causal, double scale);
    [LibraryImport(Lib)]
    internal static partial int dsl_scaled_dot_product_attention_backward_out(IntPtr gradQ, IntPtr gradK, IntPtr gradV, IntPtr gradOutput, IntPtr q, IntPtr k,
        IntPtr v, IntPtr probs, double scale);
}
