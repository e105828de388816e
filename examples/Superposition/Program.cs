// Superposition: Elhage et al. (2022), "Toy Models of Superposition". A tied-weight ReLU autoencoder
// x̂ = ReLU(WᵀWx + b) squeezes n sparse features through m < n hidden dimensions.
using Dsl;
using Dsl.Examples;
using static Dsl.Ops;

return ExampleCommand.Run(args, "superposition",
    "Trains the toy models of superposition: features represented against sparsity (n = 20, m = 5) and the pentagon (n = 5, m = 2).",
    new ExampleDefaults(Epochs: SuperpositionRuns.DefaultThousands, BatchSize: 1024, LearningRate: 1e-3),
    settings =>
    {
        var steps = 1000 * settings.Epochs;
        Directory.CreateDirectory(settings.RunFolder);
        Console.WriteLine($"n = 20 features, m = 5 hidden, importance 0.7^i, {steps} AdamW steps of batch 1024 (lr {settings.LearningRate:G3}), seeds {settings.Seed}-{settings.Seed + 2}");
        var sweep = SuperpositionRuns.Sweep(SuperpositionRuns.Sparsities, seeds: 3, settings.Seed, steps, settings.LearningRate);
        Table.Print(["S", "features represented (per seed)", "mean"],
            sweep.Select(r => (IReadOnlyList<string>)[$"{r.Sparsity:0.###}", string.Join(", ", r.Counts), $"{r.Counts.Average():F1}"]));
        var figure = new Figure("features represented (column norm > 0.5), n = 20, m = 5", "feature density 1 − S", "features represented") { LogX = true };
        figure.Add("mean of 3 seeds", sweep.Select(r => (1 - r.Sparsity, r.Counts.Average())));
        figure.Add("each seed", sweep.SelectMany(r => r.Counts.Select(c => (1 - r.Sparsity, (double)c))), Mark.Dots);
        Console.WriteLine($"wrote {figure.Save(Path.Combine(settings.RunFolder, "features.svg"))}");

        Console.WriteLine();
        var pentagonSteps = SuperpositionRuns.PentagonSteps;
        Console.WriteLine($"n = 5 features, m = 2 hidden: the columns of W after {pentagonSteps} steps, seeds {settings.Seed}-{settings.Seed + 3} (loss: mean of 20 fresh batches)");
        var pentagons = SuperpositionRuns.PentagonCases.SelectMany(c => Enumerable.Range(0, 4).Select(k =>
            SuperpositionRuns.TrainSmall(c.Importance, c.Sparsity, settings.Seed + (ulong)k, pentagonSteps, settings.LearningRate))).ToList();
        Table.Print(["importance", "S", "seed", "loss", "column norms", "angles between neighbours (°)"],
            pentagons.Select(p => (IReadOnlyList<string>)[$"{p.Importance}^i", $"{p.Sparsity}", $"{p.Seed}", $"{p.Loss:F5}",
                string.Join(", ", SuperpositionRuns.Norms(p.Columns).Select(v => v.ToString("F2"))),
                string.Join(", ", SuperpositionRuns.NeighbourAngles(p.Columns).Select(v => v.ToString("F0")))]));
        var best = pentagons.Where(p => p.Importance == SuperpositionRuns.PentagonCases[0].Importance && p.Sparsity == SuperpositionRuns.PentagonCases[0].Sparsity).MinBy(p => p.Loss)!;
        var pentagon = new Figure($"columns of W (n = 5, m = 2, importance {best.Importance}^i, S = {best.Sparsity}, seed {best.Seed})", "hidden 1", "hidden 2")
            { EqualAspect = true, Width = 460, Height = 460 };
        for (var i = 0; i < best.Columns.Length; i++) pentagon.Add($"W{i}", [best.Columns[i]], Mark.Arrows);
        Console.WriteLine($"wrote {pentagon.Save(Path.Combine(settings.RunFolder, "pentagon.svg"))}");
        return 0;
    });

/// <summary>One sparsity's result: the number of features represented by each seed's model.</summary>
public sealed record SparsityResult(double Sparsity, int[] Counts);

/// <summary>One n = 5, m = 2 model: its settings, its loss and the columns of W.</summary>
public sealed record PentagonResult(double Importance, double Sparsity, ulong Seed, double Loss, (double X, double Y)[] Columns);

/// <summary>Trains the toy model and reads its weights: which features it represents, and how.</summary>
public static class SuperpositionRuns
{
    public const int DefaultThousands = 2, PentagonSteps = 5000;
    public static readonly double[] Sparsities = [0, 0.5, 0.7, 0.8, 0.9, 0.95, 0.99];
    /// <summary>Importance base and sparsity of the n = 5, m = 2 models (the first is drawn).</summary>
    public static readonly (double Importance, double Sparsity)[] PentagonCases = [(0.9, 0.9), (0.7, 0.95)];

