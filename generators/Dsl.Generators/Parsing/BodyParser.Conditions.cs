using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Dsl.Generators.Parsing;

/// <summary>The C# spelling of the condition operators (messages and the printer).</summary>
internal static class ConditionSyntax
{
    public static string Symbol(CompareOperator op) => op switch
    {
        CompareOperator.Equal => "==",
        CompareOperator.NotEqual => "!=",
        CompareOperator.Less => "<",
        CompareOperator.LessOrEqual => "<=",
        CompareOperator.Greater => ">",
        _ => ">=",
    };
}

/// <summary>Conditions: comparisons, <c>&amp;&amp;</c>, <c>||</c>, <c>!</c>, <c>?:</c>, <c>if</c>/<c>else</c> and locals declared without a value.</summary>
internal sealed partial class BodyParser
{
    /// <summary>A condition or a choice (<c>step == 1</c>, <c>!warm</c>, <c>c ? a : b</c>); anything else is DSL0003.</summary>
    private Expr? ParseConditionExpression(ExpressionSyntax expression)
    {
        switch (expression)
        {
            case BinaryExpressionSyntax binary when CompareOperatorOf(binary) is { } compare:
            {
                var left = ParseExpression(binary.Left);
                var right = ParseExpression(binary.Right);
                return left is null || right is null ? null : new CompareExpr(compare, left, right, locations.Add(binary));
            }
            case BinaryExpressionSyntax binary when binary.Kind() is SyntaxKind.LogicalAndExpression or SyntaxKind.LogicalOrExpression:
            {
                var left = ParseExpression(binary.Left);
                var right = ParseExpression(binary.Right);
                var op = binary.IsKind(SyntaxKind.LogicalAndExpression) ? LogicalOperator.And : LogicalOperator.Or;
                return left is null || right is null ? null : new LogicalExpr(op, left, right, locations.Add(binary));
            }
            case PrefixUnaryExpressionSyntax unary when unary.IsKind(SyntaxKind.LogicalNotExpression):
            {
                var operand = ParseExpression(unary.Operand);
                return operand is null ? null : new NotExpr(operand, locations.Add(unary));
            }
            case ConditionalExpressionSyntax conditional:
            {
                var condition = ParseExpression(conditional.Condition);
                var whenTrue = ParseExpression(conditional.WhenTrue);
                var whenFalse = ParseExpression(conditional.WhenFalse);
                return condition is null || whenTrue is null || whenFalse is null ? null
                    : new ConditionalExpr(condition, whenTrue, whenFalse, locations.Add(conditional));
            }
            case IsPatternExpressionSyntax or SwitchExpressionSyntax:
                Unsupported(expression, DescribeKind(expression) + " '" + Describe(expression)
                    + "' (choose with a condition on numbers: 'c ? a : b' or 'if (c) ... else ...', comparing with == != < <= > >=)");
                return null;
            default:
                Unsupported(expression, DescribeKind(expression) + " '" + Describe(expression) + "'");
                return null;
        }
    }

    private static CompareOperator? CompareOperatorOf(BinaryExpressionSyntax binary) => binary.Kind() switch
    {
        SyntaxKind.EqualsExpression => CompareOperator.Equal,
        SyntaxKind.NotEqualsExpression => CompareOperator.NotEqual,
        SyntaxKind.LessThanExpression => CompareOperator.Less,
        SyntaxKind.LessThanOrEqualExpression => CompareOperator.LessOrEqual,
        SyntaxKind.GreaterThanExpression => CompareOperator.Greater,
        SyntaxKind.GreaterThanOrEqualExpression => CompareOperator.GreaterOrEqual,
        _ => null,
    };

    /// <summary><c>if (c) ... else ...</c>; an <c>else if</c> is a nested <see cref="IfStmt"/> in the else branch.</summary>
    private Stmt? ParseIf(IfStatementSyntax statement)
    {
        var condition = ParseExpression(statement.Condition);
        var then = ParseBranch(statement.Statement);
        var otherwise = statement.Else is { } elseClause ? ParseBranch(elseClause.Statement) : EquatableArray<Stmt>.Empty;
        if (condition is null || then is null || otherwise is null) return null;
        return new IfStmt(condition, then.Value, otherwise.Value, locations.Add(statement.Condition));
    }

    /// <summary>The statements of a branch: a block's, or the one statement written without braces.</summary>
    private EquatableArray<Stmt>? ParseBranch(StatementSyntax statement)
    {
        var builder = ImmutableArray.CreateBuilder<Stmt>();
        var ok = true;
        var statements = statement is BlockSyntax block ? block.Statements : SyntaxFactory.SingletonList(statement);
        foreach (var inner in statements)
        {
            token.ThrowIfCancellationRequested();
            if (ParseStatement(inner) is { } parsed) builder.Add(parsed);
            else ok = false;
        }
        return ok ? builder.ToImmutable() : null;
    }

    /// <summary><c>Tensor y;</c> (one local, no value): assigned later, in both branches of an <c>if</c>.</summary>
    private static bool IsDeclarationWithoutValue(LocalDeclarationStatementSyntax local) =>
        local.Declaration.Variables.Count == 1 && local.Declaration.Variables[0].Initializer is null
        && !local.IsConst && local.UsingKeyword.IsKind(SyntaxKind.None) && !local.Declaration.Type.IsVar
        && SyntaxFacts.IsValidIdentifier(local.Declaration.Variables[0].Identifier.ValueText);

    private Stmt ParseDeclaration(LocalDeclarationStatementSyntax local)
    {
        var variable = local.Declaration.Variables[0];
        return new DeclareStmt(variable.Identifier.ValueText, locations.Add(variable));
    }
}
