// ChaosExpansion: Shi et al. (2026), "Expanding the Chaos: Neural Operator for Stochastic (Partial) Differential
// Equations". Paths of geometric Brownian motion are reconstructed from their driving noise in one
// forward pass: the noise is projected onto Wick-Hermite features Ξα (ChaosData.cs) and an MLP of
// (t, x0) learns the deterministic chaos coefficients cα(t, x0) of X̂(t) = Σα cα(t, x0)·Ξα. GBM's
// coefficients have a closed form, so the run compares the trained error with the error floor of
// the truncated closed-form expansion, and the learned coefficients, mean and variance with theirs.
using Dsl;
using Dsl.Examples;
using static Dsl.Ops;

return ExampleCommand.Run(args, "chaosexpansion",
    "Learns the Wiener chaos coefficients of geometric Brownian motion and compares them with the closed form (generated training step).",
    new ExampleDefaults(Epochs: ChaosRuns.Epochs, BatchSize: 64, LearningRate: ChaosRuns.LearningRate),
    ChaosRuns.Report);

// loc: begin
[Model]
public partial class ChaosCoefficients
{
    [Dim] public int Count;   // |A|: one coefficient per multi-index α

    [Param(2, 64)] public Tensor W1;
    [Param(64)] public Tensor B1;
    [Param(64, 64)] public Tensor W2;
    [Param(64)] public Tensor B2;
    [Param(64, nameof(Count))] public Tensor W3;
    [Param(nameof(Count))] public Tensor B3;

    // (t, x0) at every grid time of every path → cα(t, x0) for every α.
    public Tensor Forward([Shape("Batch", "Time", 2)] Tensor inputs) =>
        MatMul(Gelu(MatMul(Gelu(MatMul(inputs, W1) + B1), W2) + B2), W3) + B3;
}

[Experiment]
public partial class ChaosRelativeL2
{
    public ChaosCoefficients Net = new();
    public Adam Optimizer = new() { LearningRate = 3e-3 };

    // X̂(t) = Σα cα(t, x0)·Ξα; the loss is the mean over paths of ‖X̂ − X‖ / ‖X‖ over the grid.
    [Loss]
    public Tensor Loss(Tensor inputs, [Shape("Batch", "Alphas")] Tensor features, [Shape("Batch", "Time")] Tensor target) =>
        Mean(Norm(Sum(Net.Forward(inputs) * Unsqueeze(features, 1), 2) - target, 2, [1]) / Norm(target, 2, [1]));
}

[Experiment]
public partial class ChaosMse
{
    public ChaosCoefficients Net = new();
    public Adam Optimizer = new() { LearningRate = 3e-3 };

    // Squared error: its optimum is the projection of X onto the features, the closed-form coefficients.
    [Loss]
    public Tensor Loss(Tensor inputs, [Shape("Batch", "Alphas")] Tensor features, [Shape("Batch", "Time")] Tensor target) =>
        MseLoss(Sum(Net.Forward(inputs) * Unsqueeze(features, 1), 2), target);
}
// loc: end

/// <summary>One (K, N) run: the error on the test paths of the trained model and of the closed form.</summary>
public sealed record ChaosResult(int K, int N, int Count, double Floor, double Trained, double Seconds)
{
    public double Ratio => Trained / Floor;
}

/// <summary>The learned coefficients of one multi-index against the closed form over a (t, x0) grid.</summary>
public sealed record CoefficientMatch(string Alpha, int Order, double RelativeError);

/// <summary>The runs the program makes and the numbers it reads off the trained models.</summary>
public static class ChaosRuns
{
    public const int TrainPaths = 8192, TestPaths = 4096, Epochs = 20;
    public const double LearningRate = 1e-2;

    /// <summary>The (K, N) of the two floor comparisons, then those of the sweep over N (K = 4) and over K (N = 3).</summary>
    public static readonly (int K, int N)[] FloorRuns = [(4, 3), (6, 3)];
    public static readonly (int K, int N)[] SweepRuns = [(4, 1), (4, 2), (1, 3), (2, 3)];

    /// <summary>The x0 at which coefficients are compared: the training range's ends and three points between.</summary>
    public static readonly double[] X0Grid = [0.5, 0.75, 1.0, 1.25, 1.5];

