namespace Dsl;

/// <summary>
/// A few reusable tensors keyed by (purpose, device, leading size): the index tensors and staging
/// buffers of a Gather that cannot copy directly. A loader alternates between two batch sizes (full
/// and last partial), so a handful of entries makes steady state allocation-free; an unusual
/// caller that keeps changing sizes is bounded by dropping everything when the table is full.
/// </summary>
internal sealed class ScratchTensors : IDisposable
{
    private const int Capacity = 8;

    private readonly (int Purpose, Device Device, long Length, Tensor Tensor)[] _entries = new (int, Device, long, Tensor)[Capacity];
    private int _count;

    /// <summary>The tensor for (<paramref name="purpose"/>, <paramref name="device"/>, <paramref name="length"/>), made by <paramref name="create"/> the first time.</summary>
    public Tensor Get<TState>(int purpose, Device device, long length, TState state, Func<TState, Tensor> create)
    {
        for (var i = 0; i < _count; i++)
        {
            ref var entry = ref _entries[i];
            if (entry.Purpose == purpose && entry.Device == device && entry.Length == length) return entry.Tensor;
        }
        if (_count == Capacity) Clear();
        var tensor = create(state);
        _entries[_count++] = (purpose, device, length, tensor);
        return tensor;
    }

    private void Clear()
    {
        for (var i = 0; i < _count; i++)
        {
            _entries[i].Tensor.Dispose();
            _entries[i] = default;
        }
        _count = 0;
    }

    public void Dispose() => Clear();
}
