using Dsl.Native;

namespace Dsl;

// Min, amin, the p-norm and einsum, and the L1, Huber and KL-divergence losses with their
// gradients, into caller-provided outputs (see Ops.Losses.cs for the math). An empty dims list
// means every dim. Einsum has no backward kernel: its gradient with respect to each operand is
// itself an einsum (the generator composes it).
public static unsafe partial class Kernels
{
    /// <summary>output = minᵢ xᵢ (0-dim).</summary>
    public static void Min(Tensor x, Tensor output) => Call.UnaryOut(&NativeMethods.dsl_min_all_out, x, output, "min");

    /// <summary>values, indices = the smallest values along <paramref name="dim"/> and their positions (Int64).</summary>
    public static void Min(Tensor x, long dim, bool keepdim, Tensor values, Tensor indices) =>
        Status.Check(NativeMethods.dsl_min_dim_out(values.Handle, indices.Handle, x.Handle, dim, keepdim ? 1 : 0), "min", x, values, indices);

    /// <summary>output = min x along <paramref name="dim"/>.</summary>
    public static void Amin(Tensor x, long dim, bool keepdim, Tensor output) => Amin(x, [dim], keepdim, output);

    /// <summary>output = min x along each of <paramref name="dims"/> (every dim when empty).</summary>
    public static void Amin(Tensor x, ReadOnlySpan<long> dims, bool keepdim, Tensor output) =>
        Call.ReduceOut(&NativeMethods.dsl_amin_out, x, dims, keepdim, output, "amin");

    /// <summary>output = ‖x‖_p = (Σ |x|^p)^(1/p) along <paramref name="dims"/> (every dim when empty); p may be ±∞.</summary>
    public static void Norm(Tensor x, double p, ReadOnlySpan<long> dims, bool keepdim, Tensor output)
    {
        fixed (long* d = dims)
        {
            Status.Check(NativeMethods.dsl_norm_out(output.Handle, x.Handle, p, d, dims.Length, keepdim ? 1 : 0), "norm", x, output);
        }
    }

    /// <summary>output (x's shape) = the gradient of <paramref name="norm"/> = ‖x‖_p (the forward's result) for gradOutput.</summary>
    public static void NormBackward(Tensor gradOutput, Tensor x, Tensor norm, double p, ReadOnlySpan<long> dims, bool keepdim, Tensor output)
    {
        fixed (long* d = dims)
        {
            Status.Check(NativeMethods.dsl_norm_backward_out(output.Handle, gradOutput.Handle, x.Handle, norm.Handle, p, d, dims.Length, keepdim ? 1 : 0),
                "norm_backward", gradOutput, x, norm, output);
        }
    }

    /// <summary>output = torch.einsum(<paramref name="equation"/>, operands), e.g. "bij,bjk->bik".</summary>
    public static void Einsum(string equation, ReadOnlySpan<Tensor> operands, Tensor output) => Call.EinsumOut(equation, operands, output);

    /// <summary>output = reduced |input - target|; the shapes must be equal.</summary>
    public static void L1Loss(Tensor input, Tensor target, Reduction reduction, Tensor output) =>
        Status.Check(NativeMethods.dsl_l1_loss_out(output.Handle, input.Handle, target.Handle, (int)reduction), "l1_loss", input, target, output);

    /// <summary>output = sgn(input - target)·gradOutput (÷ numel for the mean).</summary>
    public static void L1LossBackward(Tensor gradOutput, Tensor input, Tensor target, Reduction reduction, Tensor output) =>
        Status.Check(NativeMethods.dsl_l1_loss_backward_out(output.Handle, gradOutput.Handle, input.Handle, target.Handle, (int)reduction),
            "l1_loss_backward", gradOutput, input, target, output);

    /// <summary>output = reduced Huber loss: ½(x - t)² where |x - t| &lt; delta, delta·(|x - t| - ½·delta) elsewhere.</summary>
    public static void HuberLoss(Tensor input, Tensor target, Reduction reduction, double delta, Tensor output) =>
        Status.Check(NativeMethods.dsl_huber_loss_out(output.Handle, input.Handle, target.Handle, (int)reduction, delta), "huber_loss", input, target, output);

    /// <summary>output = clamp(input - target, -delta, delta)·gradOutput (÷ numel for the mean).</summary>
    public static void HuberLossBackward(Tensor gradOutput, Tensor input, Tensor target, Reduction reduction, double delta, Tensor output) =>
        Status.Check(NativeMethods.dsl_huber_loss_backward_out(output.Handle, gradOutput.Handle, input.Handle, target.Handle, (int)reduction, delta),
            "huber_loss_backward", gradOutput, input, target, output);

    /// <summary>output = reduced t·(log t - input) (eᵗ·(t - input) with logTarget); input holds log-probabilities.</summary>
    public static void KlDiv(Tensor input, Tensor target, Reduction reduction, bool logTarget, Tensor output) =>
        Status.Check(NativeMethods.dsl_kl_div_out(output.Handle, input.Handle, target.Handle, (int)reduction, logTarget ? 1 : 0), "kl_div",
            input, target, output);

    /// <summary>output = d kl_div / d input = -t·gradOutput (-eᵗ·gradOutput with logTarget; ÷ numel for the mean).</summary>
    public static void KlDivBackward(Tensor gradOutput, Tensor input, Tensor target, Reduction reduction, bool logTarget, Tensor output) =>
        Status.Check(NativeMethods.dsl_kl_div_backward_out(output.Handle, gradOutput.Handle, input.Handle, target.Handle, (int)reduction, logTarget ? 1 : 0),
            "kl_div_backward", gradOutput, input, target, output);

    /// <summary>output = d kl_div / d target = (log t + 1 - input)·gradOutput, 0 where t = 0 (eᵗ·(t + 1 - input)·gradOutput with logTarget; ÷ numel for the mean).</summary>
    public static void KlDivTargetBackward(Tensor gradOutput, Tensor input, Tensor target, Reduction reduction, bool logTarget, Tensor output) =>
        Status.Check(NativeMethods.dsl_kl_div_target_backward_out(output.Handle, gradOutput.Handle, input.Handle, target.Handle, (int)reduction,
            logTarget ? 1 : 0), "kl_div_target_backward", gradOutput, input, target, output);
}
