using System;
using System.Collections.Generic;
using System.Linq;
using Dsl.Generators.Autodiff;
using Dsl.Generators.Ir;
using Dsl.Generators.Shapes;

namespace Dsl.Generators.Operations;

/// <summary>
/// Second derivatives of ops whose backward is one kernel call (normalizations, attention, the
/// losses): the backward op's derivative rule rebuilds the forward op from elementwise, reduction
/// and shape ops (each with its own derivative rule), takes that composition's vector-Jacobian
/// product with the backward's upstream gradient (the backward, composed), then the product's own
/// (<see cref="LocalReverse"/>). The first derivative keeps its kernel; only a program that
/// differentiates it again (<c>Grad(...)</c> inside a loss) computes the composed nodes, and those
/// can be differentiated again in turn (third derivatives) wherever their ops can.
/// </summary>
internal static class SecondOrder
{
    /// <summary>
    /// Accumulates the derivative of a backward node b = Σ g ⊙ ∂f(inputs)/∂inputs[part] (the gradient
    /// of one operand of a forward op f, given f's upstream gradient g) with respect to g and every
    /// operand in <paramref name="operands"/>, for the upstream gradient <paramref name="upstream"/> of b.
    /// </summary>
    /// <param name="forward">Builds f from the operands, as composed ops; returns f's value.</param>
    public static void Differentiate(IGradientBuilder builder, Node node, int upstream, int g, int part, IReadOnlyList<int> operands,
        Func<Compose, int> forward)
    {
        var wanted = operands.Append(g).Distinct().Where(builder.IsActive).ToArray();
        if (wanted.Length == 0) return;
        var local = new LocalReverse(builder, OpCatalog.Adjoint);
        var value = forward(new Compose(local, builder.GradientName(node.Id)));
        var first = local.Product(value, g, [part]);
        if (!first.TryGetValue(part, out var backward)) return;
        foreach (var pair in local.Product(backward, upstream, wanted)) builder.Accumulate(pair.Key, pair.Value);
    }

    /// <summary>Mean and 1/√(var + eps) of x over <paramref name="axes"/> (biased variance, dims kept), and x normalized with them.</summary>
    public static int Normalize(Compose c, int x, EquatableArray<long> axes, double eps)
    {
        var mean = c.Apply(new MeanOp(axes, true), "Mean", x);
        var centered = c.Sub(x, mean, "Centered");
        var variance = c.Apply(new MeanOp(axes, true), "Variance", c.Square(centered, "Squared"));
        var deviation = c.Apply(new SqrtOp(), "Deviation", c.Add(variance, c.Number(eps), "Shifted"));
        return c.Div(centered, deviation, "Normalized");
    }

    /// <summary>A per-channel [C] value shaped [C, 1, ...] to broadcast against x [N, C, ...] (itself for 2-D x).</summary>
    public static int PerChannel(Compose c, int value, SymShape x, string part)
    {
        if (x.Rank == 2) return value;
        var dims = new[] { x[1] }.Concat(Enumerable.Repeat(Dim.Constant(1), x.Rank - 2)).ToEquatableArray();
        return c.Apply(new ReshapeOp(dims), part, value);
    }

    /// <summary>The mean, the sum or the value itself, as a loss's reduction says.</summary>
    public static int Reduce(Compose c, int value, string reduction) => reduction switch
    {
        "Mean" => c.Apply(new MeanOp(), "Mean", value),
        "Sum" => c.Apply(new SumOp(), "Sum", value),
        _ => value,
    };
}
