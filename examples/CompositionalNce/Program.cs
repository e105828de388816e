// CompositionalNce: Wang, Qiu, Zhang, Yang, Qi and Jin (2023), "Learning Unnormalized Statistical Models via
// Compositional Optimization". One-dimensional Gaussian mean estimation with the unnormalized model
// f_θ(x) = −(x − θ)²/2, learned by noise-contrastive estimation and by the paper's compositional objective
// −E_data f_θ + log E_{y~q}[e^{f_θ(y)}/q(y)], both with plain SGD.
using Dsl;
using Dsl.Examples;
using static Dsl.Ops;

return ExampleCommand.Run(args, "compositionalnce",
    "Iterations to |θ − θ*| < 0.05 for NCE and the compositional objective (plain SGD), and both loss landscapes over θ.",
    new ExampleDefaults(Epochs: 1, BatchSize: 64, LearningRate: 1),
    settings =>
    {
        if (Environment.GetEnvironmentVariable("COMPOSITIONALNCE_SWEEP") == "1") return NceRuns.Sweep(settings.BatchSize);
        Directory.CreateDirectory(settings.RunFolder);
        Console.WriteLine($"Data N(θ*, 1), batches of {settings.BatchSize} data and {settings.BatchSize} noise samples, θ0 = 0, at most {NceRuns.MaxIterations} iterations, seeds {settings.Seed}-{settings.Seed + 9}; learning rates from the sweep (README)");
        var rows = new List<IReadOnlyList<string>>();
        foreach (var (noiseScale, thetaStar) in NceRuns.Cases)
            foreach (var method in new[] { Method.Nce, Method.Compositional })
            {
                var rate = NceRuns.Rate(method, noiseScale, thetaStar);
                var runs = Enumerable.Range(0, 10).Select(k => NceRuns.Run(method, thetaStar, noiseScale, rate, settings.Seed + (ulong)k, settings.BatchSize)).ToArray();
                var iterations = runs.Select(r => r.Iterations).ToArray();
                rows.Add([$"{noiseScale}", $"{thetaStar}", method.ToString(), $"{rate:G3}", NceRuns.Median(iterations), $"{iterations.Count(i => i <= NceRuns.MaxIterations)}/10",
                    string.Join(" ", iterations.Select(i => i > NceRuns.MaxIterations ? "-" : i.ToString())), $"{runs.Select(r => r.FinalError).Order().ElementAt(4):G3}"]);
            }
        Table.Print(["q's σ", "θ*", "method", "learning rate", "median iterations", "reached", "per seed (-: not within the limit)", "median mean |θ − θ*|, last 500"], rows);

        Console.WriteLine();
        Table.Print(["θ*", "curvature at θ*: compositional", "NCE (c at its best for each θ)", "NCE flatter by"],
            new[] { 1.0, 3.0, 5.0 }.Select(t => (t, c: Landscape.Curvature(Landscape.Compositional, t), n: Landscape.Curvature(Landscape.Nce, t)))
                .Select(r => (IReadOnlyList<string>)[$"{r.t}", $"{r.c:F3}", $"{r.n:G3}", $"{r.c / r.n:F0}x"]));
        foreach (var thetaStar in new[] { 1.0, 3.0, 5.0 })
        {
            var thetas = Enumerable.Range(0, 61).Select(i => thetaStar - 3 + 0.1 * i).ToArray();
            var figure = new Figure($"loss landscapes over θ, θ* = {thetaStar}, q = N(0, 1) (each minus its value at θ*)", "θ", "loss − loss(θ*)");
            figure.Add("compositional (the exact NLL)", thetas.Select(t => (t, Landscape.Compositional(t, thetaStar) - Landscape.Compositional(thetaStar, thetaStar))));
            figure.Add("NCE (c at its best)", thetas.Select(t => (t, Landscape.Nce(t, thetaStar) - Landscape.Nce(thetaStar, thetaStar))));
            Console.WriteLine($"wrote {figure.Save(Path.Combine(settings.RunFolder, $"landscape-{thetaStar}.svg"))}");
        }
        return 0;
    });

public enum Method { Nce, Compositional }

/// <summary>Runs either method from θ = 0 until |θ − θ*| &lt; 0.05, with the learning rates the sweep chose.</summary>
public static class NceRuns
{
    public const int MaxIterations = 2000;
    public const double Tolerance = 0.05, Gamma = 0.1;   // γ of u's moving average
    public static readonly (double NoiseScale, double ThetaStar)[] Cases = [(1, 1), (1, 3), (1, 5), (3, 1), (3, 3), (3, 5)];
    public static readonly double[] SweepRates = [0.03, 0.1, 0.3, 1, 3, 10];

