using System.Diagnostics.CodeAnalysis;

namespace Dsl;

/// <summary>
/// Named tensors in file order, such as the arrays of an <c>.npz</c> archive. Disposing the
/// dictionary disposes its tensors; a missing name is an error that lists the names there are.
/// </summary>
public sealed class TensorDictionary : IReadOnlyDictionary<string, Tensor>, IDisposable
{
    private readonly List<KeyValuePair<string, Tensor>> _entries;
    private readonly Dictionary<string, Tensor> _byName;
    private readonly string _source;

    internal TensorDictionary(List<KeyValuePair<string, Tensor>> entries, string source)
    {
        _entries = entries;
        _byName = entries.ToDictionary(e => e.Key, e => e.Value, StringComparer.Ordinal);
        _source = source;
    }

    public Tensor this[string key] => _byName.TryGetValue(key, out var tensor) ? tensor
        : throw new KeyNotFoundException($"{_source} has no array '{key}'; it has {(_entries.Count == 0 ? "none" : string.Join(", ", Keys.Select(k => $"'{k}'")))}.");

    public IEnumerable<string> Keys => _entries.Select(e => e.Key);

    public IEnumerable<Tensor> Values => _entries.Select(e => e.Value);

    public int Count => _entries.Count;

    public bool ContainsKey(string key) => _byName.ContainsKey(key);

    public bool TryGetValue(string key, [MaybeNullWhen(false)] out Tensor value) => _byName.TryGetValue(key, out value);

    public IEnumerator<KeyValuePair<string, Tensor>> GetEnumerator() => _entries.GetEnumerator();

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

    public void Dispose()
    {
        foreach (var (_, tensor) in _entries) tensor.Dispose();
    }
}
