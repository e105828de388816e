// Max pooling with windows that tile the input (stride = kernel, no padding, no dilation, floor
// mode: every LeNet-style "pool 2"), float32, contiguous NCHW, written out instead of ATen's
// general kernel. ATen 1.13's max_pool2d_with_indices walks every window through its general
// index arithmetic and took as long as the convolution before it in cnn-s's step (PyTorch's own
// profile, docs/benchmarks.md "CNN and transformer configurations"). Results, indices included,
// are ATen's: the first maximum of each window in row-major order, a NaN wins (the last NaN).
#include "nn.h"

#include <ATen/Parallel.h>

#include <cmath>
#include <limits>

namespace dsl {
namespace nn {

namespace {

bool tiles(const at::Tensor& x, const Pair& kernel, at::IntArrayRef stride, const Pair& padding, const Pair& dilation,
           bool ceil_mode) {
  const bool stride_is_kernel = stride.empty() || (stride.size() == 2 && stride[0] == kernel[0] && stride[1] == kernel[1]);
  return x.dim() == 4 && x.scalar_type() == at::kFloat && x.is_contiguous() && x.device().is_cpu() && stride_is_kernel &&
         kernel[0] >= 1 && kernel[1] >= 1 && padding[0] == 0 && padding[1] == 0 && dilation[0] == 1 &&
         dilation[1] == 1 && !ceil_mode && x.size(2) >= kernel[0] && x.size(3) >= kernel[1] && x.numel() > 0;
}

// One plane [H, W] → [oh, ow] values and flat indices in H·W.
void pool_plane(const float* x, float* out, int64_t* indices, int64_t height, int64_t width, int64_t oh, int64_t ow,
                int64_t kh, int64_t kw) {
  for (int64_t i = 0; i < oh; ++i) {
    for (int64_t j = 0; j < ow; ++j) {
      const int64_t first = i * kh * width + j * kw;
      int64_t best = first;
      float max = -std::numeric_limits<float>::infinity();
      for (int64_t u = 0; u < kh; ++u) {
        const int64_t row = first + u * width;
        for (int64_t v = 0; v < kw; ++v) {
          const float value = x[row + v];
          if (value > max || std::isnan(value)) {
            max = value;
            best = row + v;
          }
        }
      }
      out[i * ow + j] = max;
      indices[i * ow + j] = best;
    }
  }
}

// The 2x2 case unrolled: one pass over two input rows per output row.
void pool_plane_2x2(const float* x, float* out, int64_t* indices, int64_t width, int64_t oh, int64_t ow) {
  for (int64_t i = 0; i < oh; ++i) {
    const int64_t top = 2 * i * width;
    for (int64_t j = 0; j < ow; ++j) {
      const int64_t a = top + 2 * j, b = a + 1, c = a + width, d = c + 1;
      int64_t best = a;
      float max = x[a];
      // The first element always wins over -inf (or is NaN): the scan starts from it.
      if (x[b] > max || std::isnan(x[b])) { max = x[b]; best = b; }
      if (x[c] > max || std::isnan(x[c])) { max = x[c]; best = c; }
      if (x[d] > max || std::isnan(x[d])) { max = x[d]; best = d; }
      out[i * ow + j] = max;
      indices[i * ow + j] = best;
    }
  }
}

}  // namespace

bool max_pool2d_tiled(at::Tensor& out, at::Tensor& indices, const at::Tensor& x, const Pair& kernel,
                      at::IntArrayRef stride, const Pair& padding, const Pair& dilation, bool ceil_mode) {
  if (!tiles(x, kernel, stride, padding, dilation, ceil_mode)) return false;
  const int64_t planes = x.size(0) * x.size(1), height = x.size(2), width = x.size(3);
  const int64_t kh = kernel[0], kw = kernel[1], oh = height / kh, ow = width / kw;
  const std::array<int64_t, 4> shape{x.size(0), x.size(1), oh, ow};
  if (!out.defined()) out = at::empty(shape, x.options());
  if (!indices.defined()) indices = at::empty(shape, x.options().dtype(at::kLong));
  if (out.sizes() != at::IntArrayRef(shape)) out.resize_(shape);
  if (indices.sizes() != at::IntArrayRef(shape)) indices.resize_(shape);
  TORCH_CHECK(out.scalar_type() == at::kFloat && indices.scalar_type() == at::kLong,
              "max_pool2d: the output must be Float32 and the indices Int64, but they are ", out.scalar_type(), " and ",
              indices.scalar_type());
  if (!out.is_contiguous() || !indices.is_contiguous()) return false;
  const float* source = x.data_ptr<float>();
  float* target = out.data_ptr<float>();
  int64_t* picked = indices.data_ptr<int64_t>();
  at::parallel_for(0, planes, std::max<int64_t>(1, 16384 / std::max<int64_t>(1, height * width)), [&](int64_t begin, int64_t end) {
    for (int64_t p = begin; p < end; ++p) {
      if (kh == 2 && kw == 2) {
        pool_plane_2x2(source + p * height * width, target + p * oh * ow, picked + p * oh * ow, width, oh, ow);
      } else {
        pool_plane(source + p * height * width, target + p * oh * ow, picked + p * oh * ow, height, width, oh, ow, kh, kw);
      }
    }
  });
  return true;
}

bool max_pool2d_tiled_backward(at::Tensor& grad_input, const at::Tensor& grad_output, const at::Tensor& x,
                               const at::Tensor& indices, const Pair& kernel, at::IntArrayRef stride,
                               const Pair& padding, const Pair& dilation, bool ceil_mode) {
  if (!tiles(x, kernel, stride, padding, dilation, ceil_mode)) return false;
  const int64_t planes = x.size(0) * x.size(1), height = x.size(2), width = x.size(3);
  const int64_t oh = height / kernel[0], ow = width / kernel[1];
  const std::array<int64_t, 4> shape{x.size(0), x.size(1), oh, ow};
  if (grad_output.scalar_type() != at::kFloat || !grad_output.is_contiguous() || grad_output.sizes() != at::IntArrayRef(shape) ||
      indices.scalar_type() != at::kLong || !indices.is_contiguous() || indices.sizes() != at::IntArrayRef(shape)) {
    return false;  // ATen's kernel checks and reports it
  }
  if (!grad_input.defined()) grad_input = at::empty(x.sizes(), x.options());
  if (grad_input.sizes() != x.sizes()) grad_input.resize_(x.sizes());
  if (grad_input.scalar_type() != at::kFloat || !grad_input.is_contiguous()) return false;
  const float* upstream = grad_output.data_ptr<float>();
  const int64_t* picked = indices.data_ptr<int64_t>();
  float* target = grad_input.data_ptr<float>();
  const int64_t plane_size = height * width, window_count = oh * ow;
  at::parallel_for(0, planes, std::max<int64_t>(1, 16384 / std::max<int64_t>(1, plane_size)), [&](int64_t begin, int64_t end) {
    for (int64_t p = begin; p < end; ++p) {
      float* plane = target + p * plane_size;
      std::fill(plane, plane + plane_size, 0.0f);
      const int64_t* where = picked + p * window_count;
      const float* g = upstream + p * window_count;
      for (int64_t w = 0; w < window_count; ++w) {
        const int64_t index = where[w];
        TORCH_CHECK(index >= 0 && index < plane_size, "max_pool2d backward: index ", index, " is outside the ",
                    height, "x", width, " input plane");
        plane[index] += g[w];
      }
    }
  });
  return true;
}

}  // namespace nn
}  // namespace dsl
