using System.Globalization;
using Dsl.Generators.Parsing;
using Microsoft.CodeAnalysis.CSharp;

namespace Dsl.Generators.Emit;

/// <summary>C# text for values: invariant culture, round-trippable, with type suffixes.</summary>
internal static class CSharp
{
    /// <summary>A double literal that reads back exactly: <c>0.001d</c>, <c>2d</c>, <c>1E-08d</c>.</summary>
    public static string Literal(double value)
    {
        if (double.IsPositiveInfinity(value)) return "double.PositiveInfinity";
        if (double.IsNegativeInfinity(value)) return "double.NegativeInfinity";
        if (double.IsNaN(value)) return "double.NaN";
        return value.ToString("R", CultureInfo.InvariantCulture) + "d";
    }

    public static string Literal(long value) => value.ToString(CultureInfo.InvariantCulture);

    public static string String(string value) => SymbolDisplay.FormatLiteral(value, quote: true);

    public static bool IsKeyword(string name) => SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None || SyntaxFacts.GetContextualKeywordKind(name) != SyntaxKind.None;

    public static string NumberType(NumberType type) => type switch
    {
        Parsing.NumberType.Float => "float",
        Parsing.NumberType.Double => "double",
        Parsing.NumberType.Int => "int",
        _ => "long",
    };
}
