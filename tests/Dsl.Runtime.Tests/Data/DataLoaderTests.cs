using Dsl.Testing;
using Xunit;

namespace Dsl.Runtime.Tests.Data;

public sealed class DataLoaderTests
{
    /// <summary>A data set whose example i has label i and features [i, -i], so a batch shows which examples it holds.</summary>
    private static TensorDataset Numbered(int count)
    {
        var x = new float[count, 2];
        var y = new long[count];
        for (var i = 0; i < count; i++) (x[i, 0], x[i, 1], y[i]) = (i, -i, i);
        return TensorDataset.From(("features", x), ("labels", y));
    }

    /// <summary>The labels of each batch of an epoch, read from the batch tensors (which the loader reuses, so they are copied out).</summary>
    private static List<long[]> LabelsOf(IEnumerable<Batch> batches) => batches.Select(b => b.Tensors[1].ToArray<long>()).ToList();

    [Fact]
    public void An_epoch_visits_every_example_exactly_once_with_a_smaller_last_batch()
    {
        using var data = Numbered(103);
        using var loader = new DataLoader(data, batchSize: 10, seed: 5);

        var batches = LabelsOf(loader.Epoch(0));

        Assert.Equal(11, loader.BatchesPerEpoch);
        Assert.Equal(11, batches.Count);
        Assert.All(batches.Take(10), b => Assert.Equal(10, b.Length));
        Assert.Equal(3, batches[^1].Length);
        Assert.Equal(Enumerable.Range(0, 103).Select(i => (long)i), batches.SelectMany(b => b).Order());
        Assert.NotEqual(Enumerable.Range(0, 103).Select(i => (long)i), batches.SelectMany(b => b)); // shuffled
    }

    [Fact]
    public void Batch_tensors_hold_the_examples_named_by_their_indices()
    {
        using var data = Numbered(50);
        using var loader = new DataLoader(data, batchSize: 8, seed: 1);

        foreach (var batch in loader.Epoch(2))
        {
            var indices = batch.ExampleIndices.ToArray();
            Assert.Equal(batch.Size, indices.Length);
            Assert.Equal(indices, batch[1].ToArray<long>());
            Assert.Equal(indices.SelectMany(i => new float[] { i, -i }), batch[0].ToArray<float>());
            Assert.Equal(2, batch.Epoch);
        }
    }

    [Fact]
    public void The_same_seed_gives_the_same_order_and_epochs_and_seeds_differ()
    {
        using var data = Numbered(64);
        using var first = new DataLoader(data, batchSize: 16, seed: 7);
        using var second = new DataLoader(data, batchSize: 16, seed: 7);
        using var otherSeed = new DataLoader(data, batchSize: 16, seed: 8);

        var epoch3 = LabelsOf(first.Epoch(3)).SelectMany(b => b).ToArray();

        Assert.Equal(epoch3, LabelsOf(second.Epoch(3)).SelectMany(b => b));
        Assert.Equal(epoch3, LabelsOf(first.Epoch(3)).SelectMany(b => b)); // recomputed, not remembered
        Assert.NotEqual(epoch3, LabelsOf(first.Epoch(4)).SelectMany(b => b));
        Assert.NotEqual(epoch3, LabelsOf(otherSeed.Epoch(3)).SelectMany(b => b));
    }

    [Fact]
    public void The_order_is_splitmix64_driving_fisher_yates_as_documented()
    {
        // An independent implementation of the documented definition (docs/TRAINING.md, "Deterministic shuffling"), in Python.
        using var folder = new TempFolder();
        var reference = Python.Run("""
            M = (1 << 64) - 1
            GOLDEN = 0x9E3779B97F4A7C15
            def mix(z):
                z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M
                z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M
                return z ^ (z >> 31)
            class SplitMix64:
                def __init__(self, state): self.state = state
                def next(self):
                    self.state = (self.state + GOLDEN) & M
                    return mix(self.state)
                def below(self, bound):  # Lemire: the high word of next * bound, rejecting a biased low word
                    m = self.next() * bound
                    if (m & M) < bound:
                        threshold = ((1 << 64) - bound) % bound
                        while (m & M) < threshold:
                            m = self.next() * bound
                    return m >> 64
            def order(n, seed, epoch):
                r = SplitMix64(mix(mix(seed) ^ mix((epoch + GOLDEN) & M)))
                a = list(range(n))
                for i in range(n - 1, 0, -1):
                    j = r.below(i + 1)
                    a[i], a[j] = a[j], a[i]
                return a
            report('seed42_epoch3', order(50, 42, 3))
            report('seed0_epoch0', order(50, 0, 0))
            report('seedbig_epoch9', order(50, 0xFFFFFFFFFFFFFFFF, 9))
            """, folder.Path);
        using var data = Numbered(50);

        foreach (var (name, seed, epoch) in new[] { ("seed42_epoch3", 42UL, 3), ("seed0_epoch0", 0UL, 0), ("seedbig_epoch9", ulong.MaxValue, 9) })
        {
            using var loader = new DataLoader(data, batchSize: 50, seed: seed);
            var order = loader.Epoch(epoch).Single().ExampleIndices.ToArray().Select(i => (double)i);
            Assert.Equal(reference[name].Values, order);
        }
    }

    [Fact]
    public void Without_shuffling_every_epoch_is_in_order()
    {
        using var data = Numbered(10);
        using var loader = new DataLoader(data, batchSize: 4, shuffle: false);

        Assert.Equal(new[] { new long[] { 0, 1, 2, 3 }, [4, 5, 6, 7], [8, 9] }, LabelsOf(loader.Epoch(0)));
        Assert.Equal(LabelsOf(loader.Epoch(0)), LabelsOf(loader.Epoch(5)));
    }

