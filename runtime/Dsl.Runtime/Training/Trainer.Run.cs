using System.Diagnostics;
using System.Globalization;

namespace Dsl;

public static partial class Trainer
{
    /// <summary>One Fit call: its state and its loop.</summary>
    private sealed class Run : IDisposable
    {
        private readonly IExperiment _experiment;
        private readonly IDataset _train;
        private readonly IDataset? _valid;
        private readonly FitOptions _options;
        private readonly int[] _trainColumns;
        private readonly int[]? _validColumns;
        private readonly DataLoader _loader;
        private readonly DataLoader? _validLoader;
        private readonly IProgressReporter _progress;
        private readonly bool _ownsProgress;
        private readonly Tensor[] _inputs;
        private readonly TrainingContext _context = new();
        private readonly FitReport _report;
        private readonly string _monitor;
        private readonly bool _monitorLowerIsBetter;
        private RunFolder? _folder;
        private double _best = double.NaN;
        private MetricPoint? _bestPoint;
        private int _sinceImprovement;
        private string? _lastCheckpoint;
        private long _reportedAtStep = -1;
        private readonly Stopwatch _sinceReport = new();
        private Tensor[]? _gradients;
        private readonly int[] _labelInputs;
        private long _ignoredInBatch;
        private long _labelsInBatch;
        private readonly DistributedTraining? _distributed;
        private readonly bool _validSharded;

        public Run(IExperiment experiment, IDataset train, IDataset? valid, FitOptions options, int[] trainColumns, int[]? validColumns)
        {
            _experiment = experiment;
            _train = train;
            _valid = valid;
            _distributed = options.DataParallel is { } parallel ? new DistributedTraining(parallel, experiment) : null;
            _options = options = _distributed?.Local(options) ?? options;
            _trainColumns = trainColumns;
            _validColumns = validColumns;
            _inputs = new Tensor[trainColumns.Length];
            _labelInputs = Enumerable.Range(0, experiment.Inputs.Count).Where(i => experiment.Inputs[i].IsIndex).ToArray();
            _loader = new DataLoader(train, options.BatchSize, options.Shuffle, options.Seed, options.DropLast, shard: _distributed?.Shard);
            if (_loader.BatchesPerEpoch == 0)
            {
                _loader.Dispose();
                throw new ArgumentException($"{experiment.Name}: the training data has {train.Count} examples, fewer than one batch of {options.BatchSize} with DropLast set.");
            }
            _validSharded = _distributed is not null && valid is not null && valid.Count >= _distributed.WorldSize;
            _validLoader = valid is null ? null : new DataLoader(valid, options.EvaluationBatchSize > 0 ? options.EvaluationBatchSize : options.BatchSize, shuffle: false,
                shard: _validSharded ? _distributed!.Shard with { Uneven = true } : null);
            _ownsProgress = options.Progress is null;
            _progress = options.Progress ?? (options.Verbosity == FitVerbosity.Silent ? ProgressReporters.None
                : ProgressReporters.Create(options.Verbosity == FitVerbosity.Epochs, options.Output));
            (_monitor, _monitorLowerIsBetter) = Monitor(experiment, options, valid is not null);
            _report = new FitReport(new MetricHistory());
        }

        private static (string Name, bool LowerIsBetter) Monitor(IExperiment experiment, FitOptions options, bool hasValid)
        {
            var name = options.EarlyStopping?.Metric
                ?? (hasValid ? experiment.HasLoss ? "valid.loss" : "valid." + MetricName(experiment.Metrics.FirstOrDefault()?.Name ?? "loss") : "train.loss");
            if (options.EarlyStopping?.HigherIsBetter is { } higher) return (name, !higher);
            var declared = experiment.Metrics.FirstOrDefault(m => name.EndsWith("." + MetricName(m.Name), StringComparison.Ordinal));
            return (name, declared is null ? MetricHistory.LowerIsBetter(name) : !declared.HigherIsBetter);
        }

