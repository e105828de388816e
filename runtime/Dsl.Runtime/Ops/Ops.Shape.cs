using System.Runtime.CompilerServices;
using Dsl.Native;

namespace Dsl;

// Shape operations. Views (Reshape when it can, View, Transpose, Permute, Expand, Slice, Narrow, Select,
// Flatten, Squeeze, Unsqueeze) share the input's storage: writing into one changes the other. They
// are also instance methods of Tensor (x.Reshape(2, -1), x.T). Dims may be negative.
public static unsafe partial class Ops
{
    // ---- views ---------------------------------------------------------------------------------

    /// <summary>x with a new shape of the same element count; one size may be -1 (inferred). A view when the strides allow it, else a copy.</summary>
    [OverloadResolutionPriority(1)] // [2, 3] is a span, not a Shape
    public static Tensor Reshape(Tensor x, params ReadOnlySpan<long> shape) =>
        Call.WithIntList(&NativeMethods.dsl_reshape, x, shape, "reshape");

    /// <inheritdoc cref="Reshape(Tensor, ReadOnlySpan{long})"/>
    public static Tensor Reshape(Tensor x, Shape shape) => Reshape(x, shape.Dims);

    /// <summary>A view of x with a new shape (one size may be -1); fails when x's strides do not allow one (use Reshape or Contiguous).</summary>
    [OverloadResolutionPriority(1)] // [2, 3] is a span, not a Shape
    public static Tensor View(Tensor x, params ReadOnlySpan<long> shape) =>
        Call.WithIntList(&NativeMethods.dsl_view, x, shape, "view");

    /// <inheritdoc cref="View(Tensor, ReadOnlySpan{long})"/>
    public static Tensor View(Tensor x, Shape shape) => View(x, shape.Dims);

    /// <summary>A view of x with dims <paramref name="dim0"/> and <paramref name="dim1"/> swapped.</summary>
    public static Tensor Transpose(Tensor x, long dim0, long dim1)
    {
        Status.Check(NativeMethods.dsl_transpose(x.Handle, dim0, dim1, out var result), "transpose", x);
        return new Tensor(result);
    }

    /// <summary>xᵀ: a view of x with its last two dims swapped (a matrix transposed).</summary>
    public static Tensor Transpose(Tensor x) => Transpose(x, -2, -1);

    /// <summary>A view of x whose dim i is x's dim <c>dims[i]</c>.</summary>
    public static Tensor Permute(Tensor x, params ReadOnlySpan<long> dims) =>
        Call.WithIntList(&NativeMethods.dsl_permute, x, dims, "permute");

    /// <summary>A view of x broadcast to <paramref name="shape"/> (size-1 dims repeat, new dims lead; -1 keeps a size), without copying.</summary>
    [OverloadResolutionPriority(1)] // [2, 3] is a span, not a Shape
    public static Tensor Expand(Tensor x, params ReadOnlySpan<long> shape) =>
        Call.WithIntList(&NativeMethods.dsl_expand, x, shape, "expand");

    /// <inheritdoc cref="Expand(Tensor, ReadOnlySpan{long})"/>
    public static Tensor Expand(Tensor x, Shape shape) => Expand(x, shape.Dims);

    /// <summary>
    /// A view of x's elements <c>start, start + step, …</c> below <paramref name="end"/> along
    /// <paramref name="dim"/>, like <c>x[start:end:step]</c>: negative bounds count from the end,
    /// out-of-range bounds are clamped, a null end is the end.
    /// </summary>
    public static Tensor Slice(Tensor x, long dim, long start, long? end = null, long step = 1)
    {
        Status.Check(NativeMethods.dsl_slice(x.Handle, dim, start, end ?? long.MaxValue, step, out var result), "slice", x);
        return new Tensor(result);
    }

    /// <summary>A view of <paramref name="length"/> elements of x from <paramref name="start"/> along <paramref name="dim"/>; the range must lie inside x.</summary>
    public static Tensor Narrow(Tensor x, long dim, long start, long length)
    {
        Status.Check(NativeMethods.dsl_narrow(x.Handle, dim, start, length, out var result), "narrow", x);
        return new Tensor(result);
    }

