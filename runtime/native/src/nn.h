// Argument plumbing shared by nn.cpp (forward ops) and backward.cpp (their gradients).
#pragma once
#include "common.h"

#include <array>
#include <string>

namespace dsl {
namespace nn {

// A (height, width) pair of a 2-d convolution or pooling, passed over the ABI as two int64s.
using Pair = std::array<int64_t, 2>;

// Pooling strides: (0, 0) means "the kernel size", which ATen spells as an empty list.
inline at::IntArrayRef pool_stride(const Pair& stride) {
  if (stride[0] == 0 && stride[1] == 0) return {};
  return stride;
}

// ATen's reduction codes (at::Reduction): 0 none, 1 mean, 2 sum.
inline int64_t reduction(int32_t code) {
  TORCH_CHECK(code >= 0 && code <= 2, "unknown reduction code ", code, " (0 none, 1 mean, 2 sum)");
  return code;
}

// For ops ATen has no out= form of: writes an allocated result into the caller's buffer.
inline void assign(at::Tensor& out, const at::Tensor& value) {
  if (out.sizes() != value.sizes()) out.resize_(value.sizes());
  out.copy_(value);
}

// avg_pool2d's divisor_override: 0 means "the pooling region's size".
inline c10::optional<int64_t> divisor(int64_t value) {
  if (value == 0) return c10::nullopt;
  return value;
}

inline c10::optional<at::Generator> generator(dsl_generator handle) {
  if (handle == nullptr) return c10::nullopt;
  return *static_cast<at::Generator*>(handle);
}

// Losses whose target has the input's shape: PyTorch would broadcast (with a warning we cannot
// surface), which is nearly always a bug, so the shapes must match.
inline void check_same_shape(const char* op, const at::Tensor& input, const at::Tensor& target) {
  TORCH_CHECK(input.sizes() == target.sizes(), op, ": the input ", input.sizes(), " and the target ",
              target.sizes(), " must have the same shape");
}

// Class-index targets of nll_loss/cross_entropy: input [C] or [N, C], targets [] or [N] Int64,
// every target in [0, C) or equal to ignore_index. ATen checks the range on the CPU only (a CUDA
// kernel asserts and poisons the context), so the range is checked here on every device.
inline void check_class_targets(const char* op, const at::Tensor& input, const at::Tensor& target,
                                int64_t ignore_index) {
  TORCH_CHECK(input.dim() == 1 || input.dim() == 2, op, ": the input must be [C] or [N, C] (flatten other ",
              "dimensions into N), but it is ", input.sizes());
  TORCH_CHECK(target.scalar_type() == at::kLong, op, ": targets must be Int64 class indices, but they are ",
              target.scalar_type());
  TORCH_CHECK(target.dim() == input.dim() - 1 && (input.dim() == 1 || target.size(0) == input.size(0)), op,
              ": targets ", target.sizes(), " do not match the input ", input.sizes(),
              " (expected one class index per row)");
  if (target.numel() == 0) return;
  const int64_t classes = input.size(-1);
  auto bad = at::logical_and(at::logical_or(target.lt(0), target.ge(classes)), target.ne(ignore_index));
  if (bad.any().item<bool>()) {
    auto first = target.masked_select(bad).select(0, 0).item<int64_t>();
    TORCH_CHECK(false, op, ": target ", first, " is out of range for ", classes, " classes (input ", input.sizes(),
                ")");
  }
}

}  // namespace nn
}  // namespace dsl
