namespace Dsl.Generators.Diagnostics;

/// <summary>
/// A parse result: the spec (null when the declaration is unusable) and its diagnostics. Kept here,
/// not in Parsing, so <see cref="Guard"/> can make one without the diagnostics depending on the
/// parser. Must stay immutable and structurally equal.
/// </summary>
internal sealed record ParseResult<T>(T? Spec, EquatableArray<DiagnosticInfo> Diagnostics)
    where T : class, System.IEquatable<T>;
