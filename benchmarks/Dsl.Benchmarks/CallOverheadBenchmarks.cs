using BenchmarkDotNet.Attributes;

namespace Dsl.Benchmarks;

/// <summary>
/// What one runtime call costs when the math is negligible: 8x8 float32 tensors (64 elements).
/// The Kernels forms must allocate nothing managed (the Allocated column shows "-").
/// </summary>
[Config(typeof(QuickConfig))]
public class CallOverheadBenchmarks
{
    private Tensor _a = null!, _b = null!, _output = null!, _accumulator = null!;

    [GlobalSetup]
    public void Setup()
    {
        using var generator = new Generator(7);
        _a = Tensor.Randn([8, 8], generator);
        _b = Tensor.Randn([8, 8], generator);
        _output = Tensor.Zeros([8, 8]);
        _accumulator = Tensor.Zeros([8, 8]);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _a.Dispose();
        _b.Dispose();
        _output.Dispose();
        _accumulator.Dispose();
    }

    /// <summary>The shim's fixed cost: a P/Invoke, the InferenceMode guard and a metadata read.</summary>
    [Benchmark]
    public int ShimRoundTripRank() => _a.Rank;

    /// <summary>A managed tensor's life without any math: a second handle, then Dispose (two P/Invokes).</summary>
    [Benchmark]
    public void AliasAndDispose()
    {
        using var alias = _a.Alias();
    }

    /// <summary>Eager add: a new tensor (native and managed object), then Dispose.</summary>
    [Benchmark]
    public void OpsAddAndDispose()
    {
        using var sum = Ops.Add(_a, _b);
    }

    [Benchmark]
    public void KernelsAddInPlace() => Kernels.AddInPlace(_accumulator, _b);

    [Benchmark]
    public void KernelsAddIntoOutput() => Kernels.Add(_a, _b, _output);

    [Benchmark]
    [Flops(2.0 * 8 * 8 * 8)]
    public void KernelsMm8x8() => Kernels.Mm(_a, _b, _output);

    /// <summary>The same with b read transposed (a strided view, no copy).</summary>
    [Benchmark]
    [Flops(2.0 * 8 * 8 * 8)]
    public void KernelsMm8x8TransposedB() => Kernels.Mm(_a, _b, _output, transposeB: true);
}
