using System.Globalization;

namespace Dsl;

/// <summary>
/// Where a process stands in a distributed job: the conventions torchrun, Slurm and Kubernetes job
/// templates set (<c>MASTER_ADDR</c>, <c>MASTER_PORT</c>, <c>WORLD_SIZE</c>, <c>RANK</c>,
/// <c>LOCAL_RANK</c>), or the same given explicitly.
/// </summary>
/// <param name="MasterAddress">The host of rank 0, which hosts the group's store (a TCPStore).</param>
/// <param name="MasterPort">The store's TCP port on that host.</param>
/// <param name="WorldSize">Processes in the group.</param>
/// <param name="Rank">This process's rank, 0 to <paramref name="WorldSize"/> - 1.</param>
public sealed record ProcessGroupOptions(string MasterAddress, int MasterPort, int WorldSize, int Rank)
{
    /// <summary>torch.distributed's default timeout is 30 minutes; ours is shorter, so a lost member is reported sooner.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(5);

    /// <summary>This process's rank on its machine (informational on the CPU; a device index where there are several).</summary>
    public int LocalRank { get; init; }

    /// <summary>
    /// How long the rendezvous and each collective may wait for the other members before failing
    /// with a <see cref="DistributedException"/>.
    /// </summary>
    public TimeSpan Timeout { get; init; } = DefaultTimeout;

    /// <summary>
    /// The local address the other members connect to; null picks the address that routes to the
    /// master. <c>GLOO_SOCKET_IFNAME</c> (interface names, comma-separated) overrides both, as in PyTorch.
    /// </summary>
    public string? LocalAddress { get; init; }

    /// <summary>
    /// Reads <c>MASTER_ADDR</c>, <c>MASTER_PORT</c>, <c>WORLD_SIZE</c>, <c>RANK</c> and <c>LOCAL_RANK</c>
    /// (and <c>DSL_DIST_TIMEOUT</c> in seconds, when set).
    /// </summary>
    /// <exception cref="InvalidOperationException">A variable is missing or not a number; the message names it.</exception>
    public static ProcessGroupOptions FromEnvironment() => FromEnvironment(Environment.GetEnvironmentVariable);

    internal static ProcessGroupOptions FromEnvironment(Func<string, string?> read)
    {
        string Text(string name) => read(name) is { Length: > 0 } value ? value
            : throw new InvalidOperationException($"The environment variable {name} is not set; a distributed process needs MASTER_ADDR, MASTER_PORT, WORLD_SIZE and RANK (as torchrun and scripts/launch.sh set them).");
        int Number(string name, string text) => int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value
            : throw new InvalidOperationException($"The environment variable {name} is '{text}', not an integer.");
        var options = new ProcessGroupOptions(Text("MASTER_ADDR"), Number("MASTER_PORT", Text("MASTER_PORT")), Number("WORLD_SIZE", Text("WORLD_SIZE")), Number("RANK", Text("RANK")));
        if (read("LOCAL_RANK") is { Length: > 0 } local) options = options with { LocalRank = Number("LOCAL_RANK", local) };
        if (read("DSL_DIST_TIMEOUT") is { Length: > 0 } timeout)
        {
            options = options with { Timeout = TimeSpan.FromSeconds(Number("DSL_DIST_TIMEOUT", timeout)) };
        }
        return options;
    }

    /// <summary>Whether the environment describes a distributed job (<c>WORLD_SIZE</c> is set).</summary>
    public static bool InEnvironment => Environment.GetEnvironmentVariable("WORLD_SIZE") is { Length: > 0 };

    internal void Validate()
    {
        if (string.IsNullOrWhiteSpace(MasterAddress)) throw new ArgumentException("ProcessGroupOptions.MasterAddress is empty; give the host of rank 0.");
        if (MasterPort is < 1 or > 65535) throw new ArgumentOutOfRangeException(nameof(MasterPort), MasterPort, "ProcessGroupOptions.MasterPort must be a TCP port (1-65535).");
        if (WorldSize < 1) throw new ArgumentOutOfRangeException(nameof(WorldSize), WorldSize, "ProcessGroupOptions.WorldSize must be at least 1.");
        if (Rank < 0 || Rank >= WorldSize) throw new ArgumentOutOfRangeException(nameof(Rank), Rank, $"ProcessGroupOptions.Rank must be 0 to {WorldSize - 1} (WorldSize is {WorldSize}).");
        if (Timeout <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(Timeout), Timeout, "ProcessGroupOptions.Timeout must be positive.");
    }
}
