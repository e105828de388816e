using System.Collections.Generic;
using System.Runtime.CompilerServices;

namespace Dsl.Generators;

/// <summary>Compares objects by identity (records compare by value, which hashes every field).</summary>
internal sealed class ReferenceComparer<T> : IEqualityComparer<T>
    where T : class
{
    public static ReferenceComparer<T> Instance { get; } = new();

    public bool Equals(T? x, T? y) => ReferenceEquals(x, y);

    public int GetHashCode(T obj) => RuntimeHelpers.GetHashCode(obj);
}
