using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.Linq;
using Dsl.Generators.Autodiff;
using Dsl.Generators.Diagnostics;
using Dsl.Generators.Ir;
using Dsl.Generators.Operations;
using Dsl.Generators.Parsing;
using Dsl.Generators.Shapes;

namespace Dsl.Generators.Compile;

/// <summary>Statements: locals, reassignments, update assignments, and a [Step]'s effects (parameter assignments, rules applied).</summary>
internal sealed partial class Lowering
{
    // ---- bodies --------------------------------------------------------------------------------

    private int? LowerBody(MethodSpec method, Scope scope) => LowerStatements(method, scope, allowAssignments: false, requireReturn: true);

    private int? LowerStatements(MethodSpec method, Scope scope, bool allowAssignments, bool requireReturn, HashSet<string>? outerLocals = null)
    {
        var locals = new HashSet<string>(outerLocals ?? [], System.StringComparer.Ordinal);
        var flow = LowerBlock(Flatten(method.Body).ToList(), 0, method, scope, locals, allowAssignments);
        if (flow.Returned || flow.Failed) return flow.Value;
        if (requireReturn)
        {
            Report(DiagnosticCatalog.UnsupportedSyntax, scope.Location(method.Loc), "A body without 'return'", method.Name);
        }
        return null;
    }

    /// <summary>How a run of statements ended: it went on to its end, returned a value, or stopped at an error (reported).</summary>
    private readonly record struct Flow(bool Returned, bool Failed, int? Value)
    {
        public static Flow Next => default;

        public static Flow Fail => new(false, true, null);

        public static Flow Return(int? value) => value is null ? Fail : new(true, false, value);
    }

    /// <summary>Statements <paramref name="start"/>… of a block, in order; an 'if' may take the rest of the block as the path after its branch that does not return.</summary>
    private Flow LowerBlock(IReadOnlyList<Stmt> statements, int start, MethodSpec method, Scope scope, HashSet<string> locals, bool allowAssignments,
        Tail? tail = null)
    {
        for (var index = start; index < statements.Count; index++)
        {
            var statement = statements[index];
            switch (statement)
            {
                case IfStmt branch:
                {
                    var flow = LowerIf(branch, statements, index + 1, method, scope, locals, allowAssignments, tail);
                    if (flow.Returned || flow.Failed) return flow;
                    break;
                }
                case DeclareStmt declare:
                    scope.Declared.Add(declare.Name);
                    break;
                case AssignStmt assign when scope.Declared.Contains(assign.Target) && !locals.Contains(assign.Target):
                    if (!LowerFirstAssign(assign, method, scope, locals)) return Flow.Fail;
                    break;
                case LocalStmt local:
                {
                    var value = LowerExpression(local.Value, scope);
                    if (value is null) return Flow.Fail;
                    locals.Add(local.Name);
                    scope.Values[local.Name] = value.Value;
                    Graph.Rename(value.Value, local.Name + scope.NameSuffix, NamePriority.Local);
                    break;
                }
                case ReturnStmt ret:
                    return Flow.Return(LowerExpression(ret.Value, scope));
                case RuntimeForStmt loop:
                    if (!LowerRuntimeLoop(loop, method, scope, locals)) return Flow.Fail;
                    break;
                case AssignStmt assign when locals.Contains(assign.Target):
                {
                    // A local given a new value (h = Tanh(MatMul(h, W)) in a loop): later reads see it (SSA).
                    var value = LowerExpression(assign.Value, scope);
                    if (value is null) return Flow.Fail;
                    var current = scope.Values[assign.Target];
                    var next = assign.Operator == AssignOperator.Assign ? value.Value
                        : Graph[current].IsNumber && Graph[value.Value].IsNumber
                        ? Graph.Add(new NumberArithmeticOp(NumberOperator(assign.Operator)), [current, value.Value], SymShape.Scalar, ValueKind.Number, "number", NamePriority.Auto)
                        : AddNode(CompoundOp(assign.Operator), [current, value.Value], [assign.Target, new ExpressionLabel(assign.Value)], assign.Loc, scope);
                    if (next is null) return Flow.Fail;
                    scope.Values[assign.Target] = next.Value;
                    scope.PartlyAssigned.Remove(assign.Target);
                    Graph.Rename(next.Value, assign.Target + scope.NameSuffix, NamePriority.Local);
                    break;
                }
                case AssignStmt assign when allowAssignments && scope.NumberStates.Contains(assign.Target):
                    if (!LowerNumberStateAssign(assign, scope)) return Flow.Fail;
                    break;
                case AssignStmt assign when allowAssignments:
                {
                    if (!scope.Values.TryGetValue(assign.Target, out var current) || Graph[current].IsNumber)
                    {
                        Report(DiagnosticCatalog.UnsupportedSyntax, scope.Location(assign.Loc),
                            "Assigning '" + assign.Target + "' (an update may assign its parameter and its [State] tensors)", method.Name);
                        return Flow.Fail;
                    }
                    var value = LowerExpression(assign.Value, scope);
                    if (value is null) return Flow.Fail;
                    scope.Assignments.Add((assign.Target, assign.Operator, value.Value, assign.Loc));
                    // Later statements read the new value (SSA); the emitter writes it back in place.
                    scope.Values[assign.Target] = assign.Operator switch
                    {
                        AssignOperator.Assign => value.Value,
                        _ => AddNode(CompoundOp(assign.Operator), [current, value.Value], [assign.Target, "value"], assign.Loc, scope) ?? current,
                    };
                    break;
                }
                case AssignStmt assign when scope.Effects && assign.Target.Contains('.'):
                    if (!LowerParameterAssign(assign, scope)) return Flow.Fail;
                    break;
                case ApplyStmt apply when scope.Effects:
                    if (!LowerApply(apply, scope)) return Flow.Fail;
                    break;
                case ApplyStmt apply:
                    Report(DiagnosticCatalog.UnsupportedSyntax, scope.Location(apply.Loc),
                        "Applying " + string.Join(".", apply.Rule) + " (update rules are applied in a [Step] method)", method.Name);
                    return Flow.Fail;
                case AssignStmt assign:
                    Report(DiagnosticCatalog.UnsupportedSyntax, scope.Location(assign.Loc),
                        "Assigning '" + assign.Target + "' (a Forward or a loss computes values; declare a 'var' local instead"
                        + (assign.Target.Contains('.') ? "; parameters are updated in a [Step] method" : "") + ")", method.Name);
                    return Flow.Fail;
            }
        }
        return Flow.Next;
    }

