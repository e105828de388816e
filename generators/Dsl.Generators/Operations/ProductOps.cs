using System;
using System.Linq;
using Dsl.Generators.Diagnostics;
using Dsl.Generators.Ir;
using Dsl.Generators.Shapes;

namespace Dsl.Generators.Operations;

/// <summary>
/// <c>Linear(x, weight, bias?)</c> as torch.nn.functional.linear: x · weightᵀ + bias with x [..., in],
/// weight [out, in] (torch's layout) and bias [out]; the result is [..., out]. One runtime call
/// (<c>Kernels.Linear</c>). Backward through products: dx = g · weight, dweight = gᵀ · x summed
/// over x's batch axes, dbias = g summed over all but the last axis.
/// </summary>
internal sealed record LinearOp(bool HasBias) : Op
{
    public override string Name => "Linear";

    public override ShapeResult InferShape(ShapeContext context)
    {
        for (var i = 0; i < context.Count; i++)
        {
            if (context.IsNumber(i)) return ShapeResult.Fail(DiagnosticCatalog.ScalarWhereTensor, Name, context.Label(i));
        }
        var (x, weight) = (context.Shape(0), context.Shape(1));
        if (x.Rank < 2) return ShapeResult.Fail(DiagnosticCatalog.Rank, Name, "an input with at least 2 axes ([batch, in])", context.Label(0), x.ToString());
        if (weight.Rank != 2) return ShapeResult.Fail(DiagnosticCatalog.Rank, Name, "a 2-D weight ([out, in])", context.Label(1), weight.ToString());
        if (!context.Unifier.Unify(x[x.Rank - 1], weight[1]))
        {
            return ShapeResult.Fail(DiagnosticCatalog.Shapes, Name, "the input's last size to be the weight's second ([out, in])",
                context.Label(0) + " is " + x + " and " + context.Label(1) + " is " + weight);
        }
        var output = context.Unifier.Resolve(weight[0]);
        if (HasBias)
        {
            var bias = context.Shape(2);
            if (bias.Rank != 1 || !context.Unifier.Unify(bias[0], output))
            {
                return ShapeResult.Fail(DiagnosticCatalog.Shapes, Name, "a bias of the weight's first size ([out])",
                    context.Label(1) + " is " + weight + " and " + context.Label(2) + " is " + bias);
            }
        }
        return ShapeResult.Tensor(context.Unifier.Resolve(new SymShape(x.Dims.Take(x.Rank - 1).Append(output).ToEquatableArray())));
    }

    public override void Differentiate(IGradientBuilder builder, Node node, int gradient)
    {
        var (x, weight) = (node.Inputs[0], node.Inputs[1]);
        if (builder.IsActive(x)) builder.Accumulate(x, builder.Add(new MatMulOp(), builder.GradientName(x), gradient, weight));
        if (builder.IsActive(weight)) builder.AccumulateReduced(weight, builder.Add(new MatMulOp(TransposeA: true), builder.GradientName(weight), gradient, x));
        if (HasBias) builder.AccumulateReduced(node.Inputs[2], gradient);
    }

    public override void Emit(IEmitContext context, Node node) =>
        context.Call("Linear", EmitArg.Value(node.Inputs[0]), EmitArg.Value(node.Inputs[1]), HasBias ? EmitArg.Value(node.Inputs[2]) : EmitArg.Null, EmitArg.Output(node));

    public override string Math(Node node, Func<int, string> nameOf) =>
        nameOf(node.Inputs[0]) + " · " + nameOf(node.Inputs[1]) + "ᵀ" + (HasBias ? " + " + nameOf(node.Inputs[2]) : "");
}

/// <summary>
/// <c>Addmm(bias, a, b, beta = 1, alpha = 1)</c> as torch.addmm: β · bias + α · (a · b) for matrices
/// a [m, k], b [k, n] and a bias that broadcasts to [m, n]; one GEMM with the bias as its C operand.
/// Backward: dbias = β · g summed over the broadcast axes, da = α · g · bᵀ, db = α · aᵀ · g.
/// </summary>
internal sealed record AddmmOp(double Beta, double Alpha) : Op
{
    public override string Name => "Addmm";

    public override ShapeResult InferShape(ShapeContext context)
    {
        for (var i = 0; i < 3; i++)
        {
            if (context.IsNumber(i)) return ShapeResult.Fail(DiagnosticCatalog.ScalarWhereTensor, Name, context.Label(i));
        }
        var (bias, a, b) = (context.Shape(0), context.Shape(1), context.Shape(2));
        for (var i = 1; i < 3; i++)
        {
            if (context.Shape(i).Rank != 2) return ShapeResult.Fail(DiagnosticCatalog.Rank, Name, "2-D operands (matrices)", context.Label(i), context.Shape(i).ToString());
        }
        if (!context.Unifier.Unify(a[1], b[0]))
        {
            return ShapeResult.Fail(DiagnosticCatalog.MatMulInner, context.Label(1), a.ToString(), context.Label(2), b.ToString());
        }
        var product = context.Unifier.Resolve(SymShape.Of(a[0], b[1]));
        var joined = Broadcasting.Broadcast(context.Unifier, bias, product, out var axis, out var left, out var right);
        if (joined is null || joined.Rank != 2 || !context.Unifier.AreSame(joined[0], product[0]) || !context.Unifier.AreSame(joined[1], product[1]))
        {
            return ShapeResult.Fail(DiagnosticCatalog.Shapes, Name, "a bias that broadcasts to the product's shape",
                context.Label(0) + " is " + bias + " and the product " + context.Label(1) + " · " + context.Label(2) + " is " + product);
        }
        return ShapeResult.Tensor(product);
    }

    /// <summary>g scaled by a constant (no node when it is 1).</summary>
    private static int Scaled(IGradientBuilder builder, int value, double factor, string name) =>
        factor == 1 ? value : builder.Add(new MulOp(), name, value, builder.Number(factor));

    public override void Differentiate(IGradientBuilder builder, Node node, int gradient)
    {
        var (bias, a, b) = (node.Inputs[0], node.Inputs[1], node.Inputs[2]);
        if (builder.IsActive(bias)) builder.AccumulateReduced(bias, Scaled(builder, gradient, Beta, builder.GradientName(bias)));
        if (builder.IsActive(a)) builder.Accumulate(a, Scaled(builder, builder.Add(new MatMulOp(TransposeB: true), builder.GradientName(a), gradient, b), Alpha, builder.GradientName(a)));
        if (builder.IsActive(b)) builder.Accumulate(b, Scaled(builder, builder.Add(new MatMulOp(TransposeA: true), builder.GradientName(b), a, gradient), Alpha, builder.GradientName(b)));
    }

    public override void Emit(IEmitContext context, Node node) =>
        context.Call("Addmm", EmitArg.Value(node.Inputs[0]), EmitArg.Value(node.Inputs[1]), EmitArg.Value(node.Inputs[2]), EmitArg.Output(node),
            EmitArg.Double(Beta), EmitArg.Double(Alpha), EmitArg.Bool(false), EmitArg.Bool(false));

    public override string Math(Node node, Func<int, string> nameOf) =>
        Coefficient(Beta) + nameOf(node.Inputs[0]) + " + " + Coefficient(Alpha) + nameOf(node.Inputs[1]) + " · " + nameOf(node.Inputs[2]);

    private static string Coefficient(double value) => value == 1 ? "" : value.ToString("R", System.Globalization.CultureInfo.InvariantCulture) + " · ";
}