    // loc: begin
    // The learning rate follows a cosine schedule to zero over the run (constant with cosine: false).
    private static FitOptions Options(int paths, int epochs, int batchSize, ulong seed, string? runFolder, bool quiet, bool cosine) => new()
    {
        Epochs = epochs, BatchSize = batchSize, Seed = seed, RunFolder = runFolder,
        Schedule = cosine ? new CosineSchedule((long)epochs * ((paths + batchSize - 1) / batchSize)) : null,
        Verbosity = runFolder is null || quiet ? FitVerbosity.Silent : FitVerbosity.Epochs,
    };
    // loc: end

    /// <summary>Trains the relative-L2 model at (K, N) on <paramref name="trainPaths"/> paths and measures it on the test paths.</summary>
    public static (ChaosRelativeL2 Experiment, ChaosResult Result) TrainRelative(int k, int n, int trainPaths, int epochs, int batchSize,
        double learningRate, ulong seed, string? runFolder = null, bool quiet = true, bool cosine = true)
    {
        using var train = ChaosData.Create(trainPaths, k, n, seed: 2 * seed + 1);
        using var test = ChaosData.Create(TestPaths, k, n, seed: 2 * seed + 2);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        // loc: begin
        var experiment = new ChaosRelativeL2 { Net = new() { Count = train.Count }, Optimizer = new Adam { LearningRate = learningRate } };
        experiment.Fit(train.Data, Options(trainPaths, epochs, batchSize, seed, runFolder, quiet, cosine));
        // loc: end
        var seconds = clock.Elapsed.TotalSeconds;
        return (experiment, new ChaosResult(k, n, train.Count, test.ClosedFormError(), experiment.Evaluate(test.Data).Loss, seconds));
    }

    /// <summary>Trains the squared-error model at (K, N), whose coefficients are compared with the closed form.</summary>
    public static ChaosMse TrainMse(int k, int n, int trainPaths, int epochs, int batchSize, double learningRate, ulong seed,
        string? runFolder = null, bool quiet = true)
    {
        using var train = ChaosData.Create(trainPaths, k, n, seed: 2 * seed + 1);
        // loc: begin
        var experiment = new ChaosMse { Net = new() { Count = train.Count }, Optimizer = new Adam { LearningRate = learningRate } };
        experiment.Fit(train.Data, Options(trainPaths, epochs, batchSize, seed, runFolder, quiet, cosine: true));
        // loc: end
        return experiment;
    }

    /// <summary>cα(t_n, x0) for every α, grid time and x0 of <paramref name="x0s"/>: [x0, time, α].</summary>
    public static double[,,] Coefficients(ChaosCoefficients net, IReadOnlyList<double> x0s)
    {
        var inputs = new float[x0s.Count * ChaosData.Times * 2];
        for (var i = 0; i < x0s.Count; i++)
            for (var s = 0; s < ChaosData.Times; s++)
                (inputs[(i * ChaosData.Times + s) * 2], inputs[(i * ChaosData.Times + s) * 2 + 1]) = ChaosData.Scaled(ChaosData.Time(s), x0s[i]);
        using var x = Tensor.FromArray(inputs, x0s.Count, ChaosData.Times, 2);
        var values = net.Predict(x).ToArray<float>();
        var result = new double[x0s.Count, ChaosData.Times, net.Count];
        for (var i = 0; i < x0s.Count; i++)
            for (var s = 0; s < ChaosData.Times; s++)
                for (var a = 0; a < net.Count; a++) result[i, s, a] = values[(i * ChaosData.Times + s) * net.Count + a];
        return result;
    }

    /// <summary>
    /// For each α of order ≤ <paramref name="maxOrder"/>: ‖c − x‖/‖x‖ over the grid of <see cref="X0Grid"/> and
    /// the 33 times, where x is the closed form.
    /// </summary>
    public static List<CoefficientMatch> CompareCoefficients(ChaosCoefficients net, int[][] alphas, int maxOrder)
    {
        var learned = Coefficients(net, X0Grid);
        var matches = new List<CoefficientMatch>();
        for (var a = 0; a < alphas.Length; a++)
        {
            var order = alphas[a].Sum();
            if (order > maxOrder) continue;
            double error = 0, norm = 0;
            for (var i = 0; i < X0Grid.Length; i++)
                for (var s = 0; s < ChaosData.Times; s++)
                {
                    var exact = ChaosData.ClosedForm(alphas[a], ChaosData.Time(s), X0Grid[i]);
                    error += Math.Pow(learned[i, s, a] - exact, 2);
                    norm += exact * exact;
                }
            matches.Add(new CoefficientMatch("(" + string.Join(",", alphas[a]) + ")", order, Math.Sqrt(error / norm)));
        }
        return matches;
    }

