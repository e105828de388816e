// Transformer: a 2-layer causal transformer (token and position embeddings, two pre-norm blocks,
// a final LayerNorm and a linear head) learns to sort: it reads 8 digits and a separator and writes
// the digits in ascending order, one token at a time. The built-in layers (Embedding,
// TransformerBlock, LayerNorm) are [Model]s written in the DSL; the generator compiles the whole
// step, backward pass included.
using Dsl;
using Dsl.Examples;
using static Dsl.Ops;

return ExampleCommand.Run(args, "transformer",
    "Trains a 2-layer causal transformer to sort sequences of 8 digits (generated training step).",
    new ExampleDefaults(Epochs: 3, BatchSize: 64, LearningRate: 1e-3),
    settings =>
    {
        using var train = SortingData.Create(16_000, seed: settings.Seed);
        using var valid = SortingData.Create(2_000, seed: settings.Seed + 1);

        // loc: begin
        var experiment = new Sorting { Optimizer = new Adam { LearningRate = settings.LearningRate } };
        var report = experiment.Fit(train, settings.FitOptions(), valid);
        // loc: end

        var evaluation = experiment.Evaluate(valid);
        Console.WriteLine($"validation: loss {evaluation.Loss:F4}, accuracy {100 * evaluation["accuracy"]:F1}% of output tokens on {evaluation.Examples} sequences");
        Console.WriteLine($"training took {report.Elapsed.TotalSeconds:F1} s; run folder: {report.RunFolder}");
        return 0;
    });

// loc: begin
[Model]
public partial class SortingTransformer
{
    public Embedding Tokens = new() { Count = 11, Features = 64 };
    [Param(16, 64), Init(Init.Normal, 0.02)] public Tensor Positions;
    public TransformerBlock Block1 = new() { Features = 64, Heads = 4, HeadSize = 16, Hidden = 256 };
    public TransformerBlock Block2 = new() { Features = 64, Heads = 4, HeadSize = 16, Hidden = 256 };
    public LayerNorm Norm = new() { Features = 64 };
    [Param(11, 64), Init(Init.TorchFanIn)] public Tensor HeadWeight;
    [Param(11), Init(Init.TorchFanIn, FanInOf = nameof(HeadWeight))] public Tensor HeadBias;

    public Tensor Forward([Shape("Batch", 16)] Tensor tokens) =>
        Ops.Linear(Norm.Forward(Block2.Forward(Block1.Forward(Tokens.Forward(tokens) + Positions))), HeadWeight, HeadBias);
}

[Experiment]
public partial class Sorting
{
    public SortingTransformer Net = new();
    public Adam Optimizer = new() { LearningRate = 1e-3f };

    // Cross-entropy of the next token at the 8 output positions (after the separator).
    [Loss]
    public Tensor Loss([Shape("Batch", 16)] Tensor tokens, [Shape("Batch", 8, 1)] Tensor targets)
        => -Mean(Gather(LogSoftmax(Narrow(Net.Forward(tokens), 1, 8, 8), 2), 2, targets));

    [Metric]
    public Tensor Accuracy(Tensor tokens, Tensor targets)
    {
        using var output = Narrow(Net.Predict(tokens), 1, 8, 8);
        using var right = Eq(Argmax(output, 2, keepdim: true), targets);
        return Mean(right.To(DType.Float32));
    }
}
// loc: end

/// <summary>
/// Random sequences of Length digits (0-9), a separator (10) and the digits sorted: tokens are the
/// first 2·Length positions, targets [Length, 1] the sorted digits (the next token at the last Length
/// positions, with a trailing axis for Gather).
/// </summary>
public static class SortingData
{
    public const int Length = 8, Separator = 10;

    public static TensorDataset Create(int count, ulong seed)
    {
        var random = new Random((int)seed);
        var tokens = new long[count * 2 * Length];
        var targets = new long[count * Length];
        var sequence = new long[2 * Length + 1];
        for (var n = 0; n < count; n++)
        {
            for (var i = 0; i < Length; i++) sequence[i] = random.Next(10);
            sequence[Length] = Separator;
            Array.Copy(sequence, 0, sequence, Length + 1, Length);
            Array.Sort(sequence, Length + 1, Length);
            Array.Copy(sequence, 0, tokens, n * 2 * Length, 2 * Length);
            Array.Copy(sequence, Length + 1, targets, n * Length, Length);
        }
        using var tokenTensor = Tensor.FromArray(tokens, count, 2 * Length);
        using var targetTensor = Tensor.FromArray(targets, count, Length, 1);
        return new TensorDataset(("tokens", tokenTensor), ("targets", targetTensor));
    }
}