    /// <summary>The rate the sweep on seeds 100-104 chose (README): the least median number of iterations.</summary>
    public static double Rate(Method method, double noiseScale, double thetaStar) => method == Method.Nce && noiseScale == 1 ? 3 : 1;

    /// <summary>Iterations until |θ − θ*| &lt; 0.05, or <see cref="MaxIterations"/> + 1 when it does not get there.</summary>
    public static int Iterations(Method method, double thetaStar, double noiseScale, double rate, ulong seed, int batchSize = 64) =>
        Run(method, thetaStar, noiseScale, rate, seed, batchSize).Iterations;

    /// <summary>
    /// Trains for <see cref="MaxIterations"/> steps from θ = 0: the first iteration with |θ − θ*| &lt; 0.05 (or
    /// MaxIterations + 1) and the mean |θ − θ*| over the last quarter of the run (infinite when θ diverged).
    /// </summary>
    public static (int Iterations, double FinalError) Run(Method method, double thetaStar, double noiseScale, double rate, ulong seed, int batchSize = 64)
    {
        using var data = new Generator(seed + 1_000_000);
        using var x = Tensor.Zeros(Shape.Create([batchSize]));
        var nce = new NceGaussian { NoiseScale = noiseScale, Optimizer = new Sgd { LearningRate = rate } };
        var compositional = new CompositionalGaussian { NoiseScale = noiseScale, Optimizer = new Sgd { LearningRate = rate } };
        nce.Initialize(seed);
        compositional.Initialize(seed);
        var theta = method == Method.Nce ? nce.Model.Theta : compositional.Model.Theta;
        int hit = MaxIterations + 1;
        double errorSum = 0;
        for (var i = 1; i <= MaxIterations; i++)
        {
            x.NormalInPlace(thetaStar, 1, data);
            // loc: begin
            _ = method == Method.Nce ? nce.TrainStep(x) : compositional.TrainStep(x, gamma: i == 1 ? 1 : Gamma);   // u starts at the first batch's mean
            // loc: end
            var error = Math.Abs(theta.Item() - thetaStar);
            if (!double.IsFinite(error)) return (hit, double.PositiveInfinity);
            if (error < Tolerance && hit > MaxIterations) hit = i;
            if (i > MaxIterations * 3 / 4) errorSum += error;
        }
        return (hit, errorSum / (MaxIterations / 4));
    }

    public static string Median(int[] iterations)
    {
        var sorted = iterations.Order().ToArray();
        var median = (sorted[(sorted.Length - 1) / 2] + sorted[sorted.Length / 2]) / 2.0;
        return median > MaxIterations ? $"> {MaxIterations}" : $"{median:0.#}";
    }

    /// <summary>COMPOSITIONALNCE_SWEEP=1: each method at each rate on seeds 100-104 (not those reported).</summary>
    public static int Sweep(int batchSize)
    {
        var rows = new List<IReadOnlyList<string>>();
        foreach (var (noiseScale, thetaStar) in Cases)
            foreach (var method in new[] { Method.Nce, Method.Compositional })
                rows.Add([$"{noiseScale}", $"{thetaStar}", method.ToString(), .. SweepRates.Select(rate =>
                    Median(Enumerable.Range(100, 5).Select(s => Iterations(method, thetaStar, noiseScale, rate, (ulong)s, batchSize)).ToArray()))]);
        Table.Print(["q's σ", "θ*", "method", .. SweepRates.Select(r => $"lr {r}")], rows);
        return 0;
    }
}

/// <summary>
/// Both objectives as functions of θ in expectation (data N(θ*, 1), noise q = N(0, σ²)), by quadrature on a fine
/// grid: the compositional objective −E_data f_θ + log E_q[e^{f_θ}/q], and the NCE loss with c at its best for each θ.
/// </summary>
public static class Landscape
{
    private const double Step = 0.01, Low = -20, High = 25;
    private static readonly double HalfLogTwoPi = 0.5 * Math.Log(2 * Math.PI);

    private static double F(double z, double theta) => -(z - theta) * (z - theta) / 2;
    private static double LogQ(double z, double sigma) => -z * z / (2 * sigma * sigma) - Math.Log(sigma) - HalfLogTwoPi;
    private static double LogData(double z, double thetaStar) => -(z - thetaStar) * (z - thetaStar) / 2 - HalfLogTwoPi;
    private static double Softplus(double v) => v > 30 ? v : v < -30 ? Math.Exp(v) : Math.Log(1 + Math.Exp(v));

