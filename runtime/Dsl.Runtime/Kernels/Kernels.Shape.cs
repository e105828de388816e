using Dsl.Native;

namespace Dsl;

// Indexing and joining into a caller-provided output. Views have no output form: they allocate no
// storage (see Ops.Reshape, Ops.Transpose, ...).
public static unsafe partial class Kernels
{
    /// <summary>output = the slices of x at positions <paramref name="index"/> along <paramref name="dim"/>.</summary>
    public static void IndexSelect(Tensor x, long dim, Tensor index, Tensor output) =>
        Status.Check(NativeMethods.dsl_index_select_out(output.Handle, x.Handle, dim, index.Handle), "index_select", x, index, output);

    /// <summary>output[i][j] = x[index[i][j]][j] for dim 0 (and likewise for other dims).</summary>
    public static void Gather(Tensor x, long dim, Tensor index, Tensor output) =>
        Status.Check(NativeMethods.dsl_gather_out(output.Handle, x.Handle, dim, index.Handle), "gather", x, index, output);

    /// <summary>output = self, then output[index[i][j]][j] += src[i][j] for dim 0 (and likewise for other dims).</summary>
    public static void ScatterAdd(Tensor self, long dim, Tensor index, Tensor src, Tensor output) =>
        Status.Check(NativeMethods.dsl_scatter_add_out(output.Handle, self.Handle, dim, index.Handle, src.Handle), "scatter_add", self, index, src, output);

    /// <summary>self[index[i][j]][j] += src[i][j] for dim 0 (and likewise for other dims), in place.</summary>
    public static void ScatterAddInPlace(Tensor self, long dim, Tensor index, Tensor src) =>
        Status.Check(NativeMethods.dsl_scatter_add_(self.Handle, dim, index.Handle, src.Handle), "scatter_add_", self, index, src);

    /// <summary>
    /// output = one-hot rows of labels (Int64) in output's dtype; output's shape is labels.shape +
    /// [classes] and its last size is the number of classes.
    /// </summary>
    public static void OneHot(Tensor labels, Tensor output) =>
        Status.Check(NativeMethods.dsl_one_hot_out(output.Handle, labels.Handle), "one_hot", labels, output);

    /// <summary>output = the tensors joined along the existing dim <paramref name="dim"/>.</summary>
    public static void Cat(ReadOnlySpan<Tensor> tensors, long dim, Tensor output) =>
        Call.TensorListOut(&NativeMethods.dsl_cat_out, tensors, dim, output, "cat");

    /// <summary>output = equally shaped tensors joined along a new dim <paramref name="dim"/>.</summary>
    public static void Stack(ReadOnlySpan<Tensor> tensors, long dim, Tensor output) =>
        Call.TensorListOut(&NativeMethods.dsl_stack_out, tensors, dim, output, "stack");
}
