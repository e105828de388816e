using System;
using Dsl.Generators.Diagnostics;
using Dsl.Generators.Parsing;
using Dsl.Generators.Shapes;
using Dsl.Generators.Ir;

namespace Dsl.Generators.Operations;

// Statements of a [Step] that change a model's parameters. They have no value and no buffer; they
// are emitted where they stand (node order is program order), and after one a parameter read gives
// a new version of the parameter (a new ParameterOp node), so a value computed from the old one
// can be told apart (DSL0204).

/// <summary><c>Net.W1 += value</c> (also <c>=</c>, <c>-=</c>, <c>*=</c>, <c>/=</c>): a plain tensor update of a parameter in place.</summary>
internal sealed record ParameterAssignOp(string Path, AssignOperator Operator) : EffectOp
{
    public override string Name => "Assign";

    public override ShapeResult InferShape(ShapeContext context)
    {
        var target = context.Shape(0);
        if (context.IsNumber(1)) return ShapeResult.Tensor(target);
        var value = context.Shape(1);
        var result = Broadcasting.Broadcast(context.Unifier, target, value, out var axis, out var left, out var right);
        var fits = result is not null && result.Rank == target.Rank;
        for (var i = 0; fits && i < target.Rank; i++) fits = context.Unifier.Unify(result![i], target[i]);
        if (!fits)
        {
            return ShapeResult.Fail(DiagnosticCatalog.Broadcast, "the assignment to " + Path, context.Label(0), target.ToString(), context.Label(1),
                value.ToString(), System.Math.Max(axis, 0).ToString(System.Globalization.CultureInfo.InvariantCulture),
                (left ?? Dim.Constant(0)).ToString(), (right ?? Dim.Constant(0)).ToString());
        }
        return ShapeResult.Tensor(target);
    }

    public override string Math(Node node, Func<int, string> nameOf) => Path + " " + Symbol + " " + nameOf(node.Inputs[1]);

    private string Symbol => Operator switch
    {
        AssignOperator.AddAssign => "+=",
        AssignOperator.SubtractAssign => "-=",
        AssignOperator.MultiplyAssign => "*=",
        AssignOperator.DivideAssign => "/=",
        _ => "=",
    };

    public override void Emit(IEmitContext context, Node node)
    {
        context.AssignParameter(Path, Operator, node.Inputs[1]);
    }
}

/// <summary><c>Optimizer.Apply(Net, gradients)</c>, for one parameter: the rule's fused update with the state it keeps for this parameter.</summary>
internal sealed record RuleApplyOp(string Rule, string Path, string StateField) : EffectOp
{
    public override string Name => "Apply";

    public override ShapeResult InferShape(ShapeContext context) => ShapeResult.Tensor(context.Shape(0));

    public override string Math(Node node, Func<int, string> nameOf) => Path + " ← " + Rule + "(" + Path + ", " + nameOf(node.Inputs[1]) + ")";

    public override void Emit(IEmitContext context, Node node) =>
        context.ApplyRule(Rule, StateField, Path, node.Inputs[1]);
}
