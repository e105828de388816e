using System.Collections.Generic;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Dsl.Generators.Parsing;

/// <summary>
/// The cheap answers to the body's semantic questions: C# name lookup at the start of the body,
/// once per name, without binding the body.
/// </summary>
/// <remarks>
/// Binding a body (what <see cref="OperationIndex"/> needs) is Roslyn's overload resolution for every
/// operator and call in it: for a 16,000-term sum, a fifth of the whole generator run. Yet most
/// questions only ask what a name means (<c>Tanh</c> in <c>Tanh(x)</c>, <c>W</c>, <c>Scale</c>), and
/// while the body declares nothing of that name, every use of it in the body means what it means
/// at the body's start. So a name the body does not declare is looked up there, once
/// (<see cref="SemanticModel.LookupSymbols"/> reads scopes, it binds no expression), and:
/// a call whose name finds only functions of Dsl.Ops binds to Dsl.Ops; a name that finds one
/// parameter or non-constant field is no constant; a name that finds one const field is that
/// constant. A name declared in the body only as non-const locals is no constant either (it means
/// the local, or the outer symbol when that is no constant). Everything else (a member of another
/// type, a name with more than one meaning, a const local, a call through a qualifier) is answered by
/// the operation tree, which binds the body once: the answer is the same, only slower.
/// </remarks>
internal sealed partial class BodyParser
{
    private NameLookup? _lookup;

    /// <summary>Turns the fast path off (tests compare both paths on the same declarations).</summary>
    [System.ThreadStatic] internal static bool LookupDisabled;

    private NameLookup? Lookup() => LookupDisabled || _method is null ? null : _lookup ??= NameLookup.Build(_method, _model);

    /// <summary>What a call by simple name binds to, when lookup alone knows it is one of Dsl.Ops's functions.</summary>
    private IMethodSymbol? OpsTarget(InvocationExpressionSyntax invocation) =>
        invocation.Expression is IdentifierNameSyntax { Identifier.ValueText: var name } && Lookup() is { } lookup ? lookup.OpsFunction(name) : null;

    /// <summary>
    /// Whether lookup alone tells if the name is a numeric-or-other C# constant (a const field):
    /// true with <paramref name="value"/> set (no value: not a named constant), or false (ask the index).
    /// </summary>
    private bool TryNamedConstantByLookup(ExpressionSyntax expression, out Optional<object?> value)
    {
        value = default;
        if (Lookup() is not { } lookup) return false;
        return expression switch
        {
            IdentifierNameSyntax { Identifier.ValueText: var name } => lookup.NamedConstant(name, out value),
            MemberAccessExpressionSyntax { RawKind: (int)SyntaxKind.SimpleMemberAccessExpression, Expression: IdentifierNameSyntax { Identifier.ValueText: var owner }, Name: IdentifierNameSyntax { Identifier.ValueText: var member } }
                => lookup.MemberConstant(owner, member, out value),
            _ => false,
        };
    }

    private sealed class NameLookup
    {
        private readonly SemanticModel _model;
        private readonly int _position;
        private readonly HashSet<string> _declared;
        private readonly HashSet<string> _declaredConst;
        private readonly Dictionary<string, ImmutableArray<ISymbol>> _found = new(System.StringComparer.Ordinal);
        private readonly Dictionary<string, IMethodSymbol?> _functions = new(System.StringComparer.Ordinal);

        private NameLookup(SemanticModel model, int position, HashSet<string> declared, HashSet<string> declaredConst)
        {
            _model = model;
            _position = position;
            _declared = declared;
            _declaredConst = declaredConst;
        }

        public static NameLookup? Build(BaseMethodDeclarationSyntax method, SemanticModel model)
        {
            // The position where the parameters are in scope and nothing of the body is: the body's
            // first token (its '{' or '=>'), whose parents are few, so the binder is found at once.
            SyntaxNode? body = (SyntaxNode?)method.Body ?? method.ExpressionBody;
            if (body is null || method.SyntaxTree != model.SyntaxTree) return null;
            var position = method.Body is { } block ? block.OpenBraceToken.Span.End : method.ExpressionBody!.ArrowToken.Span.End;
            // Every identifier the body declares (a local, a local function, a pattern or out variable,
            // a loop or lambda parameter, a query variable, a label): any identifier token that is not
            // a name being used. Over-counting only sends a name to the slower path.
            var declared = new HashSet<string>(System.StringComparer.Ordinal);
            var declaredConst = new HashSet<string>(System.StringComparer.Ordinal);
            foreach (var token in body.DescendantTokens())
            {
                if (!token.IsKind(SyntaxKind.IdentifierToken) || token.Parent is SimpleNameSyntax) continue;
                declared.Add(token.ValueText);
                if (token.Parent is VariableDeclaratorSyntax { Parent.Parent: LocalDeclarationStatementSyntax { IsConst: true } }) declaredConst.Add(token.ValueText);
            }
            return new NameLookup(model, position, declared, declaredConst);
        }

