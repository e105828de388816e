using Dsl.Native;

namespace Dsl;

// Gradients of the nn layers, losses and activations, for code that compile-time differentiation
// generates. Each takes the upstream gradient (gradOutput, shaped like the forward output) and
// what the forward pass kept, and returns the gradient with respect to the forward input(s).
public static unsafe partial class Ops
{
    // ---- activations -------------------------------------------------------------------------

    /// <summary>ReLU's gradient: gradOutput · [x &gt; 0]. <paramref name="x"/> may be ReLU's input or its output.</summary>
    public static Tensor ReluBackward(Tensor gradOutput, Tensor x) => ThresholdBackward(gradOutput, x, 0);

    /// <summary>gradOutput · [x &gt; threshold] (ATen's threshold_backward).</summary>
    public static Tensor ThresholdBackward(Tensor gradOutput, Tensor x, double threshold)
    {
        Status.Check(NativeMethods.dsl_threshold_backward(gradOutput.Handle, x.Handle, threshold, out var result), "threshold_backward", gradOutput, x);
        return new Tensor(result);
    }

    /// <summary>GELU's gradient from its input x: gradOutput · d/dx[x·Φ(x)] (or of the tanh approximation).</summary>
    public static Tensor GeluBackward(Tensor gradOutput, Tensor x, bool tanhApproximation = false)
    {
        Status.Check(NativeMethods.dsl_gelu_backward(gradOutput.Handle, x.Handle, tanhApproximation ? 1 : 0, out var result), "gelu_backward", gradOutput, x);
        return new Tensor(result);
    }

    /// <summary>SiLU's gradient from its input x: gradOutput · σ(x)·(1 + x·(1 - σ(x))).</summary>
    public static Tensor SiluBackward(Tensor gradOutput, Tensor x)
    {
        Status.Check(NativeMethods.dsl_silu_backward(gradOutput.Handle, x.Handle, out var result), "silu_backward", gradOutput, x);
        return new Tensor(result);
    }

    /// <summary>Sigmoid's gradient from its output y = σ(x): gradOutput · y·(1 - y).</summary>
    public static Tensor SigmoidBackward(Tensor gradOutput, Tensor y)
    {
        Status.Check(NativeMethods.dsl_sigmoid_backward(gradOutput.Handle, y.Handle, out var result), "sigmoid_backward", gradOutput, y);
        return new Tensor(result);
    }

    /// <summary>Tanh's gradient from its output y = tanh(x): gradOutput · (1 - y²).</summary>
    public static Tensor TanhBackward(Tensor gradOutput, Tensor y)
    {
        Status.Check(NativeMethods.dsl_tanh_backward(gradOutput.Handle, y.Handle, out var result), "tanh_backward", gradOutput, y);
        return new Tensor(result);
    }

    // ---- softmax -----------------------------------------------------------------------------

    /// <summary>Softmax's gradient from its output y: y · (gradOutput - Σ_dim gradOutput·y).</summary>
    public static Tensor SoftmaxBackward(Tensor gradOutput, Tensor y, long dim)
    {
        Status.Check(NativeMethods.dsl_softmax_backward(gradOutput.Handle, y.Handle, dim, out var result), "softmax_backward", gradOutput, y);
        return new Tensor(result);
    }

    /// <summary>Log-softmax's gradient from its output y: gradOutput - eʸ · Σ_dim gradOutput.</summary>
    public static Tensor LogSoftmaxBackward(Tensor gradOutput, Tensor y, long dim)
    {
        Status.Check(NativeMethods.dsl_log_softmax_backward(gradOutput.Handle, y.Handle, dim, out var result), "log_softmax_backward", gradOutput, y);
        return new Tensor(result);
    }

    // ---- losses ------------------------------------------------------------------------------

    /// <summary>
    /// nll_loss's gradient with respect to the log-probabilities: -w[yₙ]·gradOutput at [n, yₙ]
    /// (÷ total weight for the mean), zero elsewhere. gradOutput is a scalar for the mean and sum, [N]
    /// for none; <paramref name="totalWeight"/> comes from <see cref="NllLossForward"/>.
    /// </summary>
    public static Tensor NllLossBackward(Tensor gradOutput, Tensor logProbs, Tensor targets, Tensor totalWeight,
        Reduction reduction = Reduction.Mean, Tensor? weight = null, long ignoreIndex = -100)
    {
        Status.Check(NativeMethods.dsl_nll_loss_backward(gradOutput.Handle, logProbs.Handle, targets.Handle, Call.HandleOf(weight), (int)reduction,
            ignoreIndex, totalWeight.Handle, out var result), "nll_loss_backward", gradOutput, logProbs, targets, totalWeight);
        return new Tensor(result);
    }