    /// <summary>The sweep (CHAOS_SWEEP=1): (K, N) = (4, 3) at several learning rates, constant and cosine, on the given seed.</summary>
    public static int Sweep(ExampleSettings settings)
    {
        Console.WriteLine($"(K, N) = (4, 3), {settings.Epochs} epochs of batch {settings.BatchSize}, seed {settings.Seed}: trained / floor");
        Console.WriteLine("| learning rate | constant | cosine |");
        Console.WriteLine("|---|---|---|");
        foreach (var rate in new[] { 1e-3, 3e-3, 1e-2, 3e-2 })
        {
            var ratios = new List<string>();
            foreach (var cosine in new[] { false, true })
                ratios.Add($"{TrainRelative(4, 3, TrainPaths, settings.Epochs, settings.BatchSize, rate, settings.Seed, cosine: cosine).Result.Ratio:F3}");
            Console.WriteLine($"| {rate:G3} | {ratios[0]} | {ratios[1]} |");
        }
        return 0;
    }

    /// <summary>The program: the floor comparisons, the sweep over N and K, the squared-error coefficients; tables and SVGs.</summary>
    public static int Report(ExampleSettings settings)
    {
        if (Environment.GetEnvironmentVariable("CHAOS_SWEEP") == "1") return Sweep(settings);
        var folder = settings.RunFolder;
        Directory.CreateDirectory(folder);
        var results = new Dictionary<(int K, int N), ChaosResult>();
        Console.WriteLine($"GBM, μ = σ = {ChaosData.Mu}, T = 1, 32 steps; {TrainPaths} training paths, {TestPaths} test paths; " +
                          $"MLP (t, x0) → 64 → 64 → |A| with GELU; Adam {settings.LearningRate:G3}, batch {settings.BatchSize}, {settings.Epochs} epochs " +
                          $"({settings.Epochs * (TrainPaths / settings.BatchSize)} steps) for the floor and squared-error runs, a quarter of that for the sweep's; " +
                          "learning rate on a cosine schedule to zero");
        // The sweep's runs train a quarter as long: they show the trend, the floor runs how close training gets.
        var sweepEpochs = Math.Max(1, settings.Epochs / 4);
        foreach (var (k, n) in FloorRuns.Concat(SweepRuns))
        {
            var epochs = FloorRuns.Contains((k, n)) ? settings.Epochs : sweepEpochs;
            var (_, result) = TrainRelative(k, n, TrainPaths, epochs, settings.BatchSize, settings.LearningRate, settings.Seed,
                Path.Combine(folder, $"k{k}-n{n}"), settings.Quiet);
            results[(k, n)] = result;
            Console.WriteLine($"K = {k}, N = {n}, {epochs} epochs: test relative L2 {result.Trained:F4}, closed-form floor {result.Floor:F4} ({result.Ratio:F3}x) in {result.Seconds:F1} s");
        }

        Console.WriteLine();
        Console.WriteLine("(a) Trained error against the closed-form floor (mean relative L2 over the test paths):");
        Table.Print(["K", "N", "terms", "closed-form floor", "trained", "trained / floor"],
            FloorRuns.Select(c => results[c]).Select(r => (IReadOnlyList<string>)[$"{r.K}", $"{r.N}", $"{r.Count}", $"{r.Floor:F4}", $"{r.Trained:F4}", $"{r.Ratio:F3}"]));

        Console.WriteLine();
        Console.WriteLine("(c) Error as N and K grow:");
        var byN = new[] { 1, 2, 3 }.Select(n => results[(4, n)]).ToList();
        var byK = new[] { 1, 2, 4, 6 }.Select(k => results[(k, 3)]).ToList();
        Table.Print(["K", "N", "terms", "closed-form floor", "trained", "trained / floor"],
            byN.Concat(byK.Where(r => r.K != 4)).Select(r => (IReadOnlyList<string>)[$"{r.K}", $"{r.N}", $"{r.Count}", $"{r.Floor:F4}", $"{r.Trained:F4}", $"{r.Ratio:F3}"]));
        new Figure("error against the chaos order N (K = 4)", "N", "mean relative L2")
            .Add("trained", byN.Select(r => ((double)r.N, r.Trained)))
            .Add("closed-form floor", byN.Select(r => ((double)r.N, r.Floor)))
            .Save(Path.Combine(folder, "error-by-order.svg"));
        new Figure("error against the number of noise modes K (N = 3)", "K", "mean relative L2")
            .Add("trained", byK.Select(r => ((double)r.K, r.Trained)))
            .Add("closed-form floor", byK.Select(r => ((double)r.K, r.Floor)))
            .Save(Path.Combine(folder, "error-by-modes.svg"));

        // (b), (d): the squared-error model at (4, 3).
        var (mk, mn) = FloorRuns[0];
        var mse = TrainMse(mk, mn, TrainPaths, settings.Epochs, settings.BatchSize, settings.LearningRate, settings.Seed,
            Path.Combine(folder, $"mse-k{mk}-n{mn}"), settings.Quiet);
        var alphas = ChaosData.MultiIndices(mk, mn);
        var matches = CompareCoefficients(mse.Net, alphas, maxOrder: mn);
        Console.WriteLine();
        Console.WriteLine($"(b) Coefficients learned with squared error at K = {mk}, N = {mn} against the closed form (‖c − x‖/‖x‖ over t_n and x0 ∈ {{{string.Join(", ", X0Grid)}}}):");
        Table.Print(["order", "multi-indices", "median error", "largest error", "largest at"],
            matches.GroupBy(m => m.Order).Select(g =>
            {
                var sorted = g.Select(m => m.RelativeError).OrderBy(e => e).ToList();
                var worst = g.MaxBy(m => m.RelativeError)!;
                return (IReadOnlyList<string>)[$"{g.Key}", $"{sorted.Count}", $"{sorted[sorted.Count / 2]:P1}", $"{worst.RelativeError:P1}", worst.Alpha];
            }));

        var atOne = Coefficients(mse.Net, [1.0]);
        var figure = new Figure("coefficients of orders 0 and 1 at x0 = 1: learned (dots), closed form (lines)", "t", "cα(t, 1)");
        for (var a = 0; a <= mk; a++)
        {
            var label = "(" + string.Join(",", alphas[a]) + ")";
            figure.Add(label, Enumerable.Range(0, ChaosData.Times).Select(s => (ChaosData.Time(s), ChaosData.ClosedForm(alphas[a], ChaosData.Time(s), 1))));
        }
        for (var a = 0; a <= mk; a++)
            figure.Add("", Enumerable.Range(0, ChaosData.Times).Select(s => (ChaosData.Time(s), atOne[0, s, a])), Mark.Dots, figure.Series[a].Color);
        figure.Save(Path.Combine(folder, "coefficients.svg"));

        // (d) Mean and variance read off the coefficients: E X̂ = c0, Var X̂ = Σ_{α≠0} cα² (the Ξα are orthonormal).
        Console.WriteLine();
        Console.WriteLine("(d) Mean and variance at x0 = 1 read off the learned coefficients, against the exact moments and the truncated closed form:");
        var rows = new List<IReadOnlyList<string>>();
        var moments = new List<(double T, double Mean, double ExactMean, double Variance, double ExactVariance, double Truncated)>();
        for (var s = 0; s < ChaosData.Times; s++)
        {
            var t = ChaosData.Time(s);
            var (mean, variance) = ChaosData.Moments(t, 1);
            double learnedVariance = 0, truncated = 0;
            for (var a = 1; a < alphas.Length; a++)
            {
                learnedVariance += atOne[0, s, a] * atOne[0, s, a];
                truncated += Math.Pow(ChaosData.ClosedForm(alphas[a], t, 1), 2);
            }
            moments.Add((t, atOne[0, s, 0], mean, learnedVariance, variance, truncated));
            if (s % 8 == 0)
                rows.Add([$"{t:F2}", $"{atOne[0, s, 0]:F4}", $"{mean:F4}", $"{learnedVariance:F4}", $"{truncated:F4}", $"{variance:F4}"]);
        }
        Table.Print(["t", "mean (learned)", "mean (exact)", "variance (learned)", "variance (closed form, order ≤ N)", "variance (exact)"], rows);
        new Figure("mean and variance of X(t) at x0 = 1", "t", "")
            .Add("mean, exact", moments.Select(m => (m.T, m.ExactMean)))
            .Add("mean, learned", moments.Select(m => (m.T, m.Mean)), Mark.Dots)
            .Add("variance, exact", moments.Select(m => (m.T, m.ExactVariance)))
            .Add("variance, learned", moments.Select(m => (m.T, m.Variance)), Mark.Dots)
            .Save(Path.Combine(folder, "moments.svg"));

        Console.WriteLine();
        Console.WriteLine($"Figures: {Path.Combine(folder, "error-by-order.svg")}, error-by-modes.svg, coefficients.svg, moments.svg");
        return 0;
    }
}
