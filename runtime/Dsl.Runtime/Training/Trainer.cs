using System.Diagnostics;
using System.Globalization;

namespace Dsl;

/// <summary>
/// The training loop every generated experiment's <c>Fit</c> and <c>Evaluate</c> call: batches from
/// a <see cref="DataLoader"/>, the generated step, progress, evaluation, early stopping, checkpoints
/// and a run folder. The step itself is the generated code; this class only orchestrates it.
/// </summary>
public static partial class Trainer
{
    /// <summary>Trains <paramref name="experiment"/> on <paramref name="train"/>, evaluating on <paramref name="valid"/> when given.</summary>
    /// <exception cref="ArgumentException">The data's columns do not fit the step's declared inputs (names, shapes, dtypes); nothing was run.</exception>
    /// <exception cref="NonFiniteLossException">A loss was NaN or infinite under <see cref="NonFiniteLossAction.Stop"/>.</exception>
    public static FitReport Fit(IExperiment experiment, IDataset train, FitOptions? options = null, IDataset? valid = null)
    {
        ArgumentNullException.ThrowIfNull(experiment);
        ArgumentNullException.ThrowIfNull(train);
        options ??= new FitOptions();
        Validate(options, experiment);
        var trainColumns = MapColumns(experiment, train, "training data");
        var validColumns = valid is null ? null : MapColumns(experiment, valid, "validation data");
        if (options.EarlyStopping is { } early)
        {
            var available = new List<string> { "train.loss" };
            if (valid is not null)
            {
                if (experiment.HasLoss) available.Add("valid.loss");
                available.AddRange(experiment.Metrics.Select(m => "valid." + MetricName(m.Name)));
            }
            if (!available.Contains(early.Metric))
            {
                throw new ArgumentException($"{experiment.Name}: early stopping watches '{early.Metric}', which this run never measures; it measures "
                    + string.Join(", ", available) + (valid is null ? " (give Fit validation data for valid.* metrics)" : "") + ".", nameof(options));
            }
        }
        var run = new Run(experiment, train, valid, options, trainColumns, validColumns);
        try
        {
            return run.Execute();
        }
        finally
        {
            run.Dispose();
        }
    }

    /// <summary>
    /// The loss (a [Loss] experiment) and every [Metric], averaged over the examples of <paramref name="data"/>, at the
    /// update rules' evaluation state where a rule declares one (Schedule-Free's x: see <see cref="RuleStates.UsingEvaluationState"/>)
    /// unless a <see cref="RuleStateScope"/> the caller opened already chose the weights.
    /// </summary>
    public static EvaluationResult Evaluate(IExperiment experiment, IDataset data, int batchSize = 256)
    {
        ArgumentNullException.ThrowIfNull(experiment);
        ArgumentNullException.ThrowIfNull(data);
        if (!experiment.IsInitialized) throw new InvalidOperationException($"{experiment.Name}: call Initialize(seed), Fit or Restore before Evaluate.");
        var columns = MapColumns(experiment, data, "evaluation data");
        CheckDTypes(experiment, data, columns, "evaluation data");
        using var loader = new DataLoader(data, batchSize, shuffle: false);
        return Evaluate(experiment, loader, columns);
    }

    private static EvaluationResult Evaluate(IExperiment experiment, DataLoader loader, int[] columns, bool atRuleState = true)
    {
        // optimizer.eval(): the parameters hold the rules' evaluation state while this evaluates, then get their own values back.
        using var scope = atRuleState && experiment is IRuleStates states && !states.IsEvaluatingAtState() ? states.UsingEvaluationState() : default;
        var metrics = experiment.Metrics;
        var sums = new double[metrics.Count + 1];
        var values = new double[metrics.Count];
        var inputs = new Tensor[columns.Length];
        long examples = 0;
        foreach (var batch in loader.Epoch(0))
        {
            for (var i = 0; i < columns.Length; i++) inputs[i] = batch.Tensors[columns[i]];
            if (experiment.HasLoss) sums[0] += experiment.EvaluateLoss(inputs) * (double)batch.Size;
            if (metrics.Count > 0)
            {
                experiment.EvaluateMetrics(inputs, values);
                for (var m = 0; m < values.Length; m++) sums[m + 1] += values[m] * batch.Size;
            }
            examples += batch.Size;
        }
        var result = new Dictionary<string, double>(StringComparer.Ordinal);
        if (examples == 0) return new EvaluationResult(result, 0);
        if (experiment.HasLoss) result["loss"] = sums[0] / examples;
        for (var m = 0; m < metrics.Count; m++) result[MetricName(metrics[m].Name)] = sums[m + 1] / examples;
        return new EvaluationResult(result, examples);
    }

    /// <summary>
    /// The label value CrossEntropy ignores in the code the generator emits (PyTorch's default
    /// <c>ignore_index</c>): such examples add nothing to the loss or the gradients, and Fit counts them
    /// (<see cref="FitReport.IgnoredLabels"/>). The eager <see cref="Ops.CrossEntropy(Tensor, Tensor, Reduction, Tensor?, long, double)"/> takes another value,
    /// or <see cref="Ops.NoIgnoreIndex"/> to refuse every negative label.
    /// </summary>
    public const long IgnoredLabel = -100;

