using Xunit;
using Xunit.Abstractions;

namespace Dsl.Runtime.Tests.Distributed;

/// <summary>
/// A Dsl process and a PyTorch process (Debian's python3-torch, torch.distributed with Gloo) in one
/// process group: the rendezvous is torch.distributed's own, and the collectives are Gloo's. Each
/// contributes (r, 10r, 100r, r/2) for r = rank + 1; both must print the sum (3, 30, 300, 1.5),
/// then rank 1's broadcast (2, 2), then pass a barrier.
/// </summary>
[Collection(DistributedCollection.Name)]
public sealed class PyTorchPeerTests(ITestOutputHelper output)
{
    private const string Peer = """
        import datetime, torch, torch.distributed as dist
        dist.init_process_group("gloo", timeout=datetime.timedelta(seconds=30))
        r = dist.get_rank() + 1
        t = torch.tensor([r, 10.0 * r, 100.0 * r, 0.5 * r], dtype=torch.float32)
        dist.all_reduce(t)
        print("sum " + " ".join(repr(float(v)) for v in t))
        b = torch.tensor([float(r), float(r)])
        dist.broadcast(b, src=1)
        print("broadcast " + " ".join(repr(float(v)) for v in b))
        dist.barrier()
        print("barrier")
        dist.destroy_process_group()
        """;

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public void A_Dsl_process_and_a_PyTorch_process_all_reduce_in_one_group(int dslRank)
    {
        using var job = new ProbeJob();
        var port = ProbeJob.FreePort();
        var dsl = job.StartProbe(dslRank, 2, port, "allreduce");
        var script = Path.Combine(Path.GetTempPath(), $"dsl-peer-{Environment.ProcessId}.py");
        File.WriteAllText(script, Peer);
        try
        {
            var torchRank = 1 - dslRank;
            var python = job.Start(Dsl.Testing.TorchReference.Python, $"\"{script}\"", new Dictionary<string, string>
            {
                ["MASTER_ADDR"] = "127.0.0.1", ["MASTER_PORT"] = port.ToString(), ["WORLD_SIZE"] = "2",
                ["RANK"] = torchRank.ToString(), ["LOCAL_RANK"] = torchRank.ToString(), ["GLOO_SOCKET_IFNAME"] = "lo",
                ["OMP_NUM_THREADS"] = "1",
            }, "pytorch");
            job.WaitAll();
            output.WriteLine(job.Transcripts());
            Assert.True(dsl.ExitCode == 0 && python.ExitCode == 0, job.Transcripts());
            foreach (var member in new[] { dsl, python })
            {
                var lines = member.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                Assert.Equal(3, lines.Length);
                Assert.Equal([3, 30, 300, 1.5], Numbers(lines[0], "sum "));
                Assert.Equal([2, 2], Numbers(lines[1], "broadcast "));
                Assert.Equal("barrier", lines[2]);
            }
        }
        finally
        {
            File.Delete(script);
        }
    }

    private static double[] Numbers(string line, string prefix)
    {
        Assert.StartsWith(prefix, line);
        return line[prefix.Length..].Split(' ').Select(v => double.Parse(v, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
    }
}
