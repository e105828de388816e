using System.Collections.Generic;
using System.Linq;
using Dsl.Generators.Diagnostics;
using Dsl.Generators.Parsing;

namespace Dsl.Generators.Compile;

/// <summary>
/// A rule that wraps another (<c>public IUpdateRule Inner = new AdamW();</c>) ends its [Update] body with
/// <c>Inner.Apply(param, ĝ, step)</c>: what comes before is its own elementwise loop (its state, and ĝ), and the
/// inner rule then updates the parameter from ĝ with its own state. This checks the body's shape (one
/// application, last, with the rule's own parameter and step; the parameter not assigned) and rewrites the
/// application as an assignment of ĝ to <see cref="UpdateRulePlan.InnerGradientTarget"/>, so the loop is lowered
/// and planned as any other rule's and writes ĝ where the inner rule reads it.
/// </summary>
internal static class InnerRuleComposition
{
    /// <summary>The body to lower (rewritten when the rule wraps another), or null when the body misuses composition (reported).</summary>
    public static MethodSpec? Prepare(UpdateRuleSpec spec, MethodSpec method, List<DiagnosticInfo> diagnostics)
    {
        var applies = new List<(ApplyStmt Apply, bool TopLevel)>();
        var parameterAssignments = new List<AssignStmt>();
        var parameterName = method.Parameters[0].Name;
        Walk(method.Body, topLevel: true, applies, parameterAssignments, parameterName);
        var before = diagnostics.Count;
        if (spec.InnerRule is not { } inner)
        {
            foreach (var (apply, _) in applies)
            {
                Report(diagnostics, DiagnosticCatalog.BadInnerRule, spec, apply.Loc, spec.Name,
                    "'" + string.Join(".", apply.Rule) + ".Apply' hands the gradient to an inner rule, but the rule holds none; declare the rule it wraps "
                    + "as a field ('public IUpdateRule Inner = new AdamW();') and apply that");
            }
            return diagnostics.Count > before ? null : method;
        }

        var stepName = method.Parameters[2].Name;
        if (applies.Count == 0)
        {
            Report(diagnostics, DiagnosticCatalog.InnerRuleNotApplied, spec, method.Loc, spec.Name, inner, parameterName, stepName);
            return null;
        }
        var call = inner + ".Apply";
        var usage = "write '" + inner + ".Apply(" + parameterName + ", gradient, " + stepName + ")': the rule's parameter, the gradient the inner rule steps on, and the step";
        for (var i = 0; i < applies.Count; i++)
        {
            var (apply, topLevel) = applies[i];
            var name = string.Join(".", apply.Rule);
            string? problem =
                name != inner ? "'" + name + "' is not the rule's inner rule ('" + inner + "'); a rule applies only the rule it wraps"
                : i > 0 ? "the inner rule is applied more than once; apply it once, as the body's last statement"
                : !topLevel ? "the inner rule is applied inside an 'if' or a loop; apply it once, as the body's last statement (choose the gradient with '?:' instead)"
                : !ReferenceEquals(method.Body[method.Body.Count - 1], apply) ? "statements follow it; the inner rule's update ends the body, so put them before it"
                : apply.Arguments.Count != 3 || !IsName(apply.Arguments[0], parameterName) || !IsName(apply.Arguments[2], stepName) ? usage
                : null;
            if (problem is not null) Report(diagnostics, DiagnosticCatalog.BadInnerApply, spec, apply.Loc, name + ".Apply", spec.Name, problem);
        }
        foreach (var assign in parameterAssignments)
        {
            Report(diagnostics, DiagnosticCatalog.ParameterAssignedWithInner, spec, assign.Loc, parameterName, spec.Name, inner,
                "fold the change into the gradient handed on: " + call + "(" + parameterName + ", ĝ, " + stepName + ")");
        }
        if (diagnostics.Count > before) return null;

        var last = applies[0].Apply;
        var body = method.Body.Take(method.Body.Count - 1)
            .Append(new AssignStmt(UpdateRulePlan.InnerGradientTarget, AssignOperator.Assign, last.Arguments[1], last.Loc));
        return method with { Body = body.ToImmutableArrayOf() };
    }

    private static void Walk(IEnumerable<Stmt> statements, bool topLevel, List<(ApplyStmt, bool)> applies, List<AssignStmt> parameterAssignments, string parameter)
    {
        foreach (var statement in statements)
        {
            switch (statement)
            {
                case ApplyStmt apply:
                    applies.Add((apply, topLevel));
                    break;
                case AssignStmt assign when assign.Target == parameter:
                    parameterAssignments.Add(assign);
                    break;
                case IfStmt branch:
                    Walk(branch.Then, false, applies, parameterAssignments, parameter);
                    Walk(branch.Else, false, applies, parameterAssignments, parameter);
                    break;
                case BlockStmt block:
                    Walk(block.Statements, false, applies, parameterAssignments, parameter);
                    break;
                case RuntimeForStmt loop:
                    Walk(loop.Body, false, applies, parameterAssignments, parameter);
                    break;
            }
        }
    }

    private static bool IsName(Expr expression, string name) => expression is NameExpr named && named.Name == name;

    private static EquatableArray<Stmt> ToImmutableArrayOf(this IEnumerable<Stmt> statements) => System.Collections.Immutable.ImmutableArray.CreateRange(statements);

    private static void Report(List<DiagnosticInfo> diagnostics, Microsoft.CodeAnalysis.DiagnosticDescriptor descriptor, UpdateRuleSpec spec, int loc, params string[] arguments) =>
        diagnostics.Add(DiagnosticInfo.Create(descriptor, loc >= 0 && loc < spec.Locations.Count ? spec.Locations[loc] : null, arguments));
}