    /// <summary><c>Accuracy</c> → <c>accuracy</c>: metric names in reports and run folders.</summary>
    internal static string MetricName(string declared) => declared.Length == 0 ? declared : char.ToLowerInvariant(declared[0]) + declared.Substring(1);

    private static void Validate(FitOptions options, IExperiment experiment)
    {
        if (options.Epochs < 1) throw new ArgumentOutOfRangeException(nameof(options), options.Epochs, "FitOptions.Epochs must be at least 1.");
        if (options.BatchSize < 1) throw new ArgumentOutOfRangeException(nameof(options), options.BatchSize, "FitOptions.BatchSize must be at least 1.");
        if (options.EvaluationBatchSize < 0) throw new ArgumentOutOfRangeException(nameof(options), options.EvaluationBatchSize, "FitOptions.EvaluationBatchSize must be positive (or 0: the training batch size).");
        if (options.LogEverySteps < 0) throw new ArgumentOutOfRangeException(nameof(options), options.LogEverySteps, "FitOptions.LogEverySteps must not be negative.");
        if (options.EvaluateEverySteps < 0) throw new ArgumentOutOfRangeException(nameof(options), options.EvaluateEverySteps, "FitOptions.EvaluateEverySteps must not be negative.");
        if (options.CheckpointEverySteps < 0) throw new ArgumentOutOfRangeException(nameof(options), options.CheckpointEverySteps, "FitOptions.CheckpointEverySteps must not be negative.");
        if (options.CheckpointEverySteps > 0 && options.RunFolder is null) throw new ArgumentException("FitOptions.CheckpointEverySteps needs FitOptions.RunFolder (where checkpoints go).", nameof(options));
        if (options.EvaluateEveryEpochs < 1) throw new ArgumentOutOfRangeException(nameof(options), options.EvaluateEveryEpochs, "FitOptions.EvaluateEveryEpochs must be at least 1.");
        if (options.Resume && options.RunFolder is null) throw new ArgumentException("FitOptions.Resume needs FitOptions.RunFolder (the run to continue).", nameof(options));
        if (options.ClipGradientNorm is { } clip && !(clip > 0)) throw new ArgumentOutOfRangeException(nameof(options), clip, "FitOptions.ClipGradientNorm must be positive.");
        if (!experiment.HasSeparateUpdate && options.ClipGradientNorm is not null)
        {
            throw new ArgumentException($"{experiment.Name} trains with a [Step] method, whose updates happen inside the step; gradient clipping needs a [Loss] experiment.", nameof(options));
        }
        if (!experiment.HasSeparateUpdate && options.OnNonFiniteLoss == NonFiniteLossAction.SkipBatch)
        {
            throw new ArgumentException($"{experiment.Name} trains with a [Step] method, which has updated the parameters by the time its loss is known; SkipBatch needs a [Loss] experiment.", nameof(options));
        }
    }

    /// <summary>
    /// For each declared input, the data set column that feeds it: by name, or by position when no
    /// name matches and the counts agree. Checks shapes (constant axes) and dtypes before any step.
    /// </summary>
    private static int[] MapColumns(IExperiment experiment, IDataset data, string what)
    {
        var inputs = experiment.Inputs;
        var columns = data.Columns;
        var byName = inputs.Select(input => columns.ToList().FindIndex(c => c.Name == input.Name)).ToArray();
        int[] map;
        if (byName.All(i => i >= 0)) map = byName;
        else if (byName.All(i => i < 0) && columns.Count == inputs.Count) map = Enumerable.Range(0, inputs.Count).ToArray();
        else
        {
            var missing = inputs.Where((_, i) => byName[i] < 0).Select(input => input.Name);
            throw new ArgumentException($"{experiment.Name}: the {what} has no column named {string.Join(", ", missing.Select(m => "'" + m + "'"))}; "
                + $"its columns are {string.Join(", ", columns.Select(c => c.ToString()))} and the step takes "
                + string.Join(", ", inputs.Select(i => i.Name + " " + i.Display)) + " (columns are matched by name, or by position when no name matches).");
        }
        var expected = inputs.Select(input => (Name: columns[map[inputs.ToList().IndexOf(input)]].Name, Dims: input.Dims.ToArray(), input.Display)).ToList();
        DatasetValidation.CheckColumns(data, expected, experiment.Name + "'s step");
        if (experiment.IsInitialized) CheckDTypes(experiment, data, map, what);
        return map;
    }

    /// <summary>Labels must be Int64 class indices; every other input must have the parameters' dtype.</summary>
    private static void CheckDTypes(IExperiment experiment, IDataset data, int[] map, string what)
    {
        var inputs = experiment.Inputs;
        for (var i = 0; i < inputs.Count; i++)
        {
            var column = data.Columns[map[i]];
            var dtype = inputs[i].IsIndex ? DType.Int64 : experiment.ParameterDType;
            if (column.DType != dtype)
            {
                var why = inputs[i].IsIndex ? "class indices" : "the parameters' dtype";
                throw new ArgumentException($"{experiment.Name}: column '{column.Name}' of the {what} is {column.DType}, but the step reads '{inputs[i].Name}' as {dtype} ({why}); convert the data with Tensor.To(DType.{dtype}).");
            }
        }
    }
}
