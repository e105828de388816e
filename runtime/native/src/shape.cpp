// Shape operations: views (reshape, view, transpose, permute, expand, slice, narrow, flatten,
// squeeze, unsqueeze), indexing (index_select, gather, scatter_add, one_hot) and joining (cat, stack).
//
// A view shares the input's storage: writing through it changes the input. Views have no _out
// form; the indexing and joining ops have allocating and _out forms, as in ATen.
#include "common.h"

using dsl::T;
using dsl::wrap;

// ---- views ----------------------------------------------------------------------------------

// A view when the strides allow it, otherwise a copy; one size may be -1 (inferred).
DSL_EXPORT dsl_reshape(dsl_tensor x, const int64_t* shape, int32_t rank, dsl_tensor* out) {
  DSL_TRY(*out = wrap(at::reshape(T(x), dsl::dims(shape, rank))));
}

// Always a view; fails when the strides do not allow one (call contiguous first).
DSL_EXPORT dsl_view(dsl_tensor x, const int64_t* shape, int32_t rank, dsl_tensor* out) {
  DSL_TRY(*out = wrap(T(x).view(dsl::dims(shape, rank))));
}

DSL_EXPORT dsl_transpose(dsl_tensor x, int64_t dim0, int64_t dim1, dsl_tensor* out) {
  DSL_TRY(*out = wrap(at::transpose(T(x), dim0, dim1)));
}

DSL_EXPORT dsl_permute(dsl_tensor x, const int64_t* dims, int32_t count, dsl_tensor* out) {
  DSL_TRY(*out = wrap(at::permute(T(x), dsl::dims(dims, count))));
}

// Broadcasts size-1 dims (and new leading dims) to `shape` without copying; -1 keeps a size.
DSL_EXPORT dsl_expand(dsl_tensor x, const int64_t* shape, int32_t rank, dsl_tensor* out) {
  DSL_TRY(*out = wrap(T(x).expand(dsl::dims(shape, rank))));
}

// Elements start, start+step, ... below end along `dim`; start and end are clamped as in Python.
DSL_EXPORT dsl_slice(dsl_tensor x, int64_t dim, int64_t start, int64_t end, int64_t step, dsl_tensor* out) {
  DSL_TRY(*out = wrap(at::slice(T(x), dim, start, end, step)));
}

// `length` elements from `start` along `dim`; unlike slice, out-of-range bounds are an error.
DSL_EXPORT dsl_narrow(dsl_tensor x, int64_t dim, int64_t start, int64_t length, dsl_tensor* out) {
  DSL_TRY(*out = wrap(at::narrow(T(x), dim, start, length)));
}

DSL_EXPORT dsl_flatten(dsl_tensor x, int64_t start_dim, int64_t end_dim, dsl_tensor* out) {
  DSL_TRY(*out = wrap(at::flatten(T(x), start_dim, end_dim)));
}

// Removes every size-1 dim.
DSL_EXPORT dsl_squeeze(dsl_tensor x, dsl_tensor* out) { DSL_TRY(*out = wrap(at::squeeze(T(x)))); }

// Removes `dim` if its size is 1; otherwise returns the input's shape unchanged, as PyTorch does.
DSL_EXPORT dsl_squeeze_dim(dsl_tensor x, int64_t dim, dsl_tensor* out) {
  DSL_TRY(*out = wrap(at::squeeze(T(x), dim)));
}

DSL_EXPORT dsl_unsqueeze(dsl_tensor x, int64_t dim, dsl_tensor* out) {
  DSL_TRY(*out = wrap(at::unsqueeze(T(x), dim)));
}

// ---- indexing -----------------------------------------------------------------------------

// out = x's slices at positions `index` (1-D Int64 or Int32) along `dim`.
DSL_EXPORT dsl_index_select(dsl_tensor x, int64_t dim, dsl_tensor index, dsl_tensor* out) {
  DSL_TRY(*out = wrap(at::index_select(T(x), dim, T(index))));
}
DSL_EXPORT dsl_index_select_out(dsl_tensor out, dsl_tensor x, int64_t dim, dsl_tensor index) {
  DSL_TRY(at::index_select_out(T(out), T(x), dim, T(index)));
}

