// Reductions (sum, mean, max, amax, argmax, logsumexp, var) and sum_to_shape, the gradient of
// broadcasting: allocating and _out forms.
//
// A dimension list is (pointer, count). An empty list (count 0) means "every dimension", as
// dim=None does in PyTorch; keepdim then keeps all of them as size 1.
#include "common.h"

#include <c10/util/SmallVector.h>
#include <torch/csrc/api/include/torch/version.h>

using dsl::T;
using dsl::wrap;

namespace {

// The dims for ATen's optional-dim reductions (sum, mean, var): nullopt for "all". Passing an
// empty list instead would mean "all" in 1.13 but "none" in later versions.
at::OptionalIntArrayRef optional_dims(const int64_t* values, int32_t count) {
  if (count == 0) return c10::nullopt;
  return dsl::dims(values, count);
}

// logsumexp in 1.13 rejects an empty list with keepdim, so "all" is spelled out.
c10::SmallVector<int64_t, 8> explicit_dims(const at::Tensor& x, const int64_t* values, int32_t count) {
  auto list = dsl::dims(values, count);
  c10::SmallVector<int64_t, 8> result(list.begin(), list.end());
  if (count == 0) {
    for (int64_t d = 0; d < x.dim(); ++d) result.push_back(d);
  }
  return result;
}

// var's correction became an optional Scalar in libtorch 2.
#if TORCH_VERSION_MAJOR >= 2
c10::optional<at::Scalar> correction_arg(int64_t correction) { return at::Scalar(correction); }
#else
c10::optional<int64_t> correction_arg(int64_t correction) { return correction; }
#endif

// ---- sum_to_shape -------------------------------------------------------------------------

// The dims sum_to_shape reduces: the input's leading dims that `shape` lacks, and the dims where
// `shape` has size 1 and the input does not. Fails unless `shape` broadcasts to the input.
c10::SmallVector<int64_t, 8> sum_to_dims(const at::Tensor& x, at::IntArrayRef shape) {
  auto sizes = x.sizes();
  auto lead = static_cast<int64_t>(sizes.size()) - static_cast<int64_t>(shape.size());
  bool broadcastable = lead >= 0;
  for (size_t i = 0; broadcastable && i < shape.size(); ++i) {
    auto target = shape[i];
    auto source = sizes[static_cast<size_t>(lead) + i];
    broadcastable = target == source || target == 1;
  }
  TORCH_CHECK(broadcastable, "the shape ", shape, " does not broadcast to the input's shape ",
              sizes, ", so the input cannot be summed back to it");

  c10::SmallVector<int64_t, 8> reduce;
  for (int64_t d = 0; d < lead; ++d) reduce.push_back(d);
  for (size_t i = 0; i < shape.size(); ++i) {
    auto d = lead + static_cast<int64_t>(i);
    if (shape[i] == 1 && sizes[static_cast<size_t>(d)] != 1) reduce.push_back(d);
  }
  return reduce;
}

// Sums x into `out`, resized to `shape` first if needed (as ATen's _out ops do). The sum runs with
// keepdim into a view of `out` with leading 1s, so no result tensor is allocated and `out` may
// itself be a view into a larger tensor.
void sum_to_shape_into(at::Tensor& out, const at::Tensor& x, at::IntArrayRef shape) {
  auto reduce = sum_to_dims(x, shape);
  if (out.sizes() != shape) out.resize_(shape);
  if (reduce.empty()) {
    out.copy_(x);  // nothing to reduce; an empty dim list would make sum_out reduce everything
    return;
  }
  c10::SmallVector<int64_t, 8> kept(static_cast<size_t>(x.dim()) - shape.size(), 1);
  kept.append(shape.begin(), shape.end());
  auto view = out.view(kept);
  at::sum_out(view, x, at::IntArrayRef(reduce), /*keepdim=*/true);
}

}  // namespace

// ---- sum, mean ------------------------------------------------------------------------------

DSL_EXPORT dsl_sum(dsl_tensor x, const int64_t* dims, int32_t ndims, int32_t keepdim, dsl_tensor* out) {
  DSL_TRY(*out = wrap(at::sum(T(x), optional_dims(dims, ndims), keepdim != 0)));
}
DSL_EXPORT dsl_sum_out(dsl_tensor out, dsl_tensor x, const int64_t* dims, int32_t ndims, int32_t keepdim) {
  DSL_TRY(at::sum_out(T(out), T(x), optional_dims(dims, ndims), keepdim != 0));
}

DSL_EXPORT dsl_mean(dsl_tensor x, const int64_t* dims, int32_t ndims, int32_t keepdim, dsl_tensor* out) {
  DSL_TRY(*out = wrap(at::mean(T(x), optional_dims(dims, ndims), keepdim != 0)));
}
DSL_EXPORT dsl_mean_out(dsl_tensor out, dsl_tensor x, const int64_t* dims, int32_t ndims, int32_t keepdim) {
  DSL_TRY(at::mean_out(T(out), T(x), optional_dims(dims, ndims), keepdim != 0));
}

