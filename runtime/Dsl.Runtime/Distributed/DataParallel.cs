namespace Dsl;

/// <summary>What a sharded epoch does with the examples left over when the data does not divide by the world size.</summary>
public enum ShardTail
{
    /// <summary>
    /// Repeat examples from the start of the epoch's order until it divides (PyTorch's
    /// DistributedSampler with drop_last=False): every example is seen, a few twice.
    /// </summary>
    Pad,

    /// <summary>Leave the last examples of the epoch's order out (DistributedSampler's drop_last=True): a different few each epoch when shuffling.</summary>
    Drop,
}

/// <summary>
/// Data-parallel training (<see cref="FitOptions.DataParallel"/>): every member of <see cref="Group"/>
/// runs the same <c>Fit</c> on the same data; each trains on its shard of each epoch, and the
/// gradients are averaged across the group before every update, so the members' parameters stay
/// equal and a step equals one step of a single process on the members' batches together.
/// </summary>
/// <param name="Group">The process group (made by the caller, who disposes it after Fit).</param>
public sealed record DataParallel(ProcessGroup Group)
{
    /// <summary>Default of <see cref="BucketBytes"/>: DistributedDataParallel's 25 MiB.</summary>
    public const long DefaultBucketBytes = 25L << 20;

    /// <summary>How an epoch that does not divide by the world size is evened out.</summary>
    public ShardTail Tail { get; init; } = ShardTail.Pad;

    /// <summary>Gradients are copied into flat buckets of at most this many bytes (one all-reduce each); a larger gradient gets a bucket of its own.</summary>
    public long BucketBytes { get; init; } = DefaultBucketBytes;
}
