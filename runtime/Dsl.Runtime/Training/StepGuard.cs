using System.ComponentModel;

namespace Dsl;

/// <summary>
/// Detects an experiment used from two threads at once. Generated experiments enter it at the start
/// of every member that reads or writes their buffers, parameters or update-rule state
/// (<c>TrainStep</c>, <c>ComputeGradients</c>, <c>ApplyUpdate</c>, <c>EvaluateLoss</c>, <c>Initialize</c>):
/// a second thread arriving while one is inside gets an <see cref="InvalidOperationException"/>
/// instead of racing it (which lost updates, or crashed the process when one thread reallocated
/// buffers the other was using). One experiment is one training thread; calls from different
/// threads one after another are fine. The cost is one interlocked compare-exchange and one write per call.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class StepGuard
{
    private readonly string _experiment;
    private int _thread;        // the managed thread id inside, 0 when none
    private string? _member;    // what it is inside (for the message only)

    /// <summary>A guard for the experiment named <paramref name="experiment"/>.</summary>
    public StepGuard(string experiment) => _experiment = experiment;

    /// <summary>
    /// Enters <paramref name="member"/>; dispose the result when it returns. The same thread may
    /// enter again (TrainStep calls ComputeGradients); another thread throws.
    /// </summary>
    /// <exception cref="InvalidOperationException">Another thread is inside the experiment.</exception>
    public Scope Enter(string member)
    {
        var me = Environment.CurrentManagedThreadId;
        var inside = Interlocked.CompareExchange(ref _thread, me, 0);
        if (inside == 0)
        {
            _member = member;
            return new Scope(this);
        }
        if (inside == me) return default;
        throw new InvalidOperationException(
            $"{_experiment}.{member} was called on thread {me} while thread {inside} is inside {_experiment}.{_member ?? "a step"}: "
            + "an experiment's buffers, parameters and optimizer state belong to one training thread at a time. "
            + "Give each thread its own experiment, or make the calls one after another.");
    }

    /// <summary>Leaves the guard on dispose (a no-op for a nested entry).</summary>
    public readonly struct Scope : IDisposable
    {
        private readonly StepGuard? _guard;

        internal Scope(StepGuard guard) => _guard = guard;

        /// <summary>Leaves the guard.</summary>
        public void Dispose()
        {
            if (_guard is null) return;
            _guard._member = null;
            Volatile.Write(ref _guard._thread, 0);
        }
    }
}
