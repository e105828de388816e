// Matrix products: matmul, mm, bmm, addmm, linear; allocating and _out forms.
//
// Transposes are taken as strided views; ATen's CPU gemm reads a transposed view as a transposed
// operand (BLAS trans flag), so no copy is made. The shape checks below run before
// ATen's own so that a mismatch names the operands as the caller sees them ("a (transposed) is
// [3, 2]") instead of ATen's internal names ("mat1 and mat2 shapes cannot be multiplied").
//
// Float32 products of 2-D operands in the chunk range (blas_threads.h) run through gemm_split.h,
// the caller and Dsl's helper thread sharing chunks; everything else goes to ATen.
#include "blas_threads.h"
#include "common.h"
#include "gemm_split.h"

#include <c10/util/MaybeOwned.h>
#include <c10/util/SmallVector.h>

using dsl::T;
using dsl::wrap;
using dsl::blas_threads_for_product;

namespace {

// x with its last two dimensions swapped, sharing x's storage. Built directly, as ATen's own
// alias_with_sizes_and_strides does: x.transpose(-2, -1) through the dispatcher measured ~150 ns
// more per call (~570 vs ~395 ns for an 8x8 mm_out with one transposed operand). The view lives
// only for the duration of the call. Layouts other than plain strided take the ordinary route.
at::Tensor transposed_view(const at::Tensor& x) {
#if DSL_TORCH_AT_LEAST(2, 0)
  // Named tensors (has_names) are gone from 2.14's Tensor; the runtime never creates one anyway.
  if (x.layout() != at::kStrided || x.is_quantized()) return x.transpose(-2, -1);
#else
  if (x.layout() != at::kStrided || x.is_quantized() || x.has_names()) return x.transpose(-2, -1);
#endif
  c10::SmallVector<int64_t, 5> sizes(x.sizes().begin(), x.sizes().end());
  c10::SmallVector<int64_t, 5> strides(x.strides().begin(), x.strides().end());
  auto rank = sizes.size();
  std::swap(sizes[rank - 1], sizes[rank - 2]);
  std::swap(strides[rank - 1], strides[rank - 2]);
  auto view = at::detail::make_tensor<c10::TensorImpl>(c10::TensorImpl::VIEW, c10::Storage(x.storage()), x.key_set(),
                                                       x.dtype());
  view.unsafeGetTensorImpl()->set_sizes_and_strides(sizes, strides);
  view.unsafeGetTensorImpl()->set_storage_offset(x.storage_offset());
  return view;
}

// The operand as the product sees it: borrowed when not transposed (no refcount traffic on the
// hot path), a transposed view of the last two dimensions otherwise.
c10::MaybeOwned<at::Tensor> operand(const at::Tensor& x, bool transpose, int64_t rank, const char* name) {
  if (rank > 0) {
    TORCH_CHECK(x.dim() == rank, name, " must have ", rank, " dimensions, but its shape is ", x.sizes());
  }
  if (!transpose) return c10::MaybeOwned<at::Tensor>::borrowed(x);
  TORCH_CHECK(x.dim() >= 2, name, " must have at least 2 dimensions to be transposed, but its shape is ", x.sizes());
  return c10::MaybeOwned<at::Tensor>::owned(transposed_view(x));
}

const char* suffix(bool transpose) { return transpose ? " (transposed)" : ""; }

// a's last dimension must equal b's second-to-last (b's only one when b is a vector).
void check_inner(const at::Tensor& a, const at::Tensor& b, bool ta, bool tb) {
  TORCH_CHECK(a.dim() >= 1 && b.dim() >= 1, "both operands need at least 1 dimension, but a is ", a.sizes(),
              " and b is ", b.sizes());
  auto inner_a = a.size(-1);
  auto inner_b = b.dim() == 1 ? b.size(0) : b.size(-2);
  TORCH_CHECK(inner_a == inner_b, "the inner dimensions differ: a", suffix(ta), " is ", a.sizes(), " and b", suffix(tb),
              " is ", b.sizes(), " (", inner_a, " != ", inner_b, ")");
}

// BLAS threads for matmul's product (blas_threads.h): batched operands against a matrix are folded
// into one product, as ATen does; otherwise each batch entry is its own product.
void product_size_matmul(const at::Tensor& a, const at::Tensor& b) {
  auto inner = a.size(-1);
  auto rows = b.dim() <= 2 ? a.numel() / std::max<int64_t>(inner, 1) : a.size(-2);
  blas_threads_for_product(rows, inner, b.dim() >= 2 ? b.size(-1) : 1);
}

// x (..., in) · Wᵀ, W (out, in): one product of (x's rows) x in x out.
void product_size_linear(const at::Tensor& x, const at::Tensor& weight) {
  auto inner = weight.size(1);
  blas_threads_for_product(x.numel() / std::max<int64_t>(inner, 1), inner, weight.size(0));
}

// a · b (bias null) or beta · bias + alpha · (a · b), 2-D: in chunks when gemm_split.h takes it, else ATen.
at::Tensor product(const at::Tensor& a, const at::Tensor& b, const at::Tensor* bias, double beta, double alpha) {
  if (dsl::gemm_chunks_wanted(a, b)) {
    auto result = at::empty({a.size(0), b.size(1)}, a.options());
    if (dsl::gemm_in_chunks(result, a, b, bias, beta, alpha)) return result;
  }
  return bias != nullptr ? at::addmm(*bias, a, b, beta, alpha) : at::mm(a, b);
}

void check_batch(const at::Tensor& a, const at::Tensor& b) {
  TORCH_CHECK(a.size(0) == b.size(0), "the batch sizes differ: a is ", a.sizes(), " and b is ", b.sizes(), " (",
              a.size(0), " != ", b.size(0), ")");
}

}  // namespace