    /// <summary>E over the density e^{logDensity} of g, by the midpoint rule on the grid.</summary>
    private static double Expect(Func<double, double> logDensity, Func<double, double> g)
    {
        double sum = 0;
        for (var z = Low + Step / 2; z < High; z += Step) sum += Math.Exp(logDensity(z)) * g(z);
        return sum * Step;
    }

    public static double Compositional(double theta, double thetaStar) => Compositional(theta, thetaStar, 1);

    public static double Compositional(double theta, double thetaStar, double sigma) =>
        -Expect(z => LogData(z, thetaStar), z => F(z, theta)) + Math.Log(Expect(z => LogQ(z, sigma), z => Math.Exp(F(z, theta) - LogQ(z, sigma))));

    public static double Nce(double theta, double thetaStar) => Nce(theta, thetaStar, 1);

    /// <summary>E_data softplus(−l) + E_q softplus(l), l = f_θ + c − log q, minimized over c (golden-section search).</summary>
    public static double Nce(double theta, double thetaStar, double sigma)
    {
        double Loss(double c) =>
            Expect(z => LogData(z, thetaStar), z => Softplus(-(F(z, theta) + c - LogQ(z, sigma)))) +
            Expect(z => LogQ(z, sigma), z => Softplus(F(z, theta) + c - LogQ(z, sigma)));
        double a = -30, b = 30, ratio = (Math.Sqrt(5) - 1) / 2;
        while (b - a > 1e-7)
        {
            double left = b - ratio * (b - a), right = a + ratio * (b - a);
            if (Loss(left) < Loss(right)) b = right; else a = left;
        }
        return Loss((a + b) / 2);
    }

    /// <summary>The second derivative at θ* by central differences.</summary>
    public static double Curvature(Func<double, double, double> loss, double thetaStar, double h = 0.05) =>
        (loss(thetaStar + h, thetaStar) - 2 * loss(thetaStar, thetaStar) + loss(thetaStar - h, thetaStar)) / (h * h);
}

// loc: begin
[Model]
public partial class Gaussian
{
    [Param(1), Init(Init.Zeros)] public Tensor Theta;

    /// <summary>The unnormalized log-density f_θ(x) = −(x − θ)²/2.</summary>
    public Tensor Forward([Shape("Batch")] Tensor x) => -Square(x - Theta) / 2;

    /// <summary>log q(y) of the noise q = N(0, σ²).</summary>
    [Differentiable]
    public static Tensor LogQ(Tensor y, double sigma) => -Square(y) / (2 * sigma * sigma) - Log(sigma) - 0.91893853320467274;
}

[Model]
public partial class Number
{
    [Param(1), Init(Init.Zeros)] public Tensor Value;

    public Tensor Forward([Shape("Batch")] Tensor x) => x + Value;
}

[Experiment]
public partial class NceGaussian
{
    public Gaussian Model = new();
    public Number C = new();   // the learned log-normalizer c
    public Sgd Optimizer = new();
    public double NoiseScale = 1;

    // Logistic regression of data against as many noise samples, logit f_θ + c − log q.
    [Loss]
    public Tensor Loss([Shape("Batch")] Tensor x)
    {
        var y = NoiseScale * RandnLike(x);
        var dataLogit = C.Forward(Model.Forward(x)) - Gaussian.LogQ(x, NoiseScale);
        var noiseLogit = C.Forward(Model.Forward(y)) - Gaussian.LogQ(y, NoiseScale);
        return -Mean(LogSigmoid(dataLogit)) - Mean(LogSigmoid(-noiseLogit));
    }
}

[Experiment]
public partial class CompositionalGaussian
{
    public Gaussian Model = new();
    public Number U = new();   // u: the moving average of E_q[e^f/q], kept out of the gradient
    public Sgd Optimizer = new();
    public double NoiseScale = 1;

    // θ ← θ − η[−mean ∇f(x) + mean ∇e^{f(y)}/q(y) / u], after u ← (1 − γ)u + γ mean e^{f(y)}/q(y).
    [Step]
    public Tensor Step([Shape("Batch")] Tensor x, double gamma)
    {
        var y = NoiseScale * RandnLike(x);
        var ratio = Exp(Model.Forward(y) - Gaussian.LogQ(y, NoiseScale));
        U.Value = (1 - gamma) * U.Value + gamma * Mean(NoGrad(ratio));
        var surrogate = Sum(Mean(ratio) / NoGrad(U.Value)) - Mean(Model.Forward(x));
        Optimizer.Apply(Model, Grad(surrogate, Model));
        return Sum(Log(U.Value)) - Mean(Model.Forward(x));
    }
}
// loc: end
