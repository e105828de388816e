namespace Dsl;

// Cross-entropy with label smoothing, as torch.nn.functional.cross_entropy(label_smoothing=ε) for
// logits [N, C] and class indices [N]: (1 - ε)·nll + (ε / C)·smooth, where smooth_n = -Σ_c w_c·logp[n, c]
// for the counted targets (0 for ignored ones), summed, or divided by the total weight of the counted
// targets for the mean (nll_loss's), or kept per example for Reduction.None. The generated step
// computes the same with Kernels into its buffers (Operations/LossOps2.cs).
public static partial class Ops
{
}
