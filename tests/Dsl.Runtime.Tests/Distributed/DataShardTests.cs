using Xunit;

namespace Dsl.Runtime.Tests.Distributed;

/// <summary>
/// Sharded loaders against DistributedSampler's definition, written out here: the epoch's order,
/// padded by repeating its start (or cut) to a multiple of the world size, member r taking
/// positions r, r + W, r + 2W, ...
/// </summary>
public sealed class DataShardTests
{
    [Theory]
    [InlineData(10, 3, ShardTail.Pad)]
    [InlineData(10, 3, ShardTail.Drop)]
    [InlineData(12, 4, ShardTail.Pad)]
    [InlineData(5, 4, ShardTail.Pad)]
    public void Each_member_gets_its_interleaved_part_of_the_same_epoch_order(int count, int world, ShardTail tail)
    {
        using var values = Tensor.Arange(0, count, dtype: DType.Int64);
        using var data = new TensorDataset(("v", values));
        using var whole = new DataLoader(data, count, shuffle: true, seed: 3);
        var order = whole.Epoch(1).First().ExampleIndices.ToArray();
        var length = tail == ShardTail.Pad ? (count + world - 1) / world : count / world;
        var seen = new List<long>();
        for (var rank = 0; rank < world; rank++)
        {
            using var loader = new DataLoader(data, batchSize: 2, shuffle: true, seed: 3, shard: new DataShard(rank, world, tail));
            var got = loader.Epoch(1).SelectMany(b => b.ExampleIndices.ToArray()).ToArray();
            var expected = Enumerable.Range(0, length).Select(i => order[(i * world + rank) % count]).ToArray();
            Assert.Equal(expected, got);
            Assert.Equal((length + 1) / 2, loader.BatchesPerEpoch);
            seen.AddRange(got);
        }
        if (tail == ShardTail.Pad) Assert.Equal(Enumerable.Range(0, count).Select(i => (long)i), seen.Distinct().Order());
        else Assert.Equal(count - count % world, seen.Distinct().Count());
    }

    [Fact]
    public void Dropping_more_than_there_is_says_so()
    {
        using var values = Tensor.Arange(0, 3, dtype: DType.Int64);
        using var data = new TensorDataset(("v", values));
        var error = Assert.Throws<ArgumentException>(() => new DataLoader(data, 1, shard: new DataShard(0, 4, ShardTail.Drop)));
        Assert.Contains("3 examples dropped to a multiple of 4 members leave none", error.Message);
    }
}
