using Dsl.Native;

namespace Dsl;

// Min, amin, the p-norm and einsum; the L1, Huber and KL-divergence losses (PyTorch's defaults)
// with their gradients.
public static unsafe partial class Ops
{
    // ---- min, amin ---------------------------------------------------------------------------

    /// <summary>minᵢ xᵢ, as a 0-dim tensor.</summary>
    public static Tensor Min(Tensor x) => Call.Unary(&NativeMethods.dsl_min_all, x, "min");

    /// <summary>The smallest values along <paramref name="dim"/> and their positions (Int64; the first one on ties).</summary>
    public static (Tensor Values, Tensor Indices) Min(Tensor x, long dim, bool keepdim = false)
    {
        Status.Check(NativeMethods.dsl_min_dim(x.Handle, dim, keepdim ? 1 : 0, out var values, out var indices), "min", x);
        return (new Tensor(values), new Tensor(indices));
    }

    /// <summary>min x along <paramref name="dim"/>, without indices (the gradient spreads evenly over ties).</summary>
    public static Tensor Amin(Tensor x, long dim, bool keepdim = false) => Amin(x, [dim], keepdim);

    /// <summary>min x along each of <paramref name="dims"/> (every dim when empty).</summary>
    public static Tensor Amin(Tensor x, ReadOnlySpan<long> dims, bool keepdim = false) =>
        Call.Reduce(&NativeMethods.dsl_amin, x, dims, keepdim, "amin");

    // ---- norm --------------------------------------------------------------------------------

    /// <summary>
    /// The vector p-norm ‖x‖_p = (Σ |x|^p)^(1/p) along <paramref name="dims"/> (every dim when empty),
    /// as torch.linalg.vector_norm; p = ∞ is max |x|, -∞ min |x|, 0 the count of non-zeros.
    /// </summary>
    public static Tensor Norm(Tensor x, double p = 2, ReadOnlySpan<long> dims = default, bool keepdim = false)
    {
        fixed (long* d = dims)
        {
            Status.Check(NativeMethods.dsl_norm(x.Handle, p, d, dims.Length, keepdim ? 1 : 0, out var result), "norm", x);
            return new Tensor(result);
        }
    }

    /// <summary>
    /// <see cref="Norm"/>'s gradient from its result <paramref name="norm"/>: sgn(x)·|x|^(p-1)·g / ‖x‖^(p-1)
    /// (x·g/‖x‖ for p = 2, sgn(x)·g for p = 1; 0 where ‖x‖ = 0; for p = ±∞ g is shared among the extreme elements).
    /// </summary>
    public static Tensor NormBackward(Tensor gradOutput, Tensor x, Tensor norm, double p = 2, ReadOnlySpan<long> dims = default, bool keepdim = false)
    {
        fixed (long* d = dims)
        {
            Status.Check(NativeMethods.dsl_norm_backward(gradOutput.Handle, x.Handle, norm.Handle, p, d, dims.Length, keepdim ? 1 : 0, out var result),
                "norm_backward", gradOutput, x, norm);
            return new Tensor(result);
        }
    }

    // ---- einsum ------------------------------------------------------------------------------

    /// <summary>
    /// torch.einsum: sums products of the operands' elements over the indices the equation contracts,
    /// e.g. <c>Einsum("bij,bjk->bik", a, b)</c> (a batched product) or <c>Einsum("ii", a)</c> (the trace).
    /// </summary>
    public static Tensor Einsum(string equation, params ReadOnlySpan<Tensor> operands) => Call.Einsum(equation, operands);

    // ---- losses ------------------------------------------------------------------------------

    /// <summary>Mean absolute error |input - target|, reduced; the shapes must be equal.</summary>
    public static Tensor L1Loss(Tensor input, Tensor target, Reduction reduction = Reduction.Mean)
    {
        Status.Check(NativeMethods.dsl_l1_loss(input.Handle, target.Handle, (int)reduction, out var result), "l1_loss", input, target);
        return new Tensor(result);
    }

    /// <summary><see cref="L1Loss"/>'s gradient with respect to the input: sgn(input - target)·gradOutput (÷ numel for the mean).</summary>
    public static Tensor L1LossBackward(Tensor gradOutput, Tensor input, Tensor target, Reduction reduction = Reduction.Mean)
    {
        Status.Check(NativeMethods.dsl_l1_loss_backward(gradOutput.Handle, input.Handle, target.Handle, (int)reduction, out var result),
            "l1_loss_backward", gradOutput, input, target);
        return new Tensor(result);
    }

    /// <summary>Huber loss ½(x - t)² where |x - t| &lt; delta, delta·(|x - t| - ½·delta) elsewhere, reduced; the shapes must be equal.</summary>
    public static Tensor HuberLoss(Tensor input, Tensor target, Reduction reduction = Reduction.Mean, double delta = 1.0)
    {
        Status.Check(NativeMethods.dsl_huber_loss(input.Handle, target.Handle, (int)reduction, delta, out var result), "huber_loss", input, target);
        return new Tensor(result);
    }

    /// <summary><see cref="HuberLoss"/>'s gradient with respect to the input: clamp(input - target, -delta, delta)·gradOutput (÷ numel for the mean).</summary>
    public static Tensor HuberLossBackward(Tensor gradOutput, Tensor input, Tensor target, Reduction reduction = Reduction.Mean, double delta = 1.0)
    {
        Status.Check(NativeMethods.dsl_huber_loss_backward(gradOutput.Handle, input.Handle, target.Handle, (int)reduction, delta, out var result),
            "huber_loss_backward", gradOutput, input, target);
        return new Tensor(result);
    }

    /// <summary>
    /// KL divergence as torch's kl_div: input holds log-probabilities, target probabilities (or
    /// log-probabilities with <paramref name="logTarget"/>); pointwise t·(log t - input), 0 where t = 0
    /// (eᵗ·(t - input) for log targets), reduced. The mean is over every element (torch's 'mean', not 'batchmean').
    /// </summary>
    public static Tensor KlDiv(Tensor input, Tensor target, Reduction reduction = Reduction.Mean, bool logTarget = false)
    {
        Status.Check(NativeMethods.dsl_kl_div(input.Handle, target.Handle, (int)reduction, logTarget ? 1 : 0, out var result), "kl_div", input, target);
        return new Tensor(result);
    }

    /// <summary><see cref="KlDiv"/>'s gradient with respect to the input: -t·gradOutput (-eᵗ·gradOutput with logTarget; ÷ numel for the mean).</summary>
    public static Tensor KlDivBackward(Tensor gradOutput, Tensor input, Tensor target, Reduction reduction = Reduction.Mean, bool logTarget = false)
    {
        Status.Check(NativeMethods.dsl_kl_div_backward(gradOutput.Handle, input.Handle, target.Handle, (int)reduction, logTarget ? 1 : 0, out var result),
            "kl_div_backward", gradOutput, input, target);
        return new Tensor(result);
    }

    /// <summary><see cref="KlDiv"/>'s gradient with respect to the target: (log t + 1 - input)·gradOutput, 0 where t = 0 (eᵗ·(t + 1 - input)·gradOutput with logTarget; ÷ numel for the mean).</summary>
    public static Tensor KlDivTargetBackward(Tensor gradOutput, Tensor input, Tensor target, Reduction reduction = Reduction.Mean, bool logTarget = false)
    {
        Status.Check(NativeMethods.dsl_kl_div_target_backward(gradOutput.Handle, input.Handle, target.Handle, (int)reduction, logTarget ? 1 : 0,
            out var result), "kl_div_target_backward", gradOutput, input, target);
        return new Tensor(result);
    }
}
