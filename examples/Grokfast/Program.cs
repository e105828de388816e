// Grokfast: Lee et al. (2024), "Grokfast: Accelerated Grokking by Amplifying Slow Gradients". Modular
// addition (a + b) mod 47 from 40% of the pairs, an embedding + one-hidden-layer MLP, full-batch
// cross-entropy. Three arms over several seeds: Adam without weight decay, AdamW with weight decay 1,
// and the runtime's GrokfastEma (an update rule that wraps another) around the same AdamW; the first
// two are the same experiment with the filter's λ = 0 (AdamW then gets the gradient unchanged). Reports the
// steps to 95% validation accuracy in the paper's comparison (Adam without weight decay against
// Grokfast with it) and in a controlled one (the same weight decay in both arms), with curves.
using System.Globalization;
using Dsl;
using Dsl.Examples;
using static Dsl.Ops;

return ExampleCommand.Run(args, "grokfast",
    "Steps to grokking (95% validation accuracy) of modular addition with Adam, AdamW and Grokfast-EMA around AdamW.",
    new ExampleDefaults(Epochs: GrokfastRuns.Cap, BatchSize: 1, LearningRate: GrokfastRuns.Rate, Seed: 0),
    settings =>
    {
        // Full-batch training: --epochs is the step cap (one epoch is one step); --seed offsets the seeds.
        var seeds = Enumerable.Range(1, GrokfastRuns.Seeds).Select(s => settings.Seed + (ulong)s).ToArray();
        // The 15 runs are independent (each its own experiment and seed): they run side by side, one per core, and
        // come back in order, so the tables are the same as a one-at-a-time run's.
        var results = GrokfastRuns.All.SelectMany(arm => seeds.Select((seed, i) => (arm, seed, first: i == 0)))
            .AsParallel().AsOrdered().WithDegreeOfParallelism(Environment.ProcessorCount)
            .Select(run => GrokfastRuns.Train(run.arm, run.seed, settings.Epochs, settings.LearningRate, fullCurve: run.first)).ToList();
        Console.WriteLine($"(a + b) mod {GrokfastRuns.Modulus}, {GrokfastRuns.TrainCount} training pairs of {GrokfastRuns.Modulus * GrokfastRuns.Modulus}, "
            + $"full batch, learning rate {settings.LearningRate}, cap {settings.Epochs} steps, accuracy every {GrokfastRuns.Every} steps");
        string Steps(long? steps) => steps is { } s ? s.ToString(CultureInfo.InvariantCulture) : "> " + settings.Epochs.ToString(CultureInfo.InvariantCulture);
        var header = new[] { "arm" }.Concat(seeds.Select(s => "seed " + s)).Append("median").ToList();
        IReadOnlyList<string> Row(string arm, Func<RunResult, long?> what)
        {
            var runs = results.Where(r => r.Arm == arm).ToList();
            return new[] { arm }.Concat(runs.Select(r => Steps(what(r)))).Append(Steps(GrokfastRuns.Median(runs.Select(what)))).ToList();
        }
        Console.WriteLine("\nSteps to 95% validation accuracy");
        Console.WriteLine(Table.Markdown(header, GrokfastRuns.All.Select(arm => Row(arm, r => r.StepsToValid95))));
        Console.WriteLine("\nSteps to 100% training accuracy");
        Console.WriteLine(Table.Markdown(header, GrokfastRuns.All.Select(arm => Row(arm, r => r.StepsToTrain100))));
        Console.WriteLine("\nThe paper's comparison is Adam (no weight decay) against Grokfast + AdamW (weight decay 1); the controlled one is AdamW against Grokfast + AdamW, both with weight decay 1.");

        Directory.CreateDirectory(settings.RunFolder);
        var colors = new Dictionary<string, string> { [GrokfastRuns.Adam] = "#888888", [GrokfastRuns.AdamW] = "#1f77b4", [GrokfastRuns.Grokfast] = "#d62728" };
        var names = new Dictionary<string, string> { [GrokfastRuns.Adam] = "Adam", [GrokfastRuns.AdamW] = "AdamW", [GrokfastRuns.Grokfast] = "Grokfast" };
        var figure = new Figure($"(a + b) mod {GrokfastRuns.Modulus}, seed {seeds[0]}: accuracy (lines: validation, dots: training)", "step", "accuracy")
        {
            LogX = true, YRange = (0, 1), Width = 780, Height = 400,
        };
        foreach (var run in results.Where(r => r.Seed == seeds[0]))
        {
            figure.Add(names[run.Arm] + " valid", run.Curve.Select(p => ((double)p.Step, p.Valid)), Mark.Line, colors[run.Arm]);
            figure.Add(names[run.Arm] + " train", run.Curve.Select(p => ((double)p.Step, p.Train)), Mark.Dots, colors[run.Arm]);
        }
        Console.WriteLine("\ncurves: " + figure.Save(Path.Combine(settings.RunFolder, "curves.svg")));
        return 0;
    });

/// <summary>One run: the steps to 95% validation and 100% training accuracy (null: not within the cap), and the accuracy curve.</summary>
public sealed record RunResult(string Arm, ulong Seed, long? StepsToValid95, long? StepsToTrain100, IReadOnlyList<(int Step, double Train, double Valid)> Curve);