        /// <summary>
        /// Whether an epoch's end rewrites report.html: the first time, when the run has grown by a tenth
        /// since the last write, or when a minute has passed. Rendering reads the whole history, so writing
        /// at every epoch made Fit's allocation quadratic in its length; this keeps it linear (a geometric
        /// schedule) while the page is never more than a minute behind. The run's end always writes it.
        /// </summary>
        private bool ReportDue(long step) =>
            _reportedAtStep < 0 || step >= _reportedAtStep + Math.Max(1, _reportedAtStep / 10) || _sinceReport.Elapsed >= TimeSpan.FromMinutes(1);

        public FitReport Execute()
        {
            var clock = Stopwatch.StartNew();
            var start = _distributed is null ? Start() : _distributed.Start(Start, _options);
            var history = _folder?.History ?? _report.History;
            foreach (var metric in _experiment.Metrics) history.SetLowerIsBetter("valid." + MetricName(metric.Name), !metric.HigherIsBetter);
            var report = _folder is null ? _report : new FitReport(history);
            report.RunFolder = _folder?.Path;
            report.Epochs = Math.Min(start.Epoch, _options.Epochs);
            var remaining = Math.Max(0, (long)(_options.Epochs - start.Epoch) * _loader.BatchesPerEpoch - start.Batch);
            _progress.Start(new ProgressPlan(_experiment.Name, _options.Epochs, _loader.BatchesPerEpoch, start.Step, start.Step + remaining));
            if (start.Step > 0) _progress.Message($"resumed from step {start.Step} (epoch {start.Epoch + 1}, batch {start.Batch + 1}) of {_lastCheckpoint}");

            long examples = 0;
            var trainingTime = Stopwatch.StartNew();
            trainingTime.Stop();
            var step = start.Step;
            var (logSum, logCount) = (0.0, 0L);
            var stop = false;
            var epoch = start.Epoch;
            double? lastEpochLoss = null;
            for (; epoch < _options.Epochs && !stop; epoch++)
            {
                var (epochSum, epochCount) = (0.0, 0L);
                var first = epoch == start.Epoch ? start.Batch : 0;
                var interrupted = false;
                foreach (var batch in _loader.Epoch(epoch, first))
                {
                    for (var i = 0; i < _trainColumns.Length; i++) _inputs[i] = batch.Tensors[_trainColumns[i]];
                    trainingTime.Start();
                    var (loss, applied) = TrainStep(step, epoch, batch.Index, report);
                    trainingTime.Stop();
                    if (!applied)
                    {
                        report.SkippedBatches++;
                        _progress.Message($"skipped batch {batch.Index + 1} of epoch {epoch + 1}: the loss was {loss}");
                        continue;
                    }
                    step++;
                    examples += batch.Size;
                    epochSum += loss * (double)batch.Size;
                    epochCount += batch.Size;
                    logSum += loss * (double)batch.Size;
                    logCount += batch.Size;
                    _progress.Step(new StepProgress(step, epoch + 1, batch.Index + 1, loss, batch.Size));
                    var position = new TrainingPosition(step, batch.Index + 1 == _loader.BatchesPerEpoch ? epoch + 1 : epoch,
                        batch.Index + 1 == _loader.BatchesPerEpoch ? 0 : batch.Index + 1, _options.Seed, _options.BatchSize, WorldSize);
                    // A window is weighted by examples; when fewer than LogEverySteps batches of the epoch would be
                    // left after it, it runs on to the epoch's end, so no window is a short tail of the epoch.
                    var batchesLeft = _loader.BatchesPerEpoch - (batch.Index + 1);
                    if (_options.LogEverySteps > 0 && step % _options.LogEverySteps == 0 && (batchesLeft == 0 || batchesLeft >= _options.LogEverySteps))
                    {
                        Log(history, step, epoch, new Dictionary<string, double> { ["train.loss"] = logSum / logCount });
                        (logSum, logCount) = (0.0, 0L);
                    }
                    var lastBatch = batch.Index + 1 == _loader.BatchesPerEpoch;
                    if (_options.EvaluateEverySteps > 0 && step % _options.EvaluateEverySteps == 0 && !(lastBatch && EvaluatesAtEnd(epoch)))
                    {
                        var metrics = EvaluateValidation();
                        if (metrics.Count > 0)
                        {
                            Log(history, step, epoch, metrics);
                            stop |= Monitor(metrics, step, position, history);
                        }
                    }
                    if (_folder is not null && _options.CheckpointEverySteps > 0 && step % _options.CheckpointEverySteps == 0) Checkpoint(position);
                    if (_options.OnStep is { } onStep)
                    {
                        (_context.Step, _context.Epoch, _context.Batch, _context.Loss) = (step, epoch, batch.Index, loss);
                        onStep(_context);
                    }
                    if (_context.StopReason is not null || stop)
                    {
                        stop = true;
                        interrupted = batch.Index + 1 < _loader.BatchesPerEpoch;
                        if (_folder is not null && interrupted) Checkpoint(position);
                        if (interrupted) break;
                    }
                }
                if (interrupted) break;

                // The epoch's end: its mean loss, an evaluation, the callbacks, a checkpoint.
                var epochMetrics = new Dictionary<string, double>(StringComparer.Ordinal);
                if (epochCount > 0) epochMetrics["train.loss"] = epochSum / epochCount;
                var evaluate = EvaluatesAtEnd(epoch);
                if (evaluate)
                {
                    foreach (var (name, value) in EvaluateValidation()) epochMetrics[name] = value;
                }
                var end = new TrainingPosition(step, epoch + 1, 0, _options.Seed, _options.BatchSize, WorldSize);
                // The log's train.loss is the example-weighted mean over each logging window (the epoch's last one
                // folded into the one before when short), so the curve has one point per window; the epoch's mean
                // goes to the progress line, OnEpoch and the report's final figure.
                var logged = epochMetrics.Where(m => m.Key != "train.loss").ToDictionary(m => m.Key, m => m.Value, StringComparer.Ordinal);
                if (logCount > 0) logged["train.loss"] = logSum / logCount;
                (logSum, logCount) = (0.0, 0L);
                Log(history, step, epoch, logged);
                if (epochMetrics.TryGetValue("train.loss", out var epochLoss)) lastEpochLoss = epochLoss;
                _progress.Epoch(new EpochSummary(epoch + 1, epochMetrics));
                report.Epochs = epoch + 1;
                if (evaluate || _monitor == "train.loss") stop |= Monitor(epochMetrics, step, end, history);
                if (_options.OnEpoch is { } onEpoch)
                {
                    (_context.Step, _context.Epoch, _context.Batch, _context.Loss, _context.Metrics) =
                        (step, epoch, _loader.BatchesPerEpoch - 1, epochMetrics.GetValueOrDefault("train.loss", double.NaN), epochMetrics);
                    onEpoch(_context);
                    stop |= _context.StopReason is not null;
                }
                if (_folder is not null)
                {
                    Checkpoint(end);
                    if (ReportDue(step))
                    {
                        _folder.WriteReport(_experiment.Name);
                        _reportedAtStep = step;
                        _sinceReport.Restart();
                    }
                }
            }

            report.Steps = step;
            report.StopReason = _context.StopReason ?? report.StopReason;
            report.Elapsed = clock.Elapsed;
            report.ExamplesPerSecond = trainingTime.Elapsed.TotalSeconds > 0 ? examples / trainingTime.Elapsed.TotalSeconds : 0;
            report.OverallExamplesPerSecond = report.Elapsed.TotalSeconds > 0 ? examples / report.Elapsed.TotalSeconds : 0;
            var final = history.Names.ToDictionary(n => n, n => history.Last(n).Value, StringComparer.Ordinal);
            // The last epoch's mean training loss, not the last logging window's.
            if (lastEpochLoss is { } meanLoss) final["train.loss"] = meanLoss;
            report.FinalMetrics = final;
            if (_bestPoint is { } best) report.Best = (_monitor, best);
            _folder?.WriteReport(_experiment.Name, report.StopReason is null ? null : "Stopped: " + report.StopReason);
            _progress.Complete(report.ToString());
            return report;
        }

