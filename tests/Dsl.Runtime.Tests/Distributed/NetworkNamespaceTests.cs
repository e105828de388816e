using System.Diagnostics;
using Dsl.Runtime.Tests.Checkpoints;
using Xunit;
using Xunit.Abstractions;

namespace Dsl.Runtime.Tests.Distributed;

/// <summary>
/// Two "hosts": two network namespaces of this test's own, joined by a veth pair with addresses in
/// 10.200.x.0/24 that exist only inside them. Rank 0 runs in one and hosts the store on its
/// address; rank 1 runs in the other and reaches it over the veth link. Needs root (CI runs as
/// root) and iproute2's `ip`; the namespaces are deleted afterwards, which removes the link.
/// </summary>
[Collection(DistributedCollection.Name)]
public sealed class NetworkNamespaceTests(ITestOutputHelper output)
{
    [Fact]
    public void Two_network_namespaces_train_together_over_a_veth_link()
    {
        var id = Environment.ProcessId % 100_000;
        var (hostA, hostB) = ($"dsla{id}", $"dslb{id}");
        var subnet = $"10.200.{id % 250}";
        try
        {
            Ip($"netns add {hostA}");
            Ip($"netns add {hostB}");
            Ip($"link add dva{id} type veth peer name dvb{id}");
            Ip($"link set dva{id} netns {hostA}");
            Ip($"link set dvb{id} netns {hostB}");
            Ip($"-n {hostA} addr add {subnet}.1/24 dev dva{id}");
            Ip($"-n {hostB} addr add {subnet}.2/24 dev dvb{id}");
            foreach (var (host, link) in new[] { (hostA, $"dva{id}"), (hostB, $"dvb{id}") })
            {
                Ip($"-n {host} link set lo up");
                Ip($"-n {host} link set {link} up");
            }

            using var folder = new TemporaryFolder();
            using var job = new ProbeJob();
            var settings = "steps=30 examples=96 batch=8";
            const int port = 29500; // each namespace has its own ports
            var a = job.StartProbe(0, 2, port, $"train \"{folder.File("rank0.safetensors")}\" {settings}", master: $"{subnet}.1", prefix: $"ip netns exec {hostA}");
            var b = job.StartProbe(1, 2, port, $"train \"{folder.File("rank1.safetensors")}\" {settings}", master: $"{subnet}.1", prefix: $"ip netns exec {hostB}");
            job.StartProbe(0, 0, 0, $"reference \"{folder.File("reference.safetensors")}\" {settings} world=2");
            job.WaitAll();
            output.WriteLine(job.Transcripts()[^Math.Min(2000, job.Transcripts().Length)..]);
            Assert.True(a.ExitCode == 0 && b.ExitCode == 0, job.Transcripts());
            ParameterFiles.AssertSameJob(folder, 2, 30, output);
        }
        finally
        {
            Ip($"netns del {hostA}", check: false);
            Ip($"netns del {hostB}", check: false);
        }
    }

    private void Ip(string arguments, bool check = true)
    {
        var info = new ProcessStartInfo("ip", arguments) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        using var process = Process.Start(info) ?? throw new InvalidOperationException("could not start `ip` (install iproute2: scripts/install-deps.sh does)");
        var errors = process.StandardError.ReadToEnd();
        process.WaitForExit(30_000);
        output.WriteLine($"ip {arguments}: exit {process.ExitCode} {errors.Trim()}");
        if (check && process.ExitCode != 0) throw new Xunit.Sdk.XunitException($"`ip {arguments}` failed (exit {process.ExitCode}): {errors} (this test needs root and iproute2)");
    }
}