    /// <summary>MSE's gradient with respect to the input: 2·(input - target)·gradOutput (÷ numel for the mean).</summary>
    public static Tensor MseLossBackward(Tensor gradOutput, Tensor input, Tensor target, Reduction reduction = Reduction.Mean)
    {
        Status.Check(NativeMethods.dsl_mse_loss_backward(gradOutput.Handle, input.Handle, target.Handle, (int)reduction, out var result),
            "mse_loss_backward", gradOutput, input, target);
        return new Tensor(result);
    }

    /// <summary>
    /// The gradient of <see cref="BinaryCrossEntropyWithLogits"/> with respect to the logits:
    /// w·[σ(x)·(pw·t + 1 - t) - pw·t]·gradOutput (σ(x) - t without weights; ÷ numel for the mean).
    /// </summary>
    public static Tensor BinaryCrossEntropyWithLogitsBackward(Tensor gradOutput, Tensor logits, Tensor targets,
        Reduction reduction = Reduction.Mean, Tensor? weight = null, Tensor? posWeight = null)
    {
        Status.Check(NativeMethods.dsl_binary_cross_entropy_with_logits_backward(gradOutput.Handle, logits.Handle, targets.Handle,
            Call.HandleOf(weight), Call.HandleOf(posWeight), (int)reduction, out var result),
            "binary_cross_entropy_with_logits_backward", gradOutput, logits, targets, weight, posWeight);
        return new Tensor(result);
    }

    // ---- dropout -----------------------------------------------------------------------------

    /// <summary>Dropout's gradient: gradOutput · mask / (1 - p), with the mask of <see cref="DropoutWithMask"/>.</summary>
    public static Tensor DropoutBackward(Tensor gradOutput, Tensor mask, double p)
    {
        Status.Check(NativeMethods.dsl_dropout_backward(gradOutput.Handle, mask.Handle, p, out var result), "dropout_backward", gradOutput, mask);
        return new Tensor(result);
    }

    // ---- convolution -------------------------------------------------------------------------

    /// <summary>
    /// <see cref="Conv2d"/>'s gradients with respect to the input (a transposed convolution of
    /// gradOutput), the weight (input ⋆ gradOutput) and the bias (gradOutput summed over N, H, W).
    /// Only the requested ones are computed; the others are null.
    /// </summary>
    public static (Tensor? GradInput, Tensor? GradWeight, Tensor? GradBias) Conv2dBackward(Tensor gradOutput, Tensor input, Tensor weight,
        Size2? stride = null, Size2? padding = null, Size2? dilation = null, long groups = 1,
        bool inputGrad = true, bool weightGrad = true, bool biasGrad = true)
    {
        Size2 s = stride ?? 1, p = padding ?? 0, d = dilation ?? 1;
        IntPtr gi = IntPtr.Zero, gw = IntPtr.Zero, gb = IntPtr.Zero;
        Status.Check(NativeMethods.dsl_conv2d_backward(gradOutput.Handle, input.Handle, weight.Handle, s.Height, s.Width, p.Height, p.Width,
            d.Height, d.Width, groups, inputGrad ? &gi : null, weightGrad ? &gw : null, biasGrad ? &gb : null),
            "conv2d_backward", gradOutput, input, weight);
        return (Call.TensorOrNull(gi), Call.TensorOrNull(gw), Call.TensorOrNull(gb));
    }

    // ---- pooling -----------------------------------------------------------------------------

    /// <summary>
    /// <see cref="MaxPool2dWithIndices"/>'s gradient: each upstream value is added to the input
    /// element its window picked (<paramref name="indices"/>); the arguments are the forward's.
    /// </summary>
    public static Tensor MaxPool2dWithIndicesBackward(Tensor gradOutput, Tensor x, Tensor indices, Size2 kernel, Size2? stride = null,
        Size2? padding = null, Size2? dilation = null, bool ceilMode = false)
    {
        Size2 s = stride ?? (0, 0), p = padding ?? 0, d = dilation ?? 1;
        Status.Check(NativeMethods.dsl_max_pool2d_with_indices_backward(gradOutput.Handle, x.Handle, indices.Handle, kernel.Height, kernel.Width,
            s.Height, s.Width, p.Height, p.Width, d.Height, d.Width, ceilMode ? 1 : 0, out var result),
            "max_pool2d_with_indices_backward", gradOutput, x, indices);
        return new Tensor(result);
    }

