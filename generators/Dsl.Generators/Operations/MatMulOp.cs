using System;
using Dsl.Generators.Diagnostics;
using Dsl.Generators.Shapes;
using Dsl.Generators.Ir;

namespace Dsl.Generators.Operations;

/// <summary>
/// The 2-D matrix product op(a) · op(b), where op transposes when its flag is set. The backward
/// pass uses the flags instead of materializing transposes: for c = a · b, da = dc · bᵀ and db = aᵀ · dc.
/// </summary>
internal sealed record MatMulOp(bool TransposeA = false, bool TransposeB = false) : Op
{
    public override string Name => "MatMul";

    public override ShapeResult InferShape(ShapeContext context)
    {
        for (var i = 0; i < 2; i++)
        {
            if (context.IsNumber(i)) return ShapeResult.Fail(DiagnosticCatalog.ScalarWhereTensor, Name, context.Label(i));
            if (context.Shape(i).Rank != 2)
            {
                return ShapeResult.Fail(DiagnosticCatalog.Rank, Name, "2-D operands (matrices)", context.Label(i), context.Shape(i).ToString());
            }
        }
        var a = context.Shape(0);
        var b = context.Shape(1);
        var (m, k1) = TransposeA ? (a[1], a[0]) : (a[0], a[1]);
        var (k2, n) = TransposeB ? (b[1], b[0]) : (b[0], b[1]);
        if (!context.Unifier.Unify(k1, k2))
        {
            return ShapeResult.Fail(DiagnosticCatalog.MatMulInner, Written(context, 0, TransposeA), a.ToString(), Written(context, 1, TransposeB), b.ToString());
        }
        return ShapeResult.Tensor(SymShape.Of(context.Unifier.Resolve(m), context.Unifier.Resolve(n)));
    }

    private static string Written(ShapeContext context, int i, bool transposed) => context.Label(i) + (transposed ? "ᵀ" : "");

    public override void Differentiate(IGradientBuilder builder, Node node, int gradient)
    {
        var (a, b) = (node.Inputs[0], node.Inputs[1]);
        if (builder.IsActive(a))
        {
            // op(a) = g · op(b)ᵀ; when a itself is transposed, a = op(b) · gᵀ.
            var da = TransposeA
                ? builder.Add(new MatMulOp(TransposeB, true), builder.GradientName(a), b, gradient)
                : builder.Add(new MatMulOp(false, !TransposeB), builder.GradientName(a), gradient, b);
            builder.Accumulate(a, da);
        }
        if (builder.IsActive(b))
        {
            // op(b) = op(a)ᵀ · g; when b itself is transposed, b = gᵀ · op(a).
            var db = TransposeB
                ? builder.Add(new MatMulOp(true, TransposeA), builder.GradientName(b), gradient, a)
                : builder.Add(new MatMulOp(!TransposeA, false), builder.GradientName(b), a, gradient);
            builder.Accumulate(b, db);
        }
    }

    public override void Emit(IEmitContext context, Node node) =>
        context.MatMul(node, TransposeA, TransposeB);

    public override string Math(Node node, Func<int, string> nameOf) =>
        nameOf(node.Inputs[0]) + (TransposeA ? "ᵀ" : "") + " · " + nameOf(node.Inputs[1]) + (TransposeB ? "ᵀ" : "");
}
