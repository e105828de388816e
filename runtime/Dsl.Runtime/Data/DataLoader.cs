namespace Dsl;

/// <summary>
/// Cuts a data set into batches, epoch by epoch, into reused buffers. With shuffling, the order of
/// epoch <c>e</c> is a permutation computed from (<see cref="Seed"/>, <c>e</c>) alone, so a run
/// resumed at (epoch, batch) sees exactly the batches an uninterrupted run would have seen.
/// A loader is used from one thread at a time.
/// </summary>
/// <example>
/// <code>
/// using var loader = new DataLoader(train, batchSize: 128, shuffle: true, seed: 1);
/// for (var epoch = 0; epoch &lt; 10; epoch++)
///     foreach (var batch in loader.Epoch(epoch))
///         exp.TrainStep(batch[0], batch[1]);
/// </code>
/// </example>
public sealed class DataLoader : IDisposable
{
    private readonly long[] _order;
    private readonly long[]? _shardOrder;
    private readonly BatchBuffers _full;
    private BatchBuffers? _last;
    private int _generation;
    private bool _disposed;

    /// <summary>
    /// A loader of <paramref name="batchSize"/> examples per batch. Without <paramref name="shuffle"/>
    /// every epoch visits the examples in order; with <paramref name="dropLast"/> the examples
    /// after the last full batch are left out of each epoch (a different set each epoch when
    /// shuffling). Batches are written to tensors on <paramref name="device"/> (the CPU by default).
    /// With <paramref name="shard"/>, each epoch yields only that member's part of the epoch's order
    /// (data-parallel training; see <see cref="DataShard"/>), batched as above.
    /// </summary>
    public DataLoader(IDataset data, int batchSize, bool shuffle = true, ulong seed = 0, bool dropLast = false, Device? device = null, DataShard? shard = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        var total = data.Count;
        if (total == 0) throw new ArgumentException("The data set has no examples.", nameof(data));
        if (total > Array.MaxLength) throw new ArgumentException($"The data set has {total} examples; a loader handles at most {Array.MaxLength}.", nameof(data));
        var count = shard?.Length(total) ?? total;
        if (dropLast && count < batchSize)
        {
            throw new ArgumentException(
                $"With dropLast, {count} examples and batches of {batchSize} leave no batch at all; use a batch size of at most {count} or keep the last partial batch.",
                nameof(dropLast));
        }
        Dataset = data;
        BatchSize = batchSize;
        Shuffle = shuffle;
        Seed = seed;
        DropLast = dropLast;
        Shard = shard;
        Device = device ?? Device.Cpu;
        BatchesPerEpoch = checked((int)(dropLast ? count / batchSize : (count + batchSize - 1) / batchSize));
        _order = new long[total];
        _shardOrder = shard is null ? null : new long[count];
        _full = new BatchBuffers(data.Columns, (int)Math.Min(batchSize, count), Device);
    }

    /// <summary>The data set the batches come from.</summary>
    public IDataset Dataset { get; }

    /// <summary>Examples per batch (the last batch of an epoch may hold fewer unless <see cref="DropLast"/>).</summary>
    public int BatchSize { get; }

    public bool Shuffle { get; }

    /// <summary>The seed of the shuffles; with the epoch number it fixes an epoch's order.</summary>
    public ulong Seed { get; }

    public bool DropLast { get; }

    /// <summary>The member's part each epoch yields (data-parallel training); null: the whole epoch.</summary>
    public DataShard? Shard { get; }

    /// <summary>Where the batch tensors live.</summary>
    public Device Device { get; }

    /// <summary>The number of batches each epoch yields.</summary>
    public int BatchesPerEpoch { get; }

    /// <summary>
    /// The batches of epoch <paramref name="epoch"/>, from batch <paramref name="startBatch"/> on
    /// (to resume a run; <see cref="BatchesPerEpoch"/> yields nothing). Each batch's tensors are
    /// valid until the next batch is produced. One epoch at a time: starting another epoch on the
    /// same loader ends this one (its next step throws), since they share buffers.
    /// </summary>
    /// <remarks>The enumerator is the only allocation; producing a batch allocates no managed memory.</remarks>
    public IEnumerable<Batch> Epoch(int epoch, int startBatch = 0)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentOutOfRangeException.ThrowIfNegative(epoch);
        if (startBatch < 0 || startBatch > BatchesPerEpoch)
        {
            throw new ArgumentOutOfRangeException(nameof(startBatch), startBatch, $"An epoch has batches 0 to {BatchesPerEpoch - 1} ({BatchesPerEpoch} in all).");
        }
        return Batches(epoch, startBatch);
    }

    private IEnumerable<Batch> Batches(int epoch, int startBatch)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var generation = ++_generation;
        if (Shuffle) Permutation.Fill(_order, Seed, (ulong)epoch);
        else Permutation.Identity(_order);
        var order = _order;
        if (Shard is not null)
        {
            Shard.Select(_order, _shardOrder!);
            order = _shardOrder!;
        }

        for (var index = startBatch; index < BatchesPerEpoch; index++)
        {
            if (generation != _generation)
            {
                throw new InvalidOperationException(
                    $"Epoch {epoch} of this loader was interrupted: another epoch was started on the same loader, and the two would share its batch buffers.");
            }
            ObjectDisposedException.ThrowIf(_disposed, this);
            var start = (long)index * BatchSize;
            var size = (int)Math.Min(BatchSize, order.Length - start);
            var buffers = size == _full.Size ? _full : (_last ??= new BatchBuffers(Dataset.Columns, size, Device));
            var indices = new ReadOnlyMemory<long>(order, (int)start, size);
            Dataset.Gather(indices.Span, buffers.Tensors);
            yield return new Batch(buffers.Tensors, epoch, index, indices);
        }
    }

    /// <summary>Releases the batch buffers; batches already handed out become unusable.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _full.Dispose();
        _last?.Dispose();
    }

    public override string ToString() =>
        $"DataLoader({Dataset.Count} examples, batches of {BatchSize}, {BatchesPerEpoch} per epoch{(Shuffle ? $", shuffled with seed {Seed}" : "")}{(DropLast ? ", last partial batch dropped" : "")}{(Shard is null ? "" : $", shard {Shard.Index} of {Shard.Count}")})";

    /// <summary>One tensor per column, <c>[Size, ..ExampleShape]</c>.</summary>
    private sealed class BatchBuffers : IDisposable
    {
        private readonly Tensor[] _tensors;

        public BatchBuffers(IReadOnlyList<DatasetColumn> columns, int size, Device device)
        {
            Size = size;
            _tensors = new Tensor[columns.Count];
            try
            {
                for (var c = 0; c < columns.Count; c++)
                {
                    _tensors[c] = Tensor.Empty(TensorDataset.Prepend(size, columns[c].ExampleShape), columns[c].DType, device);
                }
            }
            catch
            {
                Dispose();
                throw;
            }
            Tensors = Array.AsReadOnly(_tensors);
        }

        public int Size { get; }

        /// <summary>A read-only wrapper made once, so handing it out per batch allocates nothing.</summary>
        public IReadOnlyList<Tensor> Tensors { get; }

        public void Dispose()
        {
            foreach (var tensor in _tensors) tensor?.Dispose();
        }
    }
}
