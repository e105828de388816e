using static Dsl.Ops;

namespace Dsl;

#pragma warning disable CS0169, CS0649, IDE0044, IDE0051 // state fields and [Update] methods are read by the generator

// ---- composed update rules: a gradient filter around any rule ----

/// <summary>
/// Grokfast-EMA (Lee et al., 2024, "Grokfast: Accelerated Grokking by Amplifying Slow Gradients"): a low-pass filter of
/// the gradients, h ← α h + (1 - α) g (h starts at the first gradient), whose output amplifies the slow part,
/// ĝ = g + λ h; the wrapped rule (<see cref="Inner"/>: AdamW, Adam, Sgd or a rule of yours) then steps on ĝ with
/// its own state. Checkpoints hold h and the inner rule's state (<c>Inner.m</c>, <c>Inner.v</c>); a schedule's
/// factor reaches the inner rule's learning rate.
/// </summary>
[UpdateRule]
public sealed partial class GrokfastEma
{
    public double Alpha = 0.98, Lambda = 2.0;

    /// <summary>The rule that steps on the filtered gradient.</summary>
    public IUpdateRule Inner = new AdamW();

    [State] Tensor h = null!;

    [Update]
    void Update(Tensor param, Tensor grad, long step)
    {
        var a = step == 1 ? 0 : Alpha;   // h starts at the first gradient
        h = a * h + (1 - a) * grad;
        Inner.Apply(param, grad + Lambda * h, step);
    }
}
