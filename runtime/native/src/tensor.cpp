// Tensor lifetime, metadata, creation and copies between managed memory and tensors.
#include "common.h"
#include "blas_threads.h"

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Parallel.h>
#include <cstring>
#include <dlfcn.h>
#include <torch/csrc/api/include/torch/version.h>

namespace dsl {
namespace {
thread_local std::string last_error;
}
void set_last_error(const char* message) { last_error = message ? message : ""; }
}  // namespace dsl

using dsl::T;
using dsl::wrap;

namespace {

at::TensorOptions options(int32_t dtype, int32_t device_type, int32_t device_index) {
  auto device = at::Device(static_cast<c10::DeviceType>(device_type),
                           static_cast<c10::DeviceIndex>(device_index));
  return at::TensorOptions().dtype(dsl::dtype(dtype)).device(device);
}

at::Generator& G(dsl_generator handle) {
  if (handle == nullptr) throw std::invalid_argument("a generator argument was null");
  return *static_cast<at::Generator*>(handle);
}

c10::optional<at::Generator> OptG(dsl_generator handle) {
  if (handle == nullptr) return c10::nullopt;
  return G(handle);
}

}  // namespace

extern "C" DSL_API const char* dsl_last_error(void) { return dsl::last_error.c_str(); }

DSL_EXPORT dsl_version(int32_t* major, int32_t* minor) {
  DSL_TRY(*major = TORCH_VERSION_MAJOR; *minor = TORCH_VERSION_MINOR);
}

// ---- lifetime and metadata ----------------------------------------------------------------

DSL_EXPORT dsl_tensor_free(dsl_tensor t) {
  DSL_TRY(delete static_cast<at::Tensor*>(t));
}

DSL_EXPORT dsl_tensor_dim(dsl_tensor t, int32_t* dim) { DSL_TRY(*dim = static_cast<int32_t>(T(t).dim())); }

// Writes min(dim, capacity) sizes; the caller asks dsl_tensor_dim first.
DSL_EXPORT dsl_tensor_sizes(dsl_tensor t, int64_t* sizes, int32_t capacity) {
  DSL_TRY({
    auto s = T(t).sizes();
    for (int32_t i = 0; i < capacity && i < static_cast<int32_t>(s.size()); ++i) sizes[i] = s[i];
  });
}

DSL_EXPORT dsl_tensor_strides(dsl_tensor t, int64_t* strides, int32_t capacity) {
  DSL_TRY({
    auto s = T(t).strides();
    for (int32_t i = 0; i < capacity && i < static_cast<int32_t>(s.size()); ++i) strides[i] = s[i];
  });
}

DSL_EXPORT dsl_tensor_numel(dsl_tensor t, int64_t* numel) { DSL_TRY(*numel = T(t).numel()); }

DSL_EXPORT dsl_tensor_dtype(dsl_tensor t, int32_t* dtype) {
  DSL_TRY(*dtype = static_cast<int32_t>(T(t).scalar_type()));
}

DSL_EXPORT dsl_tensor_device(dsl_tensor t, int32_t* device_type, int32_t* device_index) {
  DSL_TRY({
    *device_type = static_cast<int32_t>(T(t).device().type());
    *device_index = T(t).device().index();
  });
}

DSL_EXPORT dsl_tensor_is_contiguous(dsl_tensor t, int32_t* contiguous) {
  DSL_TRY(*contiguous = T(t).is_contiguous() ? 1 : 0);
}

// Raw CPU data pointer of a contiguous tensor, for generated managed loops over its memory.
DSL_EXPORT dsl_tensor_data_ptr(dsl_tensor t, void** data) {
  DSL_TRY({
    auto& x = T(t);
    TORCH_CHECK(x.device().is_cpu(), "data_ptr: the tensor is on ", x.device(), ", not the CPU");
    *data = x.data_ptr();
  });
}

// ---- creation -------------------------------------------------------------------------------

DSL_EXPORT dsl_empty(const int64_t* shape, int32_t rank, int32_t dtype, int32_t device_type,
                     int32_t device_index, dsl_tensor* out) {
  DSL_TRY(*out = wrap(at::empty(dsl::dims(shape, rank), options(dtype, device_type, device_index))));
}

DSL_EXPORT dsl_zeros(const int64_t* shape, int32_t rank, int32_t dtype, int32_t device_type,
                     int32_t device_index, dsl_tensor* out) {
  DSL_TRY(*out = wrap(at::zeros(dsl::dims(shape, rank), options(dtype, device_type, device_index))));
}

DSL_EXPORT dsl_ones(const int64_t* shape, int32_t rank, int32_t dtype, int32_t device_type,
                    int32_t device_index, dsl_tensor* out) {
  DSL_TRY(*out = wrap(at::ones(dsl::dims(shape, rank), options(dtype, device_type, device_index))));
}