        private bool EvaluatesAtEnd(int epoch) => (epoch + 1) % _options.EvaluateEveryEpochs == 0 || epoch + 1 == _options.Epochs;

        /// <summary>Initializes or resumes, opens the run folder; returns where training starts.</summary>
        private TrainingPosition Start()
        {
            if (_options.RunFolder is { } path)
            {
                var resuming = _options.Resume && File.Exists(System.IO.Path.Combine(path, "config.json"));
                if (!resuming)
                {
                    // Everything that can refuse the run is checked before the folder is made.
                    if (!_experiment.IsInitialized) _experiment.Initialize(_options.Seed, DType.Float32);
                    CheckAllDTypes();
                }
                _folder = resuming ? RunFolder.Open(path) : RunFolder.Create(path, Configuration());
                if (resuming && File.Exists(_folder.LatestCheckpoint))
                {
                    // The seed and batch size are checked before the checkpoint replaces anything.
                    var position = ExperimentCheckpoint.Restore(_experiment, _folder.LatestCheckpoint, position =>
                    {
                        DistributedTraining.CheckWorldSize(_experiment.Name, _folder.LatestCheckpoint, position.WorldSize, WorldSize);
                        if (position.Seed != _options.Seed)
                        {
                            throw new ArgumentException($"{_experiment.Name}: the run in {path} shuffles with seed {position.Seed}, but FitOptions.Seed is {_options.Seed}; resume with the run's seed.");
                        }
                        if (position.BatchSize != 0 && position.BatchSize != _options.BatchSize)
                        {
                            throw new ArgumentException($"{_experiment.Name}: the run in {path} counts its data position in batches of {position.BatchSize}, but FitOptions.BatchSize is {_options.BatchSize}; resume with the run's batch size.");
                        }
                    });
                    CheckAllDTypes();
                    _folder.DiscardAfter(position.Step);
                    _lastCheckpoint = _folder.LatestCheckpoint;
                    if (_folder.History.Contains(_monitor) && _folder.History.Best(_monitor, _monitorLowerIsBetter) is { } best)
                    {
                        (_best, _bestPoint) = (best.Value, best);
                    }
                    return position;
                }
                if (resuming)
                {
                    // A run folder whose first checkpoint was never written: the run starts again, its old rows go.
                    _folder.DiscardAfter(0);
                }
            }
            if (!_experiment.IsInitialized) _experiment.Initialize(_options.Seed, DType.Float32);
            CheckAllDTypes();
            return new TrainingPosition(_experiment.StepCount, 0, 0, _options.Seed, _options.BatchSize, WorldSize);
        }

