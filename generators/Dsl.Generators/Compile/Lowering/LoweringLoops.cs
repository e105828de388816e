using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Dsl.Generators.Diagnostics;
using Dsl.Generators.Ir;
using Dsl.Generators.Operations;
using Dsl.Generators.Parsing;
using Dsl.Generators.Shapes;

namespace Dsl.Generators.Compile;

/// <summary>
/// Run-time loops (docs/ARCHITECTURE-generator.md, "Run-time loops"): the body is lowered in place, as
/// one iteration reading the loop variable and the carried values as sources; the nodes that depend on
/// those sources become the loop's body graph, the others stay outside (computed once, before the loop).
/// </summary>
internal sealed partial class Lowering
{
    private int _loops;

    private bool LowerRuntimeLoop(RuntimeForStmt loop, MethodSpec method, Scope scope, HashSet<string> locals)
    {
        var bound = LowerExpression(loop.Bound, scope);
        if (bound is null) return false;
        if (!Graph[bound.Value].IsNumber)
        {
            Report(DiagnosticCatalog.LoopBound, scope.Location(loop.Bound.Loc), loop.Text, scope.Method, AstPrinter.Print(loop.Bound),
                "a tensor of shape " + Unifier.Resolve(Graph[bound.Value].Shape));
            return false;
        }

        // The locals the body assigns are carried from one iteration to the next; the body may assign nothing else.
        var carried = new List<string>();
        var declared = new HashSet<string>(System.StringComparer.Ordinal);
        foreach (var statement in Flatten(loop.Body))
        {
            switch (statement)
            {
                case LocalStmt local:
                    declared.Add(local.Name);
                    break;
                case AssignStmt assign when declared.Contains(assign.Target):
                    break;
                case AssignStmt assign when locals.Contains(assign.Target):
                    if (!carried.Contains(assign.Target)) carried.Add(assign.Target);
                    break;
                case AssignStmt or ApplyStmt:
                    Report(DiagnosticCatalog.UnsupportedLoop, scope.Location(statement.Loc), "'" + (statement is AssignStmt a ? a.Target : "Apply") + "' assigned in the loop '" + loop.Text + "'",
                        scope.Method, "a run-time loop's body computes values and assigns its own locals and those declared before the loop; parameters, state and rules are updated outside it");
                    return false;
            }
        }
        foreach (var name in carried)
        {
            var initial = Graph[scope.Values[name]];
            if (initial.Kind != ValueKind.Tensor)
            {
                Report(DiagnosticCatalog.LoopCarry, scope.Location(loop.Loc), loop.Text, scope.Method, name, "a number", "assigned in the body");
                return false;
            }
        }

        var number = ++_loops;
        var start = Graph.Count;
        var outer = new Dictionary<string, int>(scope.Values, System.StringComparer.Ordinal);
        var index = Graph.Add(new LoopIndexOp(number, loop.Variable), [], SymShape.Scalar, ValueKind.Number, loop.Variable, NamePriority.Fixed);
        var carryIn = new int[carried.Count];
        for (var k = 0; k < carried.Count; k++)
        {
            carryIn[k] = Graph.Add(new LoopCarryOp(number, k, carried[k]), [], Graph[outer[carried[k]]].Shape, ValueKind.Tensor, carried[k], NamePriority.Fixed);
            scope.Values[carried[k]] = carryIn[k];
        }
        scope.Values[loop.Variable] = index;
        var reported = _diagnostics.Count;
        LowerStatements(method with { Body = loop.Body }, scope, allowAssignments: false, requireReturn: false, locals);
        var carryOut = carried.Select(c => scope.Values[c]).ToArray();
        scope.Values.Clear();
        foreach (var pair in outer) scope.Values[pair.Key] = pair.Value;
        if (_diagnostics.Count > reported || Incomplete || SizesDeferred) return false;

        for (var k = 0; k < carried.Count; k++)
        {
            var before = Unifier.Resolve(Graph[carryIn[k]].Shape);
            var after = Graph[carryOut[k]];
            if (after.Kind != ValueKind.Tensor || !before.Equals(Unifier.Resolve(after.Shape)))
            {
                Report(DiagnosticCatalog.LoopCarry, scope.Location(loop.Loc), loop.Text, scope.Method, carried[k], before.ToString(),
                    after.IsNumber ? "a number" : Unifier.Resolve(after.Shape).ToString());
                return false;
            }
        }

        // The body: the nodes made since the loop began that depend on the loop variable or a carried value.
        var end = Graph.Count;
        var inBody = new bool[end - start];
        for (var id = start; id < end; id++)
        {
            inBody[id - start] = id == index || carryIn.Contains(id) || Graph[id].Inputs.Any(i => i >= start && inBody[i - start]);
        }
        var body = new Graph();
        var map = new Dictionary<int, int>();
        var captured = new List<int>();
        int Map(int id)
        {
            if (map.TryGetValue(id, out var mapped)) return mapped;
            var node = Graph[id];
            // A number is shown by its value or expression (Leak, (1 - Leak)) in the body's comments, as outside the loop.
            var display = node.IsNumber ? MathNames.Of(Graph.Nodes)(id) : node.Name;
            var input = body.Add(new LoopInputOp(captured.Count, display), [], node.Shape, node.Kind, node.Name, NamePriority.Fixed);
            captured.Add(id);
            return map[id] = input;
        }
        for (var id = start; id < end; id++)
        {
            if (!inBody[id - start]) continue;
            var node = Graph[id];
            var inputs = node.Inputs.Select(Map).ToArray();
            map[id] = body.Add(node.Op, inputs, node.Shape, node.Kind, node.Name, node.NamePriority);
        }
        var bodyOut = carryOut.Select(Map).ToArray();
        var bodyRecord = new LoopBody(body.Nodes.ToEquatableArray(), map[index], carryIn.Select(c => map[c]).ToEquatableArray(), bodyOut.ToEquatableArray(),
            Enumerable.Range(0, captured.Count).Select(j => map[captured[j]]).ToEquatableArray());
        var op = new LoopOp(number, loop.Variable, loop.Start, loop.Text, carried.ToEquatableArray(), bodyRecord);
        var loopInputs = new List<int> { bound.Value };
        loopInputs.AddRange(carried.Select(c => outer[c]));
        loopInputs.AddRange(captured);
        var loopNode = Graph.Add(op, loopInputs, SymShape.Scalar, ValueKind.Tensor, "loop", NamePriority.Auto);
        for (var k = 0; k < carried.Count; k++)
        {
            var shape = Graph[outer[carried[k]]].Shape;
            var result = Graph.Add(new LoopResultOp(k, carried[k], shape), [loopNode], shape, ValueKind.Tensor, carried[k] + scope.NameSuffix, NamePriority.Local);
            scope.Values[carried[k]] = result;
        }
        return true;
    }

