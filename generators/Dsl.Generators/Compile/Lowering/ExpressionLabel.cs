using Dsl.Generators.Ir;
using Dsl.Generators.Parsing;

namespace Dsl.Generators.Compile;

/// <summary>An operand's label that writes its expression back only when a message reads it.</summary>
internal sealed class ExpressionLabel(Expr expr) : OperandLabel
{
    private string? _text;

    public override string Text => _text ??= AstPrinter.Print(expr);
}
