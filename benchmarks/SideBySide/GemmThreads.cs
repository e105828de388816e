using Dsl;

namespace SideBySide;

/// <summary>
/// Section `gemm-threads`: one float32 product (m, k)·(k, n) per size with 1 and with 2 OpenBLAS threads, and in
/// chunks on the caller and Dsl's helper thread (Threading.BlasSplitMode Chunks; products of 2^27 multiply-adds and
/// more run on OpenBLAS's threads whatever the mode, so that column repeats the 2-thread one there), idle and with
/// one core busy: where a second thread starts to pay, and where it collapses under load. Sizes: the first layer's
/// forward product of each MLP configuration and square products.
/// </summary>
internal static class GemmThreads
{
    public static void Run(Options options)
    {
        (string Label, int M, int K, int N)[] sizes =
        [
            ("mlp-s layer 1 (32x784x64)", 32, 784, 64),
            ("128³", 128, 128, 128),
            ("mlp-m layer 1 (128x784x256)", 128, 784, 256),
            ("256³", 256, 256, 256),
            ("384³", 384, 384, 384),
            ("512³", 512, 512, 512),
            ("mlp-l layer 1 (512x784x1024)", 512, 784, 1024),
            ("1024³", 1024, 1024, 1024),
        ];
        var (intraOp, blas, split, mode) = (Threading.IntraOpThreads, Threading.BlasThreads, Threading.BlasSplitMinimum, Threading.BlasSplitMode);
        Threading.BlasSplitMinimum = 0; // OpenBLAS's own choice: the thread count set is the count used
        Console.WriteLine("## One GEMM with 1 and 2 OpenBLAS threads and in chunks, idle and with one core busy");
        Console.WriteLine();
        Console.WriteLine("| product (m x k x n) | m·k·n | 1 thread idle µs (median/min) | 2 threads idle | chunks idle | 1 thread busy | 2 threads busy | chunks busy | 2/1 idle | chunks/1 idle | 2/1 busy | chunks/1 busy |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        using var generator = new Generator(3);
        foreach (var (label, m, k, n) in sizes)
        {
            using var a = Tensor.Randn([m, k], generator);
            using var b = Tensor.Randn([k, n], generator);
            using var output = Tensor.Empty([m, n]);
            void Product() => Kernels.Mm(a, b, output);
            Threading.Configure(intraOp, 1);
            var estimate = Measure.Estimate(Product, 5);
            var count = Measure.CountFor(options.RoundMs * 1000 / 2, estimate, 5, 2000);
            var budget = options.RoundMs * 1000.0;
            // 1 and 2: OpenBLAS threads; 3: chunks (2 BLAS threads configured, each chunk on one).
            var results = new Dictionary<(int, bool), Samples>();
            foreach (var key in new[] { 1, 2, 3 }.SelectMany(t => new[] { (t, false), (t, true) })) results[key] = new Samples();
            for (var round = 0; round < options.ThreadRounds; round++)
            {
                foreach (var loaded in new[] { false, true })
                {
                    using var competitor = loaded ? new BusyCore() : null;
                    foreach (var threads in new[] { 1, 2, 3 })
                    {
                        Threading.Configure(intraOp, Math.Min(threads, 2));
                        Threading.BlasSplitMode = threads == 3 ? BlasSplitMode.Chunks : BlasSplitMode.OpenBlas;
                        MeasureBudget.Calls(Product, Math.Max(2, count / 5), budget / 5, new Samples());
                        MeasureBudget.Calls(Product, count, budget, results[(threads, loaded)]);
                    }
                }
            }
            string Cell(Samples s) => $"{s.Median:F0} / {s.Min:F0}";
            double Ratio(int threads, bool loaded) => results[(threads, loaded)].Median / results[(1, loaded)].Median;
            Console.WriteLine($"| {label} | {(long)m * k * n:N0} | {Cell(results[(1, false)])} | {Cell(results[(2, false)])} | {Cell(results[(3, false)])} | "
                + $"{Cell(results[(1, true)])} | {Cell(results[(2, true)])} | {Cell(results[(3, true)])} | "
                + $"{Ratio(2, false):F2} | {Ratio(3, false):F2} | {Ratio(2, true):F2} | {Ratio(3, true):F2} |");
        }
        Threading.Configure(intraOp, blas);
        Threading.BlasSplitMinimum = split;
        Threading.BlasSplitMode = mode;
        Console.WriteLine();
    }
}
