using Dsl.Native;

namespace Dsl;

// Conv1d, batch norm, group norm, adaptive average pooling and scaled dot-product attention, with
// their gradients. The gradients allocate their results and call the Kernels forms.
public static unsafe partial class Ops
{
    // ---- conv1d ------------------------------------------------------------------------------

    /// <summary>
    /// 1-d cross-correlation: out[n, o] = bias[o] + Σ_c weight[o, c] ⋆ input[n, g·C/groups + c],
    /// input [N, C, L] (or [C, L]), weight [O, C/groups, k], bias [O] or none.
    /// Output length: ⌊(L + 2·padding - dilation·(k - 1) - 1) / stride⌋ + 1.
    /// </summary>
    public static Tensor Conv1d(Tensor input, Tensor weight, Tensor? bias = null, long stride = 1, long padding = 0, long dilation = 1, long groups = 1)
    {
        Status.Check(NativeMethods.dsl_conv1d(input.Handle, weight.Handle, Call.HandleOf(bias), stride, padding, dilation, groups, out var result),
            "conv1d", input, weight, bias);
        return new Tensor(result);
    }

    /// <summary>
    /// <see cref="Conv1d"/>'s gradients with respect to the input, the weight and the bias (gradOutput
    /// summed over N and L); only the requested ones are computed, the others are null.
    /// </summary>
    public static (Tensor? GradInput, Tensor? GradWeight, Tensor? GradBias) Conv1dBackward(Tensor gradOutput, Tensor input, Tensor weight,
        long stride = 1, long padding = 0, long dilation = 1, long groups = 1, bool inputGrad = true, bool weightGrad = true, bool biasGrad = true)
    {
        var grads = Allocate(inputGrad ? input : null, weightGrad ? weight : null, biasGrad ? [weight.Shape[0]] : null, weight);
        return Fill(grads, g => Kernels.Conv1dBackward(gradOutput, input, weight, stride, padding, dilation, groups, g.A, g.B, g.C));
    }

    // ---- batch norm --------------------------------------------------------------------------

    /// <summary>
    /// Batch normalization of x [N, C] or [N, C, ...] per channel: (x - mean) / √(var + eps) · weight + bias.
    /// Training uses the batch's mean and biased variance and updates <paramref name="runningMean"/> and
    /// <paramref name="runningVar"/> in place: r ← (1 - momentum)·r + momentum·stat, with the unbiased
    /// variance (as torch.nn.functional.batch_norm). Evaluation uses the running statistics.
    /// </summary>
    public static Tensor BatchNorm(Tensor x, Tensor? runningMean, Tensor? runningVar, Tensor? weight = null, Tensor? bias = null,
        bool training = false, double momentum = 0.1, double eps = 1e-5)
    {
        Status.Check(NativeMethods.dsl_batch_norm(x.Handle, Call.HandleOf(weight), Call.HandleOf(bias), Call.HandleOf(runningMean),
            Call.HandleOf(runningVar), training ? 1 : 0, momentum, eps, out var result, null, null),
            "batch_norm", x, runningMean, runningVar, weight, bias);
        return new Tensor(result);
    }

    /// <summary>
    /// <see cref="BatchNorm"/> with the statistics it used, [C] each: the batch's mean and
    /// 1/√(biased var + eps) in training, the running ones in evaluation; <see cref="BatchNormBackward"/> needs them.
    /// </summary>
    public static (Tensor Output, Tensor SaveMean, Tensor SaveInvstd) BatchNormForward(Tensor x, Tensor? runningMean, Tensor? runningVar,
        Tensor? weight = null, Tensor? bias = null, bool training = false, double momentum = 0.1, double eps = 1e-5)
    {
        IntPtr mean, invstd;
        Status.Check(NativeMethods.dsl_batch_norm(x.Handle, Call.HandleOf(weight), Call.HandleOf(bias), Call.HandleOf(runningMean),
            Call.HandleOf(runningVar), training ? 1 : 0, momentum, eps, out var result, &mean, &invstd),
            "batch_norm", x, runningMean, runningVar, weight, bias);
        return (new Tensor(result), new Tensor(mean), new Tensor(invstd));
    }