    /// <summary><c>x.Size(axis)</c>, and <c>Select(x, dim, t)</c> at a position known only when the step runs.</summary>
    private int? LowerLoopCall(CallExpr call, Scope scope)
    {
        if (call.Arguments.Count < 2) return null;
        var x = LowerExpression(call.Arguments[0], scope);
        if (x is null) return null;
        if (Graph[x.Value].IsNumber)
        {
            Report(DiagnosticCatalog.ScalarWhereTensor, scope.Location(call.Loc), call.Function, AstPrinter.Print(call.Arguments[0]));
            return null;
        }
        var shape = Unifier.Resolve(Graph[x.Value].Shape);
        var axis = ConstantDim(call.Arguments[1], scope);
        if (axis is not { IsConstant: true } || axis.Value < -shape.Rank || axis.Value >= shape.Rank)
        {
            Report(DiagnosticCatalog.BadArgument, scope.Location(call.Arguments[1].Loc), call.Function,
                "the axis must be a constant integer inside " + AstPrinter.Print(call.Arguments[0]) + "'s " + shape.Rank + " axes, but is '" + AstPrinter.Print(call.Arguments[1]) + "'");
            return null;
        }
        var normalized = (int)(axis.Value < 0 ? axis.Value + shape.Rank : axis.Value);
        if (call.Function == "Size")
        {
            return shape[normalized].IsConstant
                ? Number(shape[normalized].Value)
                : Graph.Add(new SizeOfOp(normalized), [x.Value], SymShape.Scalar, ValueKind.Number, "size", NamePriority.Auto);
        }
        var position = LowerExpression(call.Arguments[2], scope);
        if (position is null) return null;
        if (!Graph[position.Value].IsNumber)
        {
            Report(DiagnosticCatalog.BadArgument, scope.Location(call.Arguments[2].Loc), call.Function,
                "the position must be a number (a constant or a loop variable), but '" + AstPrinter.Print(call.Arguments[2]) + "' is a tensor");
            return null;
        }
        return AddNode(new SelectAtOp(normalized), [x.Value, position.Value], [new ExpressionLabel(call.Arguments[0]), new ExpressionLabel(call.Arguments[2])], call.Loc, scope);
    }

    /// <summary><c>Select(x, dim, t)</c> whose position is not a compile-time constant (a loop variable).</summary>
    private bool RuntimePosition(CallExpr call, Scope scope) =>
        call.Arguments.Count == 3 && call.Arguments.All(a => a is not NamedExpr) && ConstantDim(call.Arguments[2], scope) is null;

    /// <summary>DSL0205 for a derivative through a run-time loop's reversed loop, DSL0202 for other ops without a second derivative.</summary>
    private void ReportMissingDerivative(MissingDerivativeException missing, LocationInfo? location, string grad)
    {
        if (missing is LoopSecondDerivativeException) Report(DiagnosticCatalog.LoopSecondDerivative, location, grad);
        else Report(DiagnosticCatalog.NoSecondDerivative, location, grad, missing.Op);
    }
}
