using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Dsl.Generators.Diagnostics;
using Dsl.Generators.Ir;
using Dsl.Generators.Operations;
using Dsl.Generators.Parsing;
using Dsl.Generators.Shapes;

namespace Dsl.Generators.Compile;

/// <summary>
/// Conditions on run-time numbers: comparisons and their logic become condition nodes (inline C#
/// bools), <c>c ? a : b</c> a choice node, and <c>if</c>/<c>else</c> is lowered as both branches in
/// turn, each from the values before it, then merged: every name the branches leave different is
/// a choice between its two values (SSA's φ), and a [Step]'s effects inside a branch are guarded by
/// the condition. A branch that returns takes the rest of the block as the other path.
/// </summary>
internal sealed partial class Lowering
{
    private bool IsCondition(int id) => Graph[id].Op is ConditionOp;

    /// <summary>A condition used where a number or a tensor is expected (DSL0003); false when <paramref name="id"/> is not one.</summary>
    private bool ReportConditionAsValue(int id, OperandLabel label, int loc, Scope scope)
    {
        if (!IsCondition(id)) return false;
        Report(DiagnosticCatalog.UnsupportedSyntax, scope.Location(loc),
            "Using the condition '" + label.Text + "' as a value (a condition chooses: 'c ? a : b', 'if (c) ...'; an elementwise mask is Where(Gt(x, y), a, b))", scope.Method);
        return true;
    }

    private int? LowerCondition(Expr expr, Scope scope)
    {
        switch (expr)
        {
            case CompareExpr compare:
            {
                var left = LowerExpression(compare.Left, scope);
                var right = LowerExpression(compare.Right, scope);
                if (left is null || right is null) return null;
                foreach (var side in new[] { left.Value, right.Value })
                {
                    if (Graph[side].Kind != ValueKind.Number)
                    {
                        ReportTensorCondition(compare, side, scope);
                        return null;
                    }
                }
                if (ReportConditionAsValue(left.Value, new ExpressionLabel(compare.Left), compare.Loc, scope)
                    || ReportConditionAsValue(right.Value, new ExpressionLabel(compare.Right), compare.Loc, scope)) return null;
                return Graph.Add(new NumberCompareOp(compare.Operator), [left.Value, right.Value], SymShape.Scalar, ValueKind.Number, "condition", NamePriority.Auto);
            }
            case LogicalExpr logical:
            {
                var left = LowerCondition(logical.Left, scope);
                var right = LowerCondition(logical.Right, scope);
                if (left is null || right is null) return null;
                return Graph.Add(new LogicalOp(logical.Operator), [left.Value, right.Value], SymShape.Scalar, ValueKind.Number, "condition", NamePriority.Auto);
            }
            case NotExpr not:
            {
                var operand = LowerCondition(not.Operand, scope);
                return operand is null ? null : Graph.Add(new NotOp(), [operand.Value], SymShape.Scalar, ValueKind.Number, "condition", NamePriority.Auto);
            }
            case BoolExpr constant:
                return Graph.Add(new ConditionConstantOp(constant.Value), [], SymShape.Scalar, ValueKind.Number, "condition", NamePriority.Auto);
            default:
            {
                var value = LowerExpression(expr, scope);
                if (value is null) return null;
                if (IsCondition(value.Value)) return value;
                if (Graph[value.Value].Kind == ValueKind.Tensor)
                {
                    ReportTensorCondition(expr, value.Value, scope);
                    return null;
                }
                Report(DiagnosticCatalog.UnsupportedSyntax, scope.Location(expr.Loc),
                    "The " + (Graph[value.Value].IsNumber ? "number" : "value") + " '" + AstPrinter.Print(expr) + "' as a condition (compare it: " + AstPrinter.Print(expr) + " != 0)", scope.Method);
                return null;
            }
        }
    }

