// IdempotentGenerative: Shocher et al. (2024), "Idempotent Generative Network". One network f is
// trained so that data maps to itself (f(x) = x), its outputs are fixed points (f(f(z)) = f(z)), and
// the set of fixed points is tight (as small as it can be while holding the data). The idempotence
// and tightness terms need a copy f' of the same network whose parameters get no gradient, while its
// input still passes gradients: `Frozen(Net).Forward(...)` in the [Loss]. Data: a mixture of 8
// Gaussians on a circle; noise z ~ N(0, I) drawn inside the loss (RandnLike).
using System.Globalization;
using Dsl;
using Dsl.Examples;
using static Dsl.Ops;

return ExampleCommand.Run(args, "idempotent",
    "Trains an Idempotent Generative Network on 8 Gaussians on a circle and measures one-step generation, idempotence and projection of corrupted data.",
    new ExampleDefaults(Epochs: 4, BatchSize: 128, LearningRate: 2e-3),
    settings =>
    {
        // An "epoch" here is 1,000 steps, each on a fresh batch of data (the distribution is known).
        var steps = settings.Epochs * 1000;
        if (Environment.GetEnvironmentVariable("IGN_SEEDS") is { } seeds)
        {
            // Several seeds at this length (the README's table and the test's thresholds).
            foreach (var seed in seeds.Split(',').Select(ulong.Parse))
            {
                var a = IgnRuns.Train(steps, settings.BatchSize, settings.LearningRate, seed, autoencoder: false, null).Result;
                var b = IgnRuns.Train(steps, settings.BatchSize, settings.LearningRate, seed, autoencoder: true, null).Result;
                Console.WriteLine($"seed {seed}: |f(x)-x| {a.Reconstruction:F4}, |f(f(z))-f(z)| {a.Idempotence:F4}, MMD² {a.MmdSamples:F4} (noise {a.MmdNoise:F4}, autoencoder {b.MmdSamples:F4}, floor {a.MmdFloor:F4}), near a mode {100 * a.NearMode:F1}%, modes {a.ModesCovered} [{string.Join(" ", a.ModeCounts)}], corrupted {a.CorruptedBefore:F3} -> {a.CorruptedAfter:F3} (autoencoder {b.CorruptedAfter:F3})");
            }
            return 0;
        }
        Directory.CreateDirectory(settings.RunFolder);
        var ign = IgnRuns.Train(steps, settings.BatchSize, settings.LearningRate, settings.Seed, autoencoder: false, settings.Quiet ? null : Console.Out);
        var plain = IgnRuns.Train(steps, settings.BatchSize, settings.LearningRate, settings.Seed, autoencoder: true, null);
        var r = ign.Result;
        var inv = CultureInfo.InvariantCulture;
        Console.WriteLine($"{steps} steps of batch {settings.BatchSize}, Adam lr {settings.LearningRate.ToString("G3", inv)}, seed {settings.Seed}; evaluated on {IgnRuns.EvalPoints} held-out points");
        Table.Print(["quantity", "IGN", "plain autoencoder"],
        [
            ["data → itself: mean |f(x) − x|", F(r.Reconstruction), F(plain.Result.Reconstruction)],
            ["idempotence: mean |f(f(z)) − f(z)|", F(r.Idempotence), F(plain.Result.Idempotence)],
            ["MMD² of f(z) to held-out data", F(r.MmdSamples), F(plain.Result.MmdSamples)],
            ["MMD² of the noise z itself", F(r.MmdNoise), F(plain.Result.MmdNoise)],
            ["MMD² data vs data (floor)", F(r.MmdFloor), F(plain.Result.MmdFloor)],
            ["f(z) within 0.3 of a mode", $"{100 * r.NearMode:F1}%", $"{100 * plain.Result.NearMode:F1}%"],
            ["modes hit by f(z) (≥ 2% of samples)", r.ModesCovered.ToString(inv), plain.Result.ModesCovered.ToString(inv)],
            ["corrupted data: distance to nearest mode before", F(r.CorruptedBefore), F(plain.Result.CorruptedBefore)],
            ["corrupted data: distance to nearest mode after f", F(r.CorruptedAfter), F(plain.Result.CorruptedAfter)],
        ]);
        Console.WriteLine("samples per mode (IGN f(z)): " + string.Join(" ", r.ModeCounts));
        IgnRuns.Figures(ign, plain, settings.RunFolder);
        Console.WriteLine($"training took {ign.Seconds:F1} s (IGN) and {plain.Seconds:F1} s (autoencoder); figures in {settings.RunFolder}");
        return 0;

        static string F(double v) => v.ToString("F4", CultureInfo.InvariantCulture);
    });

// loc: begin
[Model]
public partial class Projector
{
    public Linear L1 = new() { In = 2, Out = 128 };
    public Linear L2 = new() { In = 128, Out = 128 };
    public Linear L3 = new() { In = 128, Out = 128 };
    public Linear L4 = new() { In = 128, Out = 2 };

    public Tensor Forward([Shape("Batch", 2)] Tensor x) => L4.Forward(Relu(L3.Forward(Relu(L2.Forward(Relu(L1.Forward(x)))))));
}

