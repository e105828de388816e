namespace Dsl.Generators.Tests.Infrastructure;

/// <summary>Generated gradients against central finite differences (L(p + h) - L(p - h)) / 2h in float64.</summary>
internal static class GradientCheck
{
    public static void ComputeGradients(dynamic experiment, object[] inputs) =>
        ((object)experiment).GetType().GetMethod("ComputeGradients")!.Invoke((object)experiment, inputs);

    /// <summary>
    /// Checks every element of every parameter named in <paramref name="only"/> (all with a gradient
    /// when null). The reference loss is the experiment's eager [Loss] unless <paramref name="loss"/> is given.
    /// </summary>
    public static void AgainstFiniteDifferences(dynamic experiment, object[] inputs, IReadOnlyCollection<string>? only = null,
        Func<double>? loss = null, double tolerance = 1e-5)
    {
        var type = ((object)experiment).GetType();
        var eager = type.GetMethod("Loss")!;
        double Loss()
        {
            if (loss is not null) return loss();
            using var value = (Tensor)eager.Invoke((object)experiment, inputs)!;
            return value.Item();
        }

        ComputeGradients(experiment, inputs);
        var gradients = ((IReadOnlyList<(string Name, Tensor Value)>)experiment.Gradients).ToDictionary(g => g.Name, g => g.Value.ToArray<double>());
        var parameters = (IReadOnlyList<(string Name, Tensor Value)>)experiment.Parameters;
        const double h = 1e-6;
        foreach (var (name, tensor) in parameters)
        {
            if (only is not null ? !only.Contains(name) : !gradients.ContainsKey(name)) continue;
            var values = tensor.ToArray<double>();
            var analytic = gradients[name];
            for (var i = 0; i < values.Length; i++)
            {
                var original = values[i];
                values[i] = original + h;
                tensor.CopyFrom<double>(values);
                var plus = Loss();
                values[i] = original - h;
                tensor.CopyFrom<double>(values);
                var minus = Loss();
                values[i] = original;
                tensor.CopyFrom<double>(values);
                var numeric = (plus - minus) / (2 * h);
                Assert.True(Math.Abs(numeric - analytic[i]) <= 1e-6 + tolerance * Math.Abs(numeric),
                    $"d loss / d {name}[{i}]: generated {analytic[i]:R}, finite differences {numeric:R}");
            }
        }
    }
}
