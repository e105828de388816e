using Dsl.Native;

namespace Dsl;

/// <summary>
/// The eager tensor API: every call returns a new tensor (dispose it, or let the finalizer).
/// Reads like math with <c>using static Dsl.Ops;</c>. Model code written against it runs eagerly
/// and is also what the generator compiles.
/// </summary>
public static unsafe partial class Ops
{
    /// <summary>-x</summary>
    public static Tensor Neg(Tensor x) => Call.Unary(&NativeMethods.dsl_neg, x, "neg");

    /// <summary>eˣ</summary>
    public static Tensor Exp(Tensor x) => Call.Unary(&NativeMethods.dsl_exp, x, "exp");

    /// <summary>natural logarithm</summary>
    public static Tensor Log(Tensor x) => Call.Unary(&NativeMethods.dsl_log, x, "log");

    /// <summary>√x</summary>
    public static Tensor Sqrt(Tensor x) => Call.Unary(&NativeMethods.dsl_sqrt, x, "sqrt");

    /// <summary>1/√x</summary>
    public static Tensor Rsqrt(Tensor x) => Call.Unary(&NativeMethods.dsl_rsqrt, x, "rsqrt");

    /// <summary>x²</summary>
    public static Tensor Square(Tensor x) => Call.Unary(&NativeMethods.dsl_square, x, "square");

    /// <summary>|x|</summary>
    public static Tensor Abs(Tensor x) => Call.Unary(&NativeMethods.dsl_abs, x, "abs");

    /// <summary>-1, 0 or 1</summary>
    public static Tensor Sign(Tensor x) => Call.Unary(&NativeMethods.dsl_sign, x, "sign");

    /// <summary>hyperbolic tangent</summary>
    public static Tensor Tanh(Tensor x) => Call.Unary(&NativeMethods.dsl_tanh, x, "tanh");

    /// <summary>1/(1+e⁻ˣ)</summary>
    public static Tensor Sigmoid(Tensor x) => Call.Unary(&NativeMethods.dsl_sigmoid, x, "sigmoid");

    /// <summary>max(x, 0)</summary>
    public static Tensor Relu(Tensor x) => Call.Unary(&NativeMethods.dsl_relu, x, "relu");

    /// <summary>x·sigmoid(x)</summary>
    public static Tensor Silu(Tensor x) => Call.Unary(&NativeMethods.dsl_silu, x, "silu");

    /// <summary>not x (Bool)</summary>
    public static Tensor LogicalNot(Tensor x) => Call.Unary(&NativeMethods.dsl_logical_not, x, "logical_not");

    /// <summary>a + b, broadcasting</summary>
    public static Tensor Add(Tensor a, Tensor b) => Call.Binary(&NativeMethods.dsl_add, a, b, "add");

    /// <summary>a - b, broadcasting</summary>
    public static Tensor Sub(Tensor a, Tensor b) => Call.Binary(&NativeMethods.dsl_sub, a, b, "sub");

    /// <summary>a · b, broadcasting</summary>
    public static Tensor Mul(Tensor a, Tensor b) => Call.Binary(&NativeMethods.dsl_mul, a, b, "mul");

    /// <summary>a / b, broadcasting</summary>
    public static Tensor Div(Tensor a, Tensor b) => Call.Binary(&NativeMethods.dsl_div, a, b, "div");

    /// <summary>aᵇ, broadcasting</summary>
    public static Tensor Pow(Tensor a, Tensor b) => Call.Binary(&NativeMethods.dsl_pow, a, b, "pow");

    /// <summary>elementwise max(a, b), broadcasting</summary>
    public static Tensor Maximum(Tensor a, Tensor b) => Call.Binary(&NativeMethods.dsl_maximum, a, b, "maximum");

    /// <summary>elementwise min(a, b), broadcasting</summary>
    public static Tensor Minimum(Tensor a, Tensor b) => Call.Binary(&NativeMethods.dsl_minimum, a, b, "minimum");

    /// <summary>a == b (Bool), broadcasting</summary>
    public static Tensor Eq(Tensor a, Tensor b) => Call.Binary(&NativeMethods.dsl_eq, a, b, "eq");

    /// <summary>a != b (Bool), broadcasting</summary>
    public static Tensor Ne(Tensor a, Tensor b) => Call.Binary(&NativeMethods.dsl_ne, a, b, "ne");

    /// <summary>a &lt; b (Bool), broadcasting</summary>
    public static Tensor Lt(Tensor a, Tensor b) => Call.Binary(&NativeMethods.dsl_lt, a, b, "lt");

