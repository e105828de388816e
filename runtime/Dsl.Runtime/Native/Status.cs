using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Dsl.Native;

/// <summary>
/// Turns a native status into an exception. Passing the operands here also keeps them reachable
/// until the native call has returned, so a finalizer cannot free a tensor mid-call.
/// </summary>
internal static class Status
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Check(int status, string operation)
    {
        if (status != 0) Throw(operation, ReadOnlySpan<Tensor?>.Empty);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Check(int status, string operation, Tensor? a)
    {
        if (status != 0) Throw(operation, [a]);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Check(int status, string operation, Tensor? a, Tensor? b)
    {
        if (status != 0) Throw(operation, [a, b]);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Check(int status, string operation, Tensor? a, Tensor? b, Tensor? c)
    {
        if (status != 0) Throw(operation, [a, b, c]);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Check(int status, string operation, Tensor? a, Tensor? b, Tensor? c, Tensor? d)
    {
        if (status != 0) Throw(operation, [a, b, c, d]);
    }

    internal static void Check(int status, string operation, params ReadOnlySpan<Tensor?> operands)
    {
        if (status != 0) Throw(operation, operands);
    }

    internal static string LastError() => Marshal.PtrToStringUTF8(NativeMethods.dsl_last_error()) ?? "";

    // Describing the operands makes native calls of its own (shape, dtype, device); should one of
    // those fail too, its error is reported without operands instead of recursing.
    [ThreadStatic] private static bool t_describing;

    [MethodImpl(MethodImplOptions.NoInlining)]
    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private static void Throw(string operation, ReadOnlySpan<Tensor?> operands)
    {
        var message = LastError().Trim();
        var text = new System.Text.StringBuilder();
        // Native checks often name the op themselves ("narrow: ..."); say it once.
        if (message.StartsWith(operation + ": ", StringComparison.Ordinal)) message = message[(operation.Length + 2)..];
        text.Append(operation).Append(": ").Append(message.Length > 0 ? message : "failed");
        var shapes = new List<string>();
        if (!t_describing)
        {
            t_describing = true;
            try
            {
                foreach (var operand in operands)
                {
                    if (operand is null) continue;
                    shapes.Add(operand.IsDisposed ? "(disposed)" : operand.DescribeForError());
                }
            }
            finally
            {
                t_describing = false;
            }
        }
        if (shapes.Count > 0) text.Append(" (operands: ").Append(string.Join(", ", shapes)).Append(')');
        throw new DslException(text.ToString()) { Operation = operation };
    }
}