    private void ReportTensorCondition(Expr condition, int tensor, Scope scope) =>
        Report(DiagnosticCatalog.TensorCondition, scope.Location(condition.Loc), "'" + AstPrinter.Print(condition) + "'", scope.Method,
            Unifier.Resolve(Graph[tensor].Shape).ToString());

    /// <summary><c>c ? a : b</c>.</summary>
    private int? LowerConditional(ConditionalExpr conditional, Scope scope)
    {
        var condition = LowerCondition(conditional.Condition, scope);
        var whenTrue = LowerExpression(conditional.WhenTrue, scope);
        var whenFalse = LowerExpression(conditional.WhenFalse, scope);
        if (condition is null || whenTrue is null || whenFalse is null) return null;
        return Choice(condition.Value, whenTrue.Value, whenFalse.Value, "'" + AstPrinter.Print(conditional) + "'",
            AstPrinter.Print(conditional.WhenTrue), AstPrinter.Print(conditional.WhenFalse), conditional.Loc, scope);
    }

    /// <summary>The value that is <paramref name="whenTrue"/> when the condition holds, else <paramref name="whenFalse"/>.</summary>
    private int? Choice(int condition, int whenTrue, int whenFalse, string what, string trueLabel, string falseLabel, int loc, Scope scope)
    {
        if (whenTrue == whenFalse) return whenTrue;
        var (a, b) = (Graph[whenTrue], Graph[whenFalse]);
        if (a.Kind == ValueKind.Gradients || b.Kind == ValueKind.Gradients || IsCondition(whenTrue) || IsCondition(whenFalse))
        {
            string Describe(Node node, string label) => (label.Length > 0 ? "'" + label + "' " : "")
                + (node.Kind == ValueKind.Gradients ? "(gradients)" : IsCondition(node.Id) ? "(a condition)" : node.IsNumber ? "(a number)" : "(a tensor " + Unifier.Resolve(node.Shape) + ")");
            Report(DiagnosticCatalog.BranchesDiffer, scope.Location(loc), what, Describe(a, trueLabel), Describe(b, falseLabel));
            return null;
        }
        if (a.IsNumber && b.IsNumber)
        {
            return Graph.Add(new NumberChooseOp(), [condition, whenTrue, whenFalse], SymShape.Scalar, ValueKind.Number, "number", NamePriority.Auto);
        }
        return AddNode(new ChooseOp(), [condition, whenTrue, whenFalse], [what, trueLabel, falseLabel], loc, scope);
    }

