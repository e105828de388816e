using System;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;

namespace Dsl.Generators.Diagnostics;

/// <summary>
/// Keeps the generator from ever throwing: an exception inside a generator surfaces as CS8785 and
/// silently drops every generated file. Each stage runs through here; a failure becomes DSL9999
/// with the message. Cancellation still propagates, as Roslyn expects.
/// </summary>
internal static class Guard
{
    /// <summary>A hook for tests: throws inside the named stage to prove failures become DSL9999. Flows with the test's async context only.</summary>
    internal static readonly System.Threading.AsyncLocal<Func<string, bool>?> FailInStageForTesting = new();

    public static ParseResult<T> Parse<T>(GeneratorAttributeSyntaxContext context, string stage, Func<ParseResult<T>> parse)
        where T : class, IEquatable<T>
    {
        try
        {
            ThrowIfRequested(stage);
            return parse();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            var location = LocationInfo.From(context.TargetNode is Microsoft.CodeAnalysis.CSharp.Syntax.TypeDeclarationSyntax t
                ? t.Identifier.GetLocation() : context.TargetNode.GetLocation());
            // Roslyn's binder stops a walk that would overflow the stack (the compiler reports CS8078 for the
            // same code): the declaration's nesting, not a generator bug. The body parser stops far earlier
            // (BodyParser.MaxNesting); this is what is left when binding itself gives out first.
            var diagnostic = e is InsufficientExecutionStackException
                ? DiagnosticInfo.Create(DiagnosticCatalog.NestedTooDeeply, location,
                    "An expression in '" + (context.TargetSymbol?.Name ?? "this declaration") + "'", "deeper than the compiler's stack allows")
                : Internal(stage, e, location);
            return new ParseResult<T>(null, ImmutableArray.Create(diagnostic));
        }
    }

    public static DiagnosticInfo Internal(string stage, Exception e, LocationInfo? location) =>
        DiagnosticInfo.Create(DiagnosticCatalog.InternalError, location, stage, e.GetType().Name + ": " + e.Message);

    public static void ThrowIfRequested(string stage)
    {
        if (FailInStageForTesting.Value?.Invoke(stage) == true) throw new InvalidOperationException("test failure injected in '" + stage + "'");
    }
}
