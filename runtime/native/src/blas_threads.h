// OpenBLAS's thread count chosen per product by its size (see blas_threads.cpp).
#pragma once
#include <cstdint>

namespace dsl {

// How products from the split minimum up use a second core: in chunks on Dsl's own helper thread (gemm_split.h),
// below kChunkedProductMaximum, or by OpenBLAS's own threads. Values match Dsl.BlasSplitMode.
enum class BlasSplitMode : int32_t { chunks = 0, openblas = 1 };

// From this size (m·k·n multiply-adds) products run on OpenBLAS's threads in either mode.
constexpr int64_t kChunkedProductMaximum = int64_t{1} << 27;

// Before a matrix product of `rows` x `inner` x `cols` multiply-adds (one BLAS call; per batch
// entry for batched products): one OpenBLAS thread when it is below the split minimum (in chunk
// mode: below kChunkedProductMaximum, since chunks run single-threaded BLAS), the configured count
// otherwise. Does nothing when the count is not ours to manage.
void blas_threads_for_product(int64_t rows, int64_t inner, int64_t cols);

// Whether a product of this size runs in chunks: chunk mode, Dsl manages at least 2 BLAS threads, and
// split minimum <= m·k·n < kChunkedProductMaximum.
bool blas_chunks_for_product(int64_t rows, int64_t inner, int64_t cols);

// Records the BLAS count Dsl configured (0 = the library's own setting, left alone).
void blas_threads_configured(int32_t count);

// The configured count, or 0 when not managed.
int32_t blas_threads_managed();

}  // namespace dsl