    /// <summary>
    /// <c>if (c) { ... } else { ... }</c>. Both branches are lowered from the values before the 'if';
    /// names they leave different become choices. When exactly one branch returns, the statements
    /// after the 'if' (from <paramref name="restStart"/>) are the rest of the other path, and the
    /// flow returned says so (the caller stops there).
    /// </summary>
    private Flow LowerIf(IfStmt statement, IReadOnlyList<Stmt> statements, int restStart, MethodSpec method, Scope scope, HashSet<string> locals, bool allowAssignments,
        Tail? tail)
    {
        // What runs after a branch that ends without returning: the rest of this block, then of the blocks around it.
        var after = new Tail(statements, restStart, tail);
        var condition = LowerCondition(statement.Condition, scope);
        if (condition is null) return Flow.Fail;
        var cond = condition.Value;
        var before = new Dictionary<string, int>(scope.Values, System.StringComparer.Ordinal);
        var partlyBefore = new Dictionary<string, int>(scope.PartlyAssigned, System.StringComparer.Ordinal);

        var thenLocals = new HashSet<string>(locals, System.StringComparer.Ordinal);
        var thenEffects = Effects.Count;
        var thenFlow = LowerBlock(Flatten(statement.Then).ToList(), 0, method, scope, thenLocals, allowAssignments, after);
        if (thenFlow.Failed) return Flow.Fail;
        GuardEffects(thenEffects, cond, whenTrue: true);
        var thenValues = new Dictionary<string, int>(scope.Values, System.StringComparer.Ordinal);
        var thenPartly = new Dictionary<string, int>(scope.PartlyAssigned, System.StringComparer.Ordinal);

        Restore(scope.Values, before);
        Restore(scope.PartlyAssigned, partlyBefore);
        var elseLocals = new HashSet<string>(locals, System.StringComparer.Ordinal);
        var elseEffects = Effects.Count;
        var elseFlow = LowerBlock(Flatten(statement.Else).ToList(), 0, method, scope, elseLocals, allowAssignments, after);
        if (elseFlow.Failed) return Flow.Fail;

        var label = "if (" + AstPrinter.Print(statement.Condition) + ")";
        if (thenFlow.Returned && elseFlow.Returned)
        {
            GuardEffects(elseEffects, cond, whenTrue: false);
            return Flow.Return(Choice(cond, thenFlow.Value!.Value, elseFlow.Value!.Value, "the value returned (" + label + ")", "", "", statement.Loc, scope));
        }
        if (!thenFlow.Returned && !elseFlow.Returned)
        {
            GuardEffects(elseEffects, cond, whenTrue: false);
            var elseValues = new Dictionary<string, int>(scope.Values, System.StringComparer.Ordinal);
            return Merge(statement, cond, before, thenValues, elseValues, thenPartly, scope.PartlyAssigned, scope, locals) ? Flow.Next : Flow.Fail;
        }

        // One branch returned: what follows the 'if' is the rest of the other branch's path.
        Flow rest;
        if (thenFlow.Returned)
        {
            rest = LowerRest(after, method, scope, elseLocals, allowAssignments);
            if (rest.Failed) return Flow.Fail;
            GuardEffects(elseEffects, cond, whenTrue: false);
        }
        else
        {
            GuardEffects(elseEffects, cond, whenTrue: false);
            Restore(scope.Values, thenValues);
            Restore(scope.PartlyAssigned, thenPartly);
            var restEffects = Effects.Count;
            rest = LowerRest(after, method, scope, thenLocals, allowAssignments);
            if (rest.Failed) return Flow.Fail;
            GuardEffects(restEffects, cond, whenTrue: true);
        }
        if (!rest.Returned)
        {
            Report(DiagnosticCatalog.UnsupportedSyntax, scope.Location(statement.Loc),
                "A 'return' in one branch of '" + label + "' while the other path reaches no 'return'", method.Name);
            return Flow.Fail;
        }
        var (whenTrue, whenFalse) = thenFlow.Returned ? (thenFlow.Value!.Value, rest.Value!.Value) : (rest.Value!.Value, elseFlow.Value!.Value);
        return Flow.Return(Choice(cond, whenTrue, whenFalse, "the value returned (" + label + ")", "", "", statement.Loc, scope));
    }

    /// <summary>The statements after an 'if' (<see cref="Tail.Statements"/> from <see cref="Tail.Start"/>), then those after each enclosing 'if', until one returns.</summary>
    private sealed record Tail(IReadOnlyList<Stmt> Statements, int Start, Tail? Outer);

    /// <summary>The path after a branch that returned on the other side: the rest of its block, then of each enclosing block, to a 'return'.</summary>
    private Flow LowerRest(Tail? tail, MethodSpec method, Scope scope, HashSet<string> locals, bool allowAssignments)
    {
        var flow = Flow.Next;
        for (; tail is not null && !flow.Returned && !flow.Failed; tail = tail.Outer)
        {
            flow = LowerBlock(tail.Statements, tail.Start, method, scope, locals, allowAssignments, tail.Outer);
        }
        return flow;
    }

