using Dsl;

namespace SideBySide;

/// <summary>
/// Section `cnn-kernels`: the native calls of cnn-s's generated step, one by one on its exact shapes (batch 32),
/// each timed alone into preallocated outputs, so the step's time can be split by kernel. Max pooling is timed
/// twice: the shim's tiled loop (what the step runs) and ATen's general kernel on the same windows (ceil mode on
/// 26x26 gives the same 13x13 windows but is not the tiled case, so it takes ATen's path).
/// </summary>
internal static class CnnKernels
{
    public static void Run(Options options)
    {
        using var generator = new Generator(3);
        var tensors = new List<Tensor>();
        Tensor Randn(params long[] shape) { var t = Tensor.Randn(shape, generator); tensors.Add(t); return t; }
        Tensor Empty(params long[] shape) { var t = Tensor.Empty(shape); tensors.Add(t); return t; }
        Tensor EmptyLong(params long[] shape) { var t = Tensor.Empty(shape, DType.Int64); tensors.Add(t); return t; }

        var images = Randn(32, 1, 28, 28);
        var w1 = Randn(8, 1, 3, 3);
        var b1 = Randn(8);
        var h1 = Empty(32, 8, 26, 26);
        var p1 = Empty(32, 8, 13, 13);
        var i1 = EmptyLong(32, 8, 13, 13);
        var w2 = Randn(16, 8, 3, 3);
        var b2 = Randn(16);
        var h2 = Empty(32, 16, 11, 11);
        var p2 = Empty(32, 16, 5, 5);
        var i2 = EmptyLong(32, 16, 5, 5);
        var g2 = Randn(32, 16, 11, 11);
        var gp1 = Randn(32, 8, 13, 13);
        var g1 = Randn(32, 8, 26, 26);
        var dW1 = Empty(8, 1, 3, 3);
        var dW2 = Empty(16, 8, 3, 3);
        var dP1 = Empty(32, 8, 13, 13);
        var dH1 = Empty(32, 8, 26, 26);
        var dH2 = Empty(32, 16, 11, 11);
        var gp2 = Randn(32, 16, 5, 5);
        Kernels.Relu(images, images);
        Kernels.Conv2d(images, w1, b1, 1, 0, 1, 1, h1);
        Kernels.Conv2d(p1, w2, b2, 1, 0, 1, 1, h2);

        (string Name, Action Call)[] calls =
        [
            ("conv1 forward [32,1,28,28] * [8,1,3,3]", () => Kernels.Conv2d(images, w1, b1, 1, 0, 1, 1, h1)),
            ("max pool 1 forward [32,8,26,26] → 13x13, tiled loop", () => Kernels.MaxPool2dWithIndices(h1, 2, 2, 0, 1, false, p1, i1)),
            ("max pool 1 forward, ATen's kernel (ceil mode)", () => Kernels.MaxPool2dWithIndices(h1, 2, 2, 0, 1, true, p1, i1)),
            ("conv2 forward [32,8,13,13] * [16,8,3,3]", () => Kernels.Conv2d(p1, w2, b2, 1, 0, 1, 1, h2)),
            ("max pool 2 forward [32,16,11,11] → 5x5, tiled loop", () => Kernels.MaxPool2dWithIndices(h2, 2, 2, 0, 1, false, p2, i2)),
            ("max pool 2 backward, tiled loop", () => Kernels.MaxPool2dWithIndicesBackward(gp2, h2, i2, 2, 2, 0, 1, false, dH2)),
            ("conv2 backward: input gradient", () => Kernels.Conv2dBackward(g2, p1, w2, 1, 0, 1, 1, dP1, null, null)),
            ("conv2 backward: weight gradient", () => Kernels.Conv2dBackward(g2, p1, w2, 1, 0, 1, 1, null, dW2, null)),
            ("max pool 1 backward, tiled loop", () => Kernels.MaxPool2dWithIndicesBackward(gp1, h1, i1, 2, 2, 0, 1, false, dH1)),
            ("max pool 1 backward, ATen's kernel (ceil mode)", () => Kernels.MaxPool2dWithIndicesBackward(gp1, h1, i1, 2, 2, 0, 1, true, dH1)),
            ("conv1 backward: weight gradient", () => Kernels.Conv2dBackward(g1, images, w1, 1, 0, 1, 1, null, dW1, null)),
            ("relu [32,8,26,26] in place", () => Kernels.Relu(h1, h1)),
        ];
        Console.WriteLine("## cnn-s's kernels one by one (batch 32, float32)");
        Console.WriteLine();
        Console.WriteLine($"Threads: intra-op {Threading.IntraOpThreads}, BLAS {Threading.BlasThreads}. {options.Rounds} rounds, calls interleaved per round.");
        Console.WriteLine();
        Console.WriteLine("| call | median µs | min µs |");
        Console.WriteLine("|---|---:|---:|");
        var samples = calls.Select(_ => new Samples()).ToArray();
        const int Count = 50;
        var buffer = new double[Count];
        foreach (var (_, call) in calls) Measure.Calls(call, Count, new Samples(), buffer);
        for (var round = 0; round < options.Rounds; round++)
        {
            for (var i = 0; i < calls.Length; i++) Measure.Calls(calls[i].Call, Count, samples[i], buffer);
        }
        for (var i = 0; i < calls.Length; i++) Console.WriteLine($"| {calls[i].Name} | {samples[i].Median:F1} | {samples[i].Min:F1} |");
        Console.WriteLine();
        foreach (var t in tensors) t.Dispose();
    }
}
