using System.Text;

namespace Dsl.Native;

// einsum's call shape: an equation string (UTF-8 on the stack) and a short list of operands.
internal static unsafe partial class Call
{
    private const int MaxStackEquation = 256;

    internal static Tensor Einsum(string equation, ReadOnlySpan<Tensor> operands) => EinsumCore(equation, operands, null)!;

    internal static void EinsumOut(string equation, ReadOnlySpan<Tensor> operands, Tensor output) => EinsumCore(equation, operands, output);

    private static Tensor? EinsumCore(string equation, ReadOnlySpan<Tensor> operands, Tensor? output)
    {
        ArgumentNullException.ThrowIfNull(equation);
        var size = Encoding.UTF8.GetMaxByteCount(equation.Length) + 1;
        Span<byte> text = size <= MaxStackEquation ? stackalloc byte[size] : new byte[size];
        text[Encoding.UTF8.GetBytes(equation, text)] = 0;
        Span<IntPtr> handles = operands.Length <= MaxStackHandles ? stackalloc IntPtr[operands.Length] : new IntPtr[operands.Length];
        for (var i = 0; i < operands.Length; i++) handles[i] = operands[i].Handle;
        int status;
        IntPtr result = IntPtr.Zero;
        fixed (byte* e = text)
        fixed (IntPtr* p = handles)
        {
            status = output is null
                ? NativeMethods.dsl_einsum(e, p, handles.Length, out result)
                : NativeMethods.dsl_einsum_out(output.Handle, e, p, handles.Length);
        }
        CheckList(status, "einsum", operands, output);
        return output is null ? new Tensor(result) : null;
    }
}