DSL_EXPORT dsl_full(const int64_t* shape, int32_t rank, double value, int32_t dtype, int32_t device_type,
                    int32_t device_index, dsl_tensor* out) {
  DSL_TRY(*out = wrap(at::full(dsl::dims(shape, rank), value, options(dtype, device_type, device_index))));
}

DSL_EXPORT dsl_arange(double start, double end, double step, int32_t dtype, int32_t device_type,
                      int32_t device_index, dsl_tensor* out) {
  DSL_TRY(*out = wrap(at::arange(start, end, step, options(dtype, device_type, device_index))));
}

DSL_EXPORT dsl_scalar_tensor(double value, int32_t dtype, int32_t device_type, int32_t device_index,
                             dsl_tensor* out) {
  DSL_TRY(*out = wrap(at::scalar_tensor(value, options(dtype, device_type, device_index))));
}

// Copies `bytes` bytes of managed data into a new CPU tensor of the given shape and dtype.
DSL_EXPORT dsl_from_data(const void* data, int64_t bytes, const int64_t* shape, int32_t rank, int32_t dtype,
                         dsl_tensor* out) {
  DSL_TRY({
    auto result = at::empty(dsl::dims(shape, rank), at::TensorOptions().dtype(dsl::dtype(dtype)));
    auto expected = static_cast<int64_t>(result.nbytes());
    TORCH_CHECK(expected == bytes, "from_data: the shape needs ", expected, " bytes but ", bytes,
                " were given");
    if (bytes > 0) std::memcpy(result.data_ptr(), data, static_cast<size_t>(bytes));
    *out = wrap(std::move(result));
  });
}

// Copies a tensor's elements (any layout or device) into managed memory as a contiguous CPU array.
DSL_EXPORT dsl_copy_to(dsl_tensor t, void* data, int64_t bytes) {
  DSL_TRY({
    auto x = T(t).to(at::kCPU).contiguous();
    auto needed = static_cast<int64_t>(x.nbytes());
    TORCH_CHECK(needed == bytes, "copy_to: the tensor holds ", needed, " bytes but the buffer has ", bytes);
    if (bytes > 0) std::memcpy(data, x.data_ptr(), static_cast<size_t>(bytes));
  });
}

// Copies managed memory into an existing tensor (any layout), in place.
DSL_EXPORT dsl_copy_from(dsl_tensor t, const void* data, int64_t bytes) {
  DSL_TRY({
    auto& x = T(t);
    auto needed = static_cast<int64_t>(x.numel() * x.element_size());
    TORCH_CHECK(needed == bytes, "copy_from: the tensor holds ", needed, " bytes but ", bytes, " were given");
    auto source = at::from_blob(const_cast<void*>(data), x.sizes(), at::TensorOptions().dtype(x.scalar_type()));
    x.copy_(source);
  });
}

DSL_EXPORT dsl_item(dsl_tensor t, double* value) {
  DSL_TRY({
    auto& x = T(t);
    TORCH_CHECK(x.numel() == 1, "item: the tensor has ", x.numel(), " elements, not 1 (shape ", x.sizes(), ")");
    *value = x.item<double>();
  });
}

DSL_EXPORT dsl_clone(dsl_tensor t, dsl_tensor* out) { DSL_TRY(*out = wrap(T(t).clone())); }
DSL_EXPORT dsl_contiguous(dsl_tensor t, dsl_tensor* out) { DSL_TRY(*out = wrap(T(t).contiguous())); }
DSL_EXPORT dsl_alias(dsl_tensor t, dsl_tensor* out) { DSL_TRY(*out = wrap(T(t))); }

DSL_EXPORT dsl_to_dtype(dsl_tensor t, int32_t dtype, dsl_tensor* out) {
  DSL_TRY(*out = wrap(T(t).to(dsl::dtype(dtype))));
}

DSL_EXPORT dsl_to_device(dsl_tensor t, int32_t device_type, int32_t device_index, dsl_tensor* out) {
  DSL_TRY(*out = wrap(T(t).to(at::Device(static_cast<c10::DeviceType>(device_type),
                                         static_cast<c10::DeviceIndex>(device_index)))));
}

// ---- random generation --------------------------------------------------------------------

DSL_EXPORT dsl_generator_new(uint64_t seed, dsl_generator* out) {
  DSL_TRY(*out = new at::Generator(at::detail::createCPUGenerator(seed)));
}

DSL_EXPORT dsl_generator_free(dsl_generator g) { DSL_TRY(delete static_cast<at::Generator*>(g)); }

