using Dsl.Native;

namespace Dsl;

// More elementwise functions and activations, and the gradients ATen has kernels for (from the
// forward input x). Erf, Log1p, Expm1, Sin and Cos have no backward kernel: their derivatives are
// products of existing elementwise kernels (2/√π·e^(-x²), 1/(1 + x), eˣ, cos, -sin).
public static unsafe partial class Kernels
{
    /// <summary>output = erf(x) = 2/√π ∫₀ˣ e^(-t²) dt</summary>
    public static void Erf(Tensor x, Tensor output) => Call.UnaryOut(&NativeMethods.dsl_erf_out, x, output, "erf");

    /// <summary>output = log(1 + x), accurate for small x</summary>
    public static void Log1p(Tensor x, Tensor output) => Call.UnaryOut(&NativeMethods.dsl_log1p_out, x, output, "log1p");

    /// <summary>output = eˣ - 1, accurate for small x</summary>
    public static void Expm1(Tensor x, Tensor output) => Call.UnaryOut(&NativeMethods.dsl_expm1_out, x, output, "expm1");

    /// <summary>output = sin x</summary>
    public static void Sin(Tensor x, Tensor output) => Call.UnaryOut(&NativeMethods.dsl_sin_out, x, output, "sin");

    /// <summary>output = cos x</summary>
    public static void Cos(Tensor x, Tensor output) => Call.UnaryOut(&NativeMethods.dsl_cos_out, x, output, "cos");

    /// <summary>output = log σ(x) = -softplus(-x), computed stably</summary>
    public static void LogSigmoid(Tensor x, Tensor output) => Call.UnaryOut(&NativeMethods.dsl_log_sigmoid_out, x, output, "log_sigmoid");

    /// <summary>output = log(1 + e^(β·x)) / β, and x where β·x &gt; threshold</summary>
    public static void Softplus(Tensor x, double beta, double threshold, Tensor output) =>
        Status.Check(NativeMethods.dsl_softplus_out(output.Handle, x.Handle, beta, threshold), "softplus", x, output);

    /// <summary>output = x for x &gt; 0, negativeSlope·x otherwise</summary>
    public static void LeakyRelu(Tensor x, double negativeSlope, Tensor output) =>
        Status.Check(NativeMethods.dsl_leaky_relu_out(output.Handle, x.Handle, negativeSlope), "leaky_relu", x, output);

    /// <summary>output = x for x &gt; 0, α·(eˣ - 1) otherwise</summary>
    public static void Elu(Tensor x, double alpha, Tensor output) =>
        Status.Check(NativeMethods.dsl_elu_out(output.Handle, x.Handle, alpha), "elu", x, output);

    /// <summary>output = gradOutput · σ(β·x) (gradOutput where β·x &gt; threshold)</summary>
    public static void SoftplusBackward(Tensor gradOutput, Tensor x, double beta, double threshold, Tensor output) =>
        Status.Check(NativeMethods.dsl_softplus_backward_out(output.Handle, gradOutput.Handle, x.Handle, beta, threshold), "softplus_backward",
            gradOutput, x, output);

    /// <summary>output = gradOutput for x &gt; 0, negativeSlope·gradOutput otherwise</summary>
    public static void LeakyReluBackward(Tensor gradOutput, Tensor x, double negativeSlope, Tensor output) =>
        Status.Check(NativeMethods.dsl_leaky_relu_backward_out(output.Handle, gradOutput.Handle, x.Handle, negativeSlope), "leaky_relu_backward",
            gradOutput, x, output);

    /// <summary>output = gradOutput for x &gt; 0, gradOutput·α·eˣ otherwise</summary>
    public static void EluBackward(Tensor gradOutput, Tensor x, double alpha, Tensor output) =>
        Status.Check(NativeMethods.dsl_elu_backward_out(output.Handle, gradOutput.Handle, x.Handle, alpha), "elu_backward", gradOutput, x, output);

    /// <summary>output = gradOutput · σ(-x)</summary>
    public static void LogSigmoidBackward(Tensor gradOutput, Tensor x, Tensor output) =>
        Status.Check(NativeMethods.dsl_log_sigmoid_backward_out(output.Handle, gradOutput.Handle, x.Handle), "log_sigmoid_backward", gradOutput, x, output);
}
