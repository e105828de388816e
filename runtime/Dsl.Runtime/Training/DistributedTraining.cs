using System.Globalization;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Text;

namespace Dsl;

/// <summary>
/// The data-parallel part of one <see cref="Trainer.Fit"/> (<see cref="FitOptions.DataParallel"/>):
/// the start (rank 0 initializes or resumes, the others receive its parameters, update-rule state
/// and data position), the gradient all-reduce between ComputeGradients and ApplyUpdate, and the
/// reduction of evaluations. Only rank 0 keeps a run folder; the others train without one.
/// </summary>
internal sealed class DistributedTraining : IDisposable
{
    private const int MessageBytes = 2048;
    private readonly DataParallel _options;
    private readonly IExperiment _experiment;
    private readonly List<Bucket> _buckets = new();
    private Tensor[]? _bucketed;
    private long[]? _sizes;

    public DistributedTraining(DataParallel options, IExperiment experiment)
    {
        _options = options;
        _experiment = experiment;
        if (options.BucketBytes < 1) throw new ArgumentOutOfRangeException(nameof(options), options.BucketBytes, "DataParallel.BucketBytes must be positive.");
        if (!experiment.HasSeparateUpdate)
        {
            throw new ArgumentException($"{experiment.Name} trains with a [Step] method, whose updates happen inside the step; data-parallel training averages gradients before the update, so it needs a [Loss] experiment.");
        }
    }

    public ProcessGroup Group => _options.Group;

    public int WorldSize => Group.WorldSize;

    public bool IsRoot => Group.Rank == 0;

    public DataShard Shard => new(Group.Rank, Group.WorldSize, _options.Tail);

    /// <summary>The options a member runs with: rank 0 as given; the others without a run folder (only rank 0 writes).</summary>
    public FitOptions Local(FitOptions options) =>
        IsRoot ? options : options with { RunFolder = null, Resume = false, CheckpointEverySteps = 0 };

    /// <summary>
    /// Rank 0 runs <paramref name="start"/> (initialize or resume) and sends the outcome; every member
    /// then holds rank 0's parameters, update-rule state, step count and data position.
    /// </summary>
    public TrainingPosition Start(Func<TrainingPosition> start, FitOptions options)
    {
        using var header = Tensor.Zeros([6], DType.Int64);
        var parameterCount = 0L;
        TrainingPosition position = default;
        if (IsRoot)
        {
            try
            {
                position = start();
                parameterCount = Count();
            }
            catch (Exception e)
            {
                // The others are waiting for the start: tell them why there is none.
                header.CopyFrom<long>([1, 0, 0, 0, 0, 0]);
                Group.Broadcast(header);
                using var text = Message(e.Message);
                Group.Broadcast(text);
                throw;
            }
            header.CopyFrom<long>([0, position.Step, position.Epoch, position.Batch, parameterCount, 0]);
            Group.Broadcast(header);
        }
        else
        {
            start();
            parameterCount = Count();
            Group.Broadcast(header);
            var values = header.ToArray<long>();
            if (values[0] != 0)
            {
                using var text = Tensor.Zeros([MessageBytes], DType.UInt8);
                Group.Broadcast(text);
                var bytes = text.ToArray<byte>();
                var length = Array.IndexOf(bytes, (byte)0);
                throw new InvalidOperationException($"{_experiment.Name}: rank 0 could not start the run, so rank {Group.Rank} cannot either. Rank 0 said: "
                    + Encoding.UTF8.GetString(bytes, 0, length < 0 ? bytes.Length : length));
            }
            if (values[4] != parameterCount)
            {
                throw new InvalidOperationException($"{_experiment.Name}: rank 0's model has {values[4]} parameters and rank {Group.Rank}'s has {parameterCount}; every member must run the same experiment.");
            }
            position = new TrainingPosition(values[1], (int)values[2], (int)values[3], options.Seed, options.BatchSize);
        }
        foreach (var (_, value) in _experiment.Parameters) Group.Broadcast(value);
        foreach (var (_, value) in _experiment.UpdateState) Group.Broadcast(value);
        if (!IsRoot) _experiment.RestoreStep(position.Step);
        return position;
    }

