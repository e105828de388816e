// Cnn: a LeNet-style convolutional network (LeCun et al. 1998) with batch normalization (Ioffe &
// Szegedy 2015) on synthetic 28x28 "digits", built from the runtime's layers (Conv2d, BatchNorm2d,
// Linear). The generator writes the whole training step — convolutions, pooling, batch statistics,
// backward, Adam — at compile time; Fit runs it with a progress bar and writes a run folder.
using Dsl;
using Dsl.Examples;
using static Dsl.Ops;

return ExampleCommand.Run(args, "cnn",
    "Trains a LeNet-style CNN with batch normalization on synthetic 28x28 'digits' (generated training step).",
    new ExampleDefaults(Epochs: 3, BatchSize: 64, LearningRate: 1e-3),
    settings =>
    {
        // The 784-pixel images of Synthetic.Digits (each class a fixed random prototype plus noise);
        // the model reshapes them to [Batch, 1, 28, 28].
        using var data = Synthetic.Digits(12_000, seed: settings.Seed, noise: 0.5);
        var (train, valid) = data.Split(10_000.0 / 12_000, seed: settings.Seed);

        // loc: begin
        var experiment = new DigitCnn { Optimizer = new Adam { LearningRate = settings.LearningRate } };
        var report = experiment.Fit(train, settings.FitOptions(), valid);
        // loc: end

        var evaluation = experiment.Evaluate(valid);
        Console.WriteLine($"validation: loss {evaluation.Loss:F4}, accuracy {100 * evaluation["accuracy"]:F1}% on {evaluation.Examples} examples");
        Console.WriteLine($"run folder: {report.RunFolder} (open report.html)");
        return 0;
    });

// loc: begin
[Model]
public partial class LeNet
{
    public Conv2d Conv1 = new() { In = 1, Out = 6, Kernel = 5 };
    public BatchNorm2d Norm1 = new() { Channels = 6 };
    public Conv2d Conv2 = new() { In = 6, Out = 16, Kernel = 5 };
    public BatchNorm2d Norm2 = new() { Channels = 16 };
    public Linear Fc1 = new() { In = 16 * 4 * 4, Out = 120 };
    public Linear Fc2 = new() { In = 120, Out = 84 };
    public Linear Fc3 = new() { In = 84, Out = 10 };

    public Tensor Forward([Shape("Batch", 784)] Tensor images)
    {
        var x = Reshape(images, -1, 1, 28, 28);
        x = MaxPool2d(Relu(Norm1.Forward(Conv1.Forward(x))), 2);   // [Batch, 6, 12, 12]
        x = MaxPool2d(Relu(Norm2.Forward(Conv2.Forward(x))), 2);   // [Batch, 16, 4, 4]
        x = Relu(Fc1.Forward(Flatten(x, 1)));
        return Fc3.Forward(Relu(Fc2.Forward(x)));
    }
}

[Experiment]
public partial class DigitCnn
{
    public LeNet Net = new();
    public Adam Optimizer = new() { LearningRate = 1e-3f };

    [Loss]
    public Tensor Loss([Shape("Batch", 784)] Tensor images, [Shape("Batch")] Tensor labels)
        => CrossEntropy(Net.Forward(images), labels);

    [Metric]
    public Tensor Accuracy(Tensor images, Tensor labels) => Ops.Accuracy(Net.Predict(images), labels);
}
// loc: end