    /// <summary>
    /// <see cref="BatchNorm"/>'s gradients with respect to x, weight and bias. In training, with
    /// x̂ = (x - mean)·invstd and g = gradOutput·weight: dx = invstd·(g - mean(g) - x̂·mean(g·x̂)) over
    /// each channel; in evaluation dx = g·invstd. dweight = Σ gradOutput·x̂, dbias = Σ gradOutput.
    /// A weight gradient needs the weight; the ones not requested are null.
    /// </summary>
    public static (Tensor? GradInput, Tensor? GradWeight, Tensor? GradBias) BatchNormBackward(Tensor gradOutput, Tensor x, Tensor? weight,
        Tensor? runningMean, Tensor? runningVar, Tensor saveMean, Tensor saveInvstd, bool training, double eps = 1e-5,
        bool inputGrad = true, bool weightGrad = true, bool biasGrad = true)
    {
        weightGrad &= weight is not null;
        var grads = Allocate(inputGrad ? x : null, weightGrad ? weight : null, biasGrad ? [x.Shape[1]] : null, x);
        return Fill(grads, g => Kernels.BatchNormBackward(gradOutput, x, weight, runningMean, runningVar, saveMean, saveInvstd, training, eps,
            g.A, g.B, g.C));
    }

    // ---- group norm --------------------------------------------------------------------------

    /// <summary>
    /// Group normalization of x [N, C, ...]: the C channels split into <paramref name="numGroups"/>
    /// groups, each (sample, group) normalized with its own mean and biased variance, then
    /// · weight + bias per channel (optional, [C]).
    /// </summary>
    public static Tensor GroupNorm(Tensor x, long numGroups, Tensor? weight = null, Tensor? bias = null, double eps = 1e-5)
    {
        Status.Check(NativeMethods.dsl_group_norm(x.Handle, numGroups, Call.HandleOf(weight), Call.HandleOf(bias), eps, out var result, null, null),
            "group_norm", x, weight, bias);
        return new Tensor(result);
    }

    /// <summary><see cref="GroupNorm"/> with its statistics mean and rstd = 1/√(var + eps), [N, numGroups] each, which <see cref="GroupNormBackward"/> needs.</summary>
    public static (Tensor Output, Tensor Mean, Tensor Rstd) GroupNormForward(Tensor x, long numGroups, Tensor? weight = null, Tensor? bias = null,
        double eps = 1e-5)
    {
        IntPtr mean, rstd;
        Status.Check(NativeMethods.dsl_group_norm(x.Handle, numGroups, Call.HandleOf(weight), Call.HandleOf(bias), eps, out var result, &mean, &rstd),
            "group_norm", x, weight, bias);
        return (new Tensor(result), new Tensor(mean), new Tensor(rstd));
    }

    /// <summary><see cref="GroupNorm"/>'s gradients with respect to x, weight and bias ([C]); the ones not requested are null.</summary>
    public static (Tensor? GradInput, Tensor? GradWeight, Tensor? GradBias) GroupNormBackward(Tensor gradOutput, Tensor x, Tensor mean, Tensor rstd,
        long numGroups, Tensor? weight = null, bool inputGrad = true, bool weightGrad = true, bool biasGrad = true)
    {
        var channels = x.Shape[1];
        var grads = Allocate(inputGrad ? x : null, null, biasGrad ? [channels] : null, x, weightGrad ? [channels] : null);
        return Fill(grads, g => Kernels.GroupNormBackward(gradOutput, x, mean, rstd, numGroups, weight, g.A, g.B, g.C));
    }

    // ---- adaptive average pooling ------------------------------------------------------------

    /// <summary>
    /// Average pooling of x [N, C, H, W] (or [C, H, W]) to <paramref name="outputSize"/>: output cell i
    /// (per side) averages input rows ⌊i·H/out⌋ to ⌈(i + 1)·H/out⌉ - 1, as torch's adaptive_avg_pool2d.
    /// </summary>
    public static Tensor AdaptiveAvgPool2d(Tensor x, Size2 outputSize)
    {
        Status.Check(NativeMethods.dsl_adaptive_avg_pool2d(x.Handle, outputSize.Height, outputSize.Width, out var result), "adaptive_avg_pool2d", x);
        return new Tensor(result);
    }