    /// <summary>After both branches: each name they leave different is a choice; a declared local assigned by one branch only is remembered (DSL0028 if read).</summary>
    private bool Merge(IfStmt statement, int condition, Dictionary<string, int> before, Dictionary<string, int> thenValues, Dictionary<string, int> elseValues,
        Dictionary<string, int> thenPartly, Dictionary<string, int> elsePartly, Scope scope, HashSet<string> locals)
    {
        var label = "if (" + AstPrinter.Print(statement.Condition) + ")";
        var merged = new Dictionary<string, int>(before, System.StringComparer.Ordinal);
        var partly = new Dictionary<string, int>(thenPartly, System.StringComparer.Ordinal);
        foreach (var pair in elsePartly) partly[pair.Key] = pair.Value;
        var ok = true;
        foreach (var name in thenValues.Keys.Union(elseValues.Keys).OrderBy(n => n, System.StringComparer.Ordinal))
        {
            var inThen = thenValues.TryGetValue(name, out var whenTrue);
            var inElse = elseValues.TryGetValue(name, out var whenFalse);
            if (!before.ContainsKey(name))
            {
                // A local declared inside a branch ends with it; one declared before without a value must be assigned on both paths.
                if (!scope.Declared.Contains(name)) continue;
                if (!(inThen && inElse))
                {
                    partly[name] = statement.Loc;
                    continue;
                }
                locals.Add(name);
            }
            partly.Remove(name);
            if (whenTrue == whenFalse)
            {
                merged[name] = whenTrue;
                continue;
            }
            var choice = Choice(condition, whenTrue, whenFalse, "'" + name + "' (" + label + ")", "", "", statement.Loc, scope);
            if (choice is null)
            {
                ok = false;
                continue;
            }
            merged[name] = choice.Value;
            if (locals.Contains(name)) Graph.Rename(choice.Value, name + scope.NameSuffix, NamePriority.Local);
        }
        Restore(scope.Values, merged);
        Restore(scope.PartlyAssigned, partly);
        return ok;
    }

    /// <summary>The effects a branch added (from <paramref name="start"/>) run only when the condition is <paramref name="whenTrue"/>.</summary>
    private void GuardEffects(int start, int condition, bool whenTrue)
    {
        for (var i = start; i < Effects.Count; i++)
        {
            var node = Graph[Effects[i]];
            Graph.Replace(node with
            {
                Op = new GuardedEffectOp((EffectOp)node.Op, whenTrue),
                Inputs = node.Inputs.AsImmutableArray().Add(condition).ToEquatableArray(),
            });
        }
    }

    private static void Restore(Dictionary<string, int> target, Dictionary<string, int> source)
    {
        target.Clear();
        foreach (var pair in source) target[pair.Key] = pair.Value;
    }

    /// <summary><c>y = value;</c> for a local declared without a value (<c>Tensor y;</c>).</summary>
    private bool LowerFirstAssign(AssignStmt assign, MethodSpec method, Scope scope, HashSet<string> locals)
    {
        if (assign.Operator != AssignOperator.Assign)
        {
            Report(DiagnosticCatalog.UnsupportedSyntax, scope.Location(assign.Loc), "Updating '" + assign.Target + "' before it has a value", method.Name);
            return false;
        }
        var value = LowerExpression(assign.Value, scope);
        if (value is null) return false;
        locals.Add(assign.Target);
        scope.Values[assign.Target] = value.Value;
        scope.PartlyAssigned.Remove(assign.Target);
        Graph.Rename(value.Value, assign.Target + scope.NameSuffix, NamePriority.Local);
        return true;
    }

    /// <summary>A read of a local only one branch assigned (DSL0028); false when the name is not such a local.</summary>
    private bool ReportPartlyAssigned(NameExpr name, Scope scope)
    {
        if (!scope.PartlyAssigned.TryGetValue(name.Name, out var ifLoc)) return false;
        var at = scope.Location(ifLoc) is { } location ? "line " + (location.LineSpan.Start.Line + 1).ToString(CultureInfo.InvariantCulture) : "an earlier line";
        Report(DiagnosticCatalog.NotOnEveryPath, scope.Location(name.Loc), name.Name, scope.Method, at);
        return true;
    }
}
