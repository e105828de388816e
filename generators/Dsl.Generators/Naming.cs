namespace Dsl.Generators;

/// <summary>
/// The one place names are cased and joined, for every stage: value names from the math
/// (<c>matMul1</c>, <c>dW1</c>, <c>encoderOutput</c>), and the names Emit gives generated members
/// (which then go through <c>Emit.Identifiers</c> for the reserved prefix and <c>@</c>-escaping).
/// </summary>
internal static class Naming
{
    /// <summary><c>MatMul</c> → <c>matMul</c>.</summary>
    public static string LowerFirst(string name) =>
        name.Length == 0 || char.ToLowerInvariant(name[0]) == name[0] ? name : char.ToLowerInvariant(name[0]) + name.Substring(1);

    /// <summary><c>logits</c> → <c>Logits</c>.</summary>
    public static string UpperFirst(string name) =>
        name.Length == 0 || char.ToUpperInvariant(name[0]) == name[0] ? name : char.ToUpperInvariant(name[0]) + name.Substring(1);

    /// <summary>A member path as one camel-case name: <c>Encoder.W1</c> → <c>encoderW1</c>.</summary>
    public static string FromPath(string path) => LowerFirst(path.Replace(".", ""));

    /// <summary>Joins a stem and a part in camel case: (<c>predict</c>, <c>matMul1</c>) → <c>predictMatMul1</c>; an empty stem gives the part.</summary>
    public static string Join(string stem, string part) => stem.Length == 0 ? part : stem + UpperFirst(part);
}
