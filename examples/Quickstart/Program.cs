// Quickstart: DESIGN.md's DigitClassifier — a 784-256-10 MLP (the runtime's Mlp layer) trained with Adam — as declarations.
// The source generator writes its training step (forward, backward, update) at compile time; Fit
// runs it over batches with a progress bar and writes a run folder with a report.
using Dsl;
using Dsl.Examples;
using static Dsl.Ops;

return ExampleCommand.Run(args, "quickstart",
    "Trains a 784-256-10 classifier with Adam on synthetic 10-class 'digits' (generated training step).",
    new ExampleDefaults(Epochs: 3, BatchSize: 64, LearningRate: 1e-3),
    settings =>
    {
        // 28x28 'digits': each class a fixed random prototype image plus noise (no download needed).
        using var data = Synthetic.Digits(12_000, seed: settings.Seed);
        var (train, valid) = data.Split(10_000.0 / 12_000, seed: settings.Seed);

        // loc: begin
        var experiment = new DigitClassifier { Optimizer = new Adam { LearningRate = settings.LearningRate } };
        var report = experiment.Fit(train, settings.FitOptions(), valid);
        // loc: end

        var evaluation = experiment.Evaluate(valid);
        Console.WriteLine($"validation: loss {evaluation.Loss:F4}, accuracy {100 * evaluation["accuracy"]:F1}% on {evaluation.Examples} examples");
        Console.WriteLine($"run folder: {report.RunFolder} (open report.html)");
        return 0;
    });

// loc: begin
[Experiment]
public partial class DigitClassifier
{
    public Mlp Net = new() { In = 784, Hidden = 256, Out = 10 };   // the runtime's Mlp layer: Linear, ReLU, Linear
    public Adam Optimizer = new() { LearningRate = 1e-3f };

    [Loss]
    public Tensor Loss([Shape("Batch", 784)] Tensor images, [Shape("Batch")] Tensor labels)
        => CrossEntropy(Net.Forward(images), labels);

    [Metric]
    public Tensor Accuracy(Tensor images, Tensor labels) => Ops.Accuracy(Net.Predict(images), labels);
}
// loc: end
