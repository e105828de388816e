using System.Globalization;
using System.Linq;

namespace Dsl.Generators.Parsing;

/// <summary>Writes an expression back as the user would read it, for diagnostics (<c>Relu(h)</c>, <c>Net.W1</c>).</summary>
internal static class AstPrinter
{
    public static string Print(Expr expr)
    {
        var text = Write(expr, 0);
        return text.Length <= 50 ? text : text.Substring(0, 47) + "...";
    }

    private static string Write(Expr expr, int parentPrecedence)
    {
        switch (expr)
        {
            case NumberExpr n:
                return n.Value.ToString("R", CultureInfo.InvariantCulture);
            case NameExpr name:
                return name.Name;
            case MemberExpr member:
                return member.ToString();
            case UnaryExpr unary:
                return "-" + Write(unary.Operand, 3);
            case BinaryExpr binary:
            {
                var precedence = binary.Operator is BinaryOperator.Add or BinaryOperator.Subtract ? 1 : 2;
                var symbol = binary.Operator switch
                {
                    BinaryOperator.Add => " + ",
                    BinaryOperator.Subtract => " - ",
                    BinaryOperator.Multiply => " * ",
                    _ => " / ",
                };
                var text = Write(binary.Left, precedence) + symbol + Write(binary.Right, precedence + 1);
                return precedence < parentPrecedence ? "(" + text + ")" : text;
            }
            case CallExpr call:
                return call.Function + "(" + string.Join(", ", call.Arguments.Select(a => Write(a, 0))) + ")";
            case InlineCallExpr inline:
                return inline.Function + "(" + string.Join(", ", inline.Arguments.Select(a => Write(a, 0))) + ")";
            case CustomCallExpr custom:
                return custom.Function + "(" + string.Join(", ", custom.Arguments.Select(a => Write(a, 0))) + ")";
            case ForwardCallExpr forward:
                return string.Join(".", forward.Receiver) + ".Forward(" + string.Join(", ", forward.Arguments.Select(a => Write(a, 0))) + ")";
            default:
                return expr.GetType().Name;
        }
    }
}
