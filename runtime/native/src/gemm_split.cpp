// One float32 product in chunks, on the caller and one persistent helper thread.
//
// Why not OpenBLAS's own split: it hands half of every product to its second thread and the caller
// then waits for that half. When another process holds the other core, the second thread starts
// late (milliseconds), and every product waits for it (blas_threads.cpp). Here the product is cut
// along the larger of m or n into 2 to kMaxChunks chunks (see plan()). The caller publishes the job
// and takes chunks from an atomic counter; the helper, if it is awake, takes chunks from the same
// counter. A chunk nobody has claimed is always the caller's to run, so a helper that has not woken
// costs the caller nothing: it simply runs every chunk (and once it has run one without the helper
// claiming any, it takes all the rest as one BLAS call, so that the split costs no extra packing
// when the helper is absent). The caller waits only for chunks
// the helper has claimed and is running.
//
// The counter is one 64-bit word: generation (32 bits) | chunk count (16) | next chunk (16). The
// helper claims with compare-and-swap on the whole word, so a helper that wakes late, after the
// caller has finished that job and published another, can never claim a chunk of a job it did not
// see published; the job's description is read only after a successful claim, and it cannot change
// before the claimed chunk is reported done. Only the caller publishes, so it claims with fetch_add.
//
// The helper spins briefly after each job (the next product of a training step follows within
// microseconds), then sleeps on a futex; the caller issues the wake-up system call only when the
// helper has said it is going to sleep. Each chunk is one single-threaded BLAS call (OpenBLAS is
// kept at one thread below kChunkedProductMaximum, blas_threads.cpp).
#include "gemm_split.h"

#include "blas_threads.h"
#include "common.h"

#include <dlfcn.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <climits>
#include <thread>