        private void CheckAllDTypes()
        {
            CheckDTypes(_experiment, _train, _trainColumns, "training data");
            if (_valid is not null) CheckDTypes(_experiment, _valid, _validColumns!, "validation data");
        }

        /// <summary>One step; (loss, whether the update was applied).</summary>
        private (float Loss, bool Applied) TrainStep(long step, int epoch, int batch, FitReport report)
        {
            var factor = _options.Schedule?.Factor(step + 1) ?? 1d;
            CountIgnoredLabels(report);
            if (!_experiment.HasSeparateUpdate)
            {
                var stepLoss = _experiment.TrainStep(_inputs, factor);
                if (!float.IsFinite(stepLoss)) throw NonFinite(stepLoss, step + 1, epoch, batch, report);
                return (stepLoss, true);
            }
            var loss = _experiment.ComputeGradients(_inputs);
            // Data-parallel: every member's gradients (and loss) become the group's mean before anything looks at them.
            if (_distributed is not null) loss = _distributed.ReduceGradients(Gradients(), loss, _inputs[0].Size(0));
            if (!float.IsFinite(loss))
            {
                if (_options.OnNonFiniteLoss == NonFiniteLossAction.SkipBatch) return (loss, false);
                throw NonFinite(loss, step + 1, epoch, batch, report);
            }
            if (_options.ClipGradientNorm is { } maxNorm)
            {
                var norm = GradientClipping.ClipByGlobalNorm(Gradients(), maxNorm);
                if (!double.IsFinite(norm))
                {
                    if (_options.OnNonFiniteLoss == NonFiniteLossAction.SkipBatch) return ((float)norm, false);
                    throw NonFinite((float)norm, step + 1, epoch, batch, report, "the gradients' norm");
                }
            }
            _experiment.ApplyUpdate(factor);
            return (loss, true);
        }

