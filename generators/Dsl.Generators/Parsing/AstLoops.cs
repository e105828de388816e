namespace Dsl.Generators.Parsing;

/// <summary>
/// <c>for (var t = start; t &lt; bound; t++) { ... }</c> whose bound is known only when the step runs
/// (an input's size, a number argument or field): lowered to a loop node whose body runs as a real
/// C# loop (see docs/ARCHITECTURE-generator.md, "Run-time loops"). Must stay immutable and structurally equal.
/// </summary>
/// <param name="Text">The loop's header as written, for messages.</param>
internal sealed record RuntimeForStmt(string Variable, long Start, Expr Bound, EquatableArray<Stmt> Body, string Text, int Loc) : Stmt(Loc);
