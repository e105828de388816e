using System.Globalization;

namespace Dsl;

/// <summary>Where a run stood when a checkpoint was written: the step count and the data position of the next batch.</summary>
/// <param name="Step">Updates applied.</param>
/// <param name="Epoch">The epoch of the next batch, from 0.</param>
/// <param name="Batch">The next batch within that epoch, from 0.</param>
/// <param name="Seed">The seed of the data order (each epoch's permutation comes from it and the epoch).</param>
/// <param name="BatchSize">The batch size the position counts in (0: not recorded).</param>
/// <param name="WorldSize">How many processes trained together (distributed data parallel); 1 for one process (0 is read as 1).</param>
/// <param name="RngState">The random-number generators' state (opaque, base64), for steps that draw random numbers; null when there is none.</param>
public readonly record struct TrainingPosition(long Step, int Epoch, int Batch, ulong Seed, int BatchSize = 0, int WorldSize = 1, string? RngState = null);

/// <summary>
/// An experiment's whole training state in one safetensors file: every parameter (<c>param/Net.W1</c>),
/// every update-rule state tensor (<c>state/Optimizer/Net.W1/m</c>), and in the metadata the step
/// count, the data position, the data-order seed, the world size, the random state when there is one,
/// and a CRC-32C of every tensor and of the header. Writes are atomic (see <see cref="SafeTensors.Save"/>).
/// </summary>
/// <remarks>
/// <para>Format versions (<c>dsl.format</c>): 1 wrote no checksums, world size or random state;
/// 2 adds them. Version 1 files (and files without <c>dsl.format</c>) still load, without checksum
/// verification; a version newer than <see cref="FormatVersion"/> is refused with both versions named.</para>
/// <para>Everything in the metadata is validated before the experiment is touched: counts must be
/// whole numbers in range (<see cref="MaxStep"/>, <see cref="int.MaxValue"/> for epoch, batch and batch
/// size), the dtype one Dsl knows, the world size at least 1, the random state base64 of at most
/// <see cref="MaxRngStateLength"/> characters.</para>
/// </remarks>
public static class ExperimentCheckpoint
{
    /// <summary>The layout version written in <c>dsl.format</c>.</summary>
    public const string FormatVersion = "2";

    /// <summary>The largest step count a checkpoint may hold: 2^53, the largest count a double holds exactly (bias corrections and schedules compute with the step as a double).</summary>
    public const long MaxStep = 1L << 53;

    /// <summary>The longest <c>dsl.rng_state</c> accepted, in base64 characters (1 MiB).</summary>
    public const int MaxRngStateLength = 1 << 20;