    [Fact]
    public void Drop_last_yields_only_full_batches_and_leaves_out_different_examples_each_epoch()
    {
        using var data = Numbered(103);
        using var loader = new DataLoader(data, batchSize: 10, seed: 3, dropLast: true);

        var epoch0 = LabelsOf(loader.Epoch(0));
        var epoch1 = LabelsOf(loader.Epoch(1));

        Assert.Equal(10, loader.BatchesPerEpoch);
        Assert.Equal(10, epoch0.Count);
        Assert.All(epoch0.Concat(epoch1), b => Assert.Equal(10, b.Length));
        Assert.Equal(100, epoch0.SelectMany(b => b).Distinct().Count());
        var left0 = Enumerable.Range(0, 103).Select(i => (long)i).Except(epoch0.SelectMany(b => b)).Order().ToArray();
        var left1 = Enumerable.Range(0, 103).Select(i => (long)i).Except(epoch1.SelectMany(b => b)).Order().ToArray();
        Assert.Equal(3, left0.Length);
        Assert.NotEqual(left0, left1);
    }

    [Fact]
    public void Drop_last_with_fewer_examples_than_a_batch_is_an_error()
    {
        using var data = Numbered(5);

        var error = Assert.Throws<ArgumentException>(() => new DataLoader(data, batchSize: 8, dropLast: true));

        Assert.Contains("5 examples and batches of 8 leave no batch", error.Message);
    }

    [Fact]
    public void A_batch_larger_than_the_data_set_gives_one_batch_of_everything()
    {
        using var data = Numbered(5);
        using var loader = new DataLoader(data, batchSize: 8, seed: 2);

        var batches = LabelsOf(loader.Epoch(0));

        Assert.Equal(1, loader.BatchesPerEpoch);
        Assert.Equal(new long[] { 0, 1, 2, 3, 4 }, Assert.Single(batches).Order());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Resuming_at_a_batch_gives_the_tail_of_the_full_epoch(bool dropLast)
    {
        using var data = Numbered(97);
        using var loader = new DataLoader(data, batchSize: 10, seed: 11, dropLast: dropLast);
        var full = loader.Epoch(6).Select(b => (b.Index, Labels: b[1].ToArray<long>(), Features: b[0].ToArray<float>())).ToList();

        // A fresh loader stands for the resumed process: it knows only (seed, epoch, batch).
        using var resumed = new DataLoader(data, batchSize: 10, seed: 11, dropLast: dropLast);
        var tail = resumed.Epoch(6, startBatch: 4).Select(b => (b.Index, Labels: b[1].ToArray<long>(), Features: b[0].ToArray<float>())).ToList();

        Assert.Equal(full.Count - 4, tail.Count);
        for (var i = 0; i < tail.Count; i++)
        {
            Assert.Equal(full[i + 4].Index, tail[i].Index);
            Assert.Equal(full[i + 4].Labels, tail[i].Labels);
            Assert.Equal(full[i + 4].Features, tail[i].Features);
        }
        Assert.Empty(resumed.Epoch(6, startBatch: resumed.BatchesPerEpoch));
    }

    [Fact]
    public void Start_batches_and_epochs_out_of_range_are_errors()
    {
        using var data = Numbered(20);
        using var loader = new DataLoader(data, batchSize: 8);

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => loader.Epoch(0, startBatch: 4));
        Assert.Contains("batches 0 to 2 (3 in all)", error.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => loader.Epoch(0, startBatch: -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => loader.Epoch(-1));
    }

    [Fact]
    public void Full_batches_share_one_set_of_buffers_and_the_last_partial_batch_has_its_own()
    {
        using var data = Numbered(20);
        using var loader = new DataLoader(data, batchSize: 8, seed: 1);

        var tensors = loader.Epoch(0).Select(b => (b.Size, Features: b.Tensors[0], Labels: b.Tensors[1])).ToList();

        Assert.Same(tensors[0].Features, tensors[1].Features);
        Assert.Same(tensors[0].Labels, tensors[1].Labels);
        Assert.NotSame(tensors[0].Features, tensors[2].Features);
        Assert.Equal(new Shape(4, 2), tensors[2].Features.Shape);
        Assert.Equal(new Shape(4), tensors[2].Labels.Shape);
    }

    [Fact]
    public void Starting_another_epoch_interrupts_the_first_since_they_share_buffers()
    {
        using var data = Numbered(32);
        using var loader = new DataLoader(data, batchSize: 8);
        using var first = loader.Epoch(0).GetEnumerator();
        Assert.True(first.MoveNext());

        using (var second = loader.Epoch(1).GetEnumerator()) Assert.True(second.MoveNext());

        var error = Assert.Throws<InvalidOperationException>(() => first.MoveNext());
        Assert.Contains("another epoch was started", error.Message);
    }

    [Fact]
    public void Producing_a_batch_allocates_no_managed_memory()
    {
        using var data = Numbered(64 * 20);
        var subset = data.Split(0.5, seed: 1).Train; // through a SubsetDataset too
        using var loader = new DataLoader(data, batchSize: 64, seed: 1);
        using var subsetLoader = new DataLoader(subset, batchSize: 32, seed: 1);

        foreach (var source in new[] { loader, subsetLoader })
        {
            using var batches = source.Epoch(0).GetEnumerator();
            Assert.True(batches.MoveNext());

            var bytes = Allocations.Measure(() => Assert.True(batches.MoveNext()), repetitions: 15);

            Assert.Equal(0, bytes);
        }
    }
}
