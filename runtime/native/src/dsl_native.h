// The C ABI of Dsl's native shim over ATen.
//
// Every entry point:
//   - is extern "C", prefixed dsl_, and returns a status: 0 on success, non-zero on failure;
//   - catches every C++ exception; the failure's text is kept per thread (dsl_last_error);
//   - returns results through out pointers and takes scalars by value;
//   - runs under c10::InferenceMode: gradients come from generated code, never from autograd.
// A tensor handle is an owning pointer to an at::Tensor, released with dsl_tensor_free.
#pragma once
#include <cstdint>

#define DSL_API __attribute__((visibility("default")))

typedef void* dsl_tensor;
typedef void* dsl_generator;

#ifdef __cplusplus
extern "C" {
#endif

DSL_API const char* dsl_last_error(void);
DSL_API int dsl_version(int32_t* major, int32_t* minor);

#ifdef __cplusplus
}
#endif
