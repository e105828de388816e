namespace Dsl.Generators.Parsing;

// Conditions on numbers known at run time (a step count, a hyper-parameter, a number argument) and
// the statements and expressions that choose with them. Same rules as Ast.cs: immutable records,
// structurally equal, Loc indexes the declaration's Locations table.

internal enum CompareOperator
{
    Equal,
    NotEqual,
    Less,
    LessOrEqual,
    Greater,
    GreaterOrEqual,
}

internal enum LogicalOperator
{
    And,
    Or,
}

/// <summary><c>a == b</c>, <c>a &lt; b</c>, ... of two numbers: a condition.</summary>
internal sealed record CompareExpr(CompareOperator Operator, Expr Left, Expr Right, int Loc) : Expr(Loc);

/// <summary><c>a &amp;&amp; b</c>, <c>a || b</c> of two conditions.</summary>
internal sealed record LogicalExpr(LogicalOperator Operator, Expr Left, Expr Right, int Loc) : Expr(Loc);

/// <summary><c>!a</c> of a condition.</summary>
internal sealed record NotExpr(Expr Operand, int Loc) : Expr(Loc);

/// <summary><c>condition ? whenTrue : whenFalse</c>: numbers or tensors chosen by a number condition.</summary>
internal sealed record ConditionalExpr(Expr Condition, Expr WhenTrue, Expr WhenFalse, int Loc) : Expr(Loc);

/// <summary>
/// <c>if (condition) { Then } else { Else }</c>; <c>else if</c> is an <see cref="IfStmt"/> alone in Else.
/// </summary>
internal sealed record IfStmt(Expr Condition, EquatableArray<Stmt> Then, EquatableArray<Stmt> Else, int Loc) : Stmt(Loc);

/// <summary><c>Tensor y;</c>: a local declared without a value, assigned later (in the branches of an <c>if</c>).</summary>
internal sealed record DeclareStmt(string Name, int Loc) : Stmt(Loc);
