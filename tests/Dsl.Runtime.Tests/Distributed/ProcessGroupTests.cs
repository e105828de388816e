using System.Diagnostics;
using Xunit;

namespace Dsl.Runtime.Tests.Distributed;

/// <summary>In-process checks of the binding: a group of one, argument and environment errors, a rendezvous that never completes.</summary>
[Collection(DistributedCollection.Name)]
public sealed class ProcessGroupTests
{
    [Fact]
    public void A_group_of_one_reduces_broadcasts_and_passes_barriers()
    {
        using var group = ProcessGroup.Create(new ProcessGroupOptions("127.0.0.1", ProbeJob.FreePort(), 1, 0) { Timeout = TimeSpan.FromSeconds(20) });
        using var t = Tensor.FromArray(new float[] { 1, -2, 3 }, 3);
        group.AllReduce(t, ReduceOp.Sum);
        Assert.Equal([1f, -2f, 3f], t.ToArray<float>());
        group.AllReduce(t, ReduceOp.Average);
        Assert.Equal([1f, -2f, 3f], t.ToArray<float>());
        group.Broadcast(t);
        group.Barrier();
        Assert.Equal([1f, -2f, 3f], t.ToArray<float>());

        using var strided = Tensor.FromArray(new float[] { 1, 2, 3, 4 }, 2, 2).Transpose(0, 1);
        var error = Assert.Throws<DslException>(() => group.AllReduce(strided));
        Assert.Contains("contiguous", error.Message);
        Assert.Throws<DslException>(() => group.Broadcast(t, root: 1));
    }

    [Fact]
    public void A_member_whose_rank_0_never_comes_fails_within_the_timeout_naming_the_address()
    {
        var port = ProbeJob.FreePort();
        var clock = Stopwatch.StartNew();
        var error = Assert.Throws<DistributedException>(() =>
            ProcessGroup.Create(new ProcessGroupOptions("127.0.0.1", port, 2, 1) { Timeout = TimeSpan.FromSeconds(2) }));
        Assert.Contains($"Rank 1 of 2 could not join the process group at 127.0.0.1:{port}", error.Message);
        Assert.Contains("is rank 0 running", error.Message);
        // Not a timing assertion: only that it returned at all rather than waiting forever.
        Assert.True(clock.Elapsed < TimeSpan.FromMinutes(2));
    }

    [Fact]
    public void The_environment_form_names_what_is_missing_or_malformed()
    {
        var variables = new Dictionary<string, string> { ["MASTER_ADDR"] = "node0", ["MASTER_PORT"] = "29500", ["WORLD_SIZE"] = "4", ["RANK"] = "3", ["LOCAL_RANK"] = "1" };
        var options = ProcessGroupOptions.FromEnvironment(name => variables.GetValueOrDefault(name));
        Assert.Equal(new ProcessGroupOptions("node0", 29500, 4, 3) { LocalRank = 1 }, options);

        variables.Remove("RANK");
        var missing = Assert.Throws<InvalidOperationException>(() => ProcessGroupOptions.FromEnvironment(name => variables.GetValueOrDefault(name)));
        Assert.StartsWith("The environment variable RANK is not set", missing.Message);
        variables["RANK"] = "three";
        var malformed = Assert.Throws<InvalidOperationException>(() => ProcessGroupOptions.FromEnvironment(name => variables.GetValueOrDefault(name)));
        Assert.Equal("The environment variable RANK is 'three', not an integer.", malformed.Message);

        Assert.Throws<ArgumentOutOfRangeException>(() => ProcessGroup.Create(new ProcessGroupOptions("127.0.0.1", 29500, 2, 2)));
    }
}
