// Shared plumbing for the dsl_* entry points: handle conversion and exception capture.
#pragma once
#include "dsl_native.h"

#include <ATen/ATen.h>
#include <c10/core/InferenceMode.h>
#include <torch/csrc/api/include/torch/version.h>  // TORCH_VERSION_MAJOR/MINOR: macros only, no torch API

#include <exception>
#include <string>
#include <vector>

// The libtorch the shim is compiled against is at least major.minor. Every API that differs between
// Debian's 1.13 (CI) and 2.x (a PyTorch install, the GPU machine) is guarded with it; see
// scripts/build-shim-torch2.sh for the 2.x builds that check the guards.
#define DSL_TORCH_AT_LEAST(major, minor) \
  (TORCH_VERSION_MAJOR > (major) || (TORCH_VERSION_MAJOR == (major) && TORCH_VERSION_MINOR >= (minor)))

namespace dsl {

void set_last_error(const char* message);

// The tensor behind a handle; a null handle is a usage error, reported like any other failure.
inline at::Tensor& T(dsl_tensor handle) {
  if (handle == nullptr) throw std::invalid_argument("a tensor argument was null");
  return *static_cast<at::Tensor*>(handle);
}

// An optional tensor argument: null means "absent" (a missing bias, a missing weight).
inline c10::optional<at::Tensor> Opt(dsl_tensor handle) {
  if (handle == nullptr) return c10::nullopt;
  return *static_cast<at::Tensor*>(handle);
}

inline dsl_tensor wrap(at::Tensor tensor) { return new at::Tensor(std::move(tensor)); }

inline at::IntArrayRef dims(const int64_t* values, int32_t count) {
  if (count < 0 || (count > 0 && values == nullptr)) throw std::invalid_argument("invalid dimension list");
  return at::IntArrayRef(values, static_cast<size_t>(count));
}

inline std::vector<at::Tensor> tensors(const dsl_tensor* handles, int32_t count) {
  if (count < 0 || (count > 0 && handles == nullptr)) throw std::invalid_argument("invalid tensor list");
  std::vector<at::Tensor> list;
  list.reserve(static_cast<size_t>(count));
  for (int32_t i = 0; i < count; ++i) list.push_back(T(handles[i]));
  return list;
}

inline at::ScalarType dtype(int32_t code) {
  if (code < 0 || code >= static_cast<int32_t>(at::ScalarType::NumOptions))
    throw std::invalid_argument("unknown dtype code " + std::to_string(code));
  return static_cast<at::ScalarType>(code);
}

}  // namespace dsl

// Wraps an entry point's body: inference mode on, every exception caught and turned into a status.
// c10::Error's what() carries a C++ backtrace; users get the message without it.
#define DSL_TRY(...)                                              \
  try {                                                           \
    c10::InferenceMode dsl_inference_guard_;                      \
    __VA_ARGS__;                                                  \
    return 0;                                                     \
  } catch (const c10::Error& e) {                                 \
    dsl::set_last_error(e.what_without_backtrace());              \
    return 1;                                                     \
  } catch (const std::exception& e) {                             \
    dsl::set_last_error(e.what());                                \
    return 1;                                                     \
  } catch (...) {                                                 \
    dsl::set_last_error("unknown native exception");              \
    return 1;                                                     \
  }

#define DSL_EXPORT extern "C" DSL_API int
