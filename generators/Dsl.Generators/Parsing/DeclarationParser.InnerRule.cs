using System.Collections.Generic;
using System.Linq;
using Dsl.Generators.Diagnostics;
using Microsoft.CodeAnalysis;

namespace Dsl.Generators.Parsing;

// ---- composed update rules: a field holding the rule this one wraps ----
internal sealed partial class DeclarationParser
{
    private const string UpdateRuleInterface = "Dsl.IUpdateRule";

    /// <summary>
    /// A field or property of an [UpdateRule] whose type is an update rule: <c>Dsl.IUpdateRule</c> itself, a class that
    /// implements it, or an [UpdateRule] class (whose generated half, implementing it, the semantic model does not see yet).
    /// </summary>
    private static bool IsInnerRuleMember(ISymbol member)
    {
        if (HasAttribute(member, StateAttribute) || MemberType(member) is not { } type) return false;
        return type.ToDisplayString().TrimEnd('?') == UpdateRuleInterface
            || type.AllInterfaces.Any(i => i.ToDisplayString() == UpdateRuleInterface)
            || HasAttribute(type, UpdateRuleAttribute);
    }

    /// <summary>The one instance member holding the inner rule, or null: none, or misdeclared (DSL0309).</summary>
    private string? InnerRuleField(List<ISymbol> members)
    {
        if (members.Count == 0) return null;
        if (members.Count > 1)
        {
            Report(DiagnosticCatalog.BadInnerRule, members[1].Locations.FirstOrDefault(), _type.Name,
                "it holds update rules in " + string.Join(", ", members.Select(m => "'" + m.Name + "'"))
                + ", but a rule wraps one inner rule; to chain several, let the inner rule wrap the next");
            return null;
        }
        var member = members[0];
        if (member.IsStatic)
        {
            Report(DiagnosticCatalog.BadInnerRule, member.Locations.FirstOrDefault(), _type.Name,
                "its inner rule '" + member.Name + "' is static; make it an instance field, so each instance of the rule wraps its own");
            return null;
        }
        if (member is IPropertySymbol { GetMethod: null })
        {
            Report(DiagnosticCatalog.BadInnerRule, member.Locations.FirstOrDefault(), _type.Name,
                "its inner rule '" + member.Name + "' is a property without a getter; the generated update reads it");
            return null;
        }
        return member.Name;
    }
}