DSL_EXPORT dsl_generator_seed(dsl_generator g, uint64_t seed) {
  DSL_TRY({
    std::lock_guard<std::mutex> lock(G(g).mutex());
    G(g).set_current_seed(seed);
  });
}

// The generator's full state as a uint8 tensor, for checkpoints.
DSL_EXPORT dsl_generator_get_state(dsl_generator g, dsl_tensor* out) {
  DSL_TRY({
    std::lock_guard<std::mutex> lock(G(g).mutex());
    *out = wrap(G(g).get_state());
  });
}

DSL_EXPORT dsl_generator_set_state(dsl_generator g, dsl_tensor state) {
  DSL_TRY({
    std::lock_guard<std::mutex> lock(G(g).mutex());
    G(g).set_state(T(state));
  });
}

DSL_EXPORT dsl_manual_seed(uint64_t seed) {
  DSL_TRY({
    auto gen = at::detail::getDefaultCPUGenerator();
    std::lock_guard<std::mutex> lock(gen.mutex());
    gen.set_current_seed(seed);
  });
}

DSL_EXPORT dsl_rand(const int64_t* shape, int32_t rank, int32_t dtype, dsl_generator g, dsl_tensor* out) {
  DSL_TRY(*out = wrap(at::rand(dsl::dims(shape, rank), OptG(g), at::TensorOptions().dtype(dsl::dtype(dtype)))));
}

DSL_EXPORT dsl_randn(const int64_t* shape, int32_t rank, int32_t dtype, dsl_generator g, dsl_tensor* out) {
  DSL_TRY(*out = wrap(at::randn(dsl::dims(shape, rank), OptG(g), at::TensorOptions().dtype(dsl::dtype(dtype)))));
}

DSL_EXPORT dsl_randint(int64_t low, int64_t high, const int64_t* shape, int32_t rank, int32_t dtype,
                       dsl_generator g, dsl_tensor* out) {
  DSL_TRY(*out = wrap(at::randint(low, high, dsl::dims(shape, rank), OptG(g),
                                  at::TensorOptions().dtype(dsl::dtype(dtype)))));
}

DSL_EXPORT dsl_randperm(int64_t n, dsl_generator g, dsl_tensor* out) {
  DSL_TRY(*out = wrap(at::randperm(n, OptG(g), at::TensorOptions().dtype(at::kLong))));
}

// In place: uniform in [low, high) and normal(mean, std), for parameter initialization.
DSL_EXPORT dsl_uniform_(dsl_tensor t, double low, double high, dsl_generator g) {
  DSL_TRY(T(t).uniform_(low, high, OptG(g)));
}

DSL_EXPORT dsl_normal_(dsl_tensor t, double mean, double std, dsl_generator g) {
  DSL_TRY(T(t).normal_(mean, std, OptG(g)));
}

DSL_EXPORT dsl_bernoulli_(dsl_tensor t, double p, dsl_generator g) {
  DSL_TRY(T(t).bernoulli_(p, OptG(g)));
}

// ---- threads --------------------------------------------------------------------------------

// Sets ATen's intra-op threads and, when OpenBLAS is the BLAS in use, OpenBLAS's own pool.
// A non-positive count leaves that setting alone. blas_set reports whether OpenBLAS was found.
DSL_EXPORT dsl_set_num_threads(int32_t intra_op, int32_t blas, int32_t* blas_set) {
  DSL_TRY({
    if (intra_op > 0) at::set_num_threads(intra_op);
    *blas_set = 0;
    if (blas > 0) {
      using SetThreads = void (*)(int);
      auto fn = reinterpret_cast<SetThreads>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"));
      if (fn != nullptr) {
        fn(blas);
        dsl::blas_threads_configured(blas);  // products below the split minimum still run on one (blas_threads.cpp)
        *blas_set = 1;
      }
    }
  });
}

DSL_EXPORT dsl_get_num_threads(int32_t* intra_op, int32_t* blas) {
  DSL_TRY({
    *intra_op = at::get_num_threads();
    using GetThreads = int (*)();
    auto fn = reinterpret_cast<GetThreads>(dlsym(RTLD_DEFAULT, "openblas_get_num_threads"));
    auto managed = dsl::blas_threads_managed();  // the configured count, not the last product's choice
    *blas = fn == nullptr ? -1 : managed > 0 ? managed : fn();
  });
}

DSL_EXPORT dsl_parallel_info(char* buffer, int32_t capacity) {
  DSL_TRY({
    auto info = at::get_parallel_info() + at::get_cxx_flags();
    std::strncpy(buffer, info.c_str(), static_cast<size_t>(capacity));
    if (capacity > 0) buffer[capacity - 1] = '\0';
  });
}
