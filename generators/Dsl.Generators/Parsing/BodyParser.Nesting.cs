using Dsl.Generators.Diagnostics;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Dsl.Generators.Parsing;

// The entry of every expression: where the parser's recursion is counted and stopped (DSL0029).
internal sealed partial class BodyParser
{
    /// <summary>
    /// How deep expressions may nest where parsing recurses (calls inside calls, the right operand of
    /// an operator, unary minus, conditions). A chain of binary operators down its left side is a loop,
    /// and parentheses are unwrapped in one: neither counts.
    /// Each level takes a few KB of stack here and again in lowering, and the generator shares the
    /// compiler's or the IDE's thread: 500 nested calls overflowed a 1 MiB stack and ended the process.
    /// Counted across inlined functions (their parsers run on the same stack).
    /// </summary>
    internal const int MaxNesting = 64;

    [System.ThreadStatic] private static int _nesting;

    private bool _reportedNesting;

    private Expr? ParseExpression(ExpressionSyntax expression)
    {
        token.ThrowIfCancellationRequested();
        // Parentheses are a level of the text, not of the parse: unwrapped here, they cost no stack.
        while (expression is ParenthesizedExpressionSyntax parenthesized) expression = parenthesized.Expression;
        if (_nesting >= MaxNesting)
        {
            if (!_reportedNesting)
            {
                _reportedNesting = true;
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticCatalog.NestedTooDeeply, LocationInfo.From(expression),
                    "'" + Describe(expression) + "' in '" + methodName + "'",
                    "more than " + MaxNesting.ToString(System.Globalization.CultureInfo.InvariantCulture) + " levels deep"));
            }
            return null;
        }
        // A backstop for a thread with a small stack: Roslyn's own walks stop the same way (CS8078), and
        // Guard reports the exception as this nesting diagnostic.
        System.Runtime.CompilerServices.RuntimeHelpers.EnsureSufficientExecutionStack();
        _nesting++;
        try
        {
            return ParseNested(expression);
        }
        finally
        {
            _nesting--;
        }
    }
}
