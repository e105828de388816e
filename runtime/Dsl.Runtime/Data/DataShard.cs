namespace Dsl;

/// <summary>
/// One member's part of each epoch in data-parallel training, as PyTorch's DistributedSampler
/// cuts it: the epoch's order (the same on every member) is evened out to a multiple of
/// <see cref="Count"/> (<see cref="ShardTail"/>), and member <see cref="Index"/> takes the
/// positions <c>Index, Index + Count, Index + 2·Count, ...</c>. So batch <c>b</c> of every member
/// together is batch <c>b</c> of a single process whose batches are <see cref="Count"/> times larger.
/// </summary>
/// <param name="Index">This member's rank.</param>
/// <param name="Count">Members (the world size).</param>
/// <param name="Tail">Padding or dropping the remainder.</param>
public sealed record DataShard(int Index, int Count, ShardTail Tail = ShardTail.Pad)
{
    /// <summary>
    /// Neither pad nor drop: members get counts that differ by one (positions below the total only).
    /// For evaluation, whose sums are reduced by example count; training needs every member to take the same number of steps.
    /// </summary>
    internal bool Uneven { get; init; }

    /// <summary>Examples of <paramref name="total"/> this member gets per epoch (the same for every member, padded or dropped).</summary>
    public long Length(long total)
    {
        if (Count < 1 || Index < 0 || Index >= Count)
        {
            throw new ArgumentOutOfRangeException(nameof(Index), $"A shard's index must be 0 to Count - 1; this one is {Index} of {Count}.");
        }
        var length = Uneven ? (total - Index + Count - 1) / Count : Tail == ShardTail.Pad ? (total + Count - 1) / Count : total / Count;
        if (length == 0)
        {
            throw new ArgumentException($"{total} examples dropped to a multiple of {Count} members leave none; give at least {Count} examples or pad the tail (ShardTail.Pad).");
        }
        return length;
    }

    /// <summary>Writes this member's positions of the epoch's <paramref name="order"/> to <paramref name="shard"/> (of <see cref="Length"/> elements).</summary>
    internal void Select(ReadOnlySpan<long> order, Span<long> shard)
    {
        for (var i = 0; i < shard.Length; i++)
        {
            // Padding wraps around to the start of the order (DistributedSampler repeats its first indices).
            var position = (long)i * Count + Index;
            shard[i] = order[(int)(position % order.Length)];
        }
    }
}
