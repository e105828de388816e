// Sets: a Deep Sets model (Zaheer et al. 2017) — the same small MLP φ applied to every element of a
// set, the results summed over the set, the sum joined (Cat) with a per-set feature and read by an
// MLP ρ. Summing makes the output independent of the order of the elements. Uses Reshape (a flat
// row of 20 numbers seen as 10 elements of 2), a sum over one axis and Cat.
using Dsl;
using Dsl.Examples;
using static Dsl.Ops;

return ExampleCommand.Run(args, "sets",
    "Trains a Deep Sets model to predict a sum over a set plus a per-set feature (generated training step).",
    new ExampleDefaults(Epochs: 20, BatchSize: 64, LearningRate: 1e-3),
    settings =>
    {
        using var train = SetData.Create(8_000, seed: settings.Seed);
        using var valid = SetData.Create(2_000, seed: settings.Seed + 1);

        // loc: begin
        var experiment = new SetRegression { Optimizer = new Adam { LearningRate = settings.LearningRate } };
        var report = experiment.Fit(train, settings.FitOptions(), valid);
        // loc: end

        var evaluation = experiment.Evaluate(valid);
        var variance = SetData.TargetVariance(valid);
        Console.WriteLine($"validation: mean squared error {evaluation.Loss:F4} against a target variance of {variance:F4}: R² {1 - evaluation.Loss / variance:F3} on {evaluation.Examples} sets");
        Console.WriteLine($"training took {report.Elapsed.TotalSeconds:F1} s; run folder: {report.RunFolder}");
        return 0;
    });

// loc: begin
[Model]
public partial class DeepSet
{
    [Param(64, 2), Init(Init.TorchFanIn)] public Tensor Phi1Weight;
    [Param(64), Init(Init.TorchFanIn, FanInOf = nameof(Phi1Weight))] public Tensor Phi1Bias;
    [Param(64, 64), Init(Init.TorchFanIn)] public Tensor Phi2Weight;
    [Param(64), Init(Init.TorchFanIn, FanInOf = nameof(Phi2Weight))] public Tensor Phi2Bias;
    public Mlp Rho = new() { In = 65, Hidden = 64, Out = 1 };

    public Tensor Forward([Shape("Batch", 20)] Tensor elements, [Shape("Batch", 1)] Tensor offset)
    {
        var set = Reshape(elements, -1, 10, 2);   // [Batch, 10 elements, 2 numbers each]
        var phi = Relu(Ops.Linear(Relu(Ops.Linear(set, Phi1Weight, Phi1Bias)), Phi2Weight, Phi2Bias));
        return Rho.Forward(Cat([Sum(phi, 1), offset], 1));
    }
}

[Experiment]
public partial class SetRegression
{
    public DeepSet Net = new();
    public Adam Optimizer = new() { LearningRate = 1e-3f };

    [Loss]
    public Tensor Loss([Shape("Batch", 20)] Tensor elements, [Shape("Batch", 1)] Tensor offset, [Shape("Batch", 1)] Tensor target)
        => MseLoss(Net.Forward(elements, offset), target);
}
// loc: end

/// <summary>
/// Sets of 10 elements (a, b), each uniform in [0, 1), stored flat as 20 numbers, with a per-set
/// offset g uniform in [0, 1); the target is Σ a·b + 2g (a function of the set, not of its order).
/// </summary>
public static class SetData
{
    public const int Elements = 10;

    public static TensorDataset Create(int count, ulong seed)
    {
        var random = new Random((int)seed);
        var elements = new float[count * 2 * Elements];
        var offsets = new float[count];
        var targets = new float[count];
        for (var n = 0; n < count; n++)
        {
            double sum = 0;
            for (var i = 0; i < Elements; i++)
            {
                float a = random.NextSingle(), b = random.NextSingle();
                elements[n * 2 * Elements + 2 * i] = a;
                elements[n * 2 * Elements + 2 * i + 1] = b;
                sum += a * b;
            }
            offsets[n] = random.NextSingle();
            targets[n] = (float)(sum + 2 * offsets[n]);
        }
        using var e = Tensor.FromArray(elements, count, 2 * Elements);
        using var g = Tensor.FromArray(offsets, count, 1);
        using var y = Tensor.FromArray(targets, count, 1);
        return new TensorDataset(("elements", e), ("offset", g), ("target", y));
    }

    /// <summary>The variance of a data set's targets: the mean squared error of always predicting their mean.</summary>
    public static double TargetVariance(TensorDataset data)
    {
        using var target = data["target"];
        var values = target.ToArray<float>();
        var mean = values.Average();
        return values.Average(v => (v - mean) * (v - mean));
    }
}
