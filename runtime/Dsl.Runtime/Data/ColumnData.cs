using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Dsl;

/// <summary>
/// The managed arrays <see cref="TensorDataset.From"/> accepts as a column, converted implicitly:
/// one value per example (<c>float[]</c>, <c>double[]</c>, <c>long[]</c>, <c>int[]</c>,
/// <c>byte[]</c>, <c>bool[]</c>), one row per example (<c>float[,]</c>, <c>double[,]</c>,
/// <c>float[][]</c>, <c>double[][]</c>, <c>long[,]</c>) or one matrix per example (<c>float[,,]</c>,
/// <c>byte[,,]</c>, such as images). The tensor keeps the array's element type, except that
/// <c>int[]</c> becomes Int64, the dtype of class indices.
/// </summary>
public readonly struct ColumnData
{
    private readonly Array _values;

    private ColumnData(Array values) => _values = values ?? throw new ArgumentNullException(nameof(values));

    public static implicit operator ColumnData(float[] values) => new(values);
    public static implicit operator ColumnData(double[] values) => new(values);
    public static implicit operator ColumnData(long[] values) => new(values);
    public static implicit operator ColumnData(int[] values) => new(values);
    public static implicit operator ColumnData(byte[] values) => new(values);
    public static implicit operator ColumnData(bool[] values) => new(values);
    public static implicit operator ColumnData(float[,] values) => new(values);
    public static implicit operator ColumnData(double[,] values) => new(values);
    public static implicit operator ColumnData(long[,] values) => new(values);
    public static implicit operator ColumnData(float[][] values) => new(values);
    public static implicit operator ColumnData(double[][] values) => new(values);
    public static implicit operator ColumnData(float[,,] values) => new(values);
    public static implicit operator ColumnData(byte[,,] values) => new(values);

    internal Tensor ToTensor(string column) => _values switch
    {
        null => throw new ArgumentNullException(column, $"Column '{column}' has no values."),
        int[] ints => Tensor.FromArray(Array.ConvertAll(ints, v => (long)v)),
        float[][] rows => FromJagged(rows, column),
        double[][] rows => FromJagged(rows, column),
        float[] or float[,] or float[,,] => FromRectangular<float>(_values),
        double[] or double[,] => FromRectangular<double>(_values),
        long[] or long[,] => FromRectangular<long>(_values),
        byte[] or byte[,,] => FromRectangular<byte>(_values),
        bool[] => FromRectangular<bool>(_values),
        _ => throw new NotSupportedException($"Column '{column}': {_values.GetType().Name} is not a supported column type."),
    };

    private static Tensor FromRectangular<T>(Array values) where T : unmanaged
    {
        var shape = new long[values.Rank];
        for (var d = 0; d < shape.Length; d++) shape[d] = values.GetLength(d);
        // A multi-dimensional array stores its elements contiguously in row-major order, as a tensor does.
        var elements = MemoryMarshal.CreateReadOnlySpan(ref Unsafe.As<byte, T>(ref MemoryMarshal.GetArrayDataReference(values)), values.Length);
        return Tensor.FromSpan(elements, shape);
    }

    private static Tensor FromJagged<T>(T[][] rows, string column) where T : unmanaged
    {
        if (rows.Length == 0) throw new ArgumentException($"Column '{column}' has no rows; a jagged column needs at least one to know its width.", column);
        var width = rows[0]?.Length ?? 0;
        var flat = new T[(long)rows.Length * width];
        for (var i = 0; i < rows.Length; i++)
        {
            var row = rows[i] ?? throw new ArgumentException($"Column '{column}': row {i} is null.", column);
            if (row.Length != width)
            {
                throw new ArgumentException(
                    $"Column '{column}' is ragged: row {i} has {row.Length} values but row 0 has {width}; every example needs the same shape.", column);
            }
            row.CopyTo(flat, (long)i * width);
        }
        return Tensor.FromSpan<T>(flat, [rows.Length, width]);
    }
}
