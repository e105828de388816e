using Dsl.Native;

namespace Dsl;

// Matrix products. A transpose flag multiplies by the operand's transpose (its last two
// dimensions swapped) without copying it: the BLAS reads the same memory transposed.
public static unsafe partial class Ops
{
    /// <summary>
    /// a · b with torch.matmul's rules: vector·vector is a dot product (a 0-d tensor), a vector is
    /// a row on the left and a column on the right (that dimension is dropped from the result), and
    /// dimensions before the last two are batch dimensions, broadcast against each other:
    /// [j, 1, n, k] · [m, k, p] → [j, m, n, p].
    /// </summary>
    public static Tensor MatMul(Tensor a, Tensor b) => Call.Binary(&NativeMethods.dsl_matmul, a, b, "matmul");

    /// <summary>
    /// Matrix product of two matrices: A · B with A = a or aᵀ, B = b or bᵀ;
    /// (m, k) · (k, n) → (m, n).
    /// </summary>
    public static Tensor Mm(Tensor a, Tensor b, bool transposeA = false, bool transposeB = false)
    {
        Status.Check(NativeMethods.dsl_mm(a.Handle, b.Handle, Flag(transposeA), Flag(transposeB), out var result), "mm", a, b);
        return new Tensor(result);
    }

    /// <summary>
    /// Batched matrix product: out[i] = A[i] · B[i], with A = a or aᵀ and B = b or bᵀ per batch
    /// entry (the last two dimensions transposed); (batch, m, k) · (batch, k, n) → (batch, m, n).
    /// </summary>
    public static Tensor Bmm(Tensor a, Tensor b, bool transposeA = false, bool transposeB = false)
    {
        Status.Check(NativeMethods.dsl_bmm(a.Handle, b.Handle, Flag(transposeA), Flag(transposeB), out var result), "bmm", a, b);
        return new Tensor(result);
    }

    /// <summary>
    /// β · bias + α · (A · B), A = a or aᵀ, B = b or bᵀ; bias broadcasts to the (m, n) result
    /// (a row of n biases is the usual case). One BLAS call: the bias is the GEMM's C operand.
    /// </summary>
    public static Tensor Addmm(Tensor bias, Tensor a, Tensor b, double beta = 1, double alpha = 1,
        bool transposeA = false, bool transposeB = false)
    {
        Status.Check(NativeMethods.dsl_addmm(bias.Handle, a.Handle, b.Handle, beta, alpha, Flag(transposeA), Flag(transposeB), out var result),
            "addmm", bias, a, b);
        return new Tensor(result);
    }

    /// <summary>
    /// A dense layer: x · Wᵀ + b, with x of shape (..., in), W of shape (out, in) and b of
    /// shape (out) or null; the result has shape (..., out).
    /// </summary>
    public static Tensor Linear(Tensor x, Tensor weight, Tensor? bias = null)
    {
        Status.Check(NativeMethods.dsl_linear(x.Handle, weight.Handle, bias is null ? IntPtr.Zero : bias.Handle, out var result),
            "linear", x, weight, bias);
        return new Tensor(result);
    }

    private static int Flag(bool value) => value ? 1 : 0;
}
