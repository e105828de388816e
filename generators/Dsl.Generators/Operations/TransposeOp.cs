using System;
using Dsl.Generators.Diagnostics;
using Dsl.Generators.Shapes;
using Dsl.Generators.Ir;

namespace Dsl.Generators.Operations;

/// <summary>
/// xᵀ for a matrix: [m, n] → [n, m], copied into its buffer. A transpose that feeds a MatMul never
/// gets here: lowering folds it into the product's transpose flags (no copy).
/// </summary>
internal sealed record TransposeOp : Op
{
    public override string Name => "Transpose";

    public override ShapeResult InferShape(ShapeContext context)
    {
        if (context.IsNumber(0)) return ShapeResult.Fail(DiagnosticCatalog.ScalarWhereTensor, Name, context.Label(0));
        var x = context.Shape(0);
        if (x.Rank != 2) return ShapeResult.Fail(DiagnosticCatalog.Rank, Name, "a 2-D operand (a matrix)", context.Label(0), x.ToString());
        return ShapeResult.Tensor(SymShape.Of(x[1], x[0]));
    }

    public override void Differentiate(IGradientBuilder builder, Node node, int gradient) =>
        builder.Accumulate(node.Inputs[0], builder.Add(new TransposeOp(), builder.GradientName(node.Inputs[0]), gradient));

    public override void Emit(IEmitContext context, Node node) => context.Kernel("Transpose", node);

    public override string Math(Node node, Func<int, string> nameOf) => nameOf(node.Inputs[0]) + "ᵀ";
}
