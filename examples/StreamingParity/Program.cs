// StreamingParity: "Algorithm Development in Neural Networks: Insights from the Streaming Parity
// Task" (van Rossem and Saxe, 2025). A tanh RNN reads one bit (±1) per step and predicts the running
// parity x1 ⊕ … ⊕ xt after every step (binary cross-entropy at each step, summed in a carried value
// through a run-time loop, backpropagation through time). Trained on sequences of 1 to N bits, it is
// tested on sequences of up to 1,000: after enough training it jumps from chance to perfect accuracy
// on lengths it never saw. The training loop drives TrainStep itself: every batch has its own length.
using System.Globalization;
using Dsl;
using Dsl.Examples;
using static Dsl.Ops;

return ExampleCommand.Run(args, "streamingparity",
    "Trains a tanh RNN on the running parity of short bit sequences and measures its accuracy on sequences of up to 1,000 bits.",
    new ExampleDefaults(Epochs: 3, BatchSize: 64, LearningRate: 1e-2),
    settings =>
    {
        // An "epoch" here is 1,000 training steps (one batch of fresh sequences each).
        var steps = settings.Epochs * 1000;
        var inv = CultureInfo.InvariantCulture;
        if (Environment.GetEnvironmentVariable("PARITY_SWEEP") is { } sweep)
        {
            // Seeds × maximum training lengths: the step at which length-1,000 accuracy first reached 99%.
            foreach (var maxLength in sweep.Split(',').Select(int.Parse))
                foreach (var seed in (Environment.GetEnvironmentVariable("PARITY_SEEDS") ?? "0,1,2,3,4").Split(',').Select(ulong.Parse))
                {
                    var run = ParityRuns.Train(maxLength, steps, settings.BatchSize, settings.LearningRate, seed);
                    Console.WriteLine($"max length {maxLength}, seed {seed}: length-1000 accuracy {100 * run.Final[^1].Accuracy:F1}%, first ≥ 99% at step {run.GeneralizedAt?.ToString(inv) ?? "never"}");
                }
            return 0;
        }

        Directory.CreateDirectory(settings.RunFolder);
        var runs = ParityRuns.MaxLengths.Select(n => ParityRuns.Train(n, steps, settings.BatchSize, settings.LearningRate, settings.Seed,
            settings.Quiet ? null : Console.Out)).ToList();
        Console.WriteLine($"{steps} steps of batch {settings.BatchSize}, Adam lr {settings.LearningRate.ToString("G3", inv)}, seed {settings.Seed}; accuracy of the parity after the last bit, {ParityRuns.TestSequences} test sequences per length");
        Table.Print(
            ["trained on lengths", .. ParityRuns.TestLengths.Select(l => $"length {l}"), "≥ 99% at length 1000 from step", "training s"],
            runs.Select(r => (IReadOnlyList<string>)[$"1–{r.MaxLength}", .. r.Final.Select(f => $"{100 * f.Accuracy:F1}%"),
                r.GeneralizedAt?.ToString(inv) ?? "never", r.Seconds.ToString("F1", inv)]));
        var figure = new Figure("accuracy on sequences of 1,000 bits", "training step", "accuracy") { YRange = (0.4, 1.02) };
        foreach (var run in runs) figure.Add($"trained on 1–{run.MaxLength} bits", run.Curve.Select(p => ((double)p.Step, p.Accuracy)));
        figure.Save(Path.Combine(settings.RunFolder, "accuracy.svg"));
        Console.WriteLine($"figure: {Path.Combine(settings.RunFolder, "accuracy.svg")}");
        return 0;
    });

// loc: begin
[Model]
public partial class ParityRnn
{
    [Dim] public int Hidden = 64;

    [Param(1, nameof(Hidden)), Init(Init.UniformFanIn, 0.125)] public Tensor U;   // as torch.nn.RNN: ±1/√Hidden
    [Param(nameof(Hidden), nameof(Hidden))] public Tensor W;
    [Param(nameof(Hidden))] public Tensor B;
    [Param(nameof(Hidden), 1)] public Tensor V;

    /// <summary>The readout's logit after the last bit (for testing: a real loop over the run-time length).</summary>
    public Tensor Forward([Shape("Batch", "Time", 1)] Tensor bits)
    {
        var h = Tanh(MatMul(Select(bits, 1, 0), U) + B);
        for (var t = 1; t < bits.Size(1); t++) h = Tanh(MatMul(h, W) + MatMul(Select(bits, 1, t), U) + B);
        return MatMul(h, V);
    }
}

[Experiment]
public partial class ParityTraining
{
    public ParityRnn Net = new();
    public Adam Optimizer = new() { LearningRate = 1e-2 };