[Experiment]
public partial class IdempotentNetwork
{
    public Projector Net = new();
    public Adam Optimizer = new() { LearningRate = 2e-3 };
    public double Reconstruction = 20, Idempotence = 20, Tightness = 2.5, ClampScale = 1.5;

    [Loss]
    public Tensor Loss([Shape("Batch", 2)] Tensor x)
    {
        var z = RandnLike(x);
        var fz = Net.Forward(z);
        var fzFixed = Frozen(Net).Forward(z);                                 // f'(z): a constant of the step
        var idempotence = Mean(Abs(Frozen(Net).Forward(fz) - fz));            // f'(f(z)): gradient reaches f through the input only
        var tightness = Mean(Abs(Net.Forward(fzFixed) - fzFixed), 1);        // f(f'(z)), one distance per noise sample
        var scale = ClampScale * Mean(Abs(fzFixed - z), 1);                  // the clamp: 1.5 · that sample's |f(z) − z|
        return Reconstruction * Mean(Abs(Net.Forward(x) - x)) + Idempotence * idempotence
            - Tightness * Mean(Tanh(tightness / scale) * scale);
    }
}
// loc: end

/// <summary>What a trained network does on held-out data, noise and corrupted data.</summary>
public sealed record IgnResult(double Reconstruction, double Idempotence, double MmdSamples, double MmdNoise, double MmdFloor,
    double NearMode, int ModesCovered, int[] ModeCounts, double CorruptedBefore, double CorruptedAfter);

/// <summary>One training run: the final result, MMD² of f(z) every 500 steps, and the points for the figures.</summary>
public sealed record IgnRun(IgnResult Result, List<(double Step, double Mmd)> Curve, float[] Data, float[] Noise, float[] Samples,
    float[] Corrupted, float[] Projected, double Seconds);

/// <summary>The data (8 Gaussians on a circle), the training loop and the measurements.</summary>
public static class IgnRuns
{
    public const int Modes = 8, EvalPoints = 2000;
    public const double Radius = 2.0, Spread = 0.05, Corruption = 0.5, Bandwidth = 0.5, NearModeDistance = 0.3;

    /// <summary><paramref name="count"/> points of the mixture, as a [count, 2] float array.</summary>
    public static float[] Mixture(int count, Random random)
    {
        var points = new float[2 * count];
        for (var i = 0; i < count; i++)
        {
            var angle = 2 * Math.PI * random.Next(Modes) / Modes;
            points[2 * i] = (float)(Radius * Math.Cos(angle) + Spread * Gaussian(random));
            points[2 * i + 1] = (float)(Radius * Math.Sin(angle) + Spread * Gaussian(random));
        }
        return points;
    }

    public static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

    /// <summary>Trains for <paramref name="steps"/> steps on fresh batches and measures on held-out data (seeded apart from training).</summary>
    public static IgnRun Train(int steps, int batchSize, double learningRate, ulong seed, bool autoencoder, TextWriter? log)
    {
        var random = new Random((int)seed * 7919 + 1);
        var held = new Random(1_000_003 + (int)seed);
        var heldOut = Mixture(EvalPoints, held);
        var heldOut2 = Mixture(EvalPoints, held);
        var noise = new float[2 * EvalPoints];
        for (var i = 0; i < noise.Length; i++) noise[i] = (float)Gaussian(held);
        var corrupted = Mixture(EvalPoints, held);
        for (var i = 0; i < corrupted.Length; i++) corrupted[i] += (float)(Corruption * Gaussian(held));

        using var x = Tensor.Empty([batchSize, 2]);
        var start = System.Diagnostics.Stopwatch.StartNew();
        var curve = new List<(double, double)>();
        // loc: begin
        var experiment = new IdempotentNetwork { Optimizer = new Adam { LearningRate = learningRate } };
        if (autoencoder) (experiment.Idempotence, experiment.Tightness) = (0, 0);   // the plain autoencoder: reconstruction only
        experiment.Initialize(seed);
        for (var i = 1; i <= steps; i++)
        {
            x.CopyFrom<float>(Mixture(batchSize, random));
            experiment.TrainStep(x);
            // loc: end
            if (i % 500 == 0)
            {
                var samples = Apply(experiment.Net, noise, 1000);
                curve.Add((i, Mmd(samples, heldOut, 1000)));
                log?.WriteLine($"step {i}: MMD² of f(z) to held-out data {curve[^1].Item2:F4}");
            }
        }
        var seconds = start.Elapsed.TotalSeconds;

        var net = experiment.Net;
        var fz = Apply(net, noise);
        var ffz = Apply(net, fz);
        var fx = Apply(net, heldOut);
        var projected = Apply(net, corrupted);
        var counts = new int[Modes];
        var near = 0;
        for (var i = 0; i < EvalPoints; i++)
        {
            var (mode, distance) = NearestMode(fz[2 * i], fz[2 * i + 1]);
            if (distance < NearModeDistance) { near++; counts[mode]++; }
        }
        var result = new IgnResult(
            Reconstruction: MeanAbs(fx, heldOut),
            Idempotence: MeanAbs(ffz, fz),
            MmdSamples: Mmd(fz, heldOut),
            MmdNoise: Mmd(noise, heldOut),
            MmdFloor: Mmd(heldOut2, heldOut),
            NearMode: near / (double)EvalPoints,
            ModesCovered: counts.Count(c => c >= 0.02 * EvalPoints),
            ModeCounts: counts,
            CorruptedBefore: MeanModeDistance(corrupted),
            CorruptedAfter: MeanModeDistance(projected));
        return new IgnRun(result, curve, heldOut, noise, fz, corrupted, projected, seconds);
    }