    private long Count() => _experiment.Parameters.Sum(p => p.Value.NumElements);

    private static Tensor Message(string message)
    {
        var bytes = new byte[MessageBytes];
        Encoding.UTF8.GetBytes(message.AsSpan(0, Math.Min(message.Length, MessageBytes / 4)), bytes);
        return Tensor.FromArray(bytes, MessageBytes);
    }

    /// <summary>
    /// Replaces each member's gradients with the mean over every member's examples of the step:
    /// each member's gradient (a mean over its batch) weighted by its batch size, summed across
    /// the group in a few flat buckets, divided by the total. Returns the loss averaged the same way,
    /// so every member sees the same loss (and all skip or stop together on a non-finite one).
    /// </summary>
    public float ReduceGradients(Tensor[] gradients, float loss, long batchSize)
    {
        if (!ReferenceEquals(gradients, _bucketed))
        {
            // New buffers (a batch of another size, an evaluation in between): the same sizes keep the buckets.
            if (_sizes is null || _sizes.Length != gradients.Length || gradients.Where((g, i) => g.NumElements != _sizes[i]).Any()) Plan(gradients);
            _bucketed = gradients;
        }
        var count = (double)batchSize;
        // The first bucket also carries the batch size and the weighted loss, so the total is known
        // when the first bucket returns and each bucket is scaled back as soon as it is reduced.
        for (var b = 0; b < _buckets.Count; b++)
        {
            var bucket = _buckets[b];
            if (bucket.Flat.DType == DType.Float32) bucket.Gather<float>(gradients, (float)count, b == 0 ? (float)count : null, (float)(loss * count));
            else bucket.Gather<double>(gradients, count, b == 0 ? count : null, loss * count);
        }
        double total = 0, lossSum = 0;
        for (var b = 0; b < _buckets.Count; b++)
        {
            var bucket = _buckets[b];
            Group.AllReduce(bucket.Flat, ReduceOp.Sum);
            if (b == 0)
            {
                (total, lossSum) = bucket.Flat.DType == DType.Float32 ? bucket.Totals<float>() : bucket.Totals<double>();
            }
            if (bucket.Flat.DType == DType.Float32) bucket.Scatter<float>(gradients, (float)(1 / total));
            else bucket.Scatter<double>(gradients, 1 / total);
        }
        return (float)(lossSum / total);
    }

    private void Plan(Tensor[] gradients)
    {
        foreach (var bucket in _buckets) bucket.Dispose();
        _buckets.Clear();
        var dtype = gradients.Length > 0 ? gradients[0].DType : DType.Float32;
        if (dtype is not (DType.Float32 or DType.Float64) || gradients.Any(g => g.DType != dtype))
        {
            throw new NotSupportedException($"{_experiment.Name}: data-parallel training averages Float32 or Float64 gradients of one dtype; these are {string.Join(", ", gradients.Select(g => g.DType).Distinct())}.");
        }
        var elementBytes = dtype == DType.Float32 ? 4L : 8L;
        var members = new List<int>();
        long elements = 0;
        for (var i = 0; i < gradients.Length; i++)
        {
            var size = gradients[i].NumElements;
            if (members.Count > 0 && (elements + size) * elementBytes > _options.BucketBytes)
            {
                _buckets.Add(new Bucket(members.ToArray(), elements, _buckets.Count == 0, dtype));
                (members, elements) = (new List<int>(), 0);
            }
            members.Add(i);
            elements += size;
        }
        _buckets.Add(new Bucket(members.ToArray(), elements, _buckets.Count == 0, dtype));
        _sizes = gradients.Select(g => g.NumElements).ToArray();
    }