// out[i][j] = x[index[i][j]][j] for dim 0 (and likewise for other dims); index is Int64.
DSL_EXPORT dsl_gather(dsl_tensor x, int64_t dim, dsl_tensor index, dsl_tensor* out) {
  DSL_TRY(*out = wrap(at::gather(T(x), dim, T(index))));
}
DSL_EXPORT dsl_gather_out(dsl_tensor out, dsl_tensor x, int64_t dim, dsl_tensor index) {
  DSL_TRY(at::gather_out(T(out), T(x), dim, T(index)));
}

// A copy of self with self[index[i][j]][j] += src[i][j] for dim 0 (the adjoint of gather).
DSL_EXPORT dsl_scatter_add(dsl_tensor self, int64_t dim, dsl_tensor index, dsl_tensor src, dsl_tensor* out) {
  DSL_TRY(*out = wrap(at::scatter_add(T(self), dim, T(index), T(src))));
}
DSL_EXPORT dsl_scatter_add_out(dsl_tensor out, dsl_tensor self, int64_t dim, dsl_tensor index, dsl_tensor src) {
  DSL_TRY(at::scatter_add_out(T(out), T(self), dim, T(index), T(src)));
}
DSL_EXPORT dsl_scatter_add_(dsl_tensor self, int64_t dim, dsl_tensor index, dsl_tensor src) {
  DSL_TRY(T(self).scatter_add_(dim, T(index), T(src)));
}

// labels (Int64) -> labels.shape + [num_classes] with a 1 at each label. Int64 like torch's
// one_hot; another dtype (a float, for losses) is written directly rather than converted.
// num_classes -1 infers max(labels) + 1.
DSL_EXPORT dsl_one_hot(dsl_tensor labels, int64_t num_classes, int32_t dtype, dsl_tensor* out) {
  DSL_TRY({
    auto type = dsl::dtype(dtype);
    auto& y = T(labels);
    if (type == at::kLong) {
      *out = wrap(at::one_hot(y, num_classes));
    } else {
      if (num_classes < 0) num_classes = y.numel() > 0 ? y.max().item<int64_t>() + 1 : 0;
      auto shape = y.sizes().vec();
      shape.push_back(num_classes);
      auto result = at::zeros(shape, y.options().dtype(type));
      result.scatter_(-1, y.unsqueeze(-1), 1);
      *out = wrap(std::move(result));
    }
  });
}

// out = one_hot(labels, out.size(-1)) in out's dtype; out's shape must be labels.shape + [classes].
DSL_EXPORT dsl_one_hot_out(dsl_tensor out, dsl_tensor labels) {
  DSL_TRY({
    auto& result = T(out);
    auto& y = T(labels);
    TORCH_CHECK(result.dim() == y.dim() + 1 && result.sizes().slice(0, static_cast<size_t>(y.dim())) == y.sizes(),
                "one_hot: the output's shape ", result.sizes(), " is not the labels' shape ", y.sizes(),
                " plus a class dimension");
    result.zero_();
    result.scatter_(-1, y.unsqueeze(-1), 1);
  });
}

// ---- joining ------------------------------------------------------------------------------

// Joins tensors along an existing dim; all other sizes must match.
DSL_EXPORT dsl_cat(const dsl_tensor* tensors, int32_t count, int64_t dim, dsl_tensor* out) {
  DSL_TRY(*out = wrap(at::cat(dsl::tensors(tensors, count), dim)));
}
DSL_EXPORT dsl_cat_out(dsl_tensor out, const dsl_tensor* tensors, int32_t count, int64_t dim) {
  DSL_TRY(at::cat_out(T(out), dsl::tensors(tensors, count), dim));
}

// Joins equally shaped tensors along a new dim.
DSL_EXPORT dsl_stack(const dsl_tensor* tensors, int32_t count, int64_t dim, dsl_tensor* out) {
  DSL_TRY(*out = wrap(at::stack(dsl::tensors(tensors, count), dim)));
}
DSL_EXPORT dsl_stack_out(dsl_tensor out, const dsl_tensor* tensors, int32_t count, int64_t dim) {
  DSL_TRY(at::stack_out(T(out), dsl::tensors(tensors, count), dim));
}
