namespace Dsl.Native;

/// <summary>
/// The common shapes of a native call (one or two tensors in, a new tensor or an output buffer),
/// so each op's managed face is one line. The operands stay reachable until the call returns.
/// </summary>
internal static unsafe partial class Call
{
    internal static Tensor Unary(delegate*<IntPtr, out IntPtr, int> fn, Tensor x, string operation)
    {
        Status.Check(fn(x.Handle, out var result), operation, x);
        return new Tensor(result);
    }

    internal static void UnaryOut(delegate*<IntPtr, IntPtr, int> fn, Tensor x, Tensor output, string operation)
    {
        Status.Check(fn(output.Handle, x.Handle), operation, x, output);
    }

    internal static Tensor Binary(delegate*<IntPtr, IntPtr, out IntPtr, int> fn, Tensor a, Tensor b, string operation)
    {
        Status.Check(fn(a.Handle, b.Handle, out var result), operation, a, b);
        return new Tensor(result);
    }

    internal static void BinaryOut(delegate*<IntPtr, IntPtr, IntPtr, int> fn, Tensor a, Tensor b, Tensor output, string operation)
    {
        Status.Check(fn(output.Handle, a.Handle, b.Handle), operation, a, b, output);
    }

    internal static Tensor Scalar(delegate*<IntPtr, double, out IntPtr, int> fn, Tensor a, double s, string operation)
    {
        Status.Check(fn(a.Handle, s, out var result), operation, a);
        return new Tensor(result);
    }

    internal static void ScalarOut(delegate*<IntPtr, IntPtr, double, int> fn, Tensor a, double s, Tensor output, string operation)
    {
        Status.Check(fn(output.Handle, a.Handle, s), operation, a, output);
    }
}
