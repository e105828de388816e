// ScheduleFree: Defazio et al. (2024), "The Road Less Scheduled". The digits MLP (the runtime's Mlp
// layer) trained three ways for the same number of steps: AdamW with a cosine schedule over the run,
// Schedule-Free AdamW evaluated at its average x (what Fit and Evaluate do by themselves), and the
// same Schedule-Free run's weights evaluated at y, the point where its gradients are taken.
using Dsl;
using Dsl.Examples;
using static Dsl.Ops;

return ExampleCommand.Run(args, "schedulefree",
    "Compares AdamW + cosine schedule with Schedule-Free AdamW (evaluated at x and at y) on noisy synthetic digits.",
    new ExampleDefaults(Epochs: 4, BatchSize: 64, LearningRate: ScheduleFreeRuns.ScheduleFreeRate),
    settings =>
    {
        if (Environment.GetEnvironmentVariable("SCHEDULEFREE_SWEEP") == "1") return ScheduleFreeRuns.Sweep(settings);
        var rows = ScheduleFreeRuns.Compare(ScheduleFreeRuns.TrainExamples, settings.Epochs, settings.BatchSize, settings.Seed,
            ScheduleFreeRuns.CosineRate, settings.LearningRate, settings.RunFolder, settings.Quiet);
        Console.WriteLine($"{ScheduleFreeRuns.TrainExamples} training examples, {settings.Epochs} epochs of batch {settings.BatchSize}, validated on {ScheduleFreeRuns.ValidExamples} others (noise {ScheduleFreeRuns.Noise})");
        Console.WriteLine("| arm | validation loss | accuracy |");
        Console.WriteLine("|---|---|---|");
        foreach (var row in rows) Console.WriteLine($"| {row.Arm} | {row.Loss:F4} | {100 * row.Accuracy:F1}% |");
        return 0;
    });

/// <summary>One arm's result: validation loss and accuracy.</summary>
public sealed record ArmResult(string Arm, double Loss, double Accuracy);

/// <summary>The three arms, with the data and the learning rates chosen by the sweep (README).</summary>
public static class ScheduleFreeRuns
{
    public const int TrainExamples = 10_000, ValidExamples = 2_000;
    public const double Noise = 3.0;
    public const double CosineRate = 3e-4, ScheduleFreeRate = 3e-4;

    public static ArmResult[] Compare(int trainCount, int epochs, int batchSize, ulong seed, double cosineRate, double scheduleFreeRate,
        string? runFolder = null, bool quiet = true)
    {
        using var train = Synthetic.Digits(trainCount, seed: 2 * seed + 1, noise: Noise);
        using var valid = Synthetic.Digits(ValidExamples, seed: 2 * seed + 2, noise: Noise);
        var steps = epochs * ((trainCount + batchSize - 1) / batchSize);
        FitOptions Options(string arm) => new()
        {
            Epochs = epochs, BatchSize = batchSize, Seed = seed,
            RunFolder = runFolder is null ? null : Path.Combine(runFolder, arm),
            Verbosity = runFolder is null ? FitVerbosity.Silent : quiet ? FitVerbosity.Epochs : FitVerbosity.Steps,
        };

        // loc: begin
        var cosine = new CosineDigits { Optimizer = new AdamW { LearningRate = cosineRate } };
        var cosineReport = cosine.Fit(train, Options("cosine") with { Schedule = new CosineSchedule(steps) }, valid);

        var scheduleFree = new ScheduleFreeDigits { Optimizer = new ScheduleFreeAdamW { LearningRate = scheduleFreeRate, WeightDecay = 1e-2 } };
        var atY = scheduleFree.Fit(train, Options("schedulefree") with { EvaluateAtRuleState = false }, valid);   // valid.* at y
        EvaluationResult atX;
        using (scheduleFree.UsingEvaluationState()) atX = scheduleFree.Evaluate(valid);   // at x, by hand
        // loc: end

        return
        [
            new("AdamW + cosine", cosineReport.FinalMetrics["valid.loss"], cosineReport.FinalMetrics["valid.accuracy"]),
            new("Schedule-Free AdamW at x", atX.Loss, atX["accuracy"]),
            new("Schedule-Free AdamW at y", atY.FinalMetrics["valid.loss"], atY.FinalMetrics["valid.accuracy"]),
        ];
    }

    /// <summary>The learning-rate sweep (SCHEDULEFREE_SWEEP=1): each arm at several rates on the given seed.</summary>
    public static int Sweep(ExampleSettings settings)
    {
        Console.WriteLine("| learning rate | cosine loss | SF at x loss | SF at y loss |");
        Console.WriteLine("|---|---|---|---|");
        foreach (var rate in new[] { 1e-4, 3e-4, 1e-3, 3e-3 })
        {
            var rows = Compare(TrainExamples, settings.Epochs, settings.BatchSize, settings.Seed, rate, rate);
            Console.WriteLine($"| {rate:G3} | {rows[0].Loss:F4} ({100 * rows[0].Accuracy:F1}%) | {rows[1].Loss:F4} ({100 * rows[1].Accuracy:F1}%) | {rows[2].Loss:F4} ({100 * rows[2].Accuracy:F1}%) |");
        }
        return 0;
    }
}

// loc: begin
[Experiment]
public partial class CosineDigits
{
    public Mlp Net = new() { In = 784, Hidden = 256, Out = 10 };
    public AdamW Optimizer = new();

    [Loss]
    public Tensor Loss([Shape("Batch", 784)] Tensor images, [Shape("Batch")] Tensor labels) => CrossEntropy(Net.Forward(images), labels);

    [Metric]
    public Tensor Accuracy(Tensor images, Tensor labels) => Ops.Accuracy(Net.Predict(images), labels);
}

[Experiment]
public partial class ScheduleFreeDigits
{
    public Mlp Net = new() { In = 784, Hidden = 256, Out = 10 };
    public ScheduleFreeAdamW Optimizer = new();

    [Loss]
    public Tensor Loss([Shape("Batch", 784)] Tensor images, [Shape("Batch")] Tensor labels) => CrossEntropy(Net.Forward(images), labels);

    [Metric]
    public Tensor Accuracy(Tensor images, Tensor labels) => Ops.Accuracy(Net.Predict(images), labels);
}
// loc: end
