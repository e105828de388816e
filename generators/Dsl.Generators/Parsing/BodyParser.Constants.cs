using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Dsl.Generators.Parsing;

/// <summary>C# constants in bodies: loop bounds, and named numeric constants read as their values.</summary>
internal sealed partial class BodyParser
{
    private long? Constant(ExpressionSyntax expression)
    {
        var value = _model.GetConstantValue(expression, token);
        return value.HasValue && value.Value is int or long or short or byte ? System.Convert.ToInt64(value.Value, System.Globalization.CultureInfo.InvariantCulture) : null;
    }

    /// <summary>The value of a name that is a numeric C# constant (a const field or local), else null.</summary>
    private double? NamedConstant(ExpressionSyntax expression)
    {
        // Enum members are constants too, but they are settings (Reduction.None), read by name.
        if (_model.GetSymbolInfo(expression, token).Symbol is not (IFieldSymbol { IsConst: true, ContainingType.TypeKind: not TypeKind.Enum } or ILocalSymbol { IsConst: true })) return null;
        var value = _model.GetConstantValue(expression, token);
        return value.HasValue && value.Value is int or long or short or byte or sbyte or ushort or uint or double or float
            ? System.Convert.ToDouble(value.Value, System.Globalization.CultureInfo.InvariantCulture)
            : null;
    }
}