    /// <summary><see cref="AdaptiveAvgPool2d"/>'s gradient: each upstream value spread evenly over its window (x's shape).</summary>
    public static Tensor AdaptiveAvgPool2dBackward(Tensor gradOutput, Tensor x)
    {
        var result = Tensor.EmptyLike(x);
        return Fill(result, r => Kernels.AdaptiveAvgPool2dBackward(gradOutput, x, r));
    }

    // ---- attention ---------------------------------------------------------------------------

    /// <summary>
    /// softmax(q·kᵀ·scale)·v for q [..., Tq, D], k [..., Tk, D], v [..., Tk, Dv] (same leading dims);
    /// the scale defaults to 1/√D. With <paramref name="causal"/>, query i attends to keys 0..i only
    /// (torch's is_causal, aligned top-left).
    /// </summary>
    public static Tensor ScaledDotProductAttention(Tensor q, Tensor k, Tensor v, bool causal = false, double? scale = null)
    {
        Status.Check(NativeMethods.dsl_scaled_dot_product_attention(q.Handle, k.Handle, v.Handle, causal ? 1 : 0, scale ?? double.NaN, out var result,
            null), "scaled_dot_product_attention", q, k, v);
        return new Tensor(result);
    }

    /// <summary><see cref="ScaledDotProductAttention"/> with its attention probabilities [..., Tq, Tk], which <see cref="ScaledDotProductAttentionBackward"/> needs.</summary>
    public static (Tensor Output, Tensor Probs) ScaledDotProductAttentionForward(Tensor q, Tensor k, Tensor v, bool causal = false, double? scale = null)
    {
        IntPtr probs;
        Status.Check(NativeMethods.dsl_scaled_dot_product_attention(q.Handle, k.Handle, v.Handle, causal ? 1 : 0, scale ?? double.NaN, out var result,
            &probs), "scaled_dot_product_attention", q, k, v);
        return (new Tensor(result), new Tensor(probs));
    }

    /// <summary>
    /// <see cref="ScaledDotProductAttention"/>'s gradients from the forward probabilities P:
    /// dV = Pᵀ·dO, dS = P ⊙ (dO·Vᵀ - rowsum(P ⊙ dO·Vᵀ)), dQ = dS·K·scale, dK = dSᵀ·Q·scale.
    /// The ones not requested are null.
    /// </summary>
    public static (Tensor? GradQ, Tensor? GradK, Tensor? GradV) ScaledDotProductAttentionBackward(Tensor gradOutput, Tensor q, Tensor k, Tensor v,
        Tensor probs, double? scale = null, bool qGrad = true, bool kGrad = true, bool vGrad = true)
    {
        var grads = Allocate(qGrad ? q : null, kGrad ? k : null, null, q, null, vGrad ? v : null);
        return Fill(grads, g => Kernels.ScaledDotProductAttentionBackward(gradOutput, q, k, v, probs, scale, g.A, g.B, g.C));
    }

    // ---- eager gradients: allocate, fill through the Kernels form, dispose on failure ----------

    private readonly record struct Buffers(Tensor? A, Tensor? B, Tensor? C);

    // A and B shaped like the given tensors (or B like bShape), C shaped cShape; all in like's dtype and device.
    // A third "like" (cLike) takes precedence over cShape.
    private static Buffers Allocate(Tensor? aLike, Tensor? bLike, long[]? cShape, Tensor like, long[]? bShape = null, Tensor? cLike = null)
    {
        var a = aLike is null ? null : Tensor.EmptyLike(aLike);
        var b = bLike is not null ? Tensor.EmptyLike(bLike) : bShape is null ? null : Tensor.Empty(bShape, like.DType, like.Device);
        var c = cLike is not null ? Tensor.EmptyLike(cLike) : cShape is null ? null : Tensor.Empty(cShape, like.DType, like.Device);
        return new Buffers(a, b, c);
    }

    private static (Tensor? A, Tensor? B, Tensor? C) Fill(Buffers buffers, Action<Buffers> kernel)
    {
        try
        {
            kernel(buffers);
            return (buffers.A, buffers.B, buffers.C);
        }
        catch
        {
            buffers.A?.Dispose();
            buffers.B?.Dispose();
            buffers.C?.Dispose();
            throw;
        }
    }

    private static Tensor Fill(Tensor result, Action<Tensor> kernel)
    {
        try
        {
            kernel(result);
            return result;
        }
        catch
        {
            result.Dispose();
            throw;
        }
    }
}
