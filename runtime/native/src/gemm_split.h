// One float32 matrix product split in chunks between the caller and one helper thread (gemm_split.cpp).
#pragma once
#include <ATen/ATen.h>

#include <cstdint>

namespace dsl {

// Whether a product of a (m, k) and b (k, n) is one to run in chunks (blas_threads.h decides by its size and the
// mode) and has operands the chunked path can read: float32, 2-D, each row-major or a transposed row-major view.
bool gemm_chunks_wanted(const at::Tensor& a, const at::Tensor& b);

// out = beta · bias + alpha · (a · b), or alpha · (a · b) when bias is null, computed in chunks along the larger of
// m or n. The caller takes chunks from a shared counter and so does the helper thread once it is awake; the caller
// never waits for a chunk nobody has started. Returns false, having written nothing, when the product does not
// qualify (size, mode, dtype, layout, an output that is not (m, n) row-major or overlaps an operand, a bias that does
// not broadcast to (m, n)): the caller then takes ATen's route.
bool gemm_in_chunks(const at::Tensor& out, const at::Tensor& a, const at::Tensor& b, const at::Tensor* bias,
                    double beta, double alpha);

}  // namespace dsl