// ---- matmul: torch.matmul semantics (vectors, matrices, broadcast batches) -------------------

DSL_EXPORT dsl_matmul(dsl_tensor a, dsl_tensor b, dsl_tensor* out) {
  DSL_TRY({
    check_inner(T(a), T(b), false, false);
    product_size_matmul(T(a), T(b));
    *out = wrap(at::matmul(T(a), T(b)));
  });
}

DSL_EXPORT dsl_matmul_out(dsl_tensor out, dsl_tensor a, dsl_tensor b) {
  DSL_TRY({
    check_inner(T(a), T(b), false, false);
    product_size_matmul(T(a), T(b));
    if (!dsl::gemm_in_chunks(T(out), T(a), T(b), nullptr, 0, 1)) at::matmul_out(T(out), T(a), T(b));
  });
}

// matmul with either operand's last two dims swapped (a strided view, no copy): any rank >= 2,
// batch dims broadcast as in torch.matmul. A transposed operand needs at least 2 dims.
DSL_EXPORT dsl_matmul_t_out(dsl_tensor out, dsl_tensor a, dsl_tensor b, int32_t transpose_a, int32_t transpose_b) {
  DSL_TRY({
    auto A = operand(T(a), transpose_a, 0, "a");
    auto B = operand(T(b), transpose_b, 0, "b");
    check_inner(*A, *B, transpose_a, transpose_b);
    product_size_matmul(*A, *B);
    if (!dsl::gemm_in_chunks(T(out), *A, *B, nullptr, 0, 1)) at::matmul_out(T(out), *A, *B);
  });
}

// ---- mm: (m, k) x (k, n) ----------------------------------------------------------------------

DSL_EXPORT dsl_mm(dsl_tensor a, dsl_tensor b, int32_t transpose_a, int32_t transpose_b, dsl_tensor* out) {
  DSL_TRY({
    auto A = operand(T(a), transpose_a, 2, "a");
    auto B = operand(T(b), transpose_b, 2, "b");
    check_inner(*A, *B, transpose_a, transpose_b);
    blas_threads_for_product(A->size(0), A->size(1), B->size(1));
    *out = wrap(product(*A, *B, nullptr, 0, 1));
  });
}

DSL_EXPORT dsl_mm_out(dsl_tensor out, dsl_tensor a, dsl_tensor b, int32_t transpose_a, int32_t transpose_b) {
  DSL_TRY({
    auto A = operand(T(a), transpose_a, 2, "a");
    auto B = operand(T(b), transpose_b, 2, "b");
    check_inner(*A, *B, transpose_a, transpose_b);
    blas_threads_for_product(A->size(0), A->size(1), B->size(1));
    if (!dsl::gemm_in_chunks(T(out), *A, *B, nullptr, 0, 1)) at::mm_out(T(out), *A, *B);
  });
}

