// Copying forms of the shape ops, for generated steps (which hold buffers, never views): reshape,
// permute, transpose, expand, narrow, slice and select write their result into the caller's buffer,
// and the backward scatters of narrow, slice, select, index_select and gather write the input gradient.
//
// The output's shape is part of the request where it carries information (reshape's target,
// expand's target, narrow's and slice's length, the backward ops' input shape), so a wrong one is an error
// naming both shapes rather than a silent resize.
#include "common.h"

#include <ATen/ExpandUtils.h>
#include <ATen/WrapDimUtils.h>

using dsl::T;
using dsl::wrap;

namespace {

// The output has x's rank and x's sizes except along `dim`.
void check_same_except(const char* op, const char* what, const at::Tensor& x, const at::Tensor& out, int64_t dim) {
  bool same = out.dim() == x.dim();
  for (int64_t d = 0; same && d < x.dim(); ++d) same = d == dim || out.size(d) == x.size(d);
  TORCH_CHECK(same, op, ": the output ", out.sizes(), " must have the ", what, " ", x.sizes(),
              "'s sizes on every dim except ", dim);
}

// Copies `value` into out; out is resized first if its shape differs (as ATen's out= forms do).
void assign(at::Tensor& out, const at::Tensor& value) {
  if (out.sizes() != value.sizes()) out.resize_(value.sizes());
  out.copy_(value);
}

}  // namespace

// ---- copies -------------------------------------------------------------------------------------

// out (its own shape is the target) = x's elements in row-major order.
DSL_EXPORT dsl_reshape_out(dsl_tensor out, dsl_tensor x) {
  DSL_TRY({
    auto& result = T(out);
    auto& input = T(x);
    TORCH_CHECK(result.numel() == input.numel(), "reshape: x ", input.sizes(), " has ", input.numel(),
                " elements but the output ", result.sizes(), " has ", result.numel());
    if (result.is_contiguous()) {
      // A view of the buffer in x's shape takes x's elements in order, whatever x's strides.
      result.view(input.sizes()).copy_(input);
    } else {
      result.copy_(input.reshape(result.sizes()));
    }
  });
}

DSL_EXPORT dsl_permute_out(dsl_tensor out, dsl_tensor x, const int64_t* dims, int32_t count) {
  DSL_TRY(assign(T(out), at::permute(T(x), dsl::dims(dims, count))));
}

DSL_EXPORT dsl_transpose_out(dsl_tensor out, dsl_tensor x, int64_t dim0, int64_t dim1) {
  DSL_TRY(assign(T(out), at::transpose(T(x), dim0, dim1)));
}

// out = x broadcast to out's shape (size-1 dims repeat, missing leading dims are added).
DSL_EXPORT dsl_expand_out(dsl_tensor out, dsl_tensor x) {
  DSL_TRY({
    auto& result = T(out);
    auto& input = T(x);
    TORCH_CHECK(at::is_expandable_to(input.sizes(), result.sizes()), "expand: x ", input.sizes(),
                " does not broadcast to the output's shape ", result.sizes(),
                " (each size of x must be 1 or equal the output's, aligned from the last dim)");
    result.copy_(input.expand(result.sizes()));
  });
}

// out = x.narrow(dim, start, out.size(dim)).
DSL_EXPORT dsl_narrow_out(dsl_tensor out, dsl_tensor x, int64_t dim, int64_t start) {
  DSL_TRY({
    auto& result = T(out);
    auto& input = T(x);
    TORCH_CHECK(input.dim() > 0, "narrow: x must have at least 1 dimension, but it is a scalar");
    dim = at::maybe_wrap_dim(dim, input.dim());
    check_same_except("narrow", "input", input, result, dim);
    const auto length = result.size(dim);
    const auto size = input.size(dim);
    if (start < 0) start += size;
    TORCH_CHECK(start >= 0 && start + length <= size, "narrow: elements [", start, ", ", start + length,
                ") along dim ", dim, " are outside x ", input.sizes(), " (size ", size, ")");
    result.copy_(input.narrow(dim, start, length));
  });
}

// out = x[start : : step] along `dim`, out.size(dim) elements (x.narrow when step is 1).
DSL_EXPORT dsl_slice_out(dsl_tensor out, dsl_tensor x, int64_t dim, int64_t start, int64_t step) {
  DSL_TRY({
    auto& result = T(out);
    auto& input = T(x);
    TORCH_CHECK(step > 0, "slice: the step must be positive, but it is ", step);
    TORCH_CHECK(input.dim() > 0, "slice: x must have at least 1 dimension, but it is a scalar");
    dim = at::maybe_wrap_dim(dim, input.dim());
    check_same_except("slice", "input", input, result, dim);
    const auto length = result.size(dim);
    const auto size = input.size(dim);
    if (start < 0) start += size;
    const auto last = start + (length - 1) * step;
    TORCH_CHECK(start >= 0 && (length == 0 || last < size), "slice: ", length, " elements from ", start, " with step ",
                step, " along dim ", dim, " do not fit in x ", input.sizes(), " (size ", size, ")");
    result.copy_(input.slice(dim, start, length == 0 ? start : last + 1, step));
  });
}