        /// <summary>
        /// Counts this batch's labels equal to CrossEntropy's ignore index (<see cref="IgnoredLabel"/>), which add nothing to
        /// the loss; a batch whose labels are all ignored has a mean loss of 0/0 = NaN.
        /// </summary>
        private unsafe void CountIgnoredLabels(FitReport report)
        {
            (_ignoredInBatch, _labelsInBatch) = (0, 0);
            foreach (var index in _labelInputs)
            {
                var labels = _inputs[index];
                if (labels.DType != DType.Int64 || labels.Device.Type != DeviceType.Cpu || !labels.IsContiguous) continue;
                var count = labels.NumElements;
                var data = (long*)labels.DataPointer;
                long ignored = 0;
                for (long i = 0; i < count; i++) ignored += data[i] == IgnoredLabel ? 1 : 0;
                (_ignoredInBatch, _labelsInBatch) = (_ignoredInBatch + ignored, _labelsInBatch + count);
            }
            report.IgnoredLabels += _ignoredInBatch;
        }

        /// <summary>
        /// The gradient buffers, read from the experiment at every call: any call in between (an evaluation,
        /// a callback's Evaluate or ReleaseBuffers) may have reallocated them. The array is reused.
        /// </summary>
        private Tensor[] Gradients()
        {
            var gradients = _experiment.Gradients;
            if (_gradients is null || _gradients.Length != gradients.Count) _gradients = new Tensor[gradients.Count];
            for (var i = 0; i < _gradients.Length; i++) _gradients[i] = gradients[i].Value;
            return _gradients;
        }

        /// <summary>How many processes train together: 1 unless data-parallel.</summary>
        private int WorldSize => _distributed?.WorldSize ?? 1;

        private NonFiniteLossException NonFinite(float value, long step, int epoch, int batch, FitReport report, string what = "the loss")
        {
            report.Steps = step - 1;
            var kept = _lastCheckpoint is null ? "no checkpoint was written yet" : $"the last good checkpoint is {_lastCheckpoint}";
            var allIgnored = _labelsInBatch > 0 && _ignoredInBatch == _labelsInBatch;
            var badInputs = NonFiniteInputs();
            var advice = badInputs.Length > 0
                ? $"The batch itself is not finite before the step: {badInputs}. Look at the data, not the learning rate: a value missing in the "
                    + "source, or an IDataset.Gather that leaves its batch tensors unfilled (write them with destination.CopyFrom(source), or "
                    + "Kernels.Copy(source, destination): the source comes first)."
                : allIgnored
                ? $"Every label of this batch ({_labelsInBatch}) is {IgnoredLabel}, CrossEntropy's ignore index, so its mean loss is 0/0: remove or relabel those examples, or skip such batches (FitOptions.OnNonFiniteLoss = SkipBatch)."
                : _experiment.HasSeparateUpdate
                    ? "Lower the learning rate, clip gradients (FitOptions.ClipGradientNorm), or skip such batches (FitOptions.OnNonFiniteLoss = SkipBatch)."
                    : "Lower the learning rates, or look for the term that diverges (a [Step] updates inside the step, so clipping and SkipBatch do not apply).";
            var message = $"{_experiment.Name}: {what} is {value.ToString(CultureInfo.InvariantCulture)} at step {step} (epoch {epoch + 1}, batch {batch + 1}); training stopped and {kept}. " + advice;
            _folder?.WriteReport(_experiment.Name, "Stopped: " + message);
            _progress.Message(message);
            return new NonFiniteLossException(message, step, epoch, batch, _lastCheckpoint, report);
        }

        /// <summary>
        /// "input 'x' holds 640 NaN and 0 infinite values of 640" for each floating input of the batch that has any;
        /// empty when all are finite. Runs only when a step failed, so it may copy.
        /// </summary>
        private string NonFiniteInputs()
        {
            var found = new List<string>();
            for (var i = 0; i < _inputs.Length; i++)
            {
                var tensor = _inputs[i];
                if (tensor is null || !tensor.DType.IsFloatingPoint()) continue;
                long nan = 0, infinite = 0;
                using var values = tensor.To(DType.Float64);
                foreach (var value in values.ToArray<double>())
                {
                    if (double.IsNaN(value)) nan++;
                    else if (double.IsInfinity(value)) infinite++;
                }
                if (nan + infinite == 0) continue;
                var name = i < _experiment.Inputs.Count ? _experiment.Inputs[i].Name : "#" + i;
                found.Add($"input '{name}' holds {nan} NaN and {infinite} infinite values of {tensor.NumElements}");
            }
            return string.Join("; ", found);
        }

