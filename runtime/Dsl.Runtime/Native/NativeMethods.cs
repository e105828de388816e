using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Dsl.Native;

/// <summary>
/// P/Invoke declarations of the dsl_* entry points (runtime/native/src). Split by the native file
/// they bind; every function returns a status that <see cref="Status"/> turns into an exception.
/// All signatures are blittable, so a call costs a few nanoseconds on top of the ATen work.
/// </summary>
internal static unsafe partial class NativeMethods
{
    private const string Lib = NativeLibraryLoader.LibraryName;

#pragma warning disable CA2255 // the resolver must be in place before any P/Invoke of this assembly
    [ModuleInitializer]
    internal static void Initialize() => NativeLibraryLoader.Register();
#pragma warning restore CA2255

    [LibraryImport(Lib)] internal static partial IntPtr dsl_last_error();
    [LibraryImport(Lib)] internal static partial int dsl_version(out int major, out int minor);

    // tensor.cpp
    [LibraryImport(Lib)] internal static partial int dsl_tensor_free(IntPtr t);
    [LibraryImport(Lib)] internal static partial int dsl_tensor_dim(IntPtr t, out int dim);
    [LibraryImport(Lib)] internal static partial int dsl_tensor_sizes(IntPtr t, long* sizes, int capacity);
    [LibraryImport(Lib)] internal static partial int dsl_tensor_strides(IntPtr t, long* strides, int capacity);
    [LibraryImport(Lib)] internal static partial int dsl_tensor_numel(IntPtr t, out long numel);
    [LibraryImport(Lib)] internal static partial int dsl_tensor_dtype(IntPtr t, out int dtype);
    [LibraryImport(Lib)] internal static partial int dsl_tensor_device(IntPtr t, out int type, out int index);
    [LibraryImport(Lib)] internal static partial int dsl_tensor_is_contiguous(IntPtr t, out int contiguous);
    [LibraryImport(Lib)] internal static partial int dsl_tensor_data_ptr(IntPtr t, out IntPtr data);
    [LibraryImport(Lib)] internal static partial int dsl_empty(long* shape, int rank, int dtype, int deviceType, int deviceIndex, out IntPtr result);
    [LibraryImport(Lib)] internal static partial int dsl_zeros(long* shape, int rank, int dtype, int deviceType, int deviceIndex, out IntPtr result);
    [LibraryImport(Lib)] internal static partial int dsl_ones(long* shape, int rank, int dtype, int deviceType, int deviceIndex, out IntPtr result);
    [LibraryImport(Lib)] internal static partial int dsl_full(long* shape, int rank, double value, int dtype, int deviceType, int deviceIndex, out IntPtr result);
    [LibraryImport(Lib)] internal static partial int dsl_arange(double start, double end, double step, int dtype, int deviceType, int deviceIndex, out IntPtr result);
    [LibraryImport(Lib)] internal static partial int dsl_scalar_tensor(double value, int dtype, int deviceType, int deviceIndex, out IntPtr result);
    [LibraryImport(Lib)] internal static partial int dsl_from_data(void* data, long bytes, long* shape, int rank, int dtype, out IntPtr result);
    [LibraryImport(Lib)] internal static partial int dsl_copy_to(IntPtr t, void* data, long bytes);
    [LibraryImport(Lib)] internal static partial int dsl_copy_from(IntPtr t, void* data, long bytes);
    [LibraryImport(Lib)] internal static partial int dsl_item(IntPtr t, out double value);
    [LibraryImport(Lib)] internal static partial int dsl_clone(IntPtr t, out IntPtr result);
    [LibraryImport(Lib)] internal static partial int dsl_contiguous(IntPtr t, out IntPtr result);
    [LibraryImport(Lib)] internal static partial int dsl_alias(IntPtr t, out IntPtr result);
    [LibraryImport(Lib)] internal static partial int dsl_to_dtype(IntPtr t, int dtype, out IntPtr result);
    [LibraryImport(Lib)] internal static partial int dsl_to_device(IntPtr t, int deviceType, int deviceIndex, out IntPtr result);
    [LibraryImport(Lib)] internal static partial int dsl_generator_new(ulong seed, out IntPtr generator);
    [LibraryImport(Lib)] internal static partial int dsl_generator_free(IntPtr generator);
    [LibraryImport(Lib)] internal static partial int dsl_generator_seed(IntPtr generator, ulong seed);
    [LibraryImport(Lib)] internal static partial int dsl_generator_get_state(IntPtr generator, out IntPtr state);
    [LibraryImport(Lib)] internal static partial int dsl_generator_set_state(IntPtr generator, IntPtr state);
    [LibraryImport(Lib)] internal static partial int dsl_manual_seed(ulong seed);
    [LibraryImport(Lib)] internal static partial int dsl_rand(long* shape, int rank, int dtype, IntPtr generator, out IntPtr result);
    [LibraryImport(Lib)] internal static partial int dsl_randn(long* shape, int rank, int dtype, IntPtr generator, out IntPtr result);
    [LibraryImport(Lib)] internal static partial int dsl_randint(long low, long high, long* shape, int rank, int dtype, IntPtr generator, out IntPtr result);
    [LibraryImport(Lib)] internal static partial int dsl_randperm(long n, IntPtr generator, out IntPtr result);
    [LibraryImport(Lib)] internal static partial int dsl_uniform_(IntPtr t, double low, double high, IntPtr generator);
    [LibraryImport(Lib)] internal static partial int dsl_normal_(IntPtr t, double mean, double std, IntPtr generator);
    [LibraryImport(Lib)] internal static partial int dsl_bernoulli_(IntPtr t, double p, IntPtr generator);
    [LibraryImport(Lib)] internal static partial int dsl_set_num_threads(int intraOp, int blas, out int blasSet);
    [LibraryImport(Lib)] internal static partial int dsl_get_num_threads(out int intraOp, out int blas);
    [LibraryImport(Lib)] internal static partial int dsl_set_blas_split_minimum(long minimum);
    [LibraryImport(Lib)] internal static partial int dsl_get_blas_split_minimum(out long minimum);
    [LibraryImport(Lib)] internal static partial int dsl_get_blas_threads_in_use(out int count);
    [LibraryImport(Lib)] internal static partial int dsl_set_blas_split_mode(int mode);
    [LibraryImport(Lib)] internal static partial int dsl_get_blas_split_mode(out int mode);
    [LibraryImport(Lib)] internal static partial int dsl_get_gemm_chunk_counts(out long products, out long helperChunks);
    [LibraryImport(Lib)] internal static partial int dsl_parallel_info(byte* buffer, int capacity);
}
