using System.Collections.Immutable;
using System.Linq;
using Dsl.Generators.Diagnostics;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Dsl.Generators.Parsing;

// Run-time loops: a `for` whose bound is not a compile-time constant becomes a RuntimeForStmt (a
// real loop in the generated step); constant bounds keep unrolling (BodyParser.ParseFor).
internal sealed partial class BodyParser
{
    /// <summary>
    /// <c>for (var t = a; t &lt; bound; ...)</c> with a constant start and a bound that is not constant:
    /// a run-time loop (the rest of its form is checked by <see cref="ParseRuntimeFor"/>).
    /// </summary>
    private bool IsRuntimeFor(ForStatementSyntax loop) =>
        loop.Declaration is { Variables.Count: 1 } declaration && loop.Initializers.Count == 0
        && declaration.Variables[0].Initializer is { } init && Constant(init.Value) is not null
        && loop.Condition is BinaryExpressionSyntax condition && condition.IsKind(SyntaxKind.LessThanExpression)
        && condition.Left is IdentifierNameSyntax left && left.Identifier.ValueText == declaration.Variables[0].Identifier.ValueText
        && Constant(condition.Right) is null;

    private Stmt? ParseRuntimeFor(ForStatementSyntax loop)
    {
        var declaration = loop.Declaration!;
        var variable = declaration.Variables[0].Identifier.ValueText;
        var start = Constant(declaration.Variables[0].Initializer!.Value)!.Value;
        var condition = (BinaryExpressionSyntax)loop.Condition!;
        var header = "for (" + Describe(declaration) + "; " + Describe(condition) + "; " + string.Join(", ", loop.Incrementors.Select(Describe)) + ")";
        var ok = true;
        var stepsByOne = loop.Incrementors.Count == 1 && loop.Incrementors[0] switch
        {
            PostfixUnaryExpressionSyntax { Operand: IdentifierNameSyntax id } p => p.IsKind(SyntaxKind.PostIncrementExpression) && id.Identifier.ValueText == variable,
            PrefixUnaryExpressionSyntax { Operand: IdentifierNameSyntax id } p => p.IsKind(SyntaxKind.PreIncrementExpression) && id.Identifier.ValueText == variable,
            AssignmentExpressionSyntax { Left: IdentifierNameSyntax id } a => a.IsKind(SyntaxKind.AddAssignmentExpression) && id.Identifier.ValueText == variable && Constant(a.Right) == 1,
            _ => false,
        };
        if (!stepsByOne) ok = UnsupportedLoop(loop, "The loop '" + header + "'", "a loop whose bound is known only at run time steps by one ('" + variable + "++')");

        // What the body may not do: leave the loop early, change the loop variable or what the bound reads, nest another run-time loop.
        var boundNames = condition.Right.DescendantNodesAndSelf().OfType<IdentifierNameSyntax>().Select(n => n.Identifier.ValueText).ToImmutableHashSet();
        foreach (var node in loop.Statement.DescendantNodesAndSelf())
        {
            switch (node)
            {
                case BreakStatementSyntax or ContinueStatementSyntax or ReturnStatementSyntax or GotoStatementSyntax:
                    ok = UnsupportedLoop(node, "'" + Describe(node) + "' inside the loop '" + header + "'", "a run-time loop runs all its iterations (no break, continue or return)");
                    break;
                case AssignmentExpressionSyntax { Left: IdentifierNameSyntax target } when target.Identifier.ValueText == variable:
                case PostfixUnaryExpressionSyntax { Operand: IdentifierNameSyntax incremented } when incremented.Identifier.ValueText == variable:
                case PrefixUnaryExpressionSyntax { Operand: IdentifierNameSyntax preIncremented } when preIncremented.Identifier.ValueText == variable
                    && !node.IsKind(SyntaxKind.UnaryMinusExpression) && !node.IsKind(SyntaxKind.UnaryPlusExpression):
                    ok = UnsupportedLoop(node, "'" + Describe(node) + "' inside the loop '" + header + "'", "the loop variable '" + variable + "' is read-only in the body");
                    break;
                case AssignmentExpressionSyntax { Left: IdentifierNameSyntax changed } when boundNames.Contains(changed.Identifier.ValueText):
                    ok = UnsupportedLoop(node, "'" + Describe(node) + "' inside the loop '" + header + "'", "the bound '" + Describe(condition.Right) + "' is read once, before the loop; the body may not change it");
                    break;
                case ForStatementSyntax inner when IsRuntimeFor(inner):
                    ok = UnsupportedLoop(inner, "The loop '" + Describe(inner) + "' inside the loop '" + header + "'", "run-time loops do not nest yet (a loop with constant bounds inside one is unrolled)");
                    break;
            }
        }
        if (!ok) return null;

        var bound = ParseExpression(condition.Right);
        var bodyStatements = loop.Statement is BlockSyntax block ? block.Statements.ToArray() : [loop.Statement];
        var body = ImmutableArray.CreateBuilder<Stmt>();
        foreach (var statement in bodyStatements)
        {
            if (ParseStatement(statement) is { } parsed) body.Add(parsed);
        }
        if (bound is null) return null;
        return new RuntimeForStmt(variable, start, bound, body.ToImmutable(), header, locations.Add(loop));
    }

    /// <summary><c>x.Size(axis)</c> on a tensor: the size of that axis, a number known when the step runs.</summary>
    private Expr? ParseSize(InvocationExpressionSyntax invocation, MemberAccessExpressionSyntax access)
    {
        if (invocation.ArgumentList.Arguments.Count != 1 || Constant(invocation.ArgumentList.Arguments[0].Expression) is not { } axis)
        {
            Unsupported(invocation, "the call '" + Describe(invocation) + "' (write x.Size(axis) with a constant axis)");
            return null;
        }
        var tensor = ParseExpression(access.Expression);
        return tensor is null ? null : new CallExpr("Size", ImmutableArray.Create<Expr>(tensor, new NumberExpr(axis, locations.Add(invocation.ArgumentList.Arguments[0]))), locations.Add(invocation));
    }

    private bool UnsupportedLoop(SyntaxNode node, string what, string why)
    {
        diagnostics.Add(DiagnosticInfo.Create(DiagnosticCatalog.UnsupportedLoop, LocationInfo.From(node), what, methodName, why));
        return false;
    }

    /// <summary>Whether the call is <c>Tensor.Size(axis)</c> on any receiver (a member, a call's result), which <see cref="ParseSize"/>'s syntactic form does not catch.</summary>
    private static bool IsTensorSize(InvocationExpressionSyntax invocation, IMethodSymbol? method) =>
        method is { Name: "Size" } && method.ContainingType?.ToDisplayString() == TensorTypeName
        && invocation.Expression is MemberAccessExpressionSyntax && invocation.ArgumentList.Arguments.Count == 1;

    /// <summary>x.Size(axis): a size of a tensor, where a function takes sizes (Randn([x.Size(0), 1])) or as a number; lowering reads it from x's shape.</summary>
    private Expr? ParseTensorSize(InvocationExpressionSyntax invocation)
    {
        var sized = ParseExpression(((MemberAccessExpressionSyntax)invocation.Expression).Expression);
        var axis = ParseExpression(invocation.ArgumentList.Arguments[0].Expression);
        return sized is null || axis is null ? null : new CallExpr(SizeFunction, EquatableArray.Create(sized, axis), locations.Add(invocation));
    }
}