        private Dictionary<string, double> EvaluateValidation()
        {
            var metrics = new Dictionary<string, double>(StringComparer.Ordinal);
            if (_validLoader is null || _validColumns is null) return metrics;
            var result = Evaluate(_experiment, _validLoader, _validColumns, _options.EvaluateAtRuleState);
            if (_validSharded) result = _distributed!.ReduceEvaluation(result);
            foreach (var (name, value) in result.Metrics) metrics["valid." + name] = value;
            return metrics;
        }

        private void Log(MetricHistory history, long step, int epoch, Dictionary<string, double> metrics)
        {
            if (metrics.Count == 0) return;
            if (_folder is not null) _folder.Log(step, epoch + 1, metrics);
            else
            {
                foreach (var (name, value) in metrics) history.Add(name, step, epoch + 1, value);
            }
        }

        /// <summary>Early stopping and the best checkpoint; true when training should stop.</summary>
        private bool Monitor(IReadOnlyDictionary<string, double> metrics, long step, TrainingPosition position, MetricHistory history)
        {
            if (!metrics.TryGetValue(_monitor, out var value) || !double.IsFinite(value)) return false;
            var minDelta = _options.EarlyStopping?.MinDelta ?? 0;
            var improved = double.IsNaN(_best) || (_monitorLowerIsBetter ? value < _best - minDelta : value > _best + minDelta);
            if (improved)
            {
                _best = value;
                _bestPoint = new MetricPoint(step, position.Epoch, value);
                _sinceImprovement = 0;
                if (_folder is not null) ExperimentCheckpoint.Save(_experiment, _folder.BestCheckpoint, position, CheckpointMetadata(step));
                return false;
            }
            _sinceImprovement++;
            if (_options.EarlyStopping is { } early && _sinceImprovement >= early.Patience)
            {
                _context.RequestStop($"early stopping: {_monitor} did not improve on {_best.ToString("G6", CultureInfo.InvariantCulture)} for {early.Patience} evaluations (step {step})");
                _progress.Message(_context.StopReason!);
                return true;
            }
            return false;
        }

        private void Checkpoint(TrainingPosition position)
        {
            ExperimentCheckpoint.Save(_experiment, _folder!.LatestCheckpoint, position, CheckpointMetadata(position.Step));
            _lastCheckpoint = _folder.LatestCheckpoint;
        }

        private Dictionary<string, string> CheckpointMetadata(long step) => new(StringComparer.Ordinal)
        {
            ["dsl.written"] = DateTime.UtcNow.ToString("O", CultureInfo.InvariantCulture),
        };

        private Dictionary<string, string> Configuration()
        {
            var configuration = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["experiment"] = _experiment.Name,
                ["epochs"] = _options.Epochs.ToString(CultureInfo.InvariantCulture),
                ["batch size"] = _options.BatchSize.ToString(CultureInfo.InvariantCulture),
                ["seed"] = _options.Seed.ToString(CultureInfo.InvariantCulture),
                ["shuffle"] = _options.Shuffle ? "yes" : "no",
                ["drop last"] = _options.DropLast ? "yes" : "no",
                ["training examples"] = _train.Count.ToString(CultureInfo.InvariantCulture),
                ["validation examples"] = (_valid?.Count ?? 0).ToString(CultureInfo.InvariantCulture),
                ["schedule"] = _options.Schedule?.ToString() ?? "constant",
                ["gradient clipping"] = _options.ClipGradientNorm?.ToString("G6", CultureInfo.InvariantCulture) ?? "none",
                ["parameters"] = _experiment.IsInitialized
                    ? _experiment.Parameters.Sum(p => p.Value.NumElements).ToString(CultureInfo.InvariantCulture) : "not initialized",
            };
            if (_options.Configuration is not null)
            {
                foreach (var (key, value) in _options.Configuration) configuration[key] = value;
            }
            return configuration;
        }

        public void Dispose()
        {
            _loader.Dispose();
            _validLoader?.Dispose();
            _distributed?.Dispose();
            if (_ownsProgress) _progress.Dispose();
            _folder?.Dispose();
        }
    }
}
