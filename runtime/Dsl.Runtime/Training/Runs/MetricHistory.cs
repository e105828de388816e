namespace Dsl;

/// <summary>One logged value of a metric: at which step and epoch it was taken.</summary>
/// <param name="Step">Steps done when the value was logged.</param>
/// <param name="Epoch">The epoch it belongs to (from 1; 0 for a value logged before training).</param>
/// <param name="Value">The value; NaN and infinities are kept as logged.</param>
public readonly record struct MetricPoint(long Step, int Epoch, double Value);

/// <summary>
/// Every value a run logged: one series of (step, epoch, value) per metric name, in logging order.
/// Names follow the "split.quantity" pattern ("train.loss", "valid.loss", "valid.accuracy"); the
/// report draws one chart per quantity with one line per split. Not thread-safe: the training
/// loop owns it.
/// </summary>
public sealed class MetricHistory
{
    private readonly Dictionary<string, List<MetricPoint>> _series = new(StringComparer.Ordinal);
    private readonly List<string> _names = [];

    /// <summary>Metric names in the order they were first logged.</summary>
    public IReadOnlyList<string> Names => _names;

    /// <summary>Whether any value of <paramref name="name"/> was logged.</summary>
    public bool Contains(string name) => _series.ContainsKey(name);

    /// <summary>Appends a value to <paramref name="name"/>'s series (created on first use).</summary>
    /// <exception cref="ArgumentException">The name is empty or has control characters.</exception>
    public void Add(string name, long step, int epoch, double value)
    {
        if (!_series.TryGetValue(name, out var series))
        {
            ValidateName(name);
            series = [];
            _series.Add(name, series);
            _names.Add(name);
        }
        series.Add(new MetricPoint(step, epoch, value));
    }

    /// <summary>The values of <paramref name="name"/> in logging order.</summary>
    /// <exception cref="KeyNotFoundException">Nothing was logged under that name (the message lists the names that were).</exception>
    public IReadOnlyList<MetricPoint> Series(string name) =>
        _series.TryGetValue(name, out var series)
            ? series
            : throw new KeyNotFoundException($"No metric named '{name}' was logged; the history has: {(_names.Count == 0 ? "(nothing)" : string.Join(", ", _names))}.");

    /// <summary>The last value logged under <paramref name="name"/>, NaN included.</summary>
    public MetricPoint Last(string name)
    {
        var series = Series(name);
        return series[^1];
    }

    /// <summary>
    /// The best finite value of <paramref name="name"/> (the earliest, when it recurs), or null
    /// when every value is NaN or infinite. NaN and infinities are never best: a diverged run's
    /// -inf loss is no record.
    /// </summary>
    public MetricPoint? Best(string name, bool lowerIsBetter)
    {
        MetricPoint? best = null;
        foreach (var point in Series(name))
        {
            if (!double.IsFinite(point.Value)) continue;
            if (best is not { } current || (lowerIsBetter ? point.Value < current.Value : point.Value > current.Value))
                best = point;
        }
        return best;
    }

    /// <summary>The best finite value, lower or higher as <see cref="IsLowerBetter"/> says.</summary>
    public MetricPoint? Best(string name) => Best(name, IsLowerBetter(name));

    private readonly Dictionary<string, bool> _lowerIsBetter = new(StringComparer.Ordinal);

    /// <summary>Says which way a metric is better (a [Metric]'s HigherIsBetter), instead of guessing it from the name.</summary>
    public void SetLowerIsBetter(string name, bool lowerIsBetter) => _lowerIsBetter[name] = lowerIsBetter;

    /// <summary>Whether a smaller value of <paramref name="name"/> is better: as set with <see cref="SetLowerIsBetter"/>, else guessed (<see cref="LowerIsBetter"/>).</summary>
    public bool IsLowerBetter(string name) => _lowerIsBetter.TryGetValue(name, out var lower) ? lower : LowerIsBetter(name);

    /// <summary>
    /// Whether a smaller value of a metric called <paramref name="name"/> is better, guessed from
    /// its last part: accuracy, precision, recall, F1, AUC, R², IoU, BLEU and reward are higher-is-better;
    /// everything else (loss, error, perplexity, MSE, ...) lower-is-better.
    /// </summary>
    public static bool LowerIsBetter(string name)
    {
        var quantity = name[(name.LastIndexOf('.') + 1)..].ToLowerInvariant();
        string[] higher = ["acc", "accuracy", "precision", "recall", "f1", "auc", "roc_auc", "r2", "iou", "miou", "bleu", "rouge", "reward", "return", "score", "top1", "top5"];
        foreach (var word in higher)
            if (quantity == word || quantity.StartsWith(word + "_", StringComparison.Ordinal) || quantity.EndsWith("_" + word, StringComparison.Ordinal))
                return false;
        return true;
    }

    /// <summary>Forgets every value (a resumed run rebuilding its history).</summary>
    internal void Clear()
    {
        _series.Clear();
        _names.Clear();
    }

    internal static void ValidateName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (name.Length == 0 || string.IsNullOrWhiteSpace(name))
            throw new ArgumentException("A metric name cannot be empty or blank.", nameof(name));
        foreach (var c in name)
            if (char.IsControl(c))
                throw new ArgumentException($"The metric name '{name.ReplaceLineEndings(" ")}' holds a control character (U+{(int)c:X4}); metric names are one line of text.", nameof(name));
    }
}