    /// <summary>The statements in execution order, unrolled loops spliced in.</summary>
    private static IEnumerable<Stmt> Flatten(IEnumerable<Stmt> statements)
    {
        foreach (var statement in statements)
        {
            if (statement is BlockStmt block)
            {
                foreach (var inner in Flatten(block.Statements)) yield return inner;
            }
            else
            {
                yield return statement;
            }
        }
    }

    /// <summary>
    /// <c>weightSum += lr * lr</c> in an [Update] body: a number state takes a number (computed once per update,
    /// before the loop over the elements); a tensor value is DSL0308.
    /// </summary>
    private bool LowerNumberStateAssign(AssignStmt assign, Scope scope)
    {
        var value = LowerExpression(assign.Value, scope);
        if (value is null) return false;
        if (!Graph[value.Value].IsNumber)
        {
            Report(DiagnosticCatalog.BadNumberState, scope.Location(assign.Loc), assign.Target, scope.Rule,
                "it is assigned a tensor ('" + AstPrinter.Print(assign.Value) + "'), but a number state holds one number per parameter; "
                + "assign a number (of hyperparameters, 'step' and other numbers), or declare the state 'Tensor' for one value per element");
            return false;
        }
        var current = scope.Values[assign.Target];
        var next = assign.Operator == AssignOperator.Assign ? value.Value
            : Graph.Add(new NumberArithmeticOp(NumberOperator(assign.Operator)), [current, value.Value], SymShape.Scalar, ValueKind.Number, assign.Target, NamePriority.Auto);
        scope.Assignments.Add((assign.Target, assign.Operator, next, assign.Loc));
        scope.Values[assign.Target] = next;
        return true;
    }

    private static BinaryOperator NumberOperator(AssignOperator op) => op switch
    {
        AssignOperator.AddAssign => BinaryOperator.Add,
        AssignOperator.SubtractAssign => BinaryOperator.Subtract,
        AssignOperator.MultiplyAssign => BinaryOperator.Multiply,
        _ => BinaryOperator.Divide,
    };

    private static Op CompoundOp(AssignOperator op) => op switch
    {
        AssignOperator.AddAssign => new AddOp(),
        AssignOperator.SubtractAssign => new SubOp(),
        AssignOperator.MultiplyAssign => new MulOp(),
        _ => new DivOp(),
    };