    /// <summary>A view of x at position <paramref name="index"/> along <paramref name="dim"/>, that dim removed, like <c>x.select(dim, index)</c>; a negative index counts from the end.</summary>
    public static Tensor Select(Tensor x, long dim, long index)
    {
        Status.Check(NativeMethods.dsl_select(x.Handle, dim, index, out var result), "select", x);
        return new Tensor(result);
    }

    /// <summary>x with dims <paramref name="startDim"/> through <paramref name="endDim"/> merged into one (a view when the strides allow it).</summary>
    public static Tensor Flatten(Tensor x, long startDim = 0, long endDim = -1)
    {
        Status.Check(NativeMethods.dsl_flatten(x.Handle, startDim, endDim, out var result), "flatten", x);
        return new Tensor(result);
    }

    /// <summary>A view of x without its size-1 dims.</summary>
    public static Tensor Squeeze(Tensor x) => Call.Unary(&NativeMethods.dsl_squeeze, x, "squeeze");

    /// <summary>A view of x without dim <paramref name="dim"/> if its size is 1 (else x's shape unchanged, as in PyTorch).</summary>
    public static Tensor Squeeze(Tensor x, long dim)
    {
        Status.Check(NativeMethods.dsl_squeeze_dim(x.Handle, dim, out var result), "squeeze", x);
        return new Tensor(result);
    }

    /// <summary>A view of x with a new size-1 dim at position <paramref name="dim"/> (-1 appends).</summary>
    public static Tensor Unsqueeze(Tensor x, long dim)
    {
        Status.Check(NativeMethods.dsl_unsqueeze(x.Handle, dim, out var result), "unsqueeze", x);
        return new Tensor(result);
    }

    // ---- indexing ------------------------------------------------------------------------------

    /// <summary>The slices of x at positions <paramref name="index"/> (1-D Int64 or Int32) along <paramref name="dim"/>, in that order.</summary>
    public static Tensor IndexSelect(Tensor x, long dim, Tensor index)
    {
        Status.Check(NativeMethods.dsl_index_select(x.Handle, dim, index.Handle, out var result), "index_select", x, index);
        return new Tensor(result);
    }

    /// <summary>
    /// out[i][j] = x[index[i][j]][j] for dim 0, out[i][j] = x[i][index[i][j]] for dim 1 (and so on):
    /// picks one element of x per element of <paramref name="index"/> (Int64, x's rank).
    /// </summary>
    public static Tensor Gather(Tensor x, long dim, Tensor index)
    {
        Status.Check(NativeMethods.dsl_gather(x.Handle, dim, index.Handle, out var result), "gather", x, index);
        return new Tensor(result);
    }

    /// <summary>
    /// A copy of <paramref name="self"/> with self[index[i][j]][j] += src[i][j] for dim 0 (and so
    /// on): the adjoint of <see cref="Gather"/>. Repeated indices accumulate.
    /// </summary>
    public static Tensor ScatterAdd(Tensor self, long dim, Tensor index, Tensor src)
    {
        Status.Check(NativeMethods.dsl_scatter_add(self.Handle, dim, index.Handle, src.Handle, out var result), "scatter_add", self, index, src);
        return new Tensor(result);
    }

    /// <summary>
    /// labels (Int64) → labels.shape + [numClasses], 1 at each label and 0 elsewhere. Int64 like
    /// torch's one_hot unless <paramref name="dtype"/> says otherwise (Float32 for losses).
    /// numClasses -1 infers max(labels) + 1.
    /// </summary>
    public static Tensor OneHot(Tensor labels, long numClasses = -1, DType dtype = DType.Int64)
    {
        Status.Check(NativeMethods.dsl_one_hot(labels.Handle, numClasses, (int)dtype, out var result), "one_hot", labels);
        return new Tensor(result);
    }

    // ---- joining -------------------------------------------------------------------------------

    /// <summary>The tensors joined along the existing dim <paramref name="dim"/>; every other size must match.</summary>
    public static Tensor Cat(ReadOnlySpan<Tensor> tensors, long dim = 0) =>
        Call.TensorList(&NativeMethods.dsl_cat, tensors, dim, "cat");

    /// <summary>Equally shaped tensors joined along a new dim <paramref name="dim"/>.</summary>
    public static Tensor Stack(ReadOnlySpan<Tensor> tensors, long dim = 0) =>
        Call.TensorList(&NativeMethods.dsl_stack, tensors, dim, "stack");
}