    /// <summary>
    /// <paramref name="values"/> [N, C, H, W] read where max pooling found its maxima: output[n, c, i, j] =
    /// values[n, c, indices[n, c, i, j]] ([N, C, oh, ow]; the indices are flat positions in H·W, as
    /// <see cref="MaxPool2dWithIndices"/> returns them). It is the adjoint of
    /// <see cref="MaxPool2dWithIndicesBackward"/>, which adds each upstream value at its index: the
    /// derivative of max pooling's backward for its upstream gradient, windows overlapping or not.
    /// </summary>
    public static Tensor MaxPool2dGather(Tensor values, Tensor indices)
    {
        Status.Check(NativeMethods.dsl_max_pool2d_gather(values.Handle, indices.Handle, out var result), "max_pool2d_gather", values, indices);
        return new Tensor(result);
    }

    /// <summary><see cref="AvgPool2d"/>'s gradient: each upstream value spread evenly (÷ the same divisor) over its window.</summary>
    public static Tensor AvgPool2dBackward(Tensor gradOutput, Tensor x, Size2 kernel, Size2? stride = null, Size2? padding = null,
        bool ceilMode = false, bool countIncludePad = true, long? divisorOverride = null)
    {
        Size2 s = stride ?? (0, 0), p = padding ?? 0;
        Status.Check(NativeMethods.dsl_avg_pool2d_backward(gradOutput.Handle, x.Handle, kernel.Height, kernel.Width, s.Height, s.Width,
            p.Height, p.Width, ceilMode ? 1 : 0, countIncludePad ? 1 : 0, DivisorCode(divisorOverride), out var result),
            "avg_pool2d_backward", gradOutput, x);
        return new Tensor(result);
    }

    // ---- layer norm --------------------------------------------------------------------------

    /// <summary>
    /// <see cref="LayerNorm"/>'s gradients with respect to x, weight and bias, from the forward
    /// statistics of <see cref="LayerNormForward"/>. With x̂ = (x - mean)·rstd and g = gradOutput·weight:
    /// dx = rstd·(g - mean(g) - x̂·mean(g·x̂)), dweight = Σ gradOutput·x̂, dbias = Σ gradOutput.
    /// Only the requested ones are computed (a weight or bias gradient needs that tensor); the others are null.
    /// </summary>
    public static (Tensor? GradInput, Tensor? GradWeight, Tensor? GradBias) LayerNormBackward(Tensor gradOutput, Tensor x,
        ReadOnlySpan<long> normalizedShape, Tensor mean, Tensor rstd, Tensor? weight = null, Tensor? bias = null,
        bool inputGrad = true, bool weightGrad = true, bool biasGrad = true)
    {
        weightGrad &= weight is not null;
        biasGrad &= bias is not null;
        IntPtr gi = IntPtr.Zero, gw = IntPtr.Zero, gb = IntPtr.Zero;
        fixed (long* shape = normalizedShape)
        {
            Status.Check(NativeMethods.dsl_layer_norm_backward(gradOutput.Handle, x.Handle, shape, normalizedShape.Length, mean.Handle, rstd.Handle,
                Call.HandleOf(weight), Call.HandleOf(bias), inputGrad ? &gi : null, weightGrad ? &gw : null, biasGrad ? &gb : null),
                "layer_norm_backward", gradOutput, x, mean, rstd, weight, bias);
        }
        return (Call.TensorOrNull(gi), Call.TensorOrNull(gw), Call.TensorOrNull(gb));
    }

    // ---- embedding ---------------------------------------------------------------------------

    /// <summary>
    /// <see cref="Embedding"/>'s gradient with respect to the weight [numWeights, dim]: row i is the sum
    /// of gradOutput rows whose index is i; the <paramref name="paddingIdx"/> row (-1: none) stays zero;
    /// with <paramref name="scaleGradByFreq"/> each row is divided by its index's count.
    /// </summary>
    public static Tensor EmbeddingBackward(Tensor gradOutput, Tensor indices, long numWeights, long paddingIdx = -1, bool scaleGradByFreq = false)
    {
        Status.Check(NativeMethods.dsl_embedding_backward(gradOutput.Handle, indices.Handle, numWeights, paddingIdx, scaleGradByFreq ? 1 : 0,
            out var result), "embedding_backward", gradOutput, indices);
        return new Tensor(result);
    }
}
