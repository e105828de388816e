using Dsl;

namespace HebbianMultitasking;

/// <summary>The mean over runs of the magnetizations sorted by size (|m|₁ ≥ |m|₂ ≥ |m|₃), and their spread.</summary>
public sealed record Retrieval(double[] Mean, double[] StandardDeviation, int Runs)
{
    /// <summary>m₁ − m_K: how far the strongest and the weakest retrieved pattern are apart.</summary>
    public double Gap => Mean[0] - Mean[^1];
    public string Format(string format = "F3") => string.Join(" / ", Mean.Select(m => m.ToString(format, System.Globalization.CultureInfo.InvariantCulture)));
}

/// <summary>The experiments of the README: each draws its patterns, examples and starts from a seeded generator.</summary>
public static class Multitasking
{
    public const int Patterns = 3;

    /// <summary>
    /// Runs <paramref name="runs"/> networks of <paramref name="neurons"/> neurons for each teacher: each run draws
    /// fresh patterns (dilution d) and, for the supervised and unsupervised teachers, M examples of quality r per
    /// pattern (the same patterns and examples for both), starts from a random σ and relaxes by the protocol.
    /// Returns, per teacher, the magnetizations sorted by size, averaged over the runs.
    /// </summary>
    public static Dictionary<Teacher, Retrieval> Run(IReadOnlyList<Teacher> teachers, int neurons, double dilution, Protocol protocol,
        int runs, ulong seed, int examples = 0, double quality = 1)
    {
        var sorted = teachers.ToDictionary(t => t, _ => new List<double[]>());
        for (var run = 0; run < runs; run++)
        {
            var runSeed = seed * 1_000_003 + (ulong)run;
            using var data = new Generator(runSeed);
            using var patterns = Hebbian.Patterns(Patterns, neurons, dilution, data);
            using var noisy = teachers.Any(t => t != Teacher.Patterns) ? Hebbian.Examples(patterns, examples, quality, data) : null;
            var xi = patterns.ToArray<float>();
            foreach (var teacher in teachers)
            {
                using var network = new GlauberNetwork(Hebbian.Couplings(teacher, patterns, noisy, quality));
                using var dynamics = new Generator(runSeed ^ 0x9E3779B97F4A7C15UL);   // the same starts and orders for every teacher
                sorted[teacher].Add(network.Relax(xi, dilution, protocol, dynamics));
            }
        }
        return sorted.ToDictionary(p => p.Key, p => Summarize(p.Value));
    }

    private static Retrieval Summarize(List<double[]> runs)
    {
        var k = runs[0].Length;
        var mean = Enumerable.Range(0, k).Select(i => runs.Average(r => r[i])).ToArray();
        var sd = Enumerable.Range(0, k).Select(i => Math.Sqrt(runs.Sum(r => (r[i] - mean[i]) * (r[i] - mean[i])) / Math.Max(1, runs.Count - 1))).ToArray();
        return new Retrieval(mean, sd, runs.Count);
    }

    /// <summary>The hierarchical prediction mₖ = (1 − d)·d^(k−1), k = 1..K.</summary>
    public static double[] Hierarchy(double dilution) =>
        Enumerable.Range(0, Patterns).Select(k => (1 - dilution) * Math.Pow(dilution, k)).ToArray();
}

/// <summary>
/// The network's mean-field (N → ∞) equations for K = 3 patterns, solved by iteration:
/// mμ = E_ξ[ξ^μ tanh(β Σν mν ξ^ν)] (at T = 0, sign instead of tanh), the expectation taken exactly
/// over the 27 values of (ξ¹, ξ², ξ³). An independent check of the simulations.
/// </summary>
public static class MeanField
{
    public static double[] Solve(double dilution, double temperature, double[] start, int iterations = 5000)
    {
        var m = (double[])start.Clone();
        double[] values = [-1, 0, 1];
        double[] probabilities = [(1 - dilution) / 2, dilution, (1 - dilution) / 2];
        for (var iteration = 0; iteration < iterations; iteration++)
        {
            var next = new double[3];
            for (var a = 0; a < 3; a++)
            for (var b = 0; b < 3; b++)
            for (var c = 0; c < 3; c++)
            {
                var p = probabilities[a] * probabilities[b] * probabilities[c];
                double[] xi = [values[a], values[b], values[c]];
                var h = m[0] * xi[0] + m[1] * xi[1] + m[2] * xi[2];
                var s = temperature == 0 ? Math.Sign(h) : Math.Tanh(h / temperature);
                for (var k = 0; k < 3; k++) next[k] += p * xi[k] * s;
            }
            m = next;
        }
        return m;
    }
}
