// More reductions: min, amin, the vector p-norm with its gradient, and einsum. Allocating and _out
// forms; a dims list of length 0 means every dimension (PyTorch's dim=None).
#include "common.h"

#include <ATen/WrapDimUtils.h>
#include <c10/util/SmallVector.h>

#include <algorithm>
#include <cmath>
#include <string>

using dsl::T;
using dsl::wrap;

namespace {

// The reduced dims, wrapped (non-negative), sorted and checked: every dim when the list is empty.
c10::SmallVector<int64_t, 8> reduced_dims(const char* op, const at::Tensor& x, const int64_t* values, int32_t count) {
  auto list = dsl::dims(values, count);
  c10::SmallVector<int64_t, 8> result;
  if (count == 0) {
    for (int64_t d = 0; d < x.dim(); ++d) result.push_back(d);
    return result;
  }
  for (auto d : list) {
    TORCH_CHECK(d >= -std::max<int64_t>(x.dim(), 1) && d < std::max<int64_t>(x.dim(), 1), op, ": dim ", d,
                " is out of range for x ", x.sizes());
    result.push_back(at::maybe_wrap_dim(d, x.dim()));
  }
  if (x.dim() == 0) return {};  // a scalar's dim 0 (or -1) is the scalar itself: nothing to keep
  std::sort(result.begin(), result.end());
  TORCH_CHECK(std::adjacent_find(result.begin(), result.end()) == result.end(), op, ": dims ", list,
              " name a dim twice");
  return result;
}

at::OptionalIntArrayRef optional_dims(const int64_t* values, int32_t count) {
  if (count == 0) return c10::nullopt;
  return dsl::dims(values, count);
}

// ‖x‖_p's gradient, following torch's norm_backward: grad and norm are brought back to x's rank
// (size 1 on the reduced dims), then
//   p = 0: 0;  p = 1: sgn(x)·g;  p = 2: x·g/‖x‖ (0 where ‖x‖ = 0);
//   p = ±∞: sgn(x)·g shared evenly among the elements with |x| = ‖x‖;
//   otherwise sgn(x)·|x|^(p-1)·g/‖x‖^(p-1) (0 where ‖x‖ = 0; for p < 1 also where x = 0).
at::Tensor norm_grad(const at::Tensor& grad, const at::Tensor& x, const at::Tensor& norm, double p,
                     const int64_t* values, int32_t count, bool keepdim) {
  const char* op = "norm_backward";
  auto reduce = reduced_dims(op, x, values, count);
  auto expected = x.sizes().vec();
  for (auto d : reduce) expected[static_cast<size_t>(d)] = 1;
  auto g = grad;
  auto n = norm;
  if (!keepdim) {
    for (auto d : reduce) {
      g = g.unsqueeze(d);
      n = n.unsqueeze(d);
    }
  }
  TORCH_CHECK(g.sizes() == at::IntArrayRef(expected) && n.sizes() == at::IntArrayRef(expected), op, ": the gradient ",
              grad.sizes(), " and the norm ", norm.sizes(), " do not match the norm of x ", x.sizes(), " over dims ",
              at::IntArrayRef(reduce), (keepdim ? " with keepdim" : ""));
  if (p == 0) return at::zeros_like(x);
  if (p == 1) return at::sgn(x) * g;
  if (p == 2) return x * (g / n).masked_fill_(n == 0, 0);
  if (std::isinf(p)) {
    auto is_extreme = (at::abs(x) == n).to(x.scalar_type());
    auto count_extreme = reduce.empty() ? is_extreme : is_extreme.sum(reduce, /*keepdim=*/true);
    return at::sgn(x) * is_extreme * (g / count_extreme);
  }
  if (p < 1) {
    auto scaled = at::sgn(x) * at::abs(x).pow_(p - 1).masked_fill_(x == 0, 0);
    return scaled * g * n.pow(1 - p);
  }
  auto scale = (g / n.pow(p - 1)).masked_fill_(n == 0, 0);
  return at::sgn(x) * at::abs(x).pow_(p - 1) * scale;
}

std::string equation_text(const char* equation) {
  TORCH_CHECK(equation != nullptr, "einsum: the equation was null");
  return equation;
}

}  // namespace

// ---- min, amin -------------------------------------------------------------------------------