    /// <summary>a &lt;= b (Bool), broadcasting</summary>
    public static Tensor Le(Tensor a, Tensor b) => Call.Binary(&NativeMethods.dsl_le, a, b, "le");

    /// <summary>a &gt; b (Bool), broadcasting</summary>
    public static Tensor Gt(Tensor a, Tensor b) => Call.Binary(&NativeMethods.dsl_gt, a, b, "gt");

    /// <summary>a &gt;= b (Bool), broadcasting</summary>
    public static Tensor Ge(Tensor a, Tensor b) => Call.Binary(&NativeMethods.dsl_ge, a, b, "ge");

    /// <summary>a + s</summary>
    public static Tensor Add(Tensor a, double s) => Call.Scalar(&NativeMethods.dsl_add_scalar, a, s, "add");

    /// <summary>a - s</summary>
    public static Tensor Sub(Tensor a, double s) => Call.Scalar(&NativeMethods.dsl_sub_scalar, a, s, "sub");

    /// <summary>a · s</summary>
    public static Tensor Mul(Tensor a, double s) => Call.Scalar(&NativeMethods.dsl_mul_scalar, a, s, "mul");

    /// <summary>a / s</summary>
    public static Tensor Div(Tensor a, double s) => Call.Scalar(&NativeMethods.dsl_div_scalar, a, s, "div");

    /// <summary>aˢ</summary>
    public static Tensor Pow(Tensor a, double s) => Call.Scalar(&NativeMethods.dsl_pow_scalar, a, s, "pow");

    /// <summary>a == s (Bool)</summary>
    public static Tensor Eq(Tensor a, double s) => Call.Scalar(&NativeMethods.dsl_eq_scalar, a, s, "eq");

    /// <summary>a != s (Bool)</summary>
    public static Tensor Ne(Tensor a, double s) => Call.Scalar(&NativeMethods.dsl_ne_scalar, a, s, "ne");

    /// <summary>a &lt; s (Bool)</summary>
    public static Tensor Lt(Tensor a, double s) => Call.Scalar(&NativeMethods.dsl_lt_scalar, a, s, "lt");

    /// <summary>a &lt;= s (Bool)</summary>
    public static Tensor Le(Tensor a, double s) => Call.Scalar(&NativeMethods.dsl_le_scalar, a, s, "le");

    /// <summary>a &gt; s (Bool)</summary>
    public static Tensor Gt(Tensor a, double s) => Call.Scalar(&NativeMethods.dsl_gt_scalar, a, s, "gt");

    /// <summary>a &gt;= s (Bool)</summary>
    public static Tensor Ge(Tensor a, double s) => Call.Scalar(&NativeMethods.dsl_ge_scalar, a, s, "ge");

    /// <summary>s - a</summary>
    public static Tensor Sub(double s, Tensor a) => Call.Scalar(&NativeMethods.dsl_rsub_scalar, a, s, "rsub");

    /// <summary>s / a</summary>
    public static Tensor Div(double s, Tensor a) => Call.Scalar(&NativeMethods.dsl_rdiv_scalar, a, s, "rdiv");

    /// <summary>sᵃ</summary>
    public static Tensor Pow(double s, Tensor a) => Call.Scalar(&NativeMethods.dsl_rpow_scalar, a, s, "rpow");

    /// <summary>a + s (scalar on the left)</summary>
    public static Tensor Add(double s, Tensor a) => Add(a, s);
    /// <summary>s · a (scalar on the left)</summary>
    public static Tensor Mul(double s, Tensor a) => Mul(a, s);

    /// <summary>GELU; exact (erf) form unless <paramref name="tanhApproximation"/>.</summary>
    public static Tensor Gelu(Tensor x, bool tanhApproximation = false)
    {
        Status.Check(NativeMethods.dsl_gelu(x.Handle, tanhApproximation ? 1 : 0, out var result), "gelu", x);
        return new Tensor(result);
    }

    /// <summary>x limited to [min, max]; a null bound is no bound.</summary>
    public static Tensor Clamp(Tensor x, double? min = null, double? max = null)
    {
        Status.Check(NativeMethods.dsl_clamp(x.Handle, min ?? double.NaN, max ?? double.NaN, out var result), "clamp", x);
        return new Tensor(result);
    }

    /// <summary>a where condition is true, b elsewhere (broadcasting).</summary>
    public static Tensor Where(Tensor condition, Tensor a, Tensor b)
    {
        Status.Check(NativeMethods.dsl_where(condition.Handle, a.Handle, b.Handle, out var result), "where", condition, a, b);
        return new Tensor(result);
    }
}
