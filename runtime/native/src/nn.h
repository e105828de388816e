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

// Max pooling whose windows tile the input (stride = kernel, no padding or dilation, floor mode) on
// contiguous float32 NCHW, written out (pooling.cpp); false, touching nothing, when the arguments
// are not that case and ATen's general kernel must run. Undefined out/indices are allocated.
bool max_pool2d_tiled(at::Tensor& out, at::Tensor& indices, const at::Tensor& x, const Pair& kernel,
                      at::IntArrayRef stride, const Pair& padding, const Pair& dilation, bool ceil_mode);
// Its backward: grad_input zeroed, then each upstream value added at its window's index.
bool max_pool2d_tiled_backward(at::Tensor& grad_input, const at::Tensor& grad_output, const at::Tensor& x,
                               const at::Tensor& indices, const Pair& kernel, at::IntArrayRef stride,
                               const Pair& padding, const Pair& dilation, bool ceil_mode);

// A batched float32 2-d convolution over one input channel (a first layer on grey images): ATen's
// im2col + GEMM kernel (_slow_conv2d) beats oneDNN's there (cnn-s's conv1, 1.13: forward 155
// against 236 µs, weight gradient 127 against 230 µs); from 8 channels on oneDNN wins (conv2:
// 153 against 264 µs), so only this case is routed to it.
inline bool single_channel_conv(const at::Tensor& input, const at::Tensor& weight, const Pair& dilation,
                                int64_t groups) {
  return input.dim() == 4 && input.size(1) == 1 && input.size(0) > 0 && weight.dim() == 4 && weight.size(1) == 1 &&
         groups == 1 && dilation[0] == 1 && dilation[1] == 1 && input.scalar_type() == at::kFloat &&
         weight.scalar_type() == at::kFloat && input.device().is_cpu() && weight.device().is_cpu();
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
  TORCH_CHECK(input.dim() >= 1, op, ": the input must be [C], [N, C] or [N, C, d1, ...], but it is a scalar");
  TORCH_CHECK(target.scalar_type() == at::kLong, op, ": targets must be Int64 class indices, but they are ",
              target.scalar_type());
  bool match = target.dim() == input.dim() - 1;
  for (int64_t d = 0; match && d < target.dim(); ++d) match = target.size(d) == input.size(d == 0 ? 0 : d + 1);
  TORCH_CHECK(match, op, ": targets ", target.sizes(), " do not match the input ", input.sizes(),
              " (expected the input's shape without its class dim ", input.dim() == 1 ? 0 : 1, ")");
  if (target.numel() == 0) return;
  const int64_t classes = input.size(input.dim() == 1 ? 0 : 1);
  auto bad = at::logical_and(at::logical_or(target.lt(0), target.ge(classes)), target.ne(ignore_index));
  if (bad.any().item<bool>()) {
    auto first = target.masked_select(bad).select(0, 0).item<int64_t>();
    TORCH_CHECK(false, op, ": target ", first, " is out of range for ", classes, " classes (input ", input.sizes(),
                ")");
  }
}

// nll_loss over [N, C, d1, ...] (three or more dims) runs as nll_loss2d over [N, C, 1, D], D = d1·d2·…:
// the input as that shape, and a tensor of the targets' shape [N, d1, ...] (targets, a per-position
// loss or its gradient) as [N, 1, D]. Views where the layout allows (a buffer written through one
// must be contiguous: the generated step's are).
inline at::Tensor as_nll2d_input(const at::Tensor& x) {
  const int64_t positions = x.numel() == 0 ? 0 : x.numel() / (x.size(0) * x.size(1));
  return x.reshape({x.size(0), x.size(1), 1, positions});
}
inline at::Tensor as_nll2d_target(const at::Tensor& t) {
  const int64_t positions = t.numel() == 0 ? 0 : t.numel() / t.size(0);
  return t.reshape({t.size(0), 1, positions});
}
inline at::Tensor nll2d_target_view(const at::Tensor& t) {
  TORCH_CHECK(t.is_contiguous(), "nll_loss: the per-position output ", t.sizes(), " must be contiguous");
  return as_nll2d_target(t);
}

}  // namespace nn
}  // namespace dsl
