using Xunit;

namespace Dsl.Runtime.Tests.Data;

public sealed class SplitTests
{
    private static TensorDataset Numbered(int count) =>
        TensorDataset.From(("labels", Enumerable.Range(0, count).Select(i => (long)i).ToArray()));

    [Fact]
    public void A_split_divides_the_examples_into_two_disjoint_parts_of_the_asked_sizes()
    {
        using var data = Numbered(101);

        var (train, valid) = data.Split(0.8, seed: 3);

        Assert.Equal(81, train.Count); // 80.8 rounds to 81
        Assert.Equal(20, valid.Count);
        Assert.Empty(train.Indices.ToArray().Intersect(valid.Indices.ToArray()));
        Assert.Equal(Enumerable.Range(0, 101).Select(i => (long)i), train.Indices.ToArray().Concat(valid.Indices.ToArray()).Order());
        Assert.Same(data, train.Parent);
        Assert.Equal(data.Columns, train.Columns);
    }

    [Fact]
    public void The_same_seed_gives_the_same_split_and_another_seed_another()
    {
        using var data = Numbered(50);

        var first = data.Split(0.5, seed: 9).Train.Indices.ToArray();

        Assert.Equal(first, data.Split(0.5, seed: 9).Train.Indices.ToArray());
        Assert.NotEqual(first, data.Split(0.5, seed: 10).Train.Indices.ToArray());
    }

    [Fact]
    public void Gathering_from_a_view_reads_the_parent_at_the_mapped_indices()
    {
        using var data = Numbered(30);
        var view = data.Subset([29, 3, 3, 17]);
        using var labels = Tensor.Empty([3], DType.Int64);

        view.Gather([3, 0, 2], [labels]);

        Assert.Equal(new long[] { 17, 29, 3 }, labels.ToArray<long>());
        Assert.Throws<ArgumentOutOfRangeException>(() => view.Gather([4], [labels]));
    }

    [Fact]
    public void Take_is_a_contiguous_range()
    {
        using var data = Numbered(10);

        var middle = data.Take(4, 3);

        Assert.Equal(new long[] { 4, 5, 6 }, middle.Indices.ToArray());
        Assert.Throws<ArgumentOutOfRangeException>(() => data.Take(8, 3));
    }

    [Fact]
    public void Fractions_that_leave_a_part_empty_are_errors()
    {
        using var data = Numbered(3);

        Assert.Throws<ArgumentOutOfRangeException>(() => data.Split(1.0));
        Assert.Throws<ArgumentOutOfRangeException>(() => data.Split(0));
        Assert.Contains("leaves the validation part empty", Assert.Throws<ArgumentException>(() => data.Split(0.9)).Message);
        Assert.Contains("leaves the training part empty", Assert.Throws<ArgumentException>(() => data.Split(0.1)).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => data.Subset([3]));
    }
}
