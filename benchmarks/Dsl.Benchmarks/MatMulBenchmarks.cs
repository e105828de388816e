using BenchmarkDotNet.Attributes;

namespace Dsl.Benchmarks;

/// <summary>A 1024x1024x1024 float32 product into a preallocated buffer: BLAS throughput.</summary>
[Config(typeof(QuickConfig))]
public class MatMulBenchmarks
{
    private const int N = 1024;
    private Tensor _a = null!, _b = null!, _output = null!;

    [GlobalSetup]
    public void Setup()
    {
        using var generator = new Generator(11);
        _a = Tensor.Randn([N, N], generator);
        _b = Tensor.Randn([N, N], generator);
        _output = Tensor.Zeros([N, N]);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _a.Dispose();
        _b.Dispose();
        _output.Dispose();
    }

    [Benchmark]
    [Flops(2.0 * N * N * N)]
    public void KernelsMm1024() => Kernels.Mm(_a, _b, _output);

    [Benchmark]
    [Flops(2.0 * N * N * N)]
    public void KernelsMm1024TransposedB() => Kernels.Mm(_a, _b, _output, transposeB: true);
}
