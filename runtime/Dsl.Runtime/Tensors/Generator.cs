using Dsl.Native;

namespace Dsl;

/// <summary>
/// A seeded random-number generator (libtorch's CPU Philox/MT generator). Two generators with the
/// same seed produce the same numbers; <see cref="GetState"/>/<see cref="SetState"/> save and restore it.
/// </summary>
public sealed class Generator : IDisposable
{
    private IntPtr _handle;

    public Generator(ulong seed)
    {
        Status.Check(NativeMethods.dsl_generator_new(seed, out _handle), "generator");
        Seed = seed;
    }

    /// <summary>The seed given last (at construction or through <see cref="Reseed"/>).</summary>
    public ulong Seed { get; private set; }

    internal IntPtr Handle => _handle != IntPtr.Zero ? _handle
        : throw new ObjectDisposedException(nameof(Generator), "The generator was disposed; it cannot be used any more.");

    public void Reseed(ulong seed)
    {
        Status.Check(NativeMethods.dsl_generator_seed(Handle, seed), "generator_seed");
        Seed = seed;
    }

    /// <summary>The full state as a UInt8 tensor.</summary>
    public Tensor GetState()
    {
        Status.Check(NativeMethods.dsl_generator_get_state(Handle, out var state), "generator_get_state");
        return new Tensor(state);
    }

    public void SetState(Tensor state)
    {
        Status.Check(NativeMethods.dsl_generator_set_state(Handle, state.Handle), "generator_set_state", state);
    }

    /// <summary>Seeds libtorch's global generator, used when no generator is passed.</summary>
    public static void ManualSeed(ulong seed) => Status.Check(NativeMethods.dsl_manual_seed(seed), "manual_seed");

    public void Dispose()
    {
        var handle = Interlocked.Exchange(ref _handle, IntPtr.Zero);
        if (handle != IntPtr.Zero)
        {
            NativeMethods.dsl_generator_free(handle);
            GC.SuppressFinalize(this);
        }
    }

    ~Generator()
    {
        var handle = Interlocked.Exchange(ref _handle, IntPtr.Zero);
        if (handle != IntPtr.Zero) NativeMethods.dsl_generator_free(handle);
    }

    internal static IntPtr HandleOf(Generator? generator) => generator?.Handle ?? IntPtr.Zero;
}
