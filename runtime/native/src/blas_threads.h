// OpenBLAS's thread count chosen per product by its size (see blas_threads.cpp).
#pragma once
#include <cstdint>

namespace dsl {

// Before a matrix product of `rows` x `inner` x `cols` multiply-adds (one BLAS call; per batch
// entry for batched products): one OpenBLAS thread when it is below the split minimum, the
// configured count otherwise. Does nothing when the count is not ours to manage.
void blas_threads_for_product(int64_t rows, int64_t inner, int64_t cols);

// Records the BLAS count Dsl configured (0 = the library's own setting, left alone).
void blas_threads_configured(int32_t count);

// The configured count, or 0 when not managed.
int32_t blas_threads_managed();

}  // namespace dsl
