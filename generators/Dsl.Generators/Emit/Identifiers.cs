using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis.CSharp;

namespace Dsl.Generators.Emit;

/// <summary>
/// Generated-name hygiene. Every private member and local the generator invents starts with
/// <see cref="Reserved"/> (<c>__</c>): the C# specification reserves identifiers containing two
/// consecutive underscores for the implementation, so no user name can meet one. Names that come
/// from the user (parameters, fields, locals of the math) are written as declared, <c>@</c>-escaped
/// when they are keywords, and a member read from a method where a parameter hides it is written
/// <c>this.</c>-qualified.
/// </summary>
internal static class Identifiers
{
    public const string Reserved = "__";

    /// <summary>A name the generator invents for a private member or a local: <c>__matMul1</c>, <c>__Prepare</c>.</summary>
    public static string Generated(string name) => Reserved + name;

    /// <summary>A user's identifier as C#: <c>@class</c> for the keyword <c>class</c>.</summary>
    public static string Escape(string name) =>
        name.Length > 0 && name[0] != '@' && SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None ? "@" + name : name;

    /// <summary>A dotted member path (<c>Net.W1</c>, <c>global::Demo.Adam.Beta1</c>) with each user segment escaped.</summary>
    public static string Path(string path)
    {
        const string Global = "global::";
        var prefix = path.StartsWith(Global, System.StringComparison.Ordinal) ? Global : "";
        return prefix + string.Join(".", path.Substring(prefix.Length).Split('.').Select(Escape));
    }

    /// <summary>
    /// A member path read inside a method whose parameters or locals are <paramref name="hiding"/>:
    /// <c>this.Net.W1</c> when a parameter is named <c>Net</c>, else <c>Net.W1</c>.
    /// </summary>
    public static string Member(string path, IReadOnlyCollection<string> hiding)
    {
        var first = path.Split('.')[0];
        return (hiding.Contains(first) ? "this." : "") + Path(path);
    }

    /// <summary><paramref name="name"/>, or <c>__</c> + it when the user's names already use it (a loss parameter named <c>learningRateFactor</c>).</summary>
    public static string Free(string name, IEnumerable<string> userNames) =>
        userNames.Contains(name) ? Generated(name) : name;
}
