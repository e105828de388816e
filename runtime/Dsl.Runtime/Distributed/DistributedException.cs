namespace Dsl;

/// <summary>
/// A collective of a <see cref="ProcessGroup"/> failed: a member died or stopped answering, the
/// rendezvous did not complete within the timeout, or the network failed. The message names the
/// member that was lost (its rank, and the host, pid and address it recorded in the store) when
/// the heartbeats in the store tell which one it was. The group cannot be used afterwards.
/// </summary>
public sealed class DistributedException : Exception
{
    public DistributedException(string message, int? lostRank = null) : base(message) => LostRank = lostRank;

    /// <summary>The rank found gone (0 when the store's host, rank 0, no longer answers); null when unknown.</summary>
    public int? LostRank { get; }
}
