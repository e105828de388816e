using System;
using Dsl.Generators.Ir;

namespace Dsl.Generators.Emit;

/// <summary>
/// Writes one element of an elementwise op (<see cref="Op.Element"/>) as a C# expression of the loop's
/// element type (<c>double</c>, or <c>float</c> with <c>single: true</c>), or, with <c>vector: true</c>, as a
/// <c>System.Numerics.Vector&lt;double&gt;</c> (<c>Vector&lt;float&gt;</c>) one. A function without a vector
/// form clears <see cref="Supported"/> (the loop then stays scalar).
/// </summary>
internal sealed class ElementSyntax(Func<int, string> operand, bool vector, bool single = false) : IElementSyntax
{
    private const string Vector = "global::System.Numerics.Vector";

    /// <summary><c>System.MathF</c> for float32 elements, so a float stays a float (<c>Math.Sqrt(float)</c> would widen it).</summary>
    private string Math => single ? "global::System.MathF" : RuntimeApi.Math;

    private string Element => single ? "float" : "double";

    private string Zero => Vector + "<" + Element + ">.Zero";

    private string One => Vector + "<" + Element + ">.One";

    /// <summary>A literal of the element type (<c>1d</c>, <c>1f</c>).</summary>
    private string Literal(int value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture) + (single ? "f" : "d");

    /// <summary>Whether every function asked for has this form.</summary>
    public bool Supported { get; private set; } = true;

    public string Operand(int index) => operand(index);

    public string Binary(string left, char op, string right) => "(" + left + " " + op + " " + right + ")";

    public string Negate(string x) => "(-" + x + ")";

    /// <summary>The condition is one bool for the whole loop, so the scalar and the vector forms are both a C# <c>?:</c>.</summary>
    public string Conditional(string condition, string whenTrue, string whenFalse) => "(" + condition + " ? " + whenTrue + " : " + whenFalse + ")";

    public string Function(string function, string x)
    {
        if (vector)
        {
            switch (function)
            {
                case "Relu": return Vector + ".Max(" + x + ", " + Zero + ")";
                case "Sqrt": return Vector + ".SquareRoot(" + x + ")";
                case "Abs": return Vector + ".Abs(" + x + ")";
                case "Sign":
                    return Vector + ".ConditionalSelect(" + Vector + ".GreaterThan(" + x + ", " + Zero + "), " + One + ", " + Vector + ".ConditionalSelect("
                        + Vector + ".LessThan(" + x + ", " + Zero + "), -" + One + ", " + Zero + "))";
                default:
                    Supported = false;
                    return "default";
            }
        }
        return function switch
        {
            "Relu" => Math + ".Max(" + x + ", " + Literal(0) + ")",
            "Sigmoid" => "(" + Literal(1) + " / (" + Literal(1) + " + " + Math + ".Exp(-" + x + ")))",
            "Sign" => "(" + x + " > " + Literal(0) + " ? " + Literal(1) + " : " + x + " < " + Literal(0) + " ? -" + Literal(1) + " : " + Literal(0) + ")",
            _ => Math + "." + function + "(" + x + ")",
        };
    }

    public string Function(string function, string x, string y)
    {
        if (vector)
        {
            switch (function)
            {
                case "Maximum": return Vector + ".Max(" + x + ", " + y + ")";
                case "Minimum": return Vector + ".Min(" + x + ", " + y + ")";
                default:
                    Supported = false;
                    return "default";
            }
        }
        // Math.Max/Min return NaN when either operand is NaN, as torch.maximum/minimum do.
        return function switch
        {
            "Maximum" => Math + ".Max(" + x + ", " + y + ")",
            "Minimum" => Math + ".Min(" + x + ", " + y + ")",
            _ => Math + "." + function + "(" + x + ", " + y + ")",
        };
    }
}
