namespace Dsl;

// Markers for compile-time differentiation. Eagerly they compute values as plain C#; the generator
// gives them their meaning for gradients.
public static partial class Ops
{
    /// <summary>
    /// x itself (an alias: the same tensor, not a copy), through which the generated backward pass
    /// sends no gradient, like <c>torch.Tensor.detach</c>.
    /// </summary>
    public static Tensor NoGrad(Tensor x) => x;

    /// <summary>
    /// dy/dx for a scalar y, written inside a [Loss] (gradient penalties). The generator expands it
    /// at compile time into the graph of the derivative, which is differentiated again for the
    /// parameter gradients; there is no eager tape to compute it at run time.
    /// </summary>
    /// <exception cref="System.NotSupportedException">Always, when called eagerly.</exception>
    public static Tensor Grad(Tensor y, Tensor x) =>
        throw new System.NotSupportedException("Grad is expanded by the generator at compile time");
}
