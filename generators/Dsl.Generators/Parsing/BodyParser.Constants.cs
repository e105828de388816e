using System.Collections.Generic;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace Dsl.Generators.Parsing;

/// <summary>
/// The semantic questions a body asks per expression (what a call binds to, whether a name is a
/// numeric C# constant), answered from one walk of the method's operation tree.
/// </summary>
/// <remarks>
/// Asking the semantic model per expression (GetSymbolInfo, GetConstantValue) makes it find the
/// enclosing member by walking up from the expression, through every level of a long left-nested
/// sum (<c>a + b + c + ...</c> nests 16,000 deep for 16,000 terms), so a body of n terms cost n²:
/// 12 s for 16,000 terms. The index is built once per method with an explicit stack (no recursion
/// to overflow), then every question is a dictionary look-up. Expressions outside the method's
/// operation tree (an attribute argument, a field initializer read through a constant) fall back to
/// the semantic model, which is correct and, for those few, cheap.
/// </remarks>
internal sealed partial class BodyParser
{
    private OperationIndex? _index;

    /// <summary>
    /// Semantic-model queries made for single expressions on this thread (the fallback path). Read by
    /// a test that pins "one walk per method": the count must not grow with the number of terms.
    /// </summary>
    [System.ThreadStatic] internal static int ExpressionQueries;

    private OperationIndex Index() => _index ??= OperationIndex.Build(_method, _model, token);

    private long? Constant(ExpressionSyntax expression)
    {
        switch (expression)
        {
            // A literal's value is in its token; a name's, when lookup knows it, in its symbol (no binding).
            case LiteralExpressionSyntax { RawKind: (int)Microsoft.CodeAnalysis.CSharp.SyntaxKind.NumericLiteralExpression } literal:
                return Integer(new Optional<object?>(literal.Token.Value));
            case PrefixUnaryExpressionSyntax { RawKind: (int)Microsoft.CodeAnalysis.CSharp.SyntaxKind.UnaryMinusExpression, Operand: LiteralExpressionSyntax { Token.Value: int or long } literal }:
                return -Integer(new Optional<object?>(literal.Token.Value));
            case IdentifierNameSyntax or MemberAccessExpressionSyntax when TryNamedConstantByLookup(expression, out var named):
                return Integer(named);
        }
        if (Index().Covers(expression)) return Integer(Index().ConstantValue(expression));
        ExpressionQueries++;
        return Integer(_model.GetConstantValue(expression, token));
    }

    private static long? Integer(Optional<object?> value)
    {
        return value.HasValue && value.Value is int or long or short or byte ? System.Convert.ToInt64(value.Value, System.Globalization.CultureInfo.InvariantCulture) : null;
    }

    /// <summary>The value of a name that is a numeric C# constant (a const field or local), else null.</summary>
    private double? NamedConstant(ExpressionSyntax expression)
    {
        Optional<object?> value;
        if (TryNamedConstantByLookup(expression, out var found))
        {
            value = found;
        }
        else if (Index().Covers(expression))
        {
            value = Index().NamedConstantValue(expression);
        }
        else
        {
            ExpressionQueries++;
            // Enum members are constants too, but they are settings (Reduction.None), read by name.
            if (_model.GetSymbolInfo(expression, token).Symbol is not (IFieldSymbol { IsConst: true, ContainingType.TypeKind: not TypeKind.Enum } or ILocalSymbol { IsConst: true })) return null;
            value = _model.GetConstantValue(expression, token);
        }
        return value.HasValue && value.Value is int or long or short or byte or sbyte or ushort or uint or double or float
            ? System.Convert.ToDouble(value.Value, System.Globalization.CultureInfo.InvariantCulture)
            : null;
    }

    /// <summary>One walk of a method's operation tree: call targets, constant values, references to named constants.</summary>
    private sealed class OperationIndex
    {
        private static readonly OperationIndex Empty = new(null);

        private readonly SyntaxNode? _root;
        private readonly Dictionary<SyntaxNode, IMethodSymbol> _targets = [];
        private readonly Dictionary<SyntaxNode, Optional<object?>> _constants = [];
        private readonly Dictionary<SyntaxNode, Optional<object?>> _namedConstants = [];

        private OperationIndex(SyntaxNode? root) => _root = root;

        public static OperationIndex Build(BaseMethodDeclarationSyntax? method, SemanticModel model, CancellationToken token)
        {
            if (method is null || model.GetOperation(method, token) is not { } root) return Empty;
            var index = new OperationIndex((SyntaxNode?)method.Body ?? (SyntaxNode?)method.ExpressionBody ?? method);
            var pending = new Stack<IOperation>();
            pending.Push(root);
            while (pending.Count > 0)
            {
                var operation = pending.Pop();
                index.Add(operation);
                foreach (var child in operation.ChildOperations) pending.Push(child);
            }
            return index;
        }

        private void Add(IOperation operation)
        {
            var syntax = operation.Syntax;
            // Extension-method calls are left out: their operation names the unreduced method, where
            // GetSymbolInfo (the fallback) names the reduced one the rest of the parser expects.
            if (operation is IInvocationOperation { Syntax: InvocationExpressionSyntax, TargetMethod: { IsExtensionMethod: false } target }) _targets[syntax] = target;
            // An implicit conversion shares its operand's syntax; the expression's own value (what
            // GetConstantValue gives) is the operand's, so the explicit operation wins.
            if (!operation.IsImplicit || !_constants.ContainsKey(syntax)) _constants[syntax] = operation.ConstantValue;
            // Enum members are constants too, but they are settings (Reduction.None), read by name.
            if (operation is IFieldReferenceOperation { Field: { IsConst: true, ContainingType.TypeKind: not TypeKind.Enum } } or ILocalReferenceOperation { Local.IsConst: true })
                _namedConstants[syntax] = operation.ConstantValue;
        }

        /// <summary>Whether the expression lies in the indexed method, so a missing entry means "no".</summary>
        public bool Covers(SyntaxNode expression) => _root is not null && _root.SyntaxTree == expression.SyntaxTree && _root.FullSpan.Contains(expression.Span);

        public IMethodSymbol? Target(InvocationExpressionSyntax invocation) => _targets.TryGetValue(invocation, out var method) ? method : null;

        public Optional<object?> ConstantValue(SyntaxNode expression) => _constants.TryGetValue(expression, out var value) ? value : default;

        public Optional<object?> NamedConstantValue(SyntaxNode expression) => _namedConstants.TryGetValue(expression, out var value) ? value : default;
    }
}
