using Dsl;

namespace SideBySide;

/// <summary>
/// Section 1b: one update of 1M float32 parameters by the runtime's built-in rules (the generator's fused loop)
/// against torch.optim's single-tensor and foreach paths, and for Lion (not in torch.optim 1.13) a PyTorch
/// version written from the paper's update. Interleaved rounds as for the steps.
/// </summary>
internal static class RuleComparison
{
    public const int Parameters = 1 << 20;

    public static void Run(Options options, PythonTwin python)
    {
        Console.WriteLine($"## Update rules: one update of {Parameters:N0} float32 parameters (1024x1024)");
        Console.WriteLine();
        var bandwidth = StepComparison.CopyBandwidth();
        Console.WriteLine($"Single-thread copy bandwidth {bandwidth / 1e9:F1} GB/s. Traffic floor: Adam/AdamW read p, g, m, v and write p, m, v (28 B per parameter); Lion reads p, g, m and writes p, m (20 B).");
        Console.WriteLine();
        Console.WriteLine("| rule | Dsl fused median µs | (min) | torch single-tensor median µs | (min) | torch foreach median µs | (min) | best torch / Dsl (median) | traffic floor µs | Dsl min / floor | managed B/update |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        (string Name, IUpdateRule Rule, string[] Variants, int Bytes)[] rules =
        [
            ("adam", new Adam { LearningRate = 1e-3 }, ["single", "foreach"], 28),
            ("adamw", new AdamW { LearningRate = 1e-3, WeightDecay = 1e-2 }, ["single", "foreach"], 28),
            ("lion", new Lion { LearningRate = 1e-4 }, ["paper"], 20),
        ];
        using var generator = new Generator(0);
        foreach (var (name, rule, variants, bytes) in rules)
        {
            using var parameter = Tensor.Randn([1024, 1024], generator);
            using var gradient = Tensor.Randn([1024, 1024], generator);
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
            var label = name == "lion" ? "lion (PyTorch: the paper's update, in-place ops)" : name;
            Console.WriteLine($"| {label} | {ours.Median:F0} | {ours.Min:F0} | {single.Median:F0} | {single.Min:F0} | "
                + $"{(foreachSamples is null ? "-" : $"{foreachSamples.Median:F0}")} | {(foreachSamples is null ? "-" : $"{foreachSamples.Min:F0}")} | "
                + $"{best / ours.Median:F2}x | {floor:F0} | {ours.Min / floor:F2} | {(double)allocated / ours.Count:F1} |");
        }
        Console.WriteLine();
    }
}
