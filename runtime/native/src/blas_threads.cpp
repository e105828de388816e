// OpenBLAS threads per product, by size.
//
// OpenBLAS splits every product above 64³ multiply-adds across all its threads, and the calling
// thread then waits for the others (spinning on sched_yield). When another process holds a core,
// the waiting lasts until the scheduler runs the descheduled BLAS thread again, milliseconds per
// product: a 784-64-64-10 step went from ~0.3 ms to ~80 ms, while with one BLAS thread it stayed at
// its idle time (docs/benchmarks.md, "Thread settings under load"). Large products still gain from
// the second core and lose little under load, because their own time dwarfs the wait. So products
// below a split minimum (m·k·n) run on one BLAS thread and the others on the configured count.
// In chunk mode (the default) products from the split minimum up to kChunkedProductMaximum use the
// second core differently: gemm_split.cpp cuts them in chunks that the caller runs itself unless
// Dsl's helper thread is awake to take some, so a starved helper no longer stalls the caller; those
// chunks call single-threaded BLAS, so OpenBLAS stays at one thread below kChunkedProductMaximum.
// openblas_set_num_threads is called only when the choice changes (it only stores the count once
// the threads exist).
#include "blas_threads.h"

#include "common.h"

#include <dlfcn.h>

#include <algorithm>
#include <atomic>

namespace {

using SetThreads = void (*)(int);

SetThreads openblas_set() {
  static const SetThreads fn = reinterpret_cast<SetThreads>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"));
  return fn;
}

std::atomic<int32_t> g_configured{0};  // Dsl's BLAS count; 0 = left as the library set it
std::atomic<int32_t> g_current{0};     // the count last passed to OpenBLAS
std::atomic<int64_t> g_split_minimum{int64_t{1} << 20};
std::atomic<int32_t> g_split_mode{static_cast<int32_t>(dsl::BlasSplitMode::chunks)};

bool chunk_mode() { return g_split_mode.load(std::memory_order_relaxed) == static_cast<int32_t>(dsl::BlasSplitMode::chunks); }

}  // namespace

namespace dsl {

void blas_threads_configured(int32_t count) {
  g_configured.store(count, std::memory_order_relaxed);
  g_current.store(count, std::memory_order_relaxed);
}

int32_t blas_threads_managed() { return g_configured.load(std::memory_order_relaxed); }

void blas_threads_for_product(int64_t rows, int64_t inner, int64_t cols) {
  auto configured = g_configured.load(std::memory_order_relaxed);
  if (configured <= 1) return;
  auto set = openblas_set();
  if (set == nullptr) return;
  auto minimum = g_split_minimum.load(std::memory_order_relaxed);
  if (chunk_mode()) minimum = std::max(minimum, kChunkedProductMaximum);
  auto want = rows * inner * cols < minimum ? 1 : configured;
  if (g_current.exchange(want, std::memory_order_relaxed) != want) set(want);
}

bool blas_chunks_for_product(int64_t rows, int64_t inner, int64_t cols) {
  if (!chunk_mode() || g_configured.load(std::memory_order_relaxed) < 2) return false;
  auto size = rows * inner * cols;
  return size >= g_split_minimum.load(std::memory_order_relaxed) && size < kChunkedProductMaximum;
}

}  // namespace dsl

// The split minimum in multiply-adds (m·k·n); 0 splits every product OpenBLAS would split (openblas
// mode) or every product of at least 2 chunks (chunk mode).
DSL_EXPORT dsl_set_blas_split_minimum(int64_t minimum) {
  DSL_TRY({
    TORCH_CHECK(minimum >= 0, "the BLAS split minimum must be 0 or more multiply-adds, but it is ", minimum);
    g_split_minimum.store(minimum, std::memory_order_relaxed);
  });
}

DSL_EXPORT dsl_get_blas_split_minimum(int64_t* minimum) {
  DSL_TRY({ *minimum = g_split_minimum.load(std::memory_order_relaxed); });
}

// The count OpenBLAS uses right now (after the last product's choice); -1 without OpenBLAS.
DSL_EXPORT dsl_get_blas_threads_in_use(int32_t* count) {
  DSL_TRY({
    using GetThreads = int (*)();
    auto fn = reinterpret_cast<GetThreads>(dlsym(RTLD_DEFAULT, "openblas_get_num_threads"));
    *count = fn != nullptr ? fn() : -1;
  });
}

// 0 = chunks (Dsl's helper thread below kChunkedProductMaximum), 1 = OpenBLAS's own threads.
DSL_EXPORT dsl_set_blas_split_mode(int32_t mode) {
  DSL_TRY({
    TORCH_CHECK(mode == 0 || mode == 1, "the BLAS split mode must be 0 (chunks) or 1 (openblas), but it is ", mode);
    g_split_mode.store(mode, std::memory_order_relaxed);
  });
}

DSL_EXPORT dsl_get_blas_split_mode(int32_t* mode) {
  DSL_TRY({ *mode = g_split_mode.load(std::memory_order_relaxed); });
}
