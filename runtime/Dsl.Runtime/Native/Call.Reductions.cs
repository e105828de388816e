namespace Dsl.Native;

// Call shapes of the reductions: a tensor, a dims list (empty = every dim) and keepdim.
internal static unsafe partial class Call
{
    internal static Tensor Reduce(delegate*<IntPtr, long*, int, int, out IntPtr, int> fn, Tensor x, ReadOnlySpan<long> dims, bool keepdim, string operation)
    {
        fixed (long* p = dims)
        {
            Status.Check(fn(x.Handle, p, dims.Length, keepdim ? 1 : 0, out var result), operation, x);
            return new Tensor(result);
        }
    }

    internal static void ReduceOut(delegate*<IntPtr, IntPtr, long*, int, int, int> fn, Tensor x, ReadOnlySpan<long> dims, bool keepdim, Tensor output, string operation)
    {
        fixed (long* p = dims)
        {
            Status.Check(fn(output.Handle, x.Handle, p, dims.Length, keepdim ? 1 : 0), operation, x, output);
        }
    }
}