    /// <summary><c>Net.W1 += value</c> in a [Step]: an in-place update of a parameter (a Hebbian rule, an EMA, a running statistic).</summary>
    private bool LowerParameterAssign(AssignStmt assign, Scope scope)
    {
        var path = assign.Target.Split('.').ToImmutableArray();
        var instance = ResolveInstance(path, path.Length - 1, scope);
        if (instance is null || !instance.Spec.Params.Any(p => p.Name == path[path.Length - 1]))
        {
            Report(DiagnosticCatalog.BadStep, scope.Location(assign.Loc), assign.Target, scope.Method, "only a model parameter (Net.W1) can be assigned");
            return false;
        }
        var parameterPath = instance.Receiver + path[path.Length - 1];
        var current = ParameterNode(parameterPath);
        var value = LowerExpression(assign.Value, scope);
        if (value is null) return false;
        var effect = AddNode(new ParameterAssignOp(parameterPath, assign.Operator), [current, value.Value], [assign.Target, new ExpressionLabel(assign.Value)], assign.Loc, scope);
        if (effect is null) return false;
        Effects.Add(effect.Value);
        NewVersion(parameterPath);
        return true;
    }

    /// <summary><c>Optimizer.Apply(Net, gradients)</c> in a [Step]: the rule applied to every parameter of the set (one state per rule and parameter).</summary>
    private bool LowerApply(ApplyStmt apply, Scope scope)
    {
        var rule = string.Join(".", apply.Rule);
        if (apply.Rule.Count != 1 || !Rules.TryGetValue(rule, out var statePrefix))
        {
            Report(DiagnosticCatalog.BadStep, scope.Location(apply.Loc), rule + ".Apply", scope.Method,
                "'" + rule + "' is not an update-rule field of the experiment" + (Rules.Count > 0 ? " (its update rules: " + string.Join(", ", Rules.Keys) + ")" : ""));
            return false;
        }
        if (apply.Arguments.Count != 2 || ModelOf(apply.Arguments[0], scope) is not { } model)
        {
            Report(DiagnosticCatalog.BadStep, scope.Location(apply.Loc), rule + ".Apply", scope.Method, "write " + rule + ".Apply(model, Grad(loss, model)) with a model field");
            return false;
        }
        var gradients = LowerExpression(apply.Arguments[1], scope);
        if (gradients is null) return false;
        if (Graph[gradients.Value].Op is not GradientSetOp set)
        {
            Report(DiagnosticCatalog.BadStep, scope.Location(apply.Loc), rule + ".Apply", scope.Method, "the second argument must be Grad(loss, " + model.Path + ")");
            return false;
        }
        if (!set.Paths.All(p => p.StartsWith(model.Receiver, System.StringComparison.Ordinal)))
        {
            Report(DiagnosticCatalog.BadStep, scope.Location(apply.Loc), rule + ".Apply", scope.Method,
                "the gradients are those of " + set.Model + ", not of " + model.Path);
            return false;
        }
        var gradientNodes = Graph[gradients.Value].Inputs;
        for (var i = 0; i < set.Paths.Count; i++)
        {
            var parameter = set.Paths[i];
            var stateField = Naming.Join(statePrefix, Naming.FromPath(parameter));
            if (!RuleStates.Any(r => r.Rule == rule && r.Parameter == parameter)) RuleStates.Add((rule, parameter, stateField));
            var info = Parameters.First(p => p.Path == parameter);
            Effects.Add(Graph.Add(new RuleApplyOp(rule, parameter, stateField), [ParameterNode(parameter), gradientNodes[i]], info.Shape, ValueKind.Tensor, "apply", NamePriority.Auto));
            NewVersion(parameter);
        }
        return true;
    }

    /// <summary>After an effect on a parameter, later reads see a new version of it (the same tensor, updated).</summary>
    private void NewVersion(string path)
    {
        var info = Parameters.First(p => p.Path == path);
        var previous = (ParameterOp)Graph[_parameterNodes[path]].Op;
        _parameterNodes[path] = Graph.Add(previous with { Version = previous.Version + 1 }, [], info.Shape, ValueKind.Tensor, Graph[_parameterNodes[path]].Name, NamePriority.Fixed);
    }

    /// <summary>A [Differentiable] function's body lowered in place, its parameters bound to the arguments.</summary>
}
