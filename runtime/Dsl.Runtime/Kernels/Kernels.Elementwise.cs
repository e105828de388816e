using Dsl.Native;

namespace Dsl;

/// <summary>
/// The allocation-free face of the runtime that generated code calls: the same operations as
/// <see cref="Ops"/>, writing into a caller-provided <c>output</c> (last argument) or in place.
/// An output of the wrong shape is resized by libtorch; generated code always passes the right one.
/// </summary>
[global::System.ComponentModel.EditorBrowsable(global::System.ComponentModel.EditorBrowsableState.Never)]
public static unsafe partial class Kernels
{
    /// <summary>output = -x</summary>
    public static void Neg(Tensor x, Tensor output) => Call.UnaryOut(&NativeMethods.dsl_neg_out, x, output, "neg");

    /// <summary>output = eˣ</summary>
    public static void Exp(Tensor x, Tensor output) => Call.UnaryOut(&NativeMethods.dsl_exp_out, x, output, "exp");

    /// <summary>output = natural logarithm</summary>
    public static void Log(Tensor x, Tensor output) => Call.UnaryOut(&NativeMethods.dsl_log_out, x, output, "log");

    /// <summary>output = √x</summary>
    public static void Sqrt(Tensor x, Tensor output) => Call.UnaryOut(&NativeMethods.dsl_sqrt_out, x, output, "sqrt");

    /// <summary>output = 1/√x</summary>
    public static void Rsqrt(Tensor x, Tensor output) => Call.UnaryOut(&NativeMethods.dsl_rsqrt_out, x, output, "rsqrt");

    /// <summary>output = x²</summary>
    public static void Square(Tensor x, Tensor output) => Call.UnaryOut(&NativeMethods.dsl_square_out, x, output, "square");

    /// <summary>output = |x|</summary>
    public static void Abs(Tensor x, Tensor output) => Call.UnaryOut(&NativeMethods.dsl_abs_out, x, output, "abs");

    /// <summary>output = -1, 0 or 1</summary>
    public static void Sign(Tensor x, Tensor output) => Call.UnaryOut(&NativeMethods.dsl_sign_out, x, output, "sign");

    /// <summary>output = hyperbolic tangent</summary>
    public static void Tanh(Tensor x, Tensor output) => Call.UnaryOut(&NativeMethods.dsl_tanh_out, x, output, "tanh");

    /// <summary>output = 1/(1+e⁻ˣ)</summary>
    public static void Sigmoid(Tensor x, Tensor output) => Call.UnaryOut(&NativeMethods.dsl_sigmoid_out, x, output, "sigmoid");

    /// <summary>output = max(x, 0)</summary>
    public static void Relu(Tensor x, Tensor output) => Call.UnaryOut(&NativeMethods.dsl_relu_out, x, output, "relu");

    /// <summary>output = x·sigmoid(x)</summary>
    public static void Silu(Tensor x, Tensor output) => Call.UnaryOut(&NativeMethods.dsl_silu_out, x, output, "silu");

    /// <summary>output = not x (Bool)</summary>
    public static void LogicalNot(Tensor x, Tensor output) => Call.UnaryOut(&NativeMethods.dsl_logical_not_out, x, output, "logical_not");

    /// <summary>output = a + b, broadcasting</summary>
    public static void Add(Tensor a, Tensor b, Tensor output) => Call.BinaryOut(&NativeMethods.dsl_add_out, a, b, output, "add");

    /// <summary>output = a - b, broadcasting</summary>
    public static void Sub(Tensor a, Tensor b, Tensor output) => Call.BinaryOut(&NativeMethods.dsl_sub_out, a, b, output, "sub");

    /// <summary>output = a · b, broadcasting</summary>
    public static void Mul(Tensor a, Tensor b, Tensor output) => Call.BinaryOut(&NativeMethods.dsl_mul_out, a, b, output, "mul");

    /// <summary>output = a / b, broadcasting</summary>
    public static void Div(Tensor a, Tensor b, Tensor output) => Call.BinaryOut(&NativeMethods.dsl_div_out, a, b, output, "div");

    /// <summary>output = aᵇ, broadcasting</summary>
    public static void Pow(Tensor a, Tensor b, Tensor output) => Call.BinaryOut(&NativeMethods.dsl_pow_out, a, b, output, "pow");

    /// <summary>output = elementwise max(a, b), broadcasting</summary>
    public static void Maximum(Tensor a, Tensor b, Tensor output) => Call.BinaryOut(&NativeMethods.dsl_maximum_out, a, b, output, "maximum");

    /// <summary>output = elementwise min(a, b), broadcasting</summary>
    public static void Minimum(Tensor a, Tensor b, Tensor output) => Call.BinaryOut(&NativeMethods.dsl_minimum_out, a, b, output, "minimum");