    /// <summary>Sums each member's evaluation (means weighted by its examples) into the group's.</summary>
    public EvaluationResult ReduceEvaluation(EvaluationResult local)
    {
        var names = local.Metrics.Keys.ToArray();
        var values = new double[names.Length + 1];
        for (var i = 0; i < names.Length; i++) values[i] = local.Metrics[names[i]] * local.Examples;
        values[^1] = local.Examples;
        using var sums = Tensor.FromArray(values, values.Length);
        Group.AllReduce(sums, ReduceOp.Sum);
        var reduced = sums.ToArray<double>();
        var examples = (long)reduced[^1];
        var metrics = new Dictionary<string, double>(StringComparer.Ordinal);
        for (var i = 0; i < names.Length; i++) metrics[names[i]] = examples > 0 ? reduced[i] / examples : double.NaN;
        return new EvaluationResult(metrics, examples);
    }

    /// <summary>A resumed run must have the world size that wrote its checkpoint: the data position counts in its shards.</summary>
    internal static void CheckWorldSize(string experiment, string checkpoint, int written, int worldSize)
    {
        if (written != worldSize)
        {
            throw new ArgumentException($"{experiment}: the checkpoint {checkpoint} was written by a run of {written} process{(written == 1 ? "" : "es")} "
                + $"and this run has {worldSize}; resume with {written} (its data position counts in batches of each process's shard, "
                + "which depend on the world size), or start a new run from its parameters with ExperimentCheckpoint.Restore.");
        }
    }

    public void Dispose()
    {
        foreach (var bucket in _buckets) bucket.Dispose();
        _buckets.Clear();
    }

    /// <summary>A flat tensor holding several gradients back to back (and, in the first, the batch size and weighted loss after them).</summary>
    private sealed class Bucket : IDisposable
    {
        private readonly int[] _members;
        private readonly long _elements;

        public Bucket(int[] members, long elements, bool carriesTotals, DType dtype)
        {
            if (elements + 2 > int.MaxValue) throw new NotSupportedException($"A gradient bucket of {elements} elements is larger than a span can address; lower DataParallel.BucketBytes.");
            _members = members;
            _elements = elements;
            Flat = Tensor.Zeros([elements + (carriesTotals ? 2 : 0)], dtype);
        }

        public Tensor Flat { get; }

        public void Gather<T>(Tensor[] gradients, T weight, T? count, T weightedLoss) where T : unmanaged, INumber<T>
        {
            var flat = Flat.AsSpan<T>();
            var offset = 0;
            foreach (var index in _members)
            {
                var source = gradients[index].AsSpan<T>();
                Scale(source, flat.Slice(offset, source.Length), weight);
                offset += source.Length;
            }
            if (count is { } c)
            {
                flat[offset] = c;
                flat[offset + 1] = weightedLoss;
            }
        }

        public (double Total, double LossSum) Totals<T>() where T : unmanaged, INumber<T>
        {
            var flat = Flat.AsSpan<T>();
            return (double.CreateChecked(flat[(int)_elements]), double.CreateChecked(flat[(int)_elements + 1]));
        }

        public void Scatter<T>(Tensor[] gradients, T factor) where T : unmanaged, INumber<T>
        {
            var flat = Flat.AsSpan<T>();
            var offset = 0;
            foreach (var index in _members)
            {
                var destination = gradients[index].AsSpan<T>();
                Scale(flat.Slice(offset, destination.Length), destination, factor);
                offset += destination.Length;
            }
        }

        private static void Scale<T>(ReadOnlySpan<T> source, Span<T> destination, T factor) where T : unmanaged, INumber<T>
        {
            var vectors = MemoryMarshal.Cast<T, Vector<T>>(source);
            var outputs = MemoryMarshal.Cast<T, Vector<T>>(destination);
            for (var i = 0; i < vectors.Length; i++) outputs[i] = vectors[i] * factor;
            for (var i = vectors.Length * Vector<T>.Count; i < source.Length; i++) destination[i] = source[i] * factor;
        }

        public void Dispose() => Flat.Dispose();
    }
}