// A view of x at position `index` along `dim` (that dim removed); negative indices count from the end.
DSL_EXPORT dsl_select(dsl_tensor x, int64_t dim, int64_t index, dsl_tensor* out) {
  DSL_TRY(*out = wrap(at::select(T(x), dim, index)));
}
DSL_EXPORT dsl_select_out(dsl_tensor out, dsl_tensor x, int64_t dim, int64_t index) {
  DSL_TRY(assign(T(out), at::select(T(x), dim, index)));
}

// ---- backward scatters ----------------------------------------------------------------------------
// out has the forward input's shape; it is zeroed, then the gradient lands where the forward read.

DSL_EXPORT dsl_narrow_backward_out(dsl_tensor out, dsl_tensor grad, int64_t dim, int64_t start) {
  DSL_TRY({
    auto& result = T(out);
    auto& g = T(grad);
    TORCH_CHECK(result.dim() > 0, "narrow_backward: the output must have at least 1 dimension");
    dim = at::maybe_wrap_dim(dim, result.dim());
    check_same_except("narrow_backward", "gradient", g, result, dim);
    const auto size = result.size(dim);
    if (start < 0) start += size;
    TORCH_CHECK(start >= 0 && start + g.size(dim) <= size, "narrow_backward: the gradient ", g.sizes(),
                " from position ", start, " along dim ", dim, " does not fit in the output ", result.sizes());
    result.zero_();
    result.narrow(dim, start, g.size(dim)).copy_(g);
  });
}

DSL_EXPORT dsl_slice_backward_out(dsl_tensor out, dsl_tensor grad, int64_t dim, int64_t start, int64_t step) {
  DSL_TRY({
    auto& result = T(out);
    auto& g = T(grad);
    TORCH_CHECK(step > 0, "slice_backward: the step must be positive, but it is ", step);
    TORCH_CHECK(result.dim() > 0, "slice_backward: the output must have at least 1 dimension");
    dim = at::maybe_wrap_dim(dim, result.dim());
    check_same_except("slice_backward", "gradient", g, result, dim);
    const auto length = g.size(dim);
    const auto size = result.size(dim);
    if (start < 0) start += size;
    const auto last = start + (length - 1) * step;
    TORCH_CHECK(start >= 0 && (length == 0 || last < size), "slice_backward: the gradient ", g.sizes(), " from position ",
                start, " with step ", step, " along dim ", dim, " does not fit in the output ", result.sizes());
    result.zero_();
    result.slice(dim, start, length == 0 ? start : last + 1, step).copy_(g);
  });
}

DSL_EXPORT dsl_select_backward_out(dsl_tensor out, dsl_tensor grad, int64_t dim, int64_t index) {
  DSL_TRY({
    auto& result = T(out);
    auto& g = T(grad);
    TORCH_CHECK(result.dim() == g.dim() + 1, "select_backward: the output ", result.sizes(),
                " must have one dimension more than the gradient ", g.sizes());
    dim = at::maybe_wrap_dim(dim, result.dim());
    auto slot = result.select(dim, index);  // checks the index against the size
    TORCH_CHECK(slot.sizes() == g.sizes(), "select_backward: the gradient ", g.sizes(), " does not match the output ",
                result.sizes(), " without dim ", dim);
    result.zero_();
    slot.copy_(g);
  });
}

// out = zeros, then out.index_add_(dim, index, grad): repeated indices accumulate.
DSL_EXPORT dsl_index_select_backward_out(dsl_tensor out, dsl_tensor grad, int64_t dim, dsl_tensor index) {
  DSL_TRY({
    auto& result = T(out);
    auto& g = T(grad);
    auto& idx = T(index);
    TORCH_CHECK(idx.dim() <= 1, "index_select_backward: the index must be 1-D, but it is ", idx.sizes());
    TORCH_CHECK(result.dim() > 0, "index_select_backward: the output must have at least 1 dimension");
    dim = at::maybe_wrap_dim(dim, result.dim());
    check_same_except("index_select_backward", "gradient", g, result, dim);
    TORCH_CHECK(g.size(dim) == idx.numel(), "index_select_backward: the gradient ", g.sizes(), " has ", g.size(dim),
                " entries along dim ", dim, " but the index has ", idx.numel());
    result.zero_();
    result.index_add_(dim, idx, g);
  });
}

// out = zeros, then out.scatter_add_(dim, index, grad): the adjoint of gather.
DSL_EXPORT dsl_gather_backward_out(dsl_tensor out, dsl_tensor grad, int64_t dim, dsl_tensor index) {
  DSL_TRY({
    auto& result = T(out);
    auto& g = T(grad);
    auto& idx = T(index);
    TORCH_CHECK(g.sizes() == idx.sizes(), "gather_backward: the gradient ", g.sizes(), " must have the index's shape ",
                idx.sizes());
    TORCH_CHECK(result.dim() == idx.dim(), "gather_backward: the output ", result.sizes(),
                " must have the index's rank ", idx.sizes());
    result.zero_();
    result.scatter_add_(dim, idx, g);
  });
}