/// <summary>The data, the three arms and the training loop (settings from the check in PyTorch; README).</summary>
public static class GrokfastRuns
{
    public const int Modulus = 47, Seeds = 5, Cap = 3000, Every = 10;
    public const double TrainFraction = 0.4, Rate = 1e-2, WeightDecay = 1.0;
    public const string Adam = "Adam, no weight decay", AdamW = "AdamW, weight decay 1", Grokfast = "Grokfast + AdamW, weight decay 1";
    public static readonly string[] All = [Adam, AdamW, Grokfast];
    public static int TrainCount => (int)(TrainFraction * Modulus * Modulus);

    /// <summary>All pairs (a, b) with label (a + b) mod 47, shuffled by the seed: the first 40% train, the rest validate.</summary>
    public static (Tensor[] Train, Tensor[] Valid) Split(ulong seed)
    {
        var pairs = Enumerable.Range(0, Modulus * Modulus).ToArray();
        new Random((int)seed).Shuffle(pairs);
        Tensor[] Part(IEnumerable<int> part)
        {
            var list = part.ToArray();
            return [Tensor.FromArray(list.Select(p => (long)(p / Modulus)).ToArray(), list.Length), Tensor.FromArray(list.Select(p => (long)(p % Modulus)).ToArray(), list.Length),
                Tensor.FromArray(list.Select(p => (long)((p / Modulus + p % Modulus) % Modulus)).ToArray(), list.Length)];
        }
        return (Part(pairs.Take(TrainCount)), Part(pairs.Skip(TrainCount)));
    }

    /// <summary>The median of the steps, a run that did not get there counting as beyond every other (null when the median is such a run).</summary>
    public static long? Median(IEnumerable<long?> steps)
    {
        var sorted = steps.Select(s => s ?? long.MaxValue).Order().ToList();
        var median = sorted[sorted.Count / 2];
        return median == long.MaxValue ? null : median;
    }

    /// <summary>Accuracy of the network on (a, b, labels).</summary>
    public static double Accuracy(ModularMlp net, Tensor[] data)
    {
        using var accuracy = Ops.Accuracy(net.Predict(data[0], data[1]), data[2]);
        return accuracy.Item();
    }

    // loc: begin
    public static RunResult Train(string arm, ulong seed, int cap, double rate = Rate, bool fullCurve = false)
    {
        var (train, valid) = Split(seed);
        // λ = 0 hands AdamW the gradient unchanged: the same steps as AdamW alone, bit for bit.
        var adamW = new AdamW { LearningRate = rate, WeightDecay = arm == Adam ? 0 : WeightDecay };
        var experiment = new Modular { Optimizer = new() { Alpha = 0.98, Lambda = arm == Grokfast ? 2 : 0, Inner = adamW } };
        experiment.Initialize(seed);
        var curve = new List<(int Step, double Train, double Valid)>();
        long? valid95 = null, train100 = null;
        for (var s = 1; s <= cap && (fullCurve || valid95 is null); s++)
        {
            experiment.TrainStep(train[0], train[1], train[2]);
            if (s % Every != 0) continue;
            curve.Add((s, Accuracy(experiment.Net, train), Accuracy(experiment.Net, valid)));
            train100 ??= curve[^1].Train >= 1 ? s : null;
            valid95 ??= curve[^1].Valid >= 0.95 ? s : null;
        }
        foreach (var tensor in train.Concat(valid)) tensor.Dispose();
        return new RunResult(arm, seed, valid95, train100, curve);
    }
    // loc: end
}

// loc: begin
[Model]
public partial class ModularMlp
{
    // Embeddings of a and b (32 each) through nn.Linear(64, 128), written as two halves of its weight.
    [Param(GrokfastRuns.Modulus, 32), Init(Init.Normal, 1.0)] public Tensor Embed;
    [Param(128, 32), Init(Init.TorchFanIn, 0.7071067811865476)] public Tensor HiddenA;
    [Param(128, 32), Init(Init.TorchFanIn, 0.7071067811865476)] public Tensor HiddenB;
    [Param(128), Init(Init.TorchFanIn, 0.7071067811865476, FanInOf = nameof(HiddenA))] public Tensor HiddenBias;
    [Param(GrokfastRuns.Modulus, 128), Init(Init.TorchFanIn)] public Tensor OutWeight;
    [Param(GrokfastRuns.Modulus), Init(Init.TorchFanIn, FanInOf = nameof(OutWeight))] public Tensor OutBias;

    public Tensor Forward([Shape("Batch")] Tensor a, [Shape("Batch")] Tensor b) =>
        Ops.Linear(Relu(Ops.Linear(Embedding(Embed, a), HiddenA, HiddenBias) + Ops.Linear(Embedding(Embed, b), HiddenB)), OutWeight, OutBias);
}

[Experiment]
public partial class Modular
{
    public ModularMlp Net = new();
    public GrokfastEma Optimizer = new();

    [Loss]
    public Tensor Loss([Shape("Batch")] Tensor a, [Shape("Batch")] Tensor b, [Shape("Batch")] Tensor labels) => CrossEntropy(Net.Forward(a, b), labels);
}
// loc: end