    /// <summary>Trains one n = 5, m = 2 model; its columns of W as points of the plane and its loss.</summary>
    public static PentagonResult TrainSmall(double importanceBase, double sparsity, ulong seed, int steps, double learningRate = 1e-3)
    {
        var (experiment, importance) = Train(5, 2, sparsity, importanceBase, seed, steps, learningRate);
        using (importance)
        {
            var loss = Enumerable.Range(0, 20).Average(_ => experiment.EvaluateLoss(importance));
            var columns = Columns(experiment.Net.W.ToArray<float>(), 2, 5).Select(c => (c[0], c[1])).ToArray();
            return new PentagonResult(importanceBase, sparsity, seed, loss, columns);
        }
    }

    /// <summary>Trains one model: <paramref name="steps"/> AdamW steps, each on a fresh batch drawn in the loss.</summary>
    public static (Superposition Experiment, Tensor Importance) Train(int features, int hidden, double sparsity, double importanceBase, ulong seed, int steps, double learningRate = 1e-3)
    {
        var importance = Tensor.FromArray(Enumerable.Range(0, features).Select(i => (float)Math.Pow(importanceBase, i)).ToArray(), features);
        // loc: begin
        var experiment = new Superposition { Sparsity = sparsity, Optimizer = new AdamW { LearningRate = learningRate } };
        (experiment.Net.Features, experiment.Net.Hidden) = (features, hidden);
        experiment.Initialize(seed);
        for (var step = 0; step < steps; step++) experiment.TrainStep(importance);
        // loc: end
        return (experiment, importance);
    }

    /// <summary>Trains one model; W as [hidden, features], row-major.</summary>
    public static float[] TrainWeights(int features, int hidden, double sparsity, double importanceBase, ulong seed, int steps, double learningRate = 1e-3)
    {
        var (experiment, importance) = Train(features, hidden, sparsity, importanceBase, seed, steps, learningRate);
        importance.Dispose();
        return experiment.Net.W.ToArray<float>();
    }

    /// <summary>Feature i's column W[:, i].</summary>
    public static double[][] Columns(float[] weights, int hidden, int features) =>
        Enumerable.Range(0, features).Select(i => Enumerable.Range(0, hidden).Select(h => (double)weights[h * features + i]).ToArray()).ToArray();

    /// <summary>Features whose column has norm above 0.5: the ones the model represents.</summary>
    public static int Represented(double[][] columns) => columns.Count(c => Math.Sqrt(c.Sum(v => v * v)) > 0.5);

    public static double[] Norms((double X, double Y)[] columns) => columns.Select(c => Math.Sqrt(c.X * c.X + c.Y * c.Y)).ToArray();

    /// <summary>The angles between neighbouring represented columns going round the circle (a regular pentagon: five of 72°).</summary>
    public static double[] NeighbourAngles((double X, double Y)[] columns)
    {
        var angles = columns.Where(c => Math.Sqrt(c.X * c.X + c.Y * c.Y) > 0.5)
            .Select(c => (Math.Atan2(c.Y, c.X) * 180 / Math.PI + 360) % 360).Order().ToArray();
        return angles.Select((a, i) => angles.Length == 1 ? 360 : (angles[(i + 1) % angles.Length] - a + 360) % 360).ToArray();
    }

    /// <summary>The n = 20, m = 5 model at each sparsity, on <paramref name="seeds"/> seeds from <paramref name="firstSeed"/>.</summary>
    public static SparsityResult[] Sweep(IEnumerable<double> sparsities, int seeds, ulong firstSeed, int steps, double learningRate = 1e-3) =>
        sparsities.Select(s => new SparsityResult(s, Enumerable.Range(0, seeds).Select(k =>
            Represented(Columns(TrainWeights(20, 5, s, 0.7, firstSeed + (ulong)k, steps, learningRate), 5, 20))).ToArray())).ToArray();
}


// loc: begin
[Model]
public partial class ToyModel
{
    [Dim] public int Features, Hidden;
    [Param(nameof(Hidden), nameof(Features)), Init(Init.XavierUniform)] public Tensor W;
    [Param(nameof(Features)), Init(Init.Zeros)] public Tensor B;

    public Tensor Forward([Shape("Batch", nameof(Features))] Tensor x) => Relu(MatMul(MatMul(x, Transpose(W)), W) + B);
}

[Experiment]
public partial class Superposition
{
    public ToyModel Net = new();
    public AdamW Optimizer = new() { LearningRate = 1e-3 };
    public double Sparsity = 0.9;

    // x_i = 0 with probability S, else U[0, 1), drawn fresh at every step; the error weighted by importance.
    [Loss]
    public Tensor Loss([Shape("Features")] Tensor importance)
    {
        var x = Rand([1024, importance.Size(0)]);   // a batch of 1024
        x = x * Bernoulli(x, 1 - Sparsity);
        return Mean(Sum(importance * Square(x - Net.Forward(x)), 1));
    }
}
// loc: end
