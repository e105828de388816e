namespace Dsl.Generators.Parsing;

// The syntax-independent AST of a method body. The parser turns the small allowed subset of C#
// into these nodes and reports everything else as DSL0003. Every record must stay immutable and
// structurally equal. Loc indexes the declaration's Locations table (see Specs.cs).

/// <summary>An expression of a method body.</summary>
internal abstract record Expr(int Loc);

/// <summary>A numeric literal.</summary>
internal sealed record NumberExpr(double Value, int Loc) : Expr(Loc);

/// <summary><c>true</c> or <c>false</c> (a setting of a call: <c>keepdim: true</c>).</summary>
internal sealed record BoolExpr(bool Value, int Loc) : Expr(Loc);

/// <summary>A string literal (a setting of a call, such as an einsum equation).</summary>
internal sealed record StringExpr(string Value, int Loc) : Expr(Loc);

/// <summary>A list written as a collection expression <c>[a, b]</c> or an array <c>new[] { a, b }</c> (axes, sizes, tensors to concatenate).</summary>
internal sealed record ListExpr(EquatableArray<Expr> Items, int Loc) : Expr(Loc);

/// <summary>A named argument of a call: <c>keepdim: true</c>.</summary>
internal sealed record NamedExpr(string Name, Expr Value, int Loc) : Expr(Loc);

/// <summary>A local, a method parameter, or a field of the declaring class.</summary>
internal sealed record NameExpr(string Name, int Loc) : Expr(Loc);

/// <summary>A member of a sub-model: <c>Net.W1</c>, <c>Net.Encoder.W1</c>.</summary>
internal sealed record MemberExpr(EquatableArray<string> Path, int Loc) : Expr(Loc)
{
    public override string ToString() => string.Join(".", Path);
}

internal enum UnaryOperator
{
    Negate,
}

internal enum BinaryOperator
{
    Add,
    Subtract,
    Multiply,
    Divide,
}

internal sealed record UnaryExpr(UnaryOperator Operator, Expr Operand, int Loc) : Expr(Loc);

internal sealed record BinaryExpr(BinaryOperator Operator, Expr Left, Expr Right, int Loc) : Expr(Loc)
{
    // Compared and hashed in a loop down the left side (a + b + c + ... nests to the left), so a
    // sum of any length takes no stack when the incremental cache compares two versions of a body.
    public bool Equals(BinaryExpr? other)
    {
        var a = this;
        var b = other;
        while (true)
        {
            if (ReferenceEquals(a, b)) return true;
            if (b is null || a.Loc != b.Loc || a.Operator != b.Operator || !a.Right.Equals(b.Right)) return false;
            if (a.Left is BinaryExpr left && b.Left is BinaryExpr otherLeft)
            {
                a = left;
                b = otherLeft;
                continue;
            }
            return a.Left.Equals(b.Left);
        }
    }

    public override int GetHashCode()
    {
        var hash = 17;
        Expr expr = this;
        while (expr is BinaryExpr binary)
        {
            hash = unchecked(((hash * 31 + binary.Loc) * 31 + (int)binary.Operator) * 31 + binary.Right.GetHashCode());
            expr = binary.Left;
        }
        return unchecked(hash * 31 + expr.GetHashCode());
    }
}

/// <summary>A call of a <c>Dsl.Ops</c> function by name (<c>Relu(x)</c>, <c>Ops.MatMul(a, b)</c>).</summary>
internal sealed record CallExpr(string Function, EquatableArray<Expr> Arguments, int Loc) : Expr(Loc);

/// <summary>A call of a sub-model's Forward: <c>Net.Forward(x)</c>; <c>Frozen(Net).Forward(x)</c> reads its parameters as constants.</summary>
internal sealed record ForwardCallExpr(EquatableArray<string> Receiver, EquatableArray<Expr> Arguments, int Loc, bool Frozen = false) : Expr(Loc);

/// <summary>
/// A call of a user <c>[Differentiable]</c> static function: its body, parsed where it is declared,
/// travels with the call and lowering inlines it with the arguments bound to <see cref="Parameters"/>.
/// </summary>
internal sealed record InlineCallExpr(string Function, EquatableArray<string> Parameters, EquatableArray<Stmt> Body, EquatableArray<Expr> Arguments, int Loc) : Expr(Loc);

/// <summary>
/// A call of a user static function with a <c>[Derivative]</c> rule: the function runs eagerly in the
/// forward pass and the rule (<c>(x, gradOutput) → gradInput</c>) in the backward pass. C# names are global::-qualified.
/// </summary>
internal sealed record CustomCallExpr(string Function, string Method, string Rule, EquatableArray<Expr> Arguments, int Loc) : Expr(Loc);

/// <summary>A statement of a method body.</summary>
internal abstract record Stmt(int Loc);

/// <summary><c>var name = value;</c></summary>
internal sealed record LocalStmt(string Name, Expr Value, int Loc) : Stmt(Loc);

internal enum AssignOperator
{
    Assign,
    AddAssign,
    SubtractAssign,
    MultiplyAssign,
    DivideAssign,
}

/// <summary>
/// <c>name = value;</c>, <c>name -= value;</c> (update rules assign state and parameters); in a [Step]
/// the target may be a model parameter by path (<c>Net.W1 += ...</c>, Target <c>"Net.W1"</c>).
/// </summary>
internal sealed record AssignStmt(string Target, AssignOperator Operator, Expr Value, int Loc) : Stmt(Loc);

/// <summary><c>Optimizer.Apply(Net, gradients);</c> in a [Step]: an update rule field applied to a model's parameters.</summary>
internal sealed record ApplyStmt(EquatableArray<string> Rule, EquatableArray<Expr> Arguments, int Loc) : Stmt(Loc);

/// <summary><c>return value;</c> or an expression body.</summary>
/// <summary>
/// Statements run in order as if written in place: a <c>for</c> loop with constant bounds, unrolled
/// (each iteration is the loop variable as a number local, then the body).
/// </summary>
internal sealed record BlockStmt(EquatableArray<Stmt> Statements, int Loc) : Stmt(Loc);

internal sealed record ReturnStmt(Expr Value, int Loc) : Stmt(Loc);
