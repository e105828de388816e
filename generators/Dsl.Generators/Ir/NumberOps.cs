using System;
using Dsl.Generators.Parsing;

namespace Dsl.Generators.Ir;

// Arithmetic on run-time numbers (hyperparameters): emitted inline as double expressions (Emit's
// EmitContext renders them), never differentiated (a number is never active).

/// <summary>a ∘ b for two numbers (<c>1 - Beta1</c>).</summary>
internal sealed record NumberArithmeticOp(BinaryOperator Operator) : SourceOp
{
    public override string Name => "NumberArithmetic";

    public override ShapeResult InferShape(ShapeContext context) => ShapeResult.Number();

    public string Symbol => Operator switch
    {
        BinaryOperator.Add => "+",
        BinaryOperator.Subtract => "-",
        BinaryOperator.Multiply => "*",
        _ => "/",
    };

    public override string Math(Node node, Func<int, string> nameOf) => nameOf(node.Inputs[0]) + " " + Symbol + " " + nameOf(node.Inputs[1]);
}

/// <summary>-a for a number.</summary>
internal sealed record NumberNegateOp : SourceOp
{
    public override string Name => "NumberNegate";

    public override ShapeResult InferShape(ShapeContext context) => ShapeResult.Number();

    public override string Math(Node node, Func<int, string> nameOf) => "-" + nameOf(node.Inputs[0]);
}

/// <summary>A numeric function of numbers: <c>Pow(Beta1, step)</c>, <c>Sqrt(x)</c>, ...</summary>
internal sealed record NumberFunctionOp(string Function) : SourceOp
{
    public override string Name => "NumberFunction";

    public override ShapeResult InferShape(ShapeContext context) => ShapeResult.Number();

    public override string Math(Node node, Func<int, string> nameOf)
    {
        var args = new string[node.Inputs.Count];
        for (var i = 0; i < args.Length; i++) args[i] = nameOf(node.Inputs[i]);
        return Function + "(" + string.Join(", ", args) + ")";
    }
}
