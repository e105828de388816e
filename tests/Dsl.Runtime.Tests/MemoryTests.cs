using System.Diagnostics;
using Xunit;

namespace Dsl.Runtime.Tests;

[CollectionDefinition(nameof(MemoryTests), DisableParallelization = true)]
public sealed class MemoryTestsCollection;

/// <summary>Native memory is released on Dispose, and by the finalizer for forgotten tensors.</summary>
[Collection(nameof(MemoryTests))] // measures the process's memory: keep other tests from running beside it
public sealed class MemoryTests
{
    private static long ResidentBytes()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        using var self = Process.GetCurrentProcess();
        self.Refresh();
        return self.WorkingSet64;
    }

    [Fact]
    public void Hundred_thousand_eager_ops_with_disposal_keep_memory_flat()
    {
        using var x = Tensor.Ones([1024]); // 4 KiB per result: a leak would be 400 MiB
        for (var i = 0; i < 1000; i++) using (var warm = Ops.Exp(x)) { }
        var before = ResidentBytes();
        for (var i = 0; i < 100_000; i++)
        {
            using var y = Ops.Exp(x);
        }
        var growth = ResidentBytes() - before;
        Assert.True(growth < 32L << 20, $"resident memory grew by {growth >> 20} MiB over 100,000 disposed results");
    }

    [Fact]
    public void Forgotten_tensors_are_freed_by_the_finalizer()
    {
        using var x = Tensor.Ones([16384]); // 64 KiB per result: 100,000 leaked would be 6 GiB
        var before = ResidentBytes();
        for (var i = 0; i < 100_000; i++)
        {
            _ = Ops.Neg(x);
            if (i % 500 == 0) GC.Collect(); // at most 32 MiB awaiting finalization
        }
        var growth = ResidentBytes() - before;
        Assert.True(growth < 128L << 20, $"resident memory grew by {growth >> 20} MiB with finalizers only");
    }
}
