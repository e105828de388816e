using System.Globalization;

namespace Dsl;

/// <summary>Where a run stood when a checkpoint was written: the step count and the data position of the next batch.</summary>
/// <param name="Step">Updates applied.</param>
/// <param name="Epoch">The epoch of the next batch, from 0.</param>
/// <param name="Batch">The next batch within that epoch, from 0.</param>
/// <param name="Seed">The seed of the data order (each epoch's permutation comes from it and the epoch).</param>
/// <param name="BatchSize">The batch size the position counts in (0: not recorded).</param>
public readonly record struct TrainingPosition(long Step, int Epoch, int Batch, ulong Seed, int BatchSize = 0);

/// <summary>
/// An experiment's whole training state in one safetensors file: every parameter (<c>param/Net.W1</c>),
/// every update-rule state tensor (<c>state/Optimizer/Net.W1/m</c>), and in the metadata the step
/// count, the data position and the data-order seed. The steps themselves draw no random numbers,
/// so these are all the random state a run has. Writes are atomic (see <see cref="SafeTensors.Save"/>).
/// </summary>
public static class ExperimentCheckpoint
{
    /// <summary>The layout version written in <c>dsl.format</c>.</summary>
    public const string FormatVersion = "1";

    private const string ParameterPrefix = "param/";
    private const string StatePrefix = "state/";

    /// <summary>Writes the experiment's state (and <paramref name="position"/>, by default "at step N, epoch 0, batch 0") to <paramref name="path"/>.</summary>
    public static void Save(IExperiment experiment, string path, TrainingPosition? position = null, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(experiment);
        if (!experiment.IsInitialized)
        {
            throw new InvalidOperationException($"{experiment.Name}: there is nothing to save yet; call Initialize(seed) (or train) first.");
        }
        var at = position ?? new TrainingPosition(experiment.StepCount, 0, 0, 0);
        var tensors = new List<(string Name, Tensor Value)>();
        foreach (var (name, value) in experiment.Parameters) tensors.Add((ParameterPrefix + name, value));
        foreach (var (name, value) in experiment.UpdateState) tensors.Add((StatePrefix + name, value));
        var header = new Dictionary<string, string>(StringComparer.Ordinal);
        if (metadata is not null)
        {
            foreach (var (key, value) in metadata) header[key] = value;
        }
        header["dsl.format"] = FormatVersion;
        header["dsl.experiment"] = experiment.Name;
        header["dsl.dtype"] = experiment.ParameterDType.ToString();
        header["dsl.step"] = at.Step.ToString(CultureInfo.InvariantCulture);
        header["dsl.epoch"] = at.Epoch.ToString(CultureInfo.InvariantCulture);
        header["dsl.batch"] = at.Batch.ToString(CultureInfo.InvariantCulture);
        header["dsl.seed"] = at.Seed.ToString(CultureInfo.InvariantCulture);
        header["dsl.batch_size"] = at.BatchSize.ToString(CultureInfo.InvariantCulture);
        SafeTensors.Save(path, tensors, header);
    }

    /// <summary>
    /// Loads a checkpoint into the experiment (initializing it first, in the checkpoint's dtype, if it
    /// was not), after checking that the file is one of this experiment's: every tensor's name, dtype
    /// and shape is checked before anything is copied, so a mismatch leaves the parameters and state
    /// as they were (an experiment that was not initialized is left initialized from seed 0).
    /// </summary>
    /// <exception cref="CheckpointException">The file is unreadable, of another experiment, or disagrees with the model.</exception>
    public static TrainingPosition Restore(IExperiment experiment, string path)
    {
        ArgumentNullException.ThrowIfNull(experiment);
        IReadOnlyDictionary<string, string> metadata;
        using (var file = SafeTensors.Open(path)) metadata = file.Metadata;
        string Read(string key) => metadata.TryGetValue(key, out var value) ? value
            : throw new CheckpointException(path, $"it has no '{key}' in its metadata, so it was not written by ExperimentCheckpoint.Save");
        if (Read("dsl.format") != FormatVersion)
        {
            throw new CheckpointException(path, $"its layout version is {Read("dsl.format")}; this version of Dsl reads {FormatVersion}");
        }
        if (Read("dsl.experiment") != experiment.Name)
        {
            throw new CheckpointException(path, $"it is a checkpoint of the experiment {Read("dsl.experiment")}, not of {experiment.Name}", expected: experiment.Name, found: Read("dsl.experiment"));
        }
        if (!Enum.TryParse<DType>(Read("dsl.dtype"), out var dtype))
        {
            throw new CheckpointException(path, $"its dtype '{Read("dsl.dtype")}' is not one Dsl knows");
        }
        if (!ulong.TryParse(Read("dsl.seed"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var seed))
        {
            throw new CheckpointException(path, $"its 'dsl.seed' is '{Read("dsl.seed")}', not a seed");
        }
        var batchSize = metadata.TryGetValue("dsl.batch_size", out var size) ? (int)Number(path, "dsl.batch_size", size) : 0;
        var position = new TrainingPosition(Number(path, "dsl.step", Read("dsl.step")), (int)Number(path, "dsl.epoch", Read("dsl.epoch")),
            (int)Number(path, "dsl.batch", Read("dsl.batch")), seed, batchSize);

        if (!experiment.IsInitialized) experiment.Initialize(0, dtype);
        var destinations = new List<(string Name, Tensor Value)>();
        foreach (var (name, value) in experiment.Parameters) destinations.Add((ParameterPrefix + name, value));
        foreach (var (name, value) in experiment.UpdateState) destinations.Add((StatePrefix + name, value));
        SafeTensors.LoadInto(path, destinations);
        experiment.RestoreStep(position.Step);
        return position;
    }

    private static long Number(string path, string key, string text) =>
        long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value >= 0 ? value
            : throw new CheckpointException(path, $"its '{key}' is '{text}', not a count");
}
