using System;
using Dsl.Generators.Parsing;

namespace Dsl.Generators.Ir;

// Conditions on run-time numbers and choices between numbers. Like the number arithmetic of
// NumberOps.cs they are emitted inline (Emit's EmitContext renders them as C# bool and double
// expressions) and never differentiated. A condition is a Number-kind value whose C# is a bool:
// lowering lets only conditions, choices and guarded effects read one.

/// <summary>A value that is true or false at run time (its C# is a <c>bool</c> expression).</summary>
internal abstract record ConditionOp : SourceOp
{
    public override ShapeResult InferShape(ShapeContext context) => ShapeResult.Number();
}

/// <summary><c>a == b</c>, <c>a &lt; b</c>, ... of two numbers.</summary>
internal sealed record NumberCompareOp(CompareOperator Operator) : ConditionOp
{
    public override string Name => "Compare";

    public string Symbol => ConditionSyntax.Symbol(Operator);

    public override string Math(Node node, Func<int, string> nameOf) => "(" + nameOf(node.Inputs[0]) + " " + Symbol + " " + nameOf(node.Inputs[1]) + ")";
}

/// <summary><c>a &amp;&amp; b</c>, <c>a || b</c> of two conditions (the right one is evaluated only when needed, as in C#).</summary>
internal sealed record LogicalOp(LogicalOperator Operator) : ConditionOp
{
    public override string Name => "Logical";

    public string Symbol => Operator == LogicalOperator.And ? "&&" : "||";

    public override string Math(Node node, Func<int, string> nameOf) => "(" + nameOf(node.Inputs[0]) + " " + Symbol + " " + nameOf(node.Inputs[1]) + ")";
}

/// <summary><c>!a</c> of a condition.</summary>
internal sealed record NotOp : ConditionOp
{
    public override string Name => "Not";

    public override string Math(Node node, Func<int, string> nameOf) => "!" + nameOf(node.Inputs[0]);
}

/// <summary><c>true</c> or <c>false</c> written as a condition.</summary>
internal sealed record ConditionConstantOp(bool Value) : ConditionOp
{
    public override string Name => "ConditionConstant";

    public override string Math(Node node, Func<int, string> nameOf) => Value ? "true" : "false";
}

/// <summary><c>c ? a : b</c> of two numbers (input 0 the condition): only the chosen one is evaluated.</summary>
internal sealed record NumberChooseOp : SourceOp
{
    public override string Name => "NumberChoose";

    public override ShapeResult InferShape(ShapeContext context) => ShapeResult.Number();

    public override string Math(Node node, Func<int, string> nameOf) =>
        "(" + nameOf(node.Inputs[0]) + " ? " + nameOf(node.Inputs[1]) + " : " + nameOf(node.Inputs[2]) + ")";
}
