using Dsl.Native;

namespace Dsl;

// Copying forms of the shape ops, for generated steps (which hold buffers, not views), and the
// backward scatters of the slicing and indexing ops. Where the output's shape carries information
// (Reshape's and Expand's target, Narrow's and Slice's length, a backward op's input shape) a wrong shape is an
// error naming both shapes; the others resize a wrong output, as libtorch's out= forms do.
public static unsafe partial class Kernels
{
    /// <summary>output = x's elements in row-major order, in output's shape; the element counts must match.</summary>
    public static void Reshape(Tensor x, Tensor output) =>
        Call.UnaryOut(&NativeMethods.dsl_reshape_out, x, output, "reshape");

    /// <summary>output = a copy of x with dim i taken from x's dim <c>dims[i]</c>.</summary>
    public static void Permute(Tensor x, ReadOnlySpan<long> dims, Tensor output)
    {
        fixed (long* p = dims)
        {
            Status.Check(NativeMethods.dsl_permute_out(output.Handle, x.Handle, p, dims.Length), "permute", x, output);
        }
    }

    /// <summary>output = a copy of x with dims <paramref name="dim0"/> and <paramref name="dim1"/> swapped.</summary>
    public static void Transpose(Tensor x, long dim0, long dim1, Tensor output) =>
        Status.Check(NativeMethods.dsl_transpose_out(output.Handle, x.Handle, dim0, dim1), "transpose", x, output);

    /// <summary>output = x broadcast to output's shape (size-1 dims repeat, missing leading dims are added).</summary>
    public static void Expand(Tensor x, Tensor output) =>
        Call.UnaryOut(&NativeMethods.dsl_expand_out, x, output, "expand");

    /// <summary>output = x's elements <paramref name="start"/> … start + output.size(dim) - 1 along <paramref name="dim"/>.</summary>
    public static void Narrow(Tensor x, long dim, long start, Tensor output) =>
        Status.Check(NativeMethods.dsl_narrow_out(output.Handle, x.Handle, dim, start), "narrow", x, output);

    /// <summary>output = x's elements start, start + step, … along <paramref name="dim"/>, output.size(dim) of them (<c>x[start::step]</c>; negative start counts from the end).</summary>
    public static void Slice(Tensor x, long dim, long start, long step, Tensor output) =>
        Status.Check(NativeMethods.dsl_slice_out(output.Handle, x.Handle, dim, start, step), "slice", x, output);

    /// <summary>output = x at position <paramref name="index"/> along <paramref name="dim"/> (that dim removed; negative counts from the end).</summary>
    public static void Select(Tensor x, long dim, long index, Tensor output) =>
        Status.Check(NativeMethods.dsl_select_out(output.Handle, x.Handle, dim, index), "select", x, output);

    /// <summary>output (the forward input's shape) = zeros with <paramref name="grad"/> copied into the narrowed slice.</summary>
    public static void NarrowBackward(Tensor grad, long dim, long start, Tensor output) =>
        Status.Check(NativeMethods.dsl_narrow_backward_out(output.Handle, grad.Handle, dim, start), "narrow_backward", grad, output);

    /// <summary>output (the forward input's shape) = zeros with <paramref name="grad"/> copied into the elements start, start + step, … along <paramref name="dim"/>.</summary>
    public static void SliceBackward(Tensor grad, long dim, long start, long step, Tensor output) =>
        Status.Check(NativeMethods.dsl_slice_backward_out(output.Handle, grad.Handle, dim, start, step), "slice_backward", grad, output);

    /// <summary>output (the forward input's shape) = zeros with <paramref name="grad"/> at position <paramref name="index"/> along <paramref name="dim"/>.</summary>
    public static void SelectBackward(Tensor grad, long dim, long index, Tensor output) =>
        Status.Check(NativeMethods.dsl_select_backward_out(output.Handle, grad.Handle, dim, index), "select_backward", grad, output);

    /// <summary>output (the forward input's shape) = zeros, then output.index_add_(dim, index, grad): repeated indices accumulate.</summary>
    public static void IndexSelectBackward(Tensor grad, long dim, Tensor index, Tensor output) =>
        Status.Check(NativeMethods.dsl_index_select_backward_out(output.Handle, grad.Handle, dim, index.Handle), "index_select_backward",
            grad, index, output);

    /// <summary>output (the forward input's shape) = zeros, then output.scatter_add_(dim, index, grad): the adjoint of <see cref="Gather"/>.</summary>
    public static void GatherBackward(Tensor grad, long dim, Tensor index, Tensor output) =>
        Status.Check(NativeMethods.dsl_gather_backward_out(output.Handle, grad.Handle, dim, index.Handle), "gather_backward", grad, index, output);

    /// <summary>
    /// output = A · B with torch.matmul's rules (batch dims broadcast), A = a or a with its last two
    /// dims swapped, B likewise; the swap is a strided view, not a copy. Any rank ≥ 2.
    /// </summary>
    public static void MatMul(Tensor a, Tensor b, Tensor output, bool transposeA, bool transposeB) =>
        Status.Check(NativeMethods.dsl_matmul_t_out(output.Handle, a.Handle, b.Handle, Flag(transposeA), Flag(transposeB)), "matmul", a, b, output);
}