    /// <summary>output = a == b (Bool), broadcasting</summary>
    public static void Eq(Tensor a, Tensor b, Tensor output) => Call.BinaryOut(&NativeMethods.dsl_eq_out, a, b, output, "eq");

    /// <summary>output = a != b (Bool), broadcasting</summary>
    public static void Ne(Tensor a, Tensor b, Tensor output) => Call.BinaryOut(&NativeMethods.dsl_ne_out, a, b, output, "ne");

    /// <summary>output = a &lt; b (Bool), broadcasting</summary>
    public static void Lt(Tensor a, Tensor b, Tensor output) => Call.BinaryOut(&NativeMethods.dsl_lt_out, a, b, output, "lt");

    /// <summary>output = a &lt;= b (Bool), broadcasting</summary>
    public static void Le(Tensor a, Tensor b, Tensor output) => Call.BinaryOut(&NativeMethods.dsl_le_out, a, b, output, "le");

    /// <summary>output = a &gt; b (Bool), broadcasting</summary>
    public static void Gt(Tensor a, Tensor b, Tensor output) => Call.BinaryOut(&NativeMethods.dsl_gt_out, a, b, output, "gt");

    /// <summary>output = a &gt;= b (Bool), broadcasting</summary>
    public static void Ge(Tensor a, Tensor b, Tensor output) => Call.BinaryOut(&NativeMethods.dsl_ge_out, a, b, output, "ge");

    /// <summary>output = a + s</summary>
    public static void Add(Tensor a, double s, Tensor output) => Call.ScalarOut(&NativeMethods.dsl_add_scalar_out, a, s, output, "add");

    /// <summary>output = a - s</summary>
    public static void Sub(Tensor a, double s, Tensor output) => Call.ScalarOut(&NativeMethods.dsl_sub_scalar_out, a, s, output, "sub");

    /// <summary>output = a · s</summary>
    public static void Mul(Tensor a, double s, Tensor output) => Call.ScalarOut(&NativeMethods.dsl_mul_scalar_out, a, s, output, "mul");

    /// <summary>output = a / s</summary>
    public static void Div(Tensor a, double s, Tensor output) => Call.ScalarOut(&NativeMethods.dsl_div_scalar_out, a, s, output, "div");

    /// <summary>output = aˢ</summary>
    public static void Pow(Tensor a, double s, Tensor output) => Call.ScalarOut(&NativeMethods.dsl_pow_scalar_out, a, s, output, "pow");

    /// <summary>output = a == s (Bool)</summary>
    public static void Eq(Tensor a, double s, Tensor output) => Call.ScalarOut(&NativeMethods.dsl_eq_scalar_out, a, s, output, "eq");

    /// <summary>output = a != s (Bool)</summary>
    public static void Ne(Tensor a, double s, Tensor output) => Call.ScalarOut(&NativeMethods.dsl_ne_scalar_out, a, s, output, "ne");

    /// <summary>output = a &lt; s (Bool)</summary>
    public static void Lt(Tensor a, double s, Tensor output) => Call.ScalarOut(&NativeMethods.dsl_lt_scalar_out, a, s, output, "lt");

    /// <summary>output = a &lt;= s (Bool)</summary>
    public static void Le(Tensor a, double s, Tensor output) => Call.ScalarOut(&NativeMethods.dsl_le_scalar_out, a, s, output, "le");

    /// <summary>output = a &gt; s (Bool)</summary>
    public static void Gt(Tensor a, double s, Tensor output) => Call.ScalarOut(&NativeMethods.dsl_gt_scalar_out, a, s, output, "gt");

    /// <summary>output = a &gt;= s (Bool)</summary>
    public static void Ge(Tensor a, double s, Tensor output) => Call.ScalarOut(&NativeMethods.dsl_ge_scalar_out, a, s, output, "ge");

    /// <summary>output = s - a</summary>
    public static void Sub(double s, Tensor a, Tensor output) => Call.ScalarOut(&NativeMethods.dsl_rsub_scalar_out, a, s, output, "rsub");

    /// <summary>output = s / a</summary>
    public static void Div(double s, Tensor a, Tensor output) => Call.ScalarOut(&NativeMethods.dsl_rdiv_scalar_out, a, s, output, "rdiv");

    /// <summary>output = sᵃ</summary>
    public static void Pow(double s, Tensor a, Tensor output) => Call.ScalarOut(&NativeMethods.dsl_rpow_scalar_out, a, s, output, "rpow");

    /// <summary>output = GELU(x); exact (erf) form unless <paramref name="tanhApproximation"/>.</summary>
    public static void Gelu(Tensor x, Tensor output, bool tanhApproximation = false) =>
        Status.Check(NativeMethods.dsl_gelu_out(output.Handle, x.Handle, tanhApproximation ? 1 : 0), "gelu", x, output);