        private ImmutableArray<ISymbol> Find(string name)
        {
            if (!_found.TryGetValue(name, out var symbols)) _found[name] = symbols = _model.LookupSymbols(_position, name: name);
            return symbols;
        }

        /// <summary>A Dsl.Ops function when the name, in the body, can only mean Dsl.Ops's functions of that name.</summary>
        public IMethodSymbol? OpsFunction(string name)
        {
            if (!_functions.TryGetValue(name, out var function)) _functions[name] = function = FindOpsFunction(name);
            return function;
        }

        private IMethodSymbol? FindOpsFunction(string name)
        {
            if (_declared.Contains(name)) return null;
            var symbols = Find(name);
            if (symbols.IsEmpty) return null;
            foreach (var symbol in symbols)
            {
                if (symbol is not IMethodSymbol { IsStatic: true, IsExtensionMethod: false, ContainingType: { } type } || type.ToDisplayString() != OpsTypeName) return null;
            }
            return (IMethodSymbol)symbols[0];
        }

        public bool NamedConstant(string name, out Optional<object?> value)
        {
            value = default;
            if (_declaredConst.Contains(name)) return false;
            var symbols = Find(name);
            if (symbols.Length > 1) return false;
            var outer = symbols.IsEmpty ? null : symbols[0];
            if (_declared.Contains(name))
            {
                // The use means the body's non-const local or the outer symbol: a constant only if the outer one is.
                return outer is null || IsValue(outer) && !IsConstField(outer);
            }
            if (outer is null) return false;
            if (IsConstField(outer))
            {
                var field = (IFieldSymbol)outer;
                if (!field.HasConstantValue) return false;
                value = new Optional<object?>(field.ConstantValue);
                return true;
            }
            return IsValue(outer);
        }

        /// <summary><c>Owner.Member</c>: a const field of a type the owner names, or no constant when the owner is a value.</summary>
        public bool MemberConstant(string owner, string member, out Optional<object?> value)
        {
            value = default;
            if (_declared.Contains(owner)) return false;
            var symbols = Find(owner);
            if (symbols.Length != 1) return false;
            switch (symbols[0])
            {
                // An instance's member is no constant (C# reaches a const through its type only) — unless the
                // value's type has the value's own name (Color Color), where the name may mean the type.
                case var symbol when IsValue(symbol):
                    return TypeOf(symbol) is { } valueType && valueType.Name != owner;
                case INamedTypeSymbol { TypeKind: not TypeKind.Enum } type:
                {
                    var members = type.GetMembers(member);
                    if (members.Length != 1) return false;
                    if (members[0] is IFieldSymbol { IsConst: true, HasConstantValue: true } field)
                    {
                        value = new Optional<object?>(field.ConstantValue);
                        return true;
                    }
                    return members[0] is IFieldSymbol or IPropertySymbol or IMethodSymbol;
                }
                case INamedTypeSymbol { TypeKind: TypeKind.Enum }:
                    // Enum members are settings (Reduction.None), read by name, never numbers.
                    return true;
                default:
                    return false;
            }
        }

        private static bool IsValue(ISymbol symbol) => symbol is IParameterSymbol or IPropertySymbol or IFieldSymbol or ILocalSymbol;

        private static bool IsConstField(ISymbol symbol) => symbol is IFieldSymbol { IsConst: true, ContainingType.TypeKind: not TypeKind.Enum };

        private static ITypeSymbol? TypeOf(ISymbol symbol) => symbol switch
        {
            IParameterSymbol p => p.Type,
            IPropertySymbol p => p.Type,
            IFieldSymbol f => f.Type,
            ILocalSymbol l => l.Type,
            _ => null,
        };
    }
}