    /// <summary>f applied to the first <paramref name="count"/> points (all by default), through the compiled Predict.</summary>
    public static float[] Apply(Projector net, float[] points, int? count = null)
    {
        var n = count ?? points.Length / 2;
        using var input = Tensor.FromSpan<float>(points.AsSpan(0, 2 * n), [n, 2]);
        return net.Predict(input).ToArray<float>();
    }

    public static double MeanAbs(float[] a, float[] b)
    {
        double sum = 0;
        for (var i = 0; i < a.Length; i++) sum += Math.Abs(a[i] - b[i]);
        return sum / a.Length;
    }

    public static (int Mode, double Distance) NearestMode(double px, double py)
    {
        var (best, distance) = (0, double.MaxValue);
        for (var k = 0; k < Modes; k++)
        {
            var angle = 2 * Math.PI * k / Modes;
            var d = Math.Sqrt(Math.Pow(px - Radius * Math.Cos(angle), 2) + Math.Pow(py - Radius * Math.Sin(angle), 2));
            if (d < distance) (best, distance) = (k, d);
        }
        return (best, distance);
    }

    public static double MeanModeDistance(float[] points)
    {
        double sum = 0;
        for (var i = 0; i < points.Length / 2; i++) sum += NearestMode(points[2 * i], points[2 * i + 1]).Distance;
        return sum / (points.Length / 2);
    }

    /// <summary>
    /// Squared maximum mean discrepancy with a Gaussian kernel exp(−|a − b|² / 2σ²), σ = 0.5, the biased
    /// estimate (diagonal included) over the first <paramref name="count"/> points of each set.
    /// </summary>
    public static double Mmd(float[] a, float[] b, int? count = null)
    {
        var n = count ?? Math.Min(a.Length, b.Length) / 2;
        double Kernel(float[] p, float[] q)
        {
            double sum = 0;
            for (var i = 0; i < n; i++)
                for (var j = 0; j < n; j++)
                {
                    double dx = p[2 * i] - q[2 * j], dy = p[2 * i + 1] - q[2 * j + 1];
                    sum += Math.Exp(-(dx * dx + dy * dy) / (2 * Bandwidth * Bandwidth));
                }
            return sum / ((double)n * n);
        }
        return Kernel(a, a) + Kernel(b, b) - 2 * Kernel(a, b);
    }

    public static (float, float)[] Pairs(float[] points, int count = 600) =>
        Enumerable.Range(0, Math.Min(count, points.Length / 2)).Select(i => (points[2 * i], points[2 * i + 1])).ToArray();

    /// <summary>Writes the figures: one-step samples, corrupted data and its projection, and MMD² during training.</summary>
    public static void Figures(IgnRun ign, IgnRun plain, string folder)
    {
        static IEnumerable<(double, double)> D((float, float)[] p) => p.Select(q => ((double)q.Item1, (double)q.Item2));
        new Figure("one step from noise: f(z)", "x₁", "x₂") { EqualAspect = true, XRange = (-3.5, 3.5), YRange = (-3.5, 3.5) }
            .Add("noise z", D(Pairs(ign.Noise)), Mark.Dots, "#bbbbbb")
            .Add("held-out data", D(Pairs(ign.Data)), Mark.Dots, "#1f77b4")
            .Add("IGN f(z)", D(Pairs(ign.Samples)), Mark.Dots, "#d62728")
            .Save(Path.Combine(folder, "samples.svg"));
        new Figure("corrupted data projected by f", "x₁", "x₂") { EqualAspect = true, XRange = (-3.5, 3.5), YRange = (-3.5, 3.5) }
            .Add("corrupted data", D(Pairs(ign.Corrupted)), Mark.Dots, "#bbbbbb")
            .Add("f(corrupted)", D(Pairs(ign.Projected)), Mark.Dots, "#d62728")
            .Save(Path.Combine(folder, "corrupted.svg"));
        new Figure("MMD² of one-step samples to held-out data", "training step", "MMD²") { LogY = true }
            .Add("IGN f(z)", ign.Curve)
            .Add("autoencoder f(z)", plain.Curve)
            .Add("noise z", ign.Curve.Select(p => (p.Step, ign.Result.MmdNoise)))
            .Add("data vs data", ign.Curve.Select(p => (p.Step, ign.Result.MmdFloor)))
            .Save(Path.Combine(folder, "mmd.svg"));
    }
}
