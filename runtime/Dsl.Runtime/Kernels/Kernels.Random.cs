using Dsl.Native;

namespace Dsl;

// Random draws into caller-provided buffers, for the random ops of a generated step (Randn, Rand,
// RandInt, Bernoulli; Dropout is in Kernels.NN.cs). Each draws what the allocating libtorch function
// (torch.randn, torch.rand, torch.randint, torch.bernoulli) draws from the same generator state, so a
// step seeded like a PyTorch script draws the same numbers. A null generator is libtorch's global one.
public static partial class Kernels
{
    /// <summary>output ~ N(0, 1) elementwise (torch.randn).</summary>
    public static void Randn(Generator? generator, Tensor output) =>
        Status.Check(NativeMethods.dsl_normal_(output.Handle, 0, 1, Generator.HandleOf(generator)), "randn", output);

    /// <summary>output ~ U[0, 1) elementwise (torch.rand).</summary>
    public static void Rand(Generator? generator, Tensor output) =>
        Status.Check(NativeMethods.dsl_uniform_(output.Handle, 0, 1, Generator.HandleOf(generator)), "rand", output);

    /// <summary>output ~ integers uniform in [low, high) (torch.randint), in output's dtype.</summary>
    public static void RandInt(long low, long high, Generator? generator, Tensor output) =>
        Status.Check(NativeMethods.dsl_random_from_to_(output.Handle, low, high, Generator.HandleOf(generator)), "randint", output);

    /// <summary>output[i] = 1 with probability probabilities[i], else 0 (torch.bernoulli(p)); the shapes must agree.</summary>
    public static void Bernoulli(Tensor probabilities, Generator? generator, Tensor output) =>
        Status.Check(NativeMethods.dsl_bernoulli_tensor_(output.Handle, probabilities.Handle, Generator.HandleOf(generator)), "bernoulli", probabilities, output);

    /// <summary>output[i] = 1 with probability p, else 0 (torch.bernoulli(x, p) for x of output's shape).</summary>
    public static void Bernoulli(double p, Generator? generator, Tensor output) =>
        Status.Check(NativeMethods.dsl_bernoulli_(output.Handle, p, Generator.HandleOf(generator)), "bernoulli", output);
}
