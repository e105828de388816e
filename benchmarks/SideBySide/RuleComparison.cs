using System.Runtime.InteropServices;
using Dsl;

namespace SideBySide;

/// <summary>
/// Section 1b: one update of 1M float32 parameters by each of the runtime's built-in rules (the generator's
/// fused loop) against torch.optim's single-tensor and foreach paths, and for the rules torch.optim 1.13 lacks
/// (Lion, Schedule-Free SGD and AdamW) a PyTorch version in in-place ops written from the rule's formula.
/// Before timing, a few updates from the same parameters, gradient and fresh state on both sides are
/// compared. Interleaved rounds as for the steps.
/// </summary>
internal static class RuleComparison
{
    public const int Parameters = 1 << 20;

    /// <summary>Updates of the check: three reach Schedule-Free's averaging (c = 1, 1/2, 1/3) and Adam's bias correction.</summary>
    public const int CheckUpdates = 3;

    /// <summary>Tolerance of the check: max |Dsl - PyTorch| over max |PyTorch| of the parameters after <see cref="CheckUpdates"/>.</summary>
    public const double CheckTolerance = 1e-5;

    // The hyperparameters are side_by_side.py's TORCH_OPTIM and rule_updater's; the check catches a mismatch.
    // Bytes: the float32 traffic of our rule per parameter (each tensor it reads, each it writes; a state is
    // read and written even where a hyperparameter of 0 leaves it unused, as RMSProp's momentum buffer).
    private static readonly (string Name, string Label, Func<IUpdateRule> Rule, string[] Variants, int Bytes)[] Rules =
    [
        ("sgd", "sgd (torch.optim.SGD)", () => new Sgd { LearningRate = 1e-2 }, ["single", "foreach"], 12),
        ("momentum", "momentum (SGD momentum 0.9)", () => new Momentum { LearningRate = 1e-2, Beta = 0.9 }, ["single", "foreach"], 20),
        ("nesterov", "nesterov (SGD momentum 0.9, nesterov)", () => new Nesterov { LearningRate = 1e-2, Beta = 0.9 }, ["single", "foreach"], 20),
        ("adam", "adam", () => new Adam { LearningRate = 1e-3 }, ["single", "foreach"], 28),
        ("adamw", "adamw", () => new AdamW { LearningRate = 1e-3, WeightDecay = 1e-2 }, ["single", "foreach"], 28),
        ("rmsprop", "rmsprop (torch.optim.RMSprop, momentum 0)", () => new RMSProp { LearningRate = 1e-2, Alpha = 0.99, Epsilon = 1e-8 }, ["single", "foreach"], 28),
        ("adagrad", "adagrad (torch.optim.Adagrad)", () => new Adagrad { LearningRate = 1e-2, Epsilon = 1e-10 }, ["single", "foreach"], 20),
        ("lion", "lion (PyTorch: the paper's update, in-place ops)", () => new Lion { LearningRate = 1e-4 }, ["paper"], 20),
        ("sf-sgd", "schedule-free sgd (PyTorch: our formula, in-place ops)", () => new ScheduleFreeSgd { LearningRate = 1.0, Beta = 0.9 }, ["paper"], 28),
        ("sf-adamw", "schedule-free adamw (PyTorch: our formula, in-place ops)", () => new ScheduleFreeAdamW { LearningRate = 0.0025 }, ["paper"], 36),
        ("adamw-ema", "adamw-ema (torch.optim.AdamW + in-place EMA)", () => new AdamWEma { LearningRate = 1e-3, WeightDecay = 1e-2, Decay = 0.999 }, ["single", "foreach"], 36),
    ];