namespace {

// Chunk sizes. Every chunk packs the whole operand it shares with the others again (a chunk of C's columns
// re-packs all of A), so more chunks cost more: on the 2-core machine 128x784x256 in 8 column chunks took
// ~1.25x its unsplit single-thread time when the helper ran none of them, in 4 ~1.1x, in 2 ~1.02x
// (docs/benchmarks.md, "Products split in chunks"). Fewer chunks leave more to wait for when the helper is
// preempted in the middle of one. So: up to kMaxChunks chunks of at least kMinChunkWidth rows or columns, else
// two halves when the split dimension is narrower than that (mlp-s's 64 columns), each of at least
// kMinChunkSize multiply-adds.
constexpr int64_t kMaxChunks = 4;
constexpr int64_t kMinChunkWidth = 128;
constexpr int64_t kChunkAlign = 16;                  // the widest sgemm register tile here (AVX-512: 16 floats)
constexpr int64_t kMinChunkSize = int64_t{1} << 17;  // multiply-adds: a thinner chunk costs more than it saves
constexpr auto kHelperSpin = std::chrono::microseconds(50);

// cblas_sgemm from the process (libtorch links OpenBLAS's libblas.so.3); else the Fortran sgemm_
// that every BLAS has. Enum arguments are ints in the C ABI.
using Cblas = void (*)(int, int, int, int, int, int, float, const float*, int, const float*, int, float, float*, int);
using Fortran = void (*)(const char*, const char*, const int*, const int*, const int*, const float*, const float*,
                         const int*, const float*, const int*, const float*, float*, const int*);
constexpr int kRowMajor = 101, kNoTrans = 111, kTrans = 112;

struct Blas {
  Cblas cblas = reinterpret_cast<Cblas>(dlsym(RTLD_DEFAULT, "cblas_sgemm"));
  Fortran fortran = reinterpret_cast<Fortran>(dlsym(RTLD_DEFAULT, "sgemm_"));
  bool present() const { return cblas != nullptr || fortran != nullptr; }
};

const Blas& blas() {
  static const Blas functions;
  return functions;
}

// Row-major C (m, n) = alpha · op(A) · op(B) + beta · C.
void sgemm(bool ta, bool tb, int m, int n, int k, float alpha, const float* a, int lda, const float* b, int ldb,
           float beta, float* c, int ldc) {
  const auto& f = blas();
  if (f.cblas != nullptr) {
    f.cblas(kRowMajor, ta ? kTrans : kNoTrans, tb ? kTrans : kNoTrans, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    return;
  }
  // Column-major view of the same memory: Cᵀ = op(B)ᵀ · op(A)ᵀ.
  char tra = ta ? 'T' : 'N', trb = tb ? 'T' : 'N';
  f.fortran(&trb, &tra, &n, &m, &k, &alpha, b, &ldb, a, &lda, &beta, c, &ldc);
}

// A 2-D float32 operand as BLAS reads it: row-major with leading dimension ld, or (transposed) the
// row-major storage of its transpose.
struct Operand {
  const float* data = nullptr;
  int ld = 0;
  bool transposed = false;
};

bool fits_int(int64_t v) { return v > 0 && v <= INT_MAX; }

bool read_operand(const at::Tensor& x, Operand& operand) {
  if (x.dim() != 2 || x.scalar_type() != at::kFloat || x.layout() != at::kStrided || !x.device().is_cpu()) return false;
  auto rows = x.size(0), cols = x.size(1), s0 = x.stride(0), s1 = x.stride(1);
  if (!fits_int(rows) || !fits_int(cols)) return false;
  if (s1 == 1 && s0 >= cols && fits_int(s0)) {
    operand = {x.data_ptr<float>(), static_cast<int>(s0), false};
  } else if (s0 == 1 && s1 >= rows && fits_int(s1)) {
    operand = {x.data_ptr<float>(), static_cast<int>(s1), true};
  } else {
    return false;
  }
  return true;
}

bool overlaps(const at::Tensor& x, const at::Tensor& y) { return x.storage().is_alias_of(y.storage()); }

struct Job {
  int m = 0, n = 0, k = 0;
  float alpha = 1, beta = 0;
  Operand a, b;
  float* c = nullptr;
  int ldc = 0;
  const float* bias = nullptr;  // copied into each chunk of C before the product (beta != 0, not in place)
  int64_t bias_row_stride = 0, bias_col_stride = 0;
  bool by_rows = true;  // chunks are row blocks of C, else column blocks
  int width = 0;        // rows or columns per chunk (the last may be narrower)
  int chunks = 0;
};

// Chunks [index, index + count) as one BLAS call (they are adjacent blocks of C).
void run_chunks(const Job& job, int index, int count) {
  int first = index * job.width;
  int extent = std::min(job.width * count, (job.by_rows ? job.m : job.n) - first);
  int rows = job.by_rows ? extent : job.m;
  int cols = job.by_rows ? job.n : extent;
  const float* a = job.a.data;
  const float* b = job.b.data;
  float* c = job.c;
  if (job.by_rows) {
    a += job.a.transposed ? first : static_cast<int64_t>(first) * job.a.ld;
    c += static_cast<int64_t>(first) * job.ldc;
  } else {
    b += job.b.transposed ? static_cast<int64_t>(first) * job.b.ld : first;
    c += first;
  }
  if (job.bias != nullptr) {
    const float* bias = job.bias + (job.by_rows ? first * job.bias_row_stride : first * job.bias_col_stride);
    for (int i = 0; i < rows; ++i) {
      float* row = c + static_cast<int64_t>(i) * job.ldc;
      const float* source = bias + i * job.bias_row_stride;
      for (int j = 0; j < cols; ++j) row[j] = source[j * job.bias_col_stride];
    }
  }
  sgemm(job.a.transposed, job.b.transposed, rows, cols, job.k, job.alpha, a, job.a.ld, b, job.b.ld, job.beta, c,
        job.ldc);
}

uint64_t pack(uint32_t generation, int chunks, int next) {
  return (uint64_t{generation} << 32) | (static_cast<uint64_t>(chunks) << 16) | static_cast<uint64_t>(next);
}
uint32_t generation_of(uint64_t word) { return static_cast<uint32_t>(word >> 32); }
int chunks_of(uint64_t word) { return static_cast<int>((word >> 16) & 0xffff); }
int next_of(uint64_t word) { return static_cast<int>(word & 0xffff); }

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

class Splitter {
 public:
  // Runs the job split, or returns false when another thread is using the splitter right now.
  bool run(const Job& job) {
    if (busy_.exchange(true, std::memory_order_acquire)) return false;
    start_helper();
    job_ = job;
    completed_.store(0, std::memory_order_relaxed);
    ++generation_;
    word_.store(pack(generation_, job.chunks, 0), std::memory_order_seq_cst);
    if (sleeping_.load(std::memory_order_seq_cst)) {
      wake_.fetch_add(1, std::memory_order_seq_cst);
      syscall(SYS_futex, reinterpret_cast<uint32_t*>(&wake_), FUTEX_WAKE_PRIVATE, 1, nullptr, nullptr, 0);
    }
    int mine = 0;
    for (;;) {
      int index = next_of(word_.fetch_add(1, std::memory_order_acq_rel));
      if (index >= job.chunks) break;
      run_chunks(job_, index, 1);
      ++mine;
      // The helper has claimed nothing while this chunk ran: it is not coming soon. The rest in one call
      // then, since every extra call packs the shared operand again.
      uint64_t word = word_.load(std::memory_order_acquire);
      int next = next_of(word);
      if (next == mine && next < job.chunks &&
          word_.compare_exchange_strong(word, pack(generation_, job.chunks, job.chunks), std::memory_order_acq_rel)) {
        run_chunks(job_, next, job.chunks - next);
        mine = job.chunks;
        break;
      }
    }
    // Every chunk is claimed now; those not run here are the helper's, running.
    for (int spins = 0; completed_.load(std::memory_order_acquire) + mine < job.chunks; ++spins) {
      if (spins < 4096) {
        cpu_relax();
      } else {
        sched_yield();  // the helper was preempted mid-chunk: let it have this core
      }
    }
    products_.fetch_add(1, std::memory_order_relaxed);
    busy_.store(false, std::memory_order_release);
    return true;
  }

  int64_t products() const { return products_.load(std::memory_order_relaxed); }
  int64_t helper_chunks() const { return helper_chunks_.load(std::memory_order_relaxed); }

 private:
  void start_helper() {
    if (started_) return;
    started_ = true;
    std::thread([this] { helper(); }).detach();
  }

  void helper() {
    pthread_setname_np(pthread_self(), "dsl-gemm");
    uint32_t seen = 0;
    for (;;) {
      seen = generation_of(wait_for_job(seen));
      uint64_t word = word_.load(std::memory_order_acquire);
      while (generation_of(word) == seen && next_of(word) < chunks_of(word)) {
        if (!word_.compare_exchange_weak(word, word + 1, std::memory_order_acq_rel, std::memory_order_acquire)) continue;
        run_chunks(job_, next_of(word), 1);
        helper_chunks_.fetch_add(1, std::memory_order_relaxed);
        completed_.fetch_add(1, std::memory_order_release);
        word = word_.load(std::memory_order_acquire);
      }
    }
  }

  // The word once its generation differs from `seen`: spin for kHelperSpin, then sleep on the futex.
  uint64_t wait_for_job(uint32_t seen) {
    auto until = std::chrono::steady_clock::now() + kHelperSpin;
    for (int spins = 1;; ++spins) {
      uint64_t word = word_.load(std::memory_order_acquire);
      if (generation_of(word) != seen) return word;
      cpu_relax();
      if (spins % 64 == 0 && std::chrono::steady_clock::now() > until) break;
    }
    for (;;) {
      uint32_t ticket = wake_.load(std::memory_order_seq_cst);
      sleeping_.store(true, std::memory_order_seq_cst);
      uint64_t word = word_.load(std::memory_order_seq_cst);
      if (generation_of(word) == seen) {
        syscall(SYS_futex, reinterpret_cast<uint32_t*>(&wake_), FUTEX_WAIT_PRIVATE, ticket, nullptr, nullptr, 0);
        word = word_.load(std::memory_order_seq_cst);
      }
      sleeping_.store(false, std::memory_order_relaxed);
      if (generation_of(word) != seen) return word;
    }
  }

  std::atomic<uint64_t> word_{0};
  std::atomic<int32_t> completed_{0};
  std::atomic<uint32_t> wake_{0};
  std::atomic<bool> sleeping_{false};
  std::atomic<bool> busy_{false};
  std::atomic<int64_t> products_{0};
  std::atomic<int64_t> helper_chunks_{0};
  Job job_;                  // written by the caller before publishing; read after a successful claim
  uint32_t generation_ = 0;  // caller-owned (under busy_)
  bool started_ = false;     // caller-owned (under busy_)
};

// Never destroyed: the detached helper may be asleep in it when the process exits.
Splitter& splitter() {
  static Splitter* instance = new Splitter();
  return *instance;
}

int64_t round_up(int64_t value, int64_t step) { return (value + step - 1) / step * step; }

// The chunk layout for job (m, n, k set): false when fewer than 2 chunks would do.
bool plan(Job& job) {
  job.by_rows = job.m >= job.n;
  int64_t along = job.by_rows ? job.m : job.n;
  int64_t across = static_cast<int64_t>(job.by_rows ? job.n : job.m) * job.k;
  int64_t width = std::max(round_up((along + kMaxChunks - 1) / kMaxChunks, kChunkAlign), kMinChunkWidth);
  if (width * 2 > along) width = round_up((along + 1) / 2, kChunkAlign);  // halves, not one chunk
  width = std::max(width, round_up((kMinChunkSize + across - 1) / across, kChunkAlign));
  int64_t chunks = (along + width - 1) / width;
  if (chunks < 2) return false;
  job.width = static_cast<int>(width);
  job.chunks = static_cast<int>(chunks);
  return true;
}

// bias's strides once broadcast to (m, n); false when it does not broadcast.
bool bias_strides(const at::Tensor& bias, int64_t m, int64_t n, int64_t& row_stride, int64_t& col_stride) {
  if (bias.scalar_type() != at::kFloat || bias.layout() != at::kStrided || !bias.device().is_cpu()) return false;
  auto stride_for = [](int64_t size, int64_t stride, int64_t want, int64_t& out) {
    if (size == want) out = want == 1 ? 0 : stride;
    else if (size == 1) out = 0;
    else return false;
    return true;
  };
  row_stride = col_stride = 0;
  switch (bias.dim()) {
    case 0: return true;
    case 1: return stride_for(bias.size(0), bias.stride(0), n, col_stride);
    case 2:
      return stride_for(bias.size(0), bias.stride(0), m, row_stride) &&
             stride_for(bias.size(1), bias.stride(1), n, col_stride);
    default: return false;
  }
}

}  // namespace

namespace dsl {

bool gemm_chunks_wanted(const at::Tensor& a, const at::Tensor& b) {
  if (a.dim() != 2 || b.dim() != 2) return false;
  if (!blas_chunks_for_product(a.size(0), a.size(1), b.size(1))) return false;
  Operand ignored;
  return read_operand(a, ignored) && read_operand(b, ignored) && blas().present();
}

bool gemm_in_chunks(const at::Tensor& out, const at::Tensor& a, const at::Tensor& b, const at::Tensor* bias,
                    double beta, double alpha) {
  if (!gemm_chunks_wanted(a, b)) return false;
  Job job;
  job.m = static_cast<int>(a.size(0));
  job.k = static_cast<int>(a.size(1));
  job.n = static_cast<int>(b.size(1));
  if (b.size(0) != job.k || !plan(job)) return false;
  read_operand(a, job.a);
  read_operand(b, job.b);
  if (out.dim() != 2 || out.scalar_type() != at::kFloat || out.layout() != at::kStrided || !out.device().is_cpu() ||
      out.size(0) != job.m || out.size(1) != job.n || out.stride(1) != 1 || out.stride(0) < job.n ||
      !fits_int(out.stride(0)) || overlaps(out, a) || overlaps(out, b)) {
    return false;
  }
  job.c = out.data_ptr<float>();
  job.ldc = static_cast<int>(out.stride(0));
  job.alpha = static_cast<float>(alpha);
  job.beta = bias != nullptr ? static_cast<float>(beta) : 0.0f;
  // A bias that does not broadcast is ATen's to report, even when beta = 0 ignores its values.
  if (bias != nullptr && !bias_strides(*bias, job.m, job.n, job.bias_row_stride, job.bias_col_stride)) return false;
  if (job.beta != 0.0f) {
    bool in_place = bias->data_ptr() == out.data_ptr() && job.bias_row_stride == job.ldc && job.bias_col_stride == 1;
    if (!in_place) {
      if (overlaps(*bias, out)) return false;
      job.bias = bias->data_ptr<float>();
    }
  }
  if (!splitter().run(job)) {
    // Another thread is splitting a product now: run this one whole, on this thread.
    job.by_rows = true;
    job.width = job.m;
    job.chunks = 1;
    run_chunks(job, 0, 1);
  }
  if (!out.is_inference()) out.unsafeGetTensorImpl()->bump_version();
  return true;
}

}  // namespace dsl

// Products run in chunks since the library loaded, and chunks of them the helper thread ran (for tests and
// benchmarks: how often the helper was there to help).
DSL_EXPORT dsl_get_gemm_chunk_counts(int64_t* products, int64_t* helper_chunks) {
  DSL_TRY({
    *products = splitter().products();
    *helper_chunks = splitter().helper_chunks();
  });
}
