using System.Collections.Generic;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;

namespace Dsl.Generators.Parsing;

/// <summary>Writes an expression back as the user would read it, for diagnostics (<c>Relu(h)</c>, <c>Net.W1</c>).</summary>
/// <remarks>
/// Only the first <see cref="Cap"/> characters of a text are ever needed, so each expression's head
/// (its text without outer parentheses, cut at Cap) is computed once, from its children's heads,
/// and kept beside the expression: messages about a long sum may print the left operand of many '+'s,
/// which printed in full would cost time quadratic in the sum's length. No recursion: a tree of any
/// depth is walked with an explicit stack.
/// </remarks>
internal static class AstPrinter
{
    /// <summary>Enough to know whether a text is longer than 50 characters, and its first 47.</summary>
    private const int Cap = 51;

    /// <summary>The first Cap characters of an expression's text: all of it when shorter than Cap.</summary>
    private sealed class Head(string text)
    {
        public string Text { get; } = text;
    }

    private static readonly ConditionalWeakTable<Expr, Head> Heads = new();

    public static string Print(Expr expr)
    {
        var head = HeadOf(expr);
        return head.Text.Length <= 50 ? head.Text : head.Text.Substring(0, 47) + "...";
    }

    private static Head HeadOf(Expr root)
    {
        if (Heads.TryGetValue(root, out var known)) return known;
        // Post-order: an expression's head is made once the heads of its children are known.
        var pending = new Stack<(Expr Expr, bool ChildrenDone)>();
        pending.Push((root, false));
        while (pending.Count > 0)
        {
            var (expr, childrenDone) = pending.Pop();
            if (Heads.TryGetValue(expr, out _)) continue;
            if (!childrenDone)
            {
                pending.Push((expr, true));
                foreach (var child in Children(expr))
                {
                    if (!Heads.TryGetValue(child, out _)) pending.Push((child, false));
                }
                continue;
            }
            var head = Make(expr);
            Heads.GetValue(expr, _ => head);
        }
        return Heads.TryGetValue(root, out var made) ? made : Make(root);
    }

    private static IEnumerable<Expr> Children(Expr expr) => expr switch
    {
        UnaryExpr unary => [unary.Operand],
        BinaryExpr binary => [binary.Left, binary.Right],
        CallExpr call => call.Arguments,
        InlineCallExpr inline => inline.Arguments,
        CustomCallExpr custom => custom.Arguments,
        ForwardCallExpr forward => forward.Arguments,
        ListExpr list => list.Items,
        NamedExpr named => [named.Value],
        CompareExpr compare => [compare.Left, compare.Right],
        LogicalExpr logical => [logical.Left, logical.Right],
        NotExpr not => [not.Operand],
        ConditionalExpr conditional => [conditional.Condition, conditional.WhenTrue, conditional.WhenFalse],
        _ => [],
    };

    /// <summary>Builds a head from text pieces and children's heads (which are known), stopping at Cap.</summary>
    private sealed class Writer
    {
        private readonly StringBuilder _text = new();

        public bool Full => _text.Length >= Cap;

        public void Append(string text)
        {
            if (Full) return;
            _text.Append(text);
        }

        /// <summary>A child as <c>Write(child, parentPrecedence)</c> wrote it: in parentheses when it binds less tightly.</summary>
        public void Append(Expr child, int parentPrecedence)
        {
            if (Full) return;
            var head = Heads.TryGetValue(child, out var known) ? known : Make(child);
            var parenthesize = Precedence(child) < parentPrecedence;
            if (parenthesize) Append("(");
            // A head of Cap characters may stand for a longer text: this writer is then full too.
            Append(head.Text);
            if (parenthesize) Append(")");
        }

        public Head ToHead() => new(_text.Length > Cap ? _text.ToString(0, Cap) : _text.ToString());
    }

    /// <summary>The precedence an expression is written at (only binary operators are ever parenthesized).</summary>
    private static int Precedence(Expr expr) => expr is BinaryExpr binary
        ? binary.Operator is BinaryOperator.Add or BinaryOperator.Subtract ? 1 : 2
        : expr is CompareExpr or LogicalExpr or ConditionalExpr ? 0
        : int.MaxValue;

    private static Head Make(Expr expr)
    {
        var writer = new Writer();
        switch (expr)
        {
            case NumberExpr n:
                writer.Append(n.Value.ToString("R", CultureInfo.InvariantCulture));
                break;
            case NameExpr name:
                writer.Append(name.Name);
                break;
            case BoolExpr b:
                writer.Append(b.Value ? "true" : "false");
                break;
            case StringExpr text:
                writer.Append("\"" + text.Value + "\"");
                break;
            case ListExpr list:
                Call(writer, "[", list.Items, "]");
                break;
            case NamedExpr named:
                writer.Append(named.Name + ": ");
                writer.Append(named.Value, 0);
                break;
            case MemberExpr member:
                writer.Append(member.ToString());
                break;
            case UnaryExpr unary:
                writer.Append("-");
                writer.Append(unary.Operand, 3);
                break;
            case BinaryExpr binary:
            {
                var precedence = Precedence(binary);
                writer.Append(binary.Left, precedence);
                writer.Append(binary.Operator switch
                {
                    BinaryOperator.Add => " + ",
                    BinaryOperator.Subtract => " - ",
                    BinaryOperator.Multiply => " * ",
                    _ => " / ",
                });
                writer.Append(binary.Right, precedence + 1);
                break;
            }
            case CallExpr call:
                Call(writer, call.Function + "(", call.Arguments);
                break;
            case InlineCallExpr inline:
                Call(writer, inline.Function + "(", inline.Arguments);
                break;
            case CustomCallExpr custom:
                Call(writer, custom.Function + "(", custom.Arguments);
                break;
            case ForwardCallExpr forward:
                Call(writer, string.Join(".", forward.Receiver) + ".Forward(", forward.Arguments);
                break;
            case CompareExpr compare:
                writer.Append(compare.Left, 0);
                writer.Append(" " + ConditionSyntax.Symbol(compare.Operator) + " ");
                writer.Append(compare.Right, 0);
                break;
            case LogicalExpr logical:
                writer.Append(logical.Left, 0);
                writer.Append(logical.Operator == LogicalOperator.And ? " && " : " || ");
                writer.Append(logical.Right, 0);
                break;
            case NotExpr not:
                writer.Append("!");
                writer.Append(not.Operand, 3);
                break;
            case ConditionalExpr conditional:
                writer.Append(conditional.Condition, 0);
                writer.Append(" ? ");
                writer.Append(conditional.WhenTrue, 0);
                writer.Append(" : ");
                writer.Append(conditional.WhenFalse, 0);
                break;
            default:
                writer.Append(expr.GetType().Name);
                break;
        }
        return writer.ToHead();
    }

    private static void Call(Writer writer, string opening, EquatableArray<Expr> arguments, string closing = ")")
    {
        writer.Append(opening);
        for (var i = 0; i < arguments.Count; i++)
        {
            if (i > 0) writer.Append(", ");
            writer.Append(arguments[i], 0);
        }
        writer.Append(closing);
    }
}
