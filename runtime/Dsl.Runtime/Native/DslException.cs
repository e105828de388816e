namespace Dsl;

/// <summary>
/// A failure reported by the tensor runtime: a shape mismatch, a wrong dtype, an invalid argument.
/// The native call that failed has left no partial state behind and the process carries on.
/// </summary>
public sealed class DslException : Exception
{
    public DslException(string message) : base(message) { }
    public DslException(string message, Exception inner) : base(message, inner) { }

    /// <summary>The operation that failed, such as <c>add</c> or <c>mm</c>.</summary>
    public string? Operation { get; init; }
}