// ---- bmm: (batch, m, k) x (batch, k, n) --------------------------------------------------------

DSL_EXPORT dsl_bmm(dsl_tensor a, dsl_tensor b, int32_t transpose_a, int32_t transpose_b, dsl_tensor* out) {
  DSL_TRY({
    auto A = operand(T(a), transpose_a, 3, "a");
    auto B = operand(T(b), transpose_b, 3, "b");
    check_batch(*A, *B);
    check_inner(*A, *B, transpose_a, transpose_b);
    blas_threads_for_product(A->size(1), A->size(2), B->size(2));
    *out = wrap(at::bmm(*A, *B));
  });
}

DSL_EXPORT dsl_bmm_out(dsl_tensor out, dsl_tensor a, dsl_tensor b, int32_t transpose_a, int32_t transpose_b) {
  DSL_TRY({
    auto A = operand(T(a), transpose_a, 3, "a");
    auto B = operand(T(b), transpose_b, 3, "b");
    check_batch(*A, *B);
    check_inner(*A, *B, transpose_a, transpose_b);
    blas_threads_for_product(A->size(1), A->size(2), B->size(2));
    at::bmm_out(T(out), *A, *B);
  });
}

// ---- addmm: beta * bias + alpha * (a x b), bias broadcast to (m, n) ------------------------------

DSL_EXPORT dsl_addmm(dsl_tensor bias, dsl_tensor a, dsl_tensor b, double beta, double alpha, int32_t transpose_a,
                     int32_t transpose_b, dsl_tensor* out) {
  DSL_TRY({
    auto A = operand(T(a), transpose_a, 2, "a");
    auto B = operand(T(b), transpose_b, 2, "b");
    check_inner(*A, *B, transpose_a, transpose_b);
    blas_threads_for_product(A->size(0), A->size(1), B->size(1));
    *out = wrap(product(*A, *B, &T(bias), beta, alpha));
  });
}

DSL_EXPORT dsl_addmm_out(dsl_tensor out, dsl_tensor bias, dsl_tensor a, dsl_tensor b, double beta, double alpha,
                         int32_t transpose_a, int32_t transpose_b) {
  DSL_TRY({
    auto A = operand(T(a), transpose_a, 2, "a");
    auto B = operand(T(b), transpose_b, 2, "b");
    check_inner(*A, *B, transpose_a, transpose_b);
    blas_threads_for_product(A->size(0), A->size(1), B->size(1));
    if (!dsl::gemm_in_chunks(T(out), *A, *B, &T(bias), beta, alpha)) at::addmm_out(T(out), T(bias), *A, *B, beta, alpha);
  });
}

// ---- linear: x W^T + bias, x of shape (..., in), W of shape (out, in); bias may be null --------

namespace {
void check_linear(const at::Tensor& x, const at::Tensor& weight) {
  TORCH_CHECK(weight.dim() == 2, "the weight must be a matrix (out_features, in_features), but its shape is ",
              weight.sizes());
  TORCH_CHECK(x.dim() >= 1 && x.size(-1) == weight.size(1), "the input's last dimension must equal the weight's ",
              "in_features: x is ", x.sizes(), " and the weight is ", weight.sizes());
}
}  // namespace

DSL_EXPORT dsl_linear(dsl_tensor x, dsl_tensor weight, dsl_tensor bias, dsl_tensor* out) {
  DSL_TRY({
    check_linear(T(x), T(weight));
    product_size_linear(T(x), T(weight));
    *out = wrap(at::linear(T(x), T(weight), dsl::Opt(bias)));
  });
}

DSL_EXPORT dsl_linear_out(dsl_tensor out, dsl_tensor x, dsl_tensor weight, dsl_tensor bias) {
  DSL_TRY({
    check_linear(T(x), T(weight));
    product_size_linear(T(x), T(weight));
    if (T(x).dim() == 2 && dsl::blas_chunks_for_product(T(x).size(0), T(x).size(1), T(weight).size(0))) {
      auto bias_tensor = dsl::Opt(bias);  // x · Wᵀ + bias, Wᵀ a view
      if (dsl::gemm_in_chunks(T(out), T(x), transposed_view(T(weight)), bias_tensor ? &*bias_tensor : nullptr, 1, 1))
        return 0;
    }
    at::linear_out(T(out), T(x), T(weight), dsl::Opt(bias));
  });
}