    /// <summary>Binary cross-entropy of σ(vᵀh_t) against the running parity, at every step, averaged over the steps.</summary>
    [Loss]
    public Tensor Loss([Shape("Batch", "Time", 1)] Tensor bits, [Shape("Batch", "Time", 1)] Tensor parity)
    {
        var h = Tanh(MatMul(Select(bits, 1, 0), Net.U) + Net.B);
        var total = BinaryCrossEntropyWithLogits(MatMul(h, Net.V), Select(parity, 1, 0));
        for (var t = 1; t < bits.Size(1); t++)
        {
            h = Tanh(MatMul(h, Net.W) + MatMul(Select(bits, 1, t), Net.U) + Net.B);
            total += BinaryCrossEntropyWithLogits(MatMul(h, Net.V), Select(parity, 1, t));
        }
        return total / bits.Size(1);
    }
}
// loc: end

/// <summary>One training run: accuracy at length 1,000 during training, and at every test length at the end.</summary>
public sealed record ParityRun(int MaxLength, List<(int Step, double Accuracy)> Curve, List<(int Length, double Accuracy)> Final,
    int? GeneralizedAt, double Seconds);

/// <summary>Sequences, the training loop and the accuracy on long sequences.</summary>
public static class ParityRuns
{
    public static readonly int[] MaxLengths = [3, 4, 10, 14];
    public static readonly int[] TestLengths = [10, 14, 20, 50, 100, 200, 1000];
    public const int TestSequences = 256, EvaluateEvery = 100;

    /// <summary>Random ±1 bits [batch, length, 1] and their running parity (1 where an odd number of bits so far are +1).</summary>
    public static void Fill(Random random, Tensor bits, Tensor parity)
    {
        var (batch, length) = ((int)bits.Shape[0], (int)bits.Shape[1]);
        var x = new float[batch * length];
        var y = new float[batch * length];
        for (var b = 0; b < batch; b++)
        {
            var odd = false;
            for (var t = 0; t < length; t++)
            {
                var one = random.Next(2) == 1;
                odd ^= one;
                x[b * length + t] = one ? 1f : -1f;
                y[b * length + t] = odd ? 1f : 0f;
            }
        }
        bits.CopyFrom<float>(x);
        parity.CopyFrom<float>(y);
    }

    /// <summary>Accuracy of the parity predicted after the last bit, on fixed test sequences.</summary>
    public static double Accuracy(ParityRnn net, (Tensor Bits, float[] LastParity) test)
    {
        var logits = net.Predict(test.Bits).ToArray<float>();
        var right = 0;
        for (var i = 0; i < logits.Length; i++) right += (logits[i] > 0) == (test.LastParity[i] > 0.5f) ? 1 : 0;
        return right / (double)logits.Length;
    }

    public static (Tensor Bits, float[] LastParity) TestSet(int length, Random random)
    {
        var bits = Tensor.Empty([TestSequences, length, 1]);
        using var parity = Tensor.Empty([TestSequences, length, 1]);
        Fill(random, bits, parity);
        var all = parity.ToArray<float>();
        return (bits, Enumerable.Range(0, TestSequences).Select(b => all[b * length + length - 1]).ToArray());
    }

    /// <summary>Trains on lengths drawn uniformly from 1 to <paramref name="maxLength"/>, one length per batch.</summary>
    public static ParityRun Train(int maxLength, int steps, int batchSize, double learningRate, ulong seed, TextWriter? log = null)
    {
        var random = new Random((int)seed * 7919 + maxLength);
        var testRandom = new Random(424_242 + (int)seed);
        var tests = TestLengths.ToDictionary(l => l, l => TestSet(l, testRandom));
        // One pair of input tensors per length, reused: the warm steps allocate nothing.
        var batches = Enumerable.Range(1, maxLength).Select(l => (Bits: Tensor.Empty([batchSize, l, 1]), Parity: Tensor.Empty([batchSize, l, 1]))).ToArray();
        var curve = new List<(int, double)> { (0, 0) };
        int? generalizedAt = null;
        var clock = System.Diagnostics.Stopwatch.StartNew();

        // loc: begin
        var experiment = new ParityTraining { Optimizer = new Adam { LearningRate = learningRate } };
        experiment.Initialize(seed);
        curve[0] = (0, Accuracy(experiment.Net, tests[1000]));
        for (var step = 1; step <= steps; step++)
        {
            var (bits, parity) = batches[random.Next(maxLength)];   // a length from 1 to maxLength
            Fill(random, bits, parity);
            experiment.TrainStep(bits, parity);
            // loc: end
            if (step % EvaluateEvery == 0)
            {
                var accuracy = Accuracy(experiment.Net, tests[1000]);
                curve.Add((step, accuracy));
                if (accuracy >= 0.99 && generalizedAt is null) generalizedAt = step;
                log?.WriteLine($"1–{maxLength}: step {step}, accuracy at length 1000 {100 * accuracy:F1}%");
            }
        }
        var seconds = clock.Elapsed.TotalSeconds;
        var final = TestLengths.Select(l => (l, Accuracy(experiment.Net, tests[l]))).ToList();
        foreach (var (bits, parity) in batches) { bits.Dispose(); parity.Dispose(); }
        foreach (var test in tests.Values) test.Bits.Dispose();
        return new ParityRun(maxLength, curve, final, generalizedAt, seconds);
    }
}