// The smallest element, as a 0-dim tensor (the _out form goes through amin).
DSL_EXPORT dsl_min_all(dsl_tensor x, dsl_tensor* out) { DSL_TRY(*out = wrap(at::min(T(x)))); }
DSL_EXPORT dsl_min_all_out(dsl_tensor out, dsl_tensor x) { DSL_TRY(at::amin_out(T(out), T(x), {}, false)); }

// The smallest values along `dim` and their positions (Int64).
DSL_EXPORT dsl_min_dim(dsl_tensor x, int64_t dim, int32_t keepdim, dsl_tensor* values, dsl_tensor* indices) {
  DSL_TRY({
    auto result = at::min(T(x), dim, keepdim != 0);
    *values = wrap(std::get<0>(result));
    *indices = wrap(std::get<1>(result));
  });
}
DSL_EXPORT dsl_min_dim_out(dsl_tensor values, dsl_tensor indices, dsl_tensor x, int64_t dim, int32_t keepdim) {
  DSL_TRY(at::min_out(T(values), T(indices), T(x), dim, keepdim != 0));
}

DSL_EXPORT dsl_amin(dsl_tensor x, const int64_t* dims, int32_t ndims, int32_t keepdim, dsl_tensor* out) {
  DSL_TRY(*out = wrap(at::amin(T(x), dsl::dims(dims, ndims), keepdim != 0)));
}
DSL_EXPORT dsl_amin_out(dsl_tensor out, dsl_tensor x, const int64_t* dims, int32_t ndims, int32_t keepdim) {
  DSL_TRY(at::amin_out(T(out), T(x), dsl::dims(dims, ndims), keepdim != 0));
}

// ---- norm --------------------------------------------------------------------------------------

// ‖x‖_p = (Σ |x|^p)^(1/p) over dims (p may be ±∞: max/min |x|; 0: the count of non-zeros).
DSL_EXPORT dsl_norm(dsl_tensor x, double p, const int64_t* dims, int32_t ndims, int32_t keepdim, dsl_tensor* out) {
  DSL_TRY({
    reduced_dims("norm", T(x), dims, ndims);
    *out = wrap(at::linalg_vector_norm(T(x), p, optional_dims(dims, ndims), keepdim != 0, c10::nullopt));
  });
}
DSL_EXPORT dsl_norm_out(dsl_tensor out, dsl_tensor x, double p, const int64_t* dims, int32_t ndims, int32_t keepdim) {
  DSL_TRY({
    reduced_dims("norm", T(x), dims, ndims);
    at::linalg_vector_norm_out(T(out), T(x), p, optional_dims(dims, ndims), keepdim != 0, c10::nullopt);
  });
}

// out (x's shape) = the gradient of norm = ‖x‖_p (the forward's result) for the upstream gradient.
DSL_EXPORT dsl_norm_backward(dsl_tensor grad, dsl_tensor x, dsl_tensor norm, double p, const int64_t* dims,
                             int32_t ndims, int32_t keepdim, dsl_tensor* out) {
  DSL_TRY(*out = wrap(norm_grad(T(grad), T(x), T(norm), p, dims, ndims, keepdim != 0)));
}
DSL_EXPORT dsl_norm_backward_out(dsl_tensor out, dsl_tensor grad, dsl_tensor x, dsl_tensor norm, double p,
                                 const int64_t* dims, int32_t ndims, int32_t keepdim) {
  DSL_TRY({
    auto result = norm_grad(T(grad), T(x), T(norm), p, dims, ndims, keepdim != 0);
    auto& o = T(out);
    if (o.sizes() != result.sizes()) o.resize_(result.sizes());
    o.copy_(result);
  });
}

// ---- einsum ------------------------------------------------------------------------------------

// torch.einsum: a NUL-terminated UTF-8 equation such as "bij,bjk->bik" over the operands.
DSL_EXPORT dsl_einsum(const char* equation, const dsl_tensor* operands, int32_t count, dsl_tensor* out) {
  DSL_TRY(*out = wrap(at::einsum(equation_text(equation), dsl::tensors(operands, count))));
}
DSL_EXPORT dsl_einsum_out(dsl_tensor out, const char* equation, const dsl_tensor* operands, int32_t count) {
  DSL_TRY({
    auto result = at::einsum(equation_text(equation), dsl::tensors(operands, count));
    auto& o = T(out);
    if (o.sizes() != result.sizes()) o.resize_(result.sizes());
    o.copy_(result);
  });
}