    public static void Run(Options options, PythonTwin python, string scratch)
    {
        Console.WriteLine($"## Update rules: one update of {Parameters:N0} float32 parameters (1024x1024)");
        Console.WriteLine();
        var bandwidth = StepComparison.CopyBandwidth();
        Console.WriteLine($"Single-thread copy bandwidth {bandwidth / 1e9:F1} GB/s. Traffic floor: the float32 tensors our rule reads and writes "
            + "(SGD 12 B per parameter; Momentum, Nesterov, Adagrad, Lion 20 B; Adam, AdamW, RMSProp, Schedule-Free SGD 28 B; Schedule-Free AdamW, AdamW-EMA 36 B). "
            + $"Check: {CheckUpdates} updates from the same parameters, gradient and fresh state on both sides, max |Dsl - PyTorch| / max |PyTorch| of the parameters (tolerance {CheckTolerance:G}), worst variant.");
        Console.WriteLine();
        Console.WriteLine("| rule | Dsl fused median µs | (min) | torch single-tensor (or reference) median µs | (min) | torch foreach median µs | (min) | best torch / Dsl (median) | traffic floor µs | Dsl min / floor | managed B/update | check rel. diff |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        using var generator = new Generator(0);
        foreach (var (name, label, create, variants, bytes) in Rules)
        {
            var rule = create();
            using var parameter = Tensor.Randn([1024, 1024], generator);
            using var gradient = Tensor.Randn([1024, 1024], generator);
            var checkDiff = Check(rule, name, variants, parameter, gradient, python, scratch);
            if (!(checkDiff <= CheckTolerance)) Checks.Failures++;

            using var state = rule.CreateState(parameter);
            long step = 0;
            void Update() => rule.Update(state, parameter, gradient, ++step);
            var count = Measure.CountFor(options.RoundMs * 1000, Measure.Estimate(Update, 5), 5, 1000);
            var buffer = new double[count];
            Measure.Calls(Update, count, new Samples(), buffer);
            foreach (var variant in variants) python.Rule(name, variant, count, Parameters);

            var ours = new Samples();
            var torch = variants.ToDictionary(v => v, _ => new Samples());
            long allocated = 0;
            for (var round = 0; round < options.Rounds; round++)
            {
                if (round % 2 == 1) foreach (var variant in variants) torch[variant].AddRange(python.Rule(name, variant, count, Parameters));
                allocated += Measure.Calls(Update, count, ours, buffer);
                if (round % 2 == 0) foreach (var variant in variants) torch[variant].AddRange(python.Rule(name, variant, count, Parameters));
            }
            var single = torch.GetValueOrDefault("single") ?? torch["paper"];
            var foreachSamples = torch.GetValueOrDefault("foreach");
            var best = Math.Min(single.Median, foreachSamples?.Median ?? double.PositiveInfinity);
            var floor = (double)Parameters * bytes / bandwidth * 1e6;
            Console.WriteLine($"| {label} | {ours.Median:F0} | {ours.Min:F0} | {single.Median:F0} | {single.Min:F0} | "
                + $"{(foreachSamples is null ? "-" : $"{foreachSamples.Median:F0}")} | {(foreachSamples is null ? "-" : $"{foreachSamples.Min:F0}")} | "
                + $"{best / ours.Median:F2}x | {floor:F0} | {ours.Min / floor:F2} | {(double)allocated / ours.Count:F1} | "
                + $"{checkDiff:E1}{(checkDiff <= CheckTolerance ? "" : " FAIL")} |");
        }
        Console.WriteLine();
    }

    /// <summary>
    /// <see cref="CheckUpdates"/> updates of a copy of <paramref name="parameter"/> from fresh state on both sides;
    /// the largest over the variants of max |Dsl - PyTorch| / max |PyTorch|.
    /// </summary>
    private static double Check(IUpdateRule rule, string name, string[] variants, Tensor parameter, Tensor gradient, PythonTwin python, string scratch)
    {
        var source = Path.Combine(scratch, $"rule-{name}.in.f32");
        var p0 = parameter.ToArray<float>();
        var g = gradient.ToArray<float>();
        using (var file = File.Create(source))
        {
            file.Write(MemoryMarshal.AsBytes(p0.AsSpan()));
            file.Write(MemoryMarshal.AsBytes(g.AsSpan()));
        }
        using var copy = parameter.Clone();
        using (var state = rule.CreateState(copy))
        {
            for (long step = 1; step <= CheckUpdates; step++) rule.Update(state, copy, gradient, step);
        }
        var ours = copy.ToArray<float>();
        var worst = 0.0;
        foreach (var variant in variants)
        {
            var target = Path.Combine(scratch, $"rule-{name}-{variant}.out.f32");
            python.RuleCheck(name, variant, CheckUpdates, source, target);
            var theirs = MemoryMarshal.Cast<byte, float>(File.ReadAllBytes(target)).ToArray();
            if (theirs.Length != ours.Length) return double.PositiveInfinity;
            double difference = 0, scale = 0;
            for (var i = 0; i < ours.Length; i++)
            {
                difference = Math.Max(difference, Math.Abs((double)ours[i] - theirs[i]));
                scale = Math.Max(scale, Math.Abs((double)theirs[i]));
            }
            worst = Math.Max(worst, double.IsNaN(difference) ? double.PositiveInfinity : difference / scale);
        }
        return worst;
    }
}
