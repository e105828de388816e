using Dsl.Native;

namespace Dsl;

// Run-time loops of generated steps (a `for` whose bound is known only at run time): the values the
// loop carries are saved one row per iteration, so the backward pass can run the body's derivative
// in a reversed loop. The saved buffer grows when a longer sequence comes and is reused otherwise.
public static unsafe partial class Kernels
{
    /// <summary>
    /// <paramref name="rows"/> when it has at least <paramref name="length"/> rows of <paramref name="like"/>'s
    /// shape and dtype; otherwise it is disposed and a buffer of exactly <paramref name="length"/> such rows
    /// is returned (the only allocation: a step at a length already seen allocates nothing).
    /// </summary>
    public static Tensor GrowRows(Tensor rows, long length, Tensor like)
    {
        var rank = like.Rank;
        if (rows is not null && !rows.IsDisposed && rows.Rank == rank + 1 && rows.Size(0) >= length && rows.DType == like.DType)
        {
            var same = true;
            for (var d = 0; d < rank && same; d++) same = rows.Size(d + 1) == like.Size(d);
            if (same) return rows;
        }
        rows?.Dispose();
        var shape = new long[rank + 1];
        shape[0] = System.Math.Max(length, 1);
        for (var d = 0; d < rank; d++) shape[d + 1] = like.Size(d);
        return Tensor.Empty(shape, like.DType, like.Device);
    }

    /// <summary>rows[row] = source: saves one iteration's value (rows has source's shape after a leading axis).</summary>
    public static void CopyToRow(Tensor source, Tensor rows, long row) =>
        Status.Check(NativeMethods.dsl_copy_to_row(rows.Handle, source.Handle, row), "copy_to_row", rows, source);
}
