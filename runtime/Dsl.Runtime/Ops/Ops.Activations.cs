using Dsl.Native;

namespace Dsl;

// More elementwise functions and activations (PyTorch's defaults), and the activations' gradients
// from the forward input x.
public static unsafe partial class Ops
{
    /// <summary>erf(x) = 2/√π ∫₀ˣ e^(-t²) dt; d/dx = 2/√π · e^(-x²).</summary>
    public static Tensor Erf(Tensor x) => Call.Unary(&NativeMethods.dsl_erf, x, "erf");

    /// <summary>log(1 + x), accurate for small x; d/dx = 1/(1 + x).</summary>
    public static Tensor Log1p(Tensor x) => Call.Unary(&NativeMethods.dsl_log1p, x, "log1p");

    /// <summary>eˣ - 1, accurate for small x; d/dx = eˣ.</summary>
    public static Tensor Expm1(Tensor x) => Call.Unary(&NativeMethods.dsl_expm1, x, "expm1");

    /// <summary>sin x; d/dx = cos x.</summary>
    public static Tensor Sin(Tensor x) => Call.Unary(&NativeMethods.dsl_sin, x, "sin");

    /// <summary>cos x; d/dx = -sin x.</summary>
    public static Tensor Cos(Tensor x) => Call.Unary(&NativeMethods.dsl_cos, x, "cos");

    /// <summary>log σ(x) = -softplus(-x), computed stably; d/dx = σ(-x).</summary>
    public static Tensor LogSigmoid(Tensor x) => Call.Unary(&NativeMethods.dsl_log_sigmoid, x, "log_sigmoid");

    /// <summary>softplus(x) = log(1 + e^(β·x)) / β, and x itself where β·x &gt; <paramref name="threshold"/> (torch's defaults).</summary>
    public static Tensor Softplus(Tensor x, double beta = 1, double threshold = 20)
    {
        Status.Check(NativeMethods.dsl_softplus(x.Handle, beta, threshold, out var result), "softplus", x);
        return new Tensor(result);
    }

    /// <summary>x for x &gt; 0, <paramref name="negativeSlope"/>·x otherwise.</summary>
    public static Tensor LeakyRelu(Tensor x, double negativeSlope = 0.01)
    {
        Status.Check(NativeMethods.dsl_leaky_relu(x.Handle, negativeSlope, out var result), "leaky_relu", x);
        return new Tensor(result);
    }

    /// <summary>x for x &gt; 0, α·(eˣ - 1) otherwise.</summary>
    public static Tensor Elu(Tensor x, double alpha = 1)
    {
        Status.Check(NativeMethods.dsl_elu(x.Handle, alpha, out var result), "elu", x);
        return new Tensor(result);
    }

    /// <summary><see cref="Softplus"/>'s gradient: gradOutput · σ(β·x), and gradOutput where β·x &gt; threshold.</summary>
    public static Tensor SoftplusBackward(Tensor gradOutput, Tensor x, double beta = 1, double threshold = 20)
    {
        Status.Check(NativeMethods.dsl_softplus_backward(gradOutput.Handle, x.Handle, beta, threshold, out var result), "softplus_backward", gradOutput, x);
        return new Tensor(result);
    }

    /// <summary><see cref="LeakyRelu"/>'s gradient: gradOutput for x &gt; 0, negativeSlope·gradOutput otherwise.</summary>
    public static Tensor LeakyReluBackward(Tensor gradOutput, Tensor x, double negativeSlope = 0.01)
    {
        Status.Check(NativeMethods.dsl_leaky_relu_backward(gradOutput.Handle, x.Handle, negativeSlope, out var result), "leaky_relu_backward", gradOutput, x);
        return new Tensor(result);
    }

    /// <summary><see cref="Elu"/>'s gradient: gradOutput for x &gt; 0, gradOutput·α·eˣ otherwise.</summary>
    public static Tensor EluBackward(Tensor gradOutput, Tensor x, double alpha = 1)
    {
        Status.Check(NativeMethods.dsl_elu_backward(gradOutput.Handle, x.Handle, alpha, out var result), "elu_backward", gradOutput, x);
        return new Tensor(result);
    }

    /// <summary><see cref="LogSigmoid"/>'s gradient: gradOutput · σ(-x).</summary>
    public static Tensor LogSigmoidBackward(Tensor gradOutput, Tensor x)
    {
        Status.Check(NativeMethods.dsl_log_sigmoid_backward(gradOutput.Handle, x.Handle, out var result), "log_sigmoid_backward", gradOutput, x);
        return new Tensor(result);
    }
}