    /// <summary>output = x limited to [min, max]; a null bound is no bound.</summary>
    public static void Clamp(Tensor x, double? min, double? max, Tensor output) =>
        Status.Check(NativeMethods.dsl_clamp_out(output.Handle, x.Handle, min ?? double.NaN, max ?? double.NaN), "clamp", x, output);

    /// <summary>output = condition ? a : b (broadcasting).</summary>
    public static void Where(Tensor condition, Tensor a, Tensor b, Tensor output) =>
        Status.Check(NativeMethods.dsl_where_out(output.Handle, condition.Handle, a.Handle, b.Handle), "where", condition, a, b, output);

    // ---- in place ----------------------------------------------------------------------------

    /// <summary>self += alpha · other</summary>
    public static void AddInPlace(Tensor self, Tensor other, double alpha = 1) =>
        Status.Check(NativeMethods.dsl_add_(self.Handle, other.Handle, alpha), "add_", self, other);
    /// <summary>self -= alpha · other</summary>
    public static void SubInPlace(Tensor self, Tensor other, double alpha = 1) =>
        Status.Check(NativeMethods.dsl_sub_(self.Handle, other.Handle, alpha), "sub_", self, other);
    /// <summary>self ·= other</summary>
    public static void MulInPlace(Tensor self, Tensor other) =>
        Status.Check(NativeMethods.dsl_mul_(self.Handle, other.Handle), "mul_", self, other);
    /// <summary>self /= other</summary>
    public static void DivInPlace(Tensor self, Tensor other) =>
        Status.Check(NativeMethods.dsl_div_(self.Handle, other.Handle), "div_", self, other);
    /// <summary>self += value</summary>
    public static void AddInPlace(Tensor self, double value) =>
        Status.Check(NativeMethods.dsl_add_scalar_(self.Handle, value), "add_", self);
    /// <summary>self ·= value</summary>
    public static void MulInPlace(Tensor self, double value) =>
        Status.Check(NativeMethods.dsl_mul_scalar_(self.Handle, value), "mul_", self);
    /// <summary>self /= value</summary>
    public static void DivInPlace(Tensor self, double value) =>
        Status.Check(NativeMethods.dsl_div_scalar_(self.Handle, value), "div_", self);
    /// <summary>self += value · t1 · t2</summary>
    public static void AddCMulInPlace(Tensor self, Tensor t1, Tensor t2, double value = 1) =>
        Status.Check(NativeMethods.dsl_addcmul_(self.Handle, t1.Handle, t2.Handle, value), "addcmul_", self, t1, t2);
    /// <summary>self += value · t1 / t2</summary>
    public static void AddCDivInPlace(Tensor self, Tensor t1, Tensor t2, double value = 1) =>
        Status.Check(NativeMethods.dsl_addcdiv_(self.Handle, t1.Handle, t2.Handle, value), "addcdiv_", self, t1, t2);
    /// <summary>self += weight · (end - self)</summary>
    public static void LerpInPlace(Tensor self, Tensor end, double weight) =>
        Status.Check(NativeMethods.dsl_lerp_(self.Handle, end.Handle, weight), "lerp_", self, end);
    /// <summary>self += weight · (end - self), elementwise weight</summary>
    public static void LerpInPlace(Tensor self, Tensor end, Tensor weight) =>
        Status.Check(NativeMethods.dsl_lerp_tensor_(self.Handle, end.Handle, weight.Handle), "lerp_", self, end, weight);
    /// <summary>
    /// destination = source: the source is read and the destination is overwritten (broadcasting, converting
    /// dtype), so the order is that of <c>Array.Copy(source, destination)</c>, the reverse of PyTorch's
    /// <c>destination.copy_(source)</c>. <see cref="Tensor.CopyFrom(Tensor)"/> reads like PyTorch.
    /// </summary>
    public static void Copy(Tensor source, Tensor destination) =>
        Status.Check(NativeMethods.dsl_copy_(destination.Handle, source.Handle), "copy_", destination, source);
    /// <summary>output = xᵀ: x with its last two dims swapped, copied into output.</summary>
    public static void Transpose(Tensor x, Tensor output) =>
        Status.Check(NativeMethods.dsl_transpose_copy_(output.Handle, x.Handle), "transpose", output, x);
    /// <summary>self = 0</summary>
    public static void Zero(Tensor self) => Status.Check(NativeMethods.dsl_zero_(self.Handle), "zero_", self);
    /// <summary>self = value</summary>
    public static void Fill(Tensor self, double value) => Status.Check(NativeMethods.dsl_fill_(self.Handle, value), "fill_", self);
    /// <summary>self = clamp(self, min, max); a null bound is no bound.</summary>
    public static void ClampInPlace(Tensor self, double? min, double? max) =>
        Status.Check(NativeMethods.dsl_clamp_(self.Handle, min ?? double.NaN, max ?? double.NaN), "clamp_", self);
}
