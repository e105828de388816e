using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using Dsl.Native;

namespace Dsl;

/// <summary>
/// An n-dimensional array owned by libtorch. Dispose it when done: native memory is released at
/// once. The finalizer only catches tensors that were forgotten; any use after
/// <see cref="Dispose"/> throws <see cref="ObjectDisposedException"/>.
/// </summary>
public sealed unsafe partial class Tensor : IDisposable
{
    private IntPtr _handle;

    internal Tensor(IntPtr handle)
    {
        if (handle == IntPtr.Zero) throw new DslException("the native library returned no tensor");
        _handle = handle;
    }

    /// <summary>The native handle; throws when the tensor was disposed.</summary>
    internal IntPtr Handle
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get
        {
            var handle = _handle;
            if (handle == IntPtr.Zero) ThrowDisposed();
            return handle;
        }
    }

    public bool IsDisposed => _handle == IntPtr.Zero;

    public void Dispose()
    {
        var handle = Interlocked.Exchange(ref _handle, IntPtr.Zero);
        if (handle != IntPtr.Zero)
        {
            NativeMethods.dsl_tensor_free(handle);
            GC.SuppressFinalize(this);
        }
    }

    ~Tensor()
    {
        var handle = Interlocked.Exchange(ref _handle, IntPtr.Zero);
        if (handle != IntPtr.Zero) NativeMethods.dsl_tensor_free(handle);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowDisposed() =>
        throw new ObjectDisposedException(nameof(Tensor), "The tensor was disposed; it cannot be used any more.");

    // ---- metadata ------------------------------------------------------------------------------

    public int Rank
    {
        get
        {
            Status.Check(NativeMethods.dsl_tensor_dim(Handle, out var rank), "dim", this);
            return rank;
        }
    }

    public Shape Shape
    {
        get
        {
            var rank = Rank;
            var dims = new long[rank];
            fixed (long* p = dims) Status.Check(NativeMethods.dsl_tensor_sizes(Handle, p, rank), "sizes", this);
            return Shape.Wrap(dims);
        }
    }

    /// <summary>Element strides (not bytes) of each dimension.</summary>
    public long[] Strides
    {
        get
        {
            var rank = Rank;
            var strides = new long[rank];
            fixed (long* p = strides) Status.Check(NativeMethods.dsl_tensor_strides(Handle, p, rank), "strides", this);
            return strides;
        }
    }

    /// <summary>Size of dimension <paramref name="dim"/>; negative counts from the end.</summary>
    /// <remarks>Allocation-free (generated training steps read input sizes on every step).</remarks>
    public long Size(int dim)
    {
        var rank = Rank;
        var index = dim < 0 ? dim + rank : dim;
        if ((uint)index >= (uint)rank)
        {
            throw new ArgumentOutOfRangeException(nameof(dim), dim, $"A tensor of rank {rank} has no dimension {dim}.");
        }
        Span<long> dims = stackalloc long[rank];
        fixed (long* p = dims) Status.Check(NativeMethods.dsl_tensor_sizes(Handle, p, rank), "sizes", this);
        return dims[index];
    }

    public long NumElements
    {
        get
        {
            Status.Check(NativeMethods.dsl_tensor_numel(Handle, out var n), "numel", this);
            return n;
        }
    }

    public DType DType
    {
        get
        {
            Status.Check(NativeMethods.dsl_tensor_dtype(Handle, out var code), "dtype", this);
            return (DType)code;
        }
    }

    public Device Device
    {
        get
        {
            Status.Check(NativeMethods.dsl_tensor_device(Handle, out var type, out var index), "device", this);
            return new Device((DeviceType)type, index);
        }
    }

    public bool IsContiguous
    {
        get
        {
            Status.Check(NativeMethods.dsl_tensor_is_contiguous(Handle, out var c), "is_contiguous", this);
            return c != 0;
        }
    }

    /// <summary>
    /// The address of the first element of a CPU tensor. Valid while the tensor lives and is not
    /// resized; generated kernels use it for fused loops over contiguous memory.
    /// </summary>
    public IntPtr DataPointer
    {
        get
        {
            Status.Check(NativeMethods.dsl_tensor_data_ptr(Handle, out var data), "data_ptr", this);
            return data;
        }
    }

    // ---- creation ------------------------------------------------------------------------------

    public static Tensor Empty(Shape shape, DType dtype = DType.Float32, Device? device = null) =>
        Create(shape, dtype, device, static (p, rank, dt, type, index, out result) => NativeMethods.dsl_empty(p, rank, dt, type, index, out result), "empty");

    public static Tensor Zeros(Shape shape, DType dtype = DType.Float32, Device? device = null) =>
        Create(shape, dtype, device, static (p, rank, dt, type, index, out result) => NativeMethods.dsl_zeros(p, rank, dt, type, index, out result), "zeros");

    public static Tensor Ones(Shape shape, DType dtype = DType.Float32, Device? device = null) =>
        Create(shape, dtype, device, static (p, rank, dt, type, index, out result) => NativeMethods.dsl_ones(p, rank, dt, type, index, out result), "ones");

    public static Tensor Full(Shape shape, double value, DType dtype = DType.Float32, Device? device = null)
    {
        var d = device ?? Device.Cpu;
        fixed (long* p = shape.Dims)
        {
            Status.Check(NativeMethods.dsl_full(p, shape.Rank, value, (int)dtype, (int)d.Type, d.Index, out var result), "full");
            return new Tensor(result);
        }
    }

    public static Tensor ZerosLike(Tensor like) => Zeros(like.Shape, like.DType, like.Device);

    public static Tensor EmptyLike(Tensor like) => Empty(like.Shape, like.DType, like.Device);

    /// <summary>Values <c>start, start + step, ...</c> below <paramref name="end"/>.</summary>
    public static Tensor Arange(double start, double end, double step = 1, DType dtype = DType.Float32, Device? device = null)
    {
        var d = device ?? Device.Cpu;
        Status.Check(NativeMethods.dsl_arange(start, end, step, (int)dtype, (int)d.Type, d.Index, out var result), "arange");
        return new Tensor(result);
    }

    /// <summary>A zero-dimensional tensor holding one value.</summary>
    public static Tensor Scalar(double value, DType dtype = DType.Float32, Device? device = null)
    {
        var d = device ?? Device.Cpu;
        Status.Check(NativeMethods.dsl_scalar_tensor(value, (int)dtype, (int)d.Type, d.Index, out var result), "scalar_tensor");
        return new Tensor(result);
    }

    private delegate int CreateFn(long* shape, int rank, int dtype, int deviceType, int deviceIndex, out IntPtr result);

    private static Tensor Create(Shape shape, DType dtype, Device? device, CreateFn create, string operation)
    {
        var d = device ?? Device.Cpu;
        fixed (long* p = shape.Dims)
        {
            Status.Check(create(p, shape.Rank, (int)dtype, (int)d.Type, d.Index, out var result), operation);
            return new Tensor(result);
        }
    }

    // ---- managed data in and out ---------------------------------------------------------------

    public static Tensor FromArray(float[] data, params long[] shape) => FromSpan<float>(data, shape);
    public static Tensor FromArray(double[] data, params long[] shape) => FromSpan<double>(data, shape);
    public static Tensor FromArray(long[] data, params long[] shape) => FromSpan<long>(data, shape);
    public static Tensor FromArray(int[] data, params long[] shape) => FromSpan<int>(data, shape);
    public static Tensor FromArray(bool[] data, params long[] shape) => FromSpan<bool>(data, shape);
    public static Tensor FromArray(byte[] data, params long[] shape) => FromSpan<byte>(data, shape);

    /// <summary>
    /// Copies <paramref name="data"/> into a new CPU tensor. With no shape the tensor is
    /// one-dimensional; otherwise the shape's element count must equal the data's length.
    /// </summary>
    public static Tensor FromSpan<T>(ReadOnlySpan<T> data, ReadOnlySpan<long> shape) where T : unmanaged
    {
        var dims = shape.Length == 0 ? [data.Length] : shape.ToArray();
        long count = 1;
        foreach (var d in dims)
        {
            if (d < 0) throw new ArgumentException($"A shape cannot have a negative size; got [{string.Join(", ", dims)}].", nameof(shape));
            count *= d;
        }
        if (count != data.Length)
        {
            throw new ArgumentException(
                $"The shape [{string.Join(", ", dims)}] holds {count} elements but {data.Length} values were given.", nameof(data));
        }
        var dtype = DTypeExtensions.Of<T>();
        fixed (T* source = data)
        fixed (long* p = dims)
        {
            Status.Check(NativeMethods.dsl_from_data(source, (long)data.Length * sizeof(T), p, dims.Length, (int)dtype, out var result), "from_array");
            return new Tensor(result);
        }
    }

    /// <summary>The elements in row-major order. <typeparamref name="T"/> must match <see cref="DType"/>.</summary>
    public T[] ToArray<T>() where T : unmanaged
    {
        var expected = DTypeExtensions.Of<T>();
        var actual = DType;
        if (expected != actual)
        {
            throw new InvalidOperationException(
                $"ToArray<{typeof(T).Name}> needs a {expected} tensor, but this tensor is {actual}; convert it first with To(DType.{expected}).");
        }
        var result = new T[checked((int)NumElements)];
        CopyTo<T>(result);
        return result;
    }

    /// <summary>Copies the elements, row-major, into <paramref name="destination"/>, whose length must equal the element count.</summary>
    public void CopyTo<T>(Span<T> destination) where T : unmanaged
    {
        fixed (T* p = destination)
        {
            Status.Check(NativeMethods.dsl_copy_to(Handle, p, (long)destination.Length * sizeof(T)), "copy_to", this);
        }
    }

    /// <summary>Overwrites the elements with <paramref name="source"/> (row-major, same element count and dtype).</summary>
    public void CopyFrom<T>(ReadOnlySpan<T> source) where T : unmanaged
    {
        var expected = DTypeExtensions.Of<T>();
        var actual = DType;
        if (expected != actual)
        {
            throw new InvalidOperationException($"CopyFrom<{typeof(T).Name}> needs a {expected} tensor, but this tensor is {actual}.");
        }
        fixed (T* p = source)
        {
            Status.Check(NativeMethods.dsl_copy_from(Handle, p, (long)source.Length * sizeof(T)), "copy_from", this);
        }
    }

    /// <summary>
    /// Overwrites this tensor with <paramref name="source"/>'s elements, as PyTorch's <c>destination.copy_(source)</c>:
    /// the source broadcasts to this tensor's shape and is converted to its dtype; this tensor keeps its storage.
    /// Returns this tensor. The same as <see cref="Kernels.Copy(Tensor, Tensor)"/> with the arguments the other way round.
    /// </summary>
    /// <exception cref="DslException">The source does not broadcast to this tensor's shape (the message gives both shapes).</exception>
    public Tensor CopyFrom(Tensor source)
    {
        ArgumentNullException.ThrowIfNull(source);
        Kernels.Copy(source: source, destination: this);
        return this;
    }

    /// <summary>The single value of a one-element tensor, as a double.</summary>
    public double Item()
    {
        Status.Check(NativeMethods.dsl_item(Handle, out var value), "item", this);
        return value;
    }

    /// <summary>The single value of a one-element tensor, as a float.</summary>
    public float ItemFloat() => (float)Item();

    // ---- conversions ---------------------------------------------------------------------------

    public Tensor Clone()
    {
        Status.Check(NativeMethods.dsl_clone(Handle, out var result), "clone", this);
        return new Tensor(result);
    }

    public Tensor Contiguous()
    {
        Status.Check(NativeMethods.dsl_contiguous(Handle, out var result), "contiguous", this);
        return new Tensor(result);
    }

    /// <summary>A second handle on the same storage (disposing one leaves the other valid).</summary>
    public Tensor Alias()
    {
        Status.Check(NativeMethods.dsl_alias(Handle, out var result), "alias", this);
        return new Tensor(result);
    }

    public Tensor To(DType dtype)
    {
        Status.Check(NativeMethods.dsl_to_dtype(Handle, (int)dtype, out var result), "to", this);
        return new Tensor(result);
    }

    public Tensor To(Device device)
    {
        Status.Check(NativeMethods.dsl_to_device(Handle, (int)device.Type, device.Index, out var result), "to", this);
        return new Tensor(result);
    }

    // ---- text ----------------------------------------------------------------------------------

    /// <summary>Text used in error messages: shape and dtype, without reading the data.</summary>
    internal string DescribeForError()
    {
        try
        {
            return $"{Shape} {DType}";
        }
        catch (DslException)
        {
            return "(unreadable)";
        }
    }

    /// <summary>Shape, dtype and device, then the values (up to 64 of them), like <c>Tensor[2, 2] Float32 cpu [[1, 2], [3, 4]]</c>.</summary>
    public override string ToString()
    {
        if (IsDisposed) return "Tensor(disposed)";
        const int MaxValues = 64;
        var shape = Shape;
        var dtype = DType;
        var text = new StringBuilder();
        text.Append("Tensor").Append(shape).Append(' ').Append(dtype).Append(' ').Append(Device);
        if (shape.NumElements > MaxValues)
        {
            text.Append(" (").Append(shape.NumElements).Append(" values)");
            return text.ToString();
        }
        double[] values;
        using (var asDouble = dtype == DType.Float64 ? Alias() : To(DType.Float64)) values = asDouble.ToArray<double>();
        text.Append(' ');
        var position = 0;
        AppendValues(text, shape, 0, values, ref position, dtype);
        return text.ToString();
    }

    private static void AppendValues(StringBuilder text, Shape shape, int dim, double[] values, ref int position, DType dtype)
    {
        if (dim == shape.Rank)
        {
            var v = values[position++];
            text.Append(dtype == DType.Bool ? (v != 0 ? "true" : "false")
                : dtype.IsFloatingPoint() ? v.ToString("G6", CultureInfo.InvariantCulture)
                : v.ToString("0", CultureInfo.InvariantCulture));
            return;
        }
        text.Append('[');
        for (long i = 0; i < shape[dim]; i++)
        {
            if (i > 0) text.Append(", ");
            AppendValues(text, shape, dim + 1, values, ref position, dtype);
        }
        text.Append(']');
    }
}
