using Dsl.Native;

namespace Dsl;

/// <summary>How <see cref="ProcessGroup.AllReduce"/> combines the members' tensors.</summary>
public enum ReduceOp
{
    /// <summary>The element-wise sum.</summary>
    Sum,

    /// <summary>The element-wise mean (Gloo sums; the result is then divided by the world size).</summary>
    Average,
}

/// <summary>
/// A group of processes that train together, on PyTorch's own distributed engine: c10d's TCPStore
/// for the rendezvous and ProcessGroupGloo for the collectives, reached through the native shim.
/// The rendezvous is torch.distributed 1.13's (<c>init_process_group("gloo")</c> with <c>env://</c>),
/// so PyTorch processes can be members of the same group. Collectives are blocking and in place;
/// every member must call the same collectives in the same order. A lost member or a timeout ends
/// the call with a <see cref="DistributedException"/> naming the member when it can be told.
/// </summary>
/// <example>
/// <code>
/// using var group = ProcessGroup.FromEnvironment();   // MASTER_ADDR, MASTER_PORT, WORLD_SIZE, RANK
/// group.AllReduce(gradient, ReduceOp.Average);
/// </code>
/// </example>
public sealed class ProcessGroup : IDisposable
{
    private IntPtr _handle;

    private ProcessGroup(IntPtr handle, ProcessGroupOptions options)
    {
        _handle = handle;
        Options = options;
    }

    /// <summary>Joins the group the environment describes (see <see cref="ProcessGroupOptions.FromEnvironment()"/>).</summary>
    public static ProcessGroup FromEnvironment() => Create(ProcessGroupOptions.FromEnvironment());

    /// <summary>
    /// Joins (rank 0: hosts) the group: returns once every member has joined, or throws a
    /// <see cref="DistributedException"/> when they have not within <see cref="ProcessGroupOptions.Timeout"/>.
    /// </summary>
    public static ProcessGroup Create(ProcessGroupOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var status = NativeMethods.dsl_dist_init(options.MasterAddress, options.MasterPort, options.Rank, options.WorldSize,
            (long)options.Timeout.TotalMilliseconds, options.LocalAddress, out var handle);
        if (status != 0)
        {
            throw new DistributedException($"Rank {options.Rank} of {options.WorldSize} could not join the process group at {options.MasterAddress}:{options.MasterPort}: {Status.LastError().Trim()}");
        }
        return new ProcessGroup(handle, options);
    }

    /// <summary>How the group was made.</summary>
    public ProcessGroupOptions Options { get; }

    /// <summary>This process's rank.</summary>
    public int Rank => Options.Rank;

    /// <summary>Processes in the group.</summary>
    public int WorldSize => Options.WorldSize;

    /// <summary>Replaces <paramref name="tensor"/> (contiguous, on the CPU) with the sum or mean of every member's. Allocates no managed memory.</summary>
    public void AllReduce(Tensor tensor, ReduceOp op = ReduceOp.Sum)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        Check(NativeMethods.dsl_dist_all_reduce(Handle, tensor.Handle, (int)op), "all_reduce", tensor);
    }

    /// <summary>Replaces <paramref name="tensor"/> with rank <paramref name="root"/>'s; every member's must have the same shape and dtype.</summary>
    public void Broadcast(Tensor tensor, int root = 0)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        Check(NativeMethods.dsl_dist_broadcast(Handle, tensor.Handle, root), "broadcast", tensor);
    }

    /// <summary>Returns once every member has called it.</summary>
    public void Barrier() => Check(NativeMethods.dsl_dist_barrier(Handle), "barrier", null);

    private IntPtr Handle => _handle != IntPtr.Zero ? _handle : throw new ObjectDisposedException(nameof(ProcessGroup));

    private void Check(int status, string operation, Tensor? tensor)
    {
        GC.KeepAlive(tensor);
        if (status == 0) return;
        var message = Status.LastError().Trim();
        int? lost = NativeMethods.dsl_dist_lost_rank(_handle, out var rank) == 0 && rank >= 0 ? rank : null;
        // Argument errors (a strided tensor, a wrong root) are not the group's failure.
        if (message.StartsWith(operation + " failed", StringComparison.Ordinal)) throw new DistributedException(message, lost);
        throw new DslException($"{operation}: {message}") { Operation = operation };
    }

    /// <summary>Leaves the group (stops its heartbeat; rank 0 stops hosting the store).</summary>
    public void Dispose()
    {
        var handle = Interlocked.Exchange(ref _handle, IntPtr.Zero);
        if (handle != IntPtr.Zero) NativeMethods.dsl_dist_free(handle);
    }

    public override string ToString() => $"ProcessGroup(rank {Rank} of {WorldSize}, store {Options.MasterAddress}:{Options.MasterPort})";
}
