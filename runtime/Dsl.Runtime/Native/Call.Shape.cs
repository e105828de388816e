namespace Dsl.Native;

// Call shapes of the shape ops: a tensor with a list of sizes or dims, and lists of tensors.
internal static unsafe partial class Call
{
    // Tensor lists up to this length pass their handles on the stack; longer ones (rare) use an array.
    private const int MaxStackHandles = 128;

    internal static Tensor WithIntList(delegate*<IntPtr, long*, int, out IntPtr, int> fn, Tensor x, ReadOnlySpan<long> list, string operation)
    {
        fixed (long* p = list)
        {
            Status.Check(fn(x.Handle, p, list.Length, out var result), operation, x);
            return new Tensor(result);
        }
    }

    internal static Tensor TensorList(delegate*<IntPtr*, int, long, out IntPtr, int> fn, ReadOnlySpan<Tensor> tensors, long dim, string operation)
    {
        Span<IntPtr> handles = tensors.Length <= MaxStackHandles ? stackalloc IntPtr[tensors.Length] : new IntPtr[tensors.Length];
        for (var i = 0; i < tensors.Length; i++) handles[i] = tensors[i].Handle;
        int status;
        IntPtr result;
        fixed (IntPtr* p = handles) status = fn(p, handles.Length, dim, out result);
        CheckList(status, operation, tensors, null);
        return new Tensor(result);
    }

    internal static void TensorListOut(delegate*<IntPtr, IntPtr*, int, long, int> fn, ReadOnlySpan<Tensor> tensors, long dim, Tensor output, string operation)
    {
        Span<IntPtr> handles = tensors.Length <= MaxStackHandles ? stackalloc IntPtr[tensors.Length] : new IntPtr[tensors.Length];
        for (var i = 0; i < tensors.Length; i++) handles[i] = tensors[i].Handle;
        int status;
        fixed (IntPtr* p = handles) status = fn(output.Handle, p, handles.Length, dim);
        CheckList(status, operation, tensors, output);
    }

    // Names every listed tensor's shape on failure. Taking the list and the output here also keeps
    // them reachable until the native call has returned.
    private static void CheckList(int status, string operation, ReadOnlySpan<Tensor> tensors, Tensor? output)
    {
        if (status == 0) return;
        var operands = new Tensor?[tensors.Length + 1];
        for (var i = 0; i < tensors.Length; i++) operands[i] = tensors[i];
        operands[^1] = output;
        Status.Check(status, operation, operands);
    }
}
