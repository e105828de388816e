namespace Dsl;

public static partial class Ops
{
    // Maximum/Minimum with a number operand, as torch.maximum(x, torch.tensor(s)): a clamp from one
    // side (the language's Maximum(x, 0) compiles to the same kernel).

    /// <summary>max(a, s) elementwise.</summary>
    public static Tensor Maximum(Tensor a, double s) => Clamp(a, min: s);

    /// <summary>max(s, a) elementwise.</summary>
    public static Tensor Maximum(double s, Tensor a) => Clamp(a, min: s);

    /// <summary>min(a, s) elementwise.</summary>
    public static Tensor Minimum(Tensor a, double s) => Clamp(a, max: s);

    /// <summary>min(s, a) elementwise.</summary>
    public static Tensor Minimum(double s, Tensor a) => Clamp(a, max: s);
}
