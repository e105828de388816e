// Times single-threaded row-major sgemm on the products of the side-by-side MLP and CNN steps,
// through two BLAS libraries loaded side by side (dlopen, RTLD_LOCAL), to answer whether a
// small-matrix library beats OpenBLAS on our shapes. Usage: small_gemm LIB_A LIB_B [ms per shape]
#include <dlfcn.h>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

namespace {

enum Order { RowMajor = 101 };
enum Transpose { NoTrans = 111, Trans = 112 };
using Sgemm = void (*)(int, int, int, int, int, int, float, const float*, int, const float*, int, float, float*, int);
using SetThreads = void (*)(int);

struct Library
{
    const char* path;
    Sgemm sgemm;
};

Library load(const char* path)
{
    void* handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!handle) { std::fprintf(stderr, "cannot load %s: %s\n", path, dlerror()); std::exit(2); }
    auto sgemm = reinterpret_cast<Sgemm>(dlsym(handle, "cblas_sgemm"));
    if (!sgemm) { std::fprintf(stderr, "%s has no cblas_sgemm\n", path); std::exit(2); }
    // One thread each: the step's small products run on one BLAS thread (or in the shim's own chunks).
    for (const char* name : {"openblas_set_num_threads", "bli_thread_set_num_threads"})
        if (auto set = reinterpret_cast<SetThreads>(dlsym(handle, name))) set(1);
    return {path, sgemm};
}

struct Shape { const char* what; int m, k, n; bool transA, transB; };

double median_us(const Library& lib, const Shape& s, double budget_ms)
{
    std::vector<float> a(size_t(s.m) * s.k, 0.5f), b(size_t(s.k) * s.n, 0.25f), c(size_t(s.m) * s.n);
    const int lda = s.transA ? s.m : s.k, ldb = s.transB ? s.k : s.n;
    auto run = [&] { lib.sgemm(RowMajor, s.transA ? Trans : NoTrans, s.transB ? Trans : NoTrans, s.m, s.n, s.k, 1.f, a.data(), lda, b.data(), ldb, 0.f, c.data(), s.n); };
    for (int i = 0; i < 20; i++) run();
    std::vector<double> times;
    auto start = std::chrono::steady_clock::now();
    while (std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count() < budget_ms)
    {
        auto t0 = std::chrono::steady_clock::now();
        run();
        times.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count());
    }
    std::sort(times.begin(), times.end());
    return times[times.size() / 2];
}

}  // namespace

int main(int argc, char** argv)
{
    if (argc < 3) { std::fprintf(stderr, "usage: %s LIB_A LIB_B [ms per shape]\n", argv[0]); return 2; }
    const double budget = argc > 3 ? std::atof(argv[3]) : 300;
    Library first = load(argv[1]), second = load(argv[2]);
    const Shape shapes[] = {
        {"mlp-s x·W1", 32, 784, 64, false, false}, {"mlp-s h·W2", 32, 64, 64, false, false},
        {"mlp-s xᵀ·dY (dW1)", 784, 32, 64, true, false}, {"mlp-s dY·W2ᵀ", 32, 64, 64, false, true},
        {"mlp-m x·W1", 128, 784, 256, false, false}, {"mlp-m xᵀ·dY (dW1)", 784, 128, 256, true, false},
        {"mlp-m dY·W2ᵀ", 128, 256, 256, false, true},
        {"cnn-s conv2 im2col", 32 * 11 * 11, 72, 16, false, false}, {"cnn-s linear", 32, 400, 10, false, false},
    };
    std::printf("| product (m x k x n) | %s median µs | %s median µs | second / first |\n|---|---:|---:|---:|\n", first.path, second.path);
    for (const auto& s : shapes)
    {
        double x = median_us(first, s, budget), y = median_us(second, s, budget);
        std::printf("| %s (%dx%dx%d%s%s) | %.1f | %.1f | %.2f |\n", s.what, s.m, s.k, s.n, s.transA ? ", Aᵀ" : "", s.transB ? ", Bᵀ" : "", x, y, y / x);
    }
}
