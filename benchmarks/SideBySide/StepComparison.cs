using Dsl;

namespace SideBySide;

/// <summary>
/// Section 1: each configuration's training step, generated against PyTorch eager, with the GEMM-only
/// floor (MLPs only), in alternating rounds (Dsl, PyTorch, floor; the next round PyTorch first), after a 20-step loss check
/// and a warm-up on both sides.
/// </summary>
internal static class StepComparison
{
    public const int CheckSteps = 20;

    /// <summary>
    /// Relative tolerance of the loss check. The first step's loss comes from identical weights and data, so it
    /// differs only by float32 rounding (products summed in another order): 1e-5. Later steps differ more because Adam's
    /// first steps move each weight by about ±lr whatever the gradient's size, so a rounding-level difference in a
    /// near-zero gradient can flip a step; measured up to 1.1e-3 at mlp-l after 20 steps: 5e-3 allowed.
    /// A wrong gradient or update rule is off by far more (PyTorch at lr 2e-3, SIDE_BY_SIDE_TORCH_LR: 0.64 at mlp-s after 20 steps).
    /// </summary>
    public const double FirstLossTolerance = 1e-5, LossTolerance = 5e-3;

    public static void Run(Options options, PythonTwin python, string scratch)
    {
        var bandwidth = CopyBandwidth();
        Console.WriteLine($"## Training step: generated (Dsl) against PyTorch {python.Torch} eager");
        Console.WriteLine();
        Console.WriteLine($"Adam (lr 1e-3), cross-entropy, float32; {options.Rounds} interleaved rounds of ~{options.RoundMs} ms per side after warm-up; "
            + $"threads: Dsl intra-op {Threading.IntraOpThreads}, BLAS {Threading.BlasThreads} from products of 2^{Math.Log2(Math.Max(1, Threading.BlasSplitMinimum)):F0} multiply-adds (1 below), split mode {Threading.BlasSplitMode}; PyTorch set_num_threads({python.Threads}), BLAS its own default. "
            + $"Single-thread copy bandwidth {bandwidth / 1e9:F1} GB/s (for the update's traffic floor: 28 B per Adam parameter).");
        Console.WriteLine();
        Console.WriteLine("| config | Dsl median µs | Dsl min µs | PyTorch median µs | PyTorch min µs | PyTorch/Dsl (median) | (min) | GEMM floor median µs | (min) | floor, all products split by OpenBLAS, median (min) µs | + Adam traffic µs | Dsl / floor (min) | managed B/step | loss after 20 steps: Dsl / PyTorch (rel. diff) |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|");
        foreach (var spec in StepConfig.Select(options.Configs))
        {
            using var config = new StepConfig(spec);
            var name = spec.Name;
            var path = Path.Combine(scratch, $"{name}.safetensors");
            config.Save(path);
            python.Load(name, path);

            // Loss check from the same initial weights on the same batches.
            var ours = new double[CheckSteps];
            for (var i = 0; i < CheckSteps; i++) ours[i] = config.Step();
            var theirs = python.Check(CheckSteps);
            var lossDiff = Math.Abs(ours[^1] - theirs[^1]) / Math.Abs(theirs[^1]);
            var maxDiff = ours.Zip(theirs, (a, b) => Math.Abs(a - b) / Math.Abs(b)).Max();
            var firstDiff = Math.Abs(ours[0] - theirs[0]) / Math.Abs(theirs[0]);
            var lossOk = maxDiff <= LossTolerance && firstDiff <= FirstLossTolerance;

            // The GEMM-only floor exists for the MLPs only (a CNN's or a transformer's step is not only matrix products).
            using var floor = spec.MlpLayers is null ? null : new GemmFloor(config);
            var estimate = Measure.Estimate(() => config.Step(), options.Quick ? 5 : 20);
            var count = Measure.CountFor(options.RoundMs * 1000, estimate, 5, 2000);
            var buffer = new double[count];
            // Warm-up: the JIT's tiers, OpenBLAS's threads, the allocator's caches, on both sides.
            Measure.Calls(() => config.Step(), count, new Samples(), buffer);
            python.Steps(count);
            if (floor is not null) Measure.Calls(floor.Run, count, new Samples(), buffer);

            var dsl = new Samples();
            var torch = new Samples();
            var gemm = new Samples();
            var gemmSplit = new Samples();
            var (split, mode) = (Threading.BlasSplitMinimum, Threading.BlasSplitMode);
            long allocated = 0;
            for (var round = 0; round < options.Rounds; round++)
            {
                if (round % 2 == 1) torch.AddRange(python.Steps(count));
                allocated += Measure.Calls(() => config.Step(), count, dsl, buffer);
                if (round % 2 == 0) torch.AddRange(python.Steps(count));
                if (floor is null) continue;
                Measure.Calls(floor.Run, count, gemm, buffer);
                Threading.BlasSplitMinimum = 0; // every product on all BLAS threads, as OpenBLAS would split it
                Threading.BlasSplitMode = BlasSplitMode.OpenBlas;
                Measure.Calls(floor.Run, count, gemmSplit, buffer);
                Threading.BlasSplitMinimum = split;
                Threading.BlasSplitMode = mode;
            }
            var traffic = config.ParameterCount * 28.0 / bandwidth * 1e6;
            var floorColumns = floor is null
                ? $" | | | {traffic:F0} (Adam traffic only) | | "
                : $"{gemm.Median:F0} | {gemm.Min:F0} | {gemmSplit.Median:F0} ({gemmSplit.Min:F0}) | {gemm.Min + traffic:F0} | {dsl.Min / (gemm.Min + traffic):F2} | ";
            Console.WriteLine($"| {name} ({spec.Description}, b{spec.Batch}) | {dsl.Median:F0} | {dsl.Min:F0} | {torch.Median:F0} | {torch.Min:F0} | "
                + $"{torch.Median / dsl.Median:F2}x | {torch.Min / dsl.Min:F2}x | {floorColumns}{(double)allocated / dsl.Count:F1} | "
                + $"{ours[^1]:F5} / {theirs[^1]:F5} ({lossDiff:E1}; first step {firstDiff:E1}, max over 20 steps {maxDiff:E1}; "
                + $"{(lossOk ? "ok" : "MISMATCH")}: tolerance {FirstLossTolerance:E0} first, {LossTolerance:E0} any) |");
            if (!lossOk) Checks.Failures++;
        }
        Console.WriteLine();
    }

    /// <summary>Bytes per second of a 64 MiB tensor copy on one thread, counting the read and the write.</summary>
    public static double CopyBandwidth()
    {
        const long Elements = 16L << 20;
        using var source = Tensor.Ones([Elements]);
        using var target = Tensor.Empty([Elements]);
        var samples = new Samples();
        Measure.Calls(() => Kernels.Copy(source, target), 3, new Samples(), new double[3]);
        Measure.Calls(() => Kernels.Copy(source, target), 10, samples, new double[10]);
        return 2 * Elements * 4 / (samples.Min * 1e-6);
    }
}