// ---- max, amax, argmax --------------------------------------------------------------------

// The largest element, as a 0-dim tensor. The _out form goes through amax (max has no
// all-elements _out overload in 1.13); both fail on an empty tensor.
DSL_EXPORT dsl_max_all(dsl_tensor x, dsl_tensor* out) { DSL_TRY(*out = wrap(at::max(T(x)))); }
DSL_EXPORT dsl_max_all_out(dsl_tensor out, dsl_tensor x) { DSL_TRY(at::amax_out(T(out), T(x), {}, false)); }

// The largest values along `dim` and their positions (Int64).
DSL_EXPORT dsl_max_dim(dsl_tensor x, int64_t dim, int32_t keepdim, dsl_tensor* values, dsl_tensor* indices) {
  DSL_TRY({
    auto result = at::max(T(x), dim, keepdim != 0);
    *values = wrap(std::get<0>(result));
    *indices = wrap(std::get<1>(result));
  });
}
DSL_EXPORT dsl_max_dim_out(dsl_tensor values, dsl_tensor indices, dsl_tensor x, int64_t dim, int32_t keepdim) {
  DSL_TRY(at::max_out(T(values), T(indices), T(x), dim, keepdim != 0));
}

DSL_EXPORT dsl_amax(dsl_tensor x, const int64_t* dims, int32_t ndims, int32_t keepdim, dsl_tensor* out) {
  DSL_TRY(*out = wrap(at::amax(T(x), dsl::dims(dims, ndims), keepdim != 0)));
}
DSL_EXPORT dsl_amax_out(dsl_tensor out, dsl_tensor x, const int64_t* dims, int32_t ndims, int32_t keepdim) {
  DSL_TRY(at::amax_out(T(out), T(x), dsl::dims(dims, ndims), keepdim != 0));
}

// The position of the largest element (Int64): along `dim` when has_dim, else in the flattened tensor.
DSL_EXPORT dsl_argmax(dsl_tensor x, int64_t dim, int32_t has_dim, int32_t keepdim, dsl_tensor* out) {
  DSL_TRY(*out = wrap(at::argmax(T(x), has_dim ? c10::optional<int64_t>(dim) : c10::nullopt, keepdim != 0)));
}
DSL_EXPORT dsl_argmax_out(dsl_tensor out, dsl_tensor x, int64_t dim, int32_t has_dim, int32_t keepdim) {
  DSL_TRY(at::argmax_out(T(out), T(x), has_dim ? c10::optional<int64_t>(dim) : c10::nullopt, keepdim != 0));
}

// ---- logsumexp, var -----------------------------------------------------------------------

DSL_EXPORT dsl_logsumexp(dsl_tensor x, const int64_t* dims, int32_t ndims, int32_t keepdim, dsl_tensor* out) {
  DSL_TRY(*out = wrap(at::logsumexp(T(x), explicit_dims(T(x), dims, ndims), keepdim != 0)));
}
DSL_EXPORT dsl_logsumexp_out(dsl_tensor out, dsl_tensor x, const int64_t* dims, int32_t ndims, int32_t keepdim) {
  DSL_TRY(at::logsumexp_out(T(out), T(x), explicit_dims(T(x), dims, ndims), keepdim != 0));
}

// Σ(x - mean)² / (N - correction): correction 1 is the unbiased estimate, 0 the population variance.
DSL_EXPORT dsl_var(dsl_tensor x, const int64_t* dims, int32_t ndims, int64_t correction, int32_t keepdim,
                   dsl_tensor* out) {
  DSL_TRY(*out = wrap(at::var(T(x), optional_dims(dims, ndims), correction_arg(correction), keepdim != 0)));
}
DSL_EXPORT dsl_var_out(dsl_tensor out, dsl_tensor x, const int64_t* dims, int32_t ndims, int64_t correction,
                       int32_t keepdim) {
  DSL_TRY(at::var_out(T(out), T(x), optional_dims(dims, ndims), correction_arg(correction), keepdim != 0));
}

// ---- sum_to_shape ------------------------------------------------------------------------

DSL_EXPORT dsl_sum_to_shape(dsl_tensor x, const int64_t* shape, int32_t rank, dsl_tensor* out) {
  DSL_TRY({
    auto target = dsl::dims(shape, rank);
    auto result = at::empty(target, T(x).options());
    sum_to_shape_into(result, T(x), target);
    *out = wrap(std::move(result));
  });
}

DSL_EXPORT dsl_sum_to_shape_out(dsl_tensor out, dsl_tensor x, const int64_t* shape, int32_t rank) {
  DSL_TRY(sum_to_shape_into(T(out), T(x), dsl::dims(shape, rank)));
}

// sum_to_shape with out's own shape as the target.
DSL_EXPORT dsl_sum_to_output(dsl_tensor out, dsl_tensor x) {
  DSL_TRY({
    auto& result = T(out);
    sum_to_shape_into(result, T(x), result.sizes());
  });
}
