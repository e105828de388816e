using System;
using System.Linq;
using Dsl.Generators.Diagnostics;
using Dsl.Generators.Shapes;
using Dsl.Generators.Ir;

namespace Dsl.Generators.Operations;

/// <summary>
/// The matrix product op(a) · op(b) of torch.matmul for operands of rank ≥ 2, where op swaps the last
/// two axes when its flag is set: [m, k] · [k, n] → [m, n], and the axes before the last two are
/// batch axes, broadcast against each other ([B, T, D] · [D, E] → [B, T, E]; [B, H, T, D] · [B, H, D, T]
/// → [B, H, T, T]). <see cref="Batched"/> is torch.bmm: two 3-D operands with one batch size, no broadcast.
/// The backward pass uses the flags instead of materializing transposes: for c = a · b, da = dc · bᵀ and
/// db = aᵀ · dc, each summed back over the batch axes its operand was broadcast along.
/// </summary>
internal sealed record MatMulOp(bool TransposeA = false, bool TransposeB = false, bool Batched = false) : Op
{
    public override string Name => Batched ? "Bmm" : "MatMul";

    public override ShapeResult InferShape(ShapeContext context)
    {
        for (var i = 0; i < 2; i++)
        {
            if (context.IsNumber(i)) return ShapeResult.Fail(DiagnosticCatalog.ScalarWhereTensor, Name, context.Label(i));
            var rank = context.Shape(i).Rank;
            if (Batched && rank != 3)
            {
                return ShapeResult.Fail(DiagnosticCatalog.Rank, Name, "3-D operands ([batch, rows, columns])", context.Label(i), context.Shape(i).ToString());
            }
            if (rank < 2)
            {
                return ShapeResult.Fail(DiagnosticCatalog.Rank, Name, "operands with at least 2 axes (matrices or batches of them)", context.Label(i),
                    context.Shape(i).ToString());
            }
        }
        var a = context.Shape(0);
        var b = context.Shape(1);
        var (m, k1) = TransposeA ? (a[a.Rank - 1], a[a.Rank - 2]) : (a[a.Rank - 2], a[a.Rank - 1]);
        var (k2, n) = TransposeB ? (b[b.Rank - 1], b[b.Rank - 2]) : (b[b.Rank - 2], b[b.Rank - 1]);
        if (!context.Unifier.Unify(k1, k2))
        {
            return ShapeResult.Fail(DiagnosticCatalog.MatMulInner, Written(context, 0, TransposeA), a.ToString(), Written(context, 1, TransposeB), b.ToString());
        }
        var batchA = new SymShape(a.Dims.Take(a.Rank - 2).ToEquatableArray());
        var batchB = new SymShape(b.Dims.Take(b.Rank - 2).ToEquatableArray());
        SymShape? batch;
        if (Batched)
        {
            batch = context.Unifier.Unify(batchA[0], batchB[0]) ? SymShape.Of(context.Unifier.Resolve(batchA[0])) : null;
            if (batch is null)
            {
                return ShapeResult.Fail(DiagnosticCatalog.Shapes, Name, "operands with one batch size", context.Label(0) + " is " + a + " and " + context.Label(1)
                    + " is " + b + " (batch " + batchA[0] + " vs " + batchB[0] + ")");
            }
        }
        else
        {
            batch = Broadcasting.Broadcast(context.Unifier, batchA, batchB, out var axis, out var left, out var right);
            if (batch is null)
            {
                return ShapeResult.Fail(DiagnosticCatalog.Broadcast, Name, context.Label(0), a.ToString(), context.Label(1), b.ToString(),
                    axis.ToString(System.Globalization.CultureInfo.InvariantCulture) + " of the batch axes", left!.ToString(), right!.ToString());
            }
        }
        return ShapeResult.Tensor(new SymShape(batch.Dims.Concat([context.Unifier.Resolve(m), context.Unifier.Resolve(n)]).ToEquatableArray()));
    }

    private static string Written(ShapeContext context, int i, bool transposed) => context.Label(i) + (transposed ? "ᵀ" : "");

    public override void Differentiate(IGradientBuilder builder, Node node, int gradient)
    {
        var (a, b) = (node.Inputs[0], node.Inputs[1]);
        if (builder.IsActive(a))
        {
            // op(a) = g · op(b)ᵀ; when a itself is transposed, a = op(b) · gᵀ.
            var da = TransposeA
                ? builder.Add(this with { TransposeA = TransposeB, TransposeB = true }, builder.GradientName(a), b, gradient)
                : builder.Add(this with { TransposeA = false, TransposeB = !TransposeB }, builder.GradientName(a), gradient, b);
            builder.AccumulateReduced(a, da);
        }
        if (builder.IsActive(b))
        {
            // op(b) = op(a)ᵀ · g; when b itself is transposed, b = gᵀ · op(a).
            var db = TransposeB
                ? builder.Add(this with { TransposeA = true, TransposeB = TransposeA }, builder.GradientName(b), gradient, a)
                : builder.Add(this with { TransposeA = !TransposeA, TransposeB = false }, builder.GradientName(b), a, gradient);
            builder.AccumulateReduced(b, db);
        }
    }

    public override void Emit(IEmitContext context, Node node)
    {
        var (a, b) = (node.Inputs[0], node.Inputs[1]);
        if (Batched)
        {
            context.Call("Bmm", EmitArg.Value(a), EmitArg.Value(b), EmitArg.Output(node), EmitArg.Bool(TransposeA), EmitArg.Bool(TransposeB));
        }
        else if (context.Node(a).Shape.Rank == 2 && context.Node(b).Shape.Rank == 2)
        {
            context.MatMul(node, TransposeA, TransposeB);
        }
        else
        {
            context.Call("MatMul", EmitArg.Value(a), EmitArg.Value(b), EmitArg.Output(node), EmitArg.Bool(TransposeA), EmitArg.Bool(TransposeB));
        }
    }

    public override string Math(Node node, Func<int, string> nameOf) =>
        nameOf(node.Inputs[0]) + (TransposeA ? "ᵀ" : "") + " · " + nameOf(node.Inputs[1]) + (TransposeB ? "ᵀ" : "");
}
