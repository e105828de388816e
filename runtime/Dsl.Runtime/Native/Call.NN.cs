namespace Dsl.Native;

internal static partial class Call
{
    /// <summary>The handle of an optional tensor argument (a missing bias or weight): zero when absent.</summary>
    internal static IntPtr HandleOf(Tensor? tensor) => tensor is null ? IntPtr.Zero : tensor.Handle;

    /// <summary>A tensor for a handle a native call may have left empty (a gradient that was not asked for).</summary>
    internal static Tensor? TensorOrNull(IntPtr handle) => handle == IntPtr.Zero ? null : new Tensor(handle);
}
