using Dsl.Native;

namespace Dsl;

// Matrix products into a caller-provided output; the output must not overlap the operands.
// Transpose flags follow the output (as gelu's approximation flag does) so they can default to false.
public static unsafe partial class Kernels
{
    /// <summary>output = a · b with torch.matmul's rules (see <see cref="Ops.MatMul"/>).</summary>
    public static void MatMul(Tensor a, Tensor b, Tensor output) =>
        Call.BinaryOut(&NativeMethods.dsl_matmul_out, a, b, output, "matmul");

    /// <summary>output = A · B, A = a or aᵀ, B = b or bᵀ; (m, k) · (k, n) → (m, n).</summary>
    public static void Mm(Tensor a, Tensor b, Tensor output, bool transposeA = false, bool transposeB = false) =>
        Status.Check(NativeMethods.dsl_mm_out(output.Handle, a.Handle, b.Handle, Flag(transposeA), Flag(transposeB)), "mm", a, b, output);

    /// <summary>output[i] = A[i] · B[i], A = a or aᵀ, B = b or bᵀ per batch entry.</summary>
    public static void Bmm(Tensor a, Tensor b, Tensor output, bool transposeA = false, bool transposeB = false) =>
        Status.Check(NativeMethods.dsl_bmm_out(output.Handle, a.Handle, b.Handle, Flag(transposeA), Flag(transposeB)), "bmm", a, b, output);

    /// <summary>output = β · bias + α · (A · B), A = a or aᵀ, B = b or bᵀ; bias broadcasts to (m, n).</summary>
    public static void Addmm(Tensor bias, Tensor a, Tensor b, Tensor output, double beta = 1, double alpha = 1,
        bool transposeA = false, bool transposeB = false) =>
        Status.Check(NativeMethods.dsl_addmm_out(output.Handle, bias.Handle, a.Handle, b.Handle, beta, alpha, Flag(transposeA), Flag(transposeB)),
            "addmm", bias, a, b, output);

    /// <summary>output = x · Wᵀ + b (b may be null); x (..., in), W (out, in) → (..., out).</summary>
    public static void Linear(Tensor x, Tensor weight, Tensor? bias, Tensor output) =>
        Status.Check(NativeMethods.dsl_linear_out(output.Handle, x.Handle, weight.Handle, bias is null ? IntPtr.Zero : bias.Handle),
            "linear", x, weight, bias, output);

    private static int Flag(bool value) => value ? 1 : 0;
}