    private const int CurrentVersion = 2;
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
        // A step that draws random numbers saves its generator's state unless the caller gives one.
        if (at.RngState is null && RngStateOf(experiment) is { } drawn) at = at with { RngState = drawn };
        if (at.Step < 0 || at.Step > MaxStep) throw new ArgumentOutOfRangeException(nameof(position), at.Step, $"the step must be between 0 and {MaxStep}.");
        if (at.Epoch < 0 || at.Batch < 0 || at.BatchSize < 0 || at.WorldSize < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(position), at, "epoch, batch, batch size and world size must not be negative.");
        }
        if (at.RngState is { } rng && !IsValidRngState(rng))
        {
            throw new ArgumentException($"TrainingPosition.RngState must be base64 text of 1 to {MaxRngStateLength} characters.", nameof(position));
        }
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
        header["dsl.world_size"] = Math.Max(1, at.WorldSize).ToString(CultureInfo.InvariantCulture);
        if (at.RngState is { } state) header["dsl.rng_state"] = state;
        else header.Remove("dsl.rng_state");
        SafeTensors.Save(path, tensors, header);
    }

    /// <summary>
    /// Loads a checkpoint into the experiment (initializing it first, in the checkpoint's dtype, if it
    /// was not), after checking that the file is one of this experiment's: the metadata, then every
    /// tensor's name, dtype and shape, then every checksum are checked before anything is copied, so
    /// a refused file leaves the parameters and state as they were (an experiment that was not
    /// initialized is left initialized from seed 0). The file is opened once: a writer replacing
    /// it meanwhile cannot mix two versions.
    /// </summary>
    /// <exception cref="CheckpointException">The file is unreadable, damaged, of another experiment, or disagrees with the model.</exception>
    public static TrainingPosition Restore(IExperiment experiment, string path) => Restore(experiment, path, accept: null);

    /// <summary>
    /// <see cref="Restore(IExperiment, string)"/>, calling <paramref name="accept"/> with the checkpoint's
    /// position once it is validated and before anything is loaded; an exception from it leaves the
    /// experiment untouched (the trainer refuses a resume with another seed or batch size this way).
    /// </summary>
    public static TrainingPosition Restore(IExperiment experiment, string path, Action<TrainingPosition>? accept)
    {
        ArgumentNullException.ThrowIfNull(experiment);
        using var file = SafeTensors.Open(path);
        var (position, dtype) = ReadPosition(file, experiment.Name);
        accept?.Invoke(position);
        using var rngState = RandomStateFor(experiment, position, path);

        if (!experiment.IsInitialized) experiment.Initialize(0, dtype);
        var destinations = new List<(string Name, Tensor Value)>();
        foreach (var (name, value) in experiment.Parameters) destinations.Add((ParameterPrefix + name, value));
        foreach (var (name, value) in experiment.UpdateState) destinations.Add((StatePrefix + name, value));
        SafeTensors.LoadInto(file, destinations);
        experiment.RestoreStep(position.Step);
        if (rngState is not null) experiment.RandomGenerator!.SetState(rngState);
        return position;
    }

    // ---- control: random ops ----

    /// <summary>The experiment's generator state as base64 text; null when its step draws no random numbers.</summary>
    private static string? RngStateOf(IExperiment experiment)
    {
        if (experiment.RandomGenerator is not { } generator) return null;
        using var state = generator.GetState();
        return Convert.ToBase64String(state.AsSpan<byte>());
    }

    /// <summary>
    /// The generator state to restore, checked before anything is loaded: an experiment that draws random
    /// numbers needs one (without it a resumed run could not draw what the uninterrupted run drew), and it
    /// must be a state the generator accepts (tried on a scratch generator). Null when the experiment draws none
    /// (a state in the file is then ignored).
    /// </summary>
    private static Tensor? RandomStateFor(IExperiment experiment, TrainingPosition position, string path)
    {
        if (experiment.RandomGenerator is not { } generator) return null;
        if (position.RngState is not { } text)
        {
            throw new CheckpointException(path, $"it has no 'dsl.rng_state', but {experiment.Name} draws random numbers in its step, so a run resumed from it "
                + "could not draw what the original run drew; write the checkpoint with this version of Dsl (Save and Fit store the state)",
                expected: "the random generator's state", found: "none");
        }
        var bytes = Convert.FromBase64String(text);
        var state = Tensor.FromSpan<byte>(bytes, [(long)bytes.Length]);
        try
        {
            using var scratch = new Generator(generator.Seed);
            scratch.SetState(state);
            return state;
        }
        catch (DslException e)
        {
            state.Dispose();
            using var own = generator.GetState();
            throw new CheckpointException(path, "its 'dsl.rng_state' is not a state of the random generator: " + e.Message,
                expected: $"{own.NumElements} bytes of generator state", found: $"{bytes.Length} bytes");
        }
    }

    /// <summary>Reads and validates the position a checkpoint records, without loading anything.</summary>
    /// <exception cref="CheckpointException">The file is unreadable or its metadata is missing, malformed or out of range.</exception>
    public static TrainingPosition ReadPosition(string path)
    {
        using var file = SafeTensors.Open(path);
        return ReadPosition(file, experimentName: null).Position;
    }

    private static (TrainingPosition Position, DType DType) ReadPosition(SafeTensorsFile file, string? experimentName)
    {
        var path = file.FilePath;
        var metadata = file.Metadata;
        string Read(string key) => metadata.TryGetValue(key, out var value) ? value
            : throw new CheckpointException(path, $"it has no '{key}' in its metadata, so it was not written by ExperimentCheckpoint.Save");

        // A file without dsl.format predates the field; version 1 wrote "1".
        var version = 1;
        if (metadata.TryGetValue("dsl.format", out var formatText)
            && (!int.TryParse(formatText, NumberStyles.None, CultureInfo.InvariantCulture, out version) || version < 1))
        {
            throw new CheckpointException(path, $"its layout version 'dsl.format' is '{Abbreviate(formatText)}', not a version number", expected: $"1 to {CurrentVersion}", found: Abbreviate(formatText));
        }
        if (version > CurrentVersion)
        {
            throw new CheckpointException(path, $"it was written in checkpoint format version {version}, newer than this version of Dsl reads (format version {CurrentVersion}); update Dsl to load it",
                expected: $"format version {CurrentVersion} or older", found: $"format version {version}");
        }
        if (version >= 2 && !file.HasChecksums)
        {
            throw new CheckpointException(path, "it is a format version 2 checkpoint without checksums (its header was altered)");
        }

        var experiment = Read("dsl.experiment");
        if (experimentName is not null && experiment != experimentName)
        {
            throw new CheckpointException(path, $"it is a checkpoint of the experiment {Abbreviate(experiment)}, not of {experimentName}", expected: experimentName, found: Abbreviate(experiment));
        }
        var dtypeText = Read("dsl.dtype");
        // Enum.TryParse also takes numbers ("123"), which name no dtype: only the names are accepted.
        if (!Enum.GetNames<DType>().Contains(dtypeText, StringComparer.Ordinal) || !Enum.TryParse<DType>(dtypeText, out var dtype)
            || !dtype.IsFloatingPoint())
        {
            throw new CheckpointException(path, $"its 'dsl.dtype' is '{Abbreviate(dtypeText)}', not a floating-point dtype Dsl knows",
                expected: "Float32, Float64, Float16 or BFloat16", found: Abbreviate(dtypeText));
        }
        if (!ulong.TryParse(Read("dsl.seed"), NumberStyles.None, CultureInfo.InvariantCulture, out var seed))
        {
            throw new CheckpointException(path, $"its 'dsl.seed' is '{Abbreviate(Read("dsl.seed"))}', not a seed (a whole number from 0 to {ulong.MaxValue})");
        }
        var step = Count(path, "dsl.step", Read("dsl.step"), MaxStep);
        var epoch = (int)Count(path, "dsl.epoch", Read("dsl.epoch"), int.MaxValue);
        var batch = (int)Count(path, "dsl.batch", Read("dsl.batch"), int.MaxValue);
        var batchSize = metadata.TryGetValue("dsl.batch_size", out var size) ? (int)Count(path, "dsl.batch_size", size, int.MaxValue) : 0;
        var worldSize = 1;
        if (metadata.TryGetValue("dsl.world_size", out var world))
        {
            worldSize = (int)Count(path, "dsl.world_size", world, int.MaxValue);
            if (worldSize < 1) throw new CheckpointException(path, "its 'dsl.world_size' is 0; a run has at least one process", expected: "a whole number from 1", found: "0");
        }
        string? rngState = null;
        if (metadata.TryGetValue("dsl.rng_state", out var rng))
        {
            if (!IsValidRngState(rng))
            {
                throw new CheckpointException(path, $"its 'dsl.rng_state' is not base64 text of 1 to {MaxRngStateLength} characters",
                    expected: "base64", found: rng.Length > MaxRngStateLength ? $"{rng.Length} characters" : $"'{Abbreviate(rng)}'");
            }
            rngState = rng;
        }
        return (new TrainingPosition(step, epoch, batch, seed, batchSize, worldSize, rngState), dtype);
    }

    private static bool IsValidRngState(string text)
    {
        if (text.Length == 0 || text.Length > MaxRngStateLength || text.Length % 4 != 0) return false;
        var buffer = new byte[text.Length / 4 * 3];
        return Convert.TryFromBase64String(text, buffer, out _);
    }

    private static string Abbreviate(string text) => text.Length <= 80 ? text : text[..80] + "...";

    private static long Count(string path, string key, string text, long max) =>
        long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value <= max ? value
            : throw new CheckpointException(path, $"its '{key}' is '{Abbreviate(text)}', not a count from 0 to {max.ToString(CultureInfo.InvariantCulture)}",
                expected: $"a whole number from 0 to {max.ToString(CultureInfo.InvariantCulture)}", found: Abbreviate(text));
}
