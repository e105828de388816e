using System.Collections.Generic;
using System.Linq;
using Dsl.Generators.Ir;
using Dsl.Generators.Operations;
using Dsl.Generators.Shapes;

namespace Dsl.Generators.Optimization;

/// <summary>
/// Replaces groups of nodes by one fused op where a single runtime call does their work, once the
/// graph is complete (after differentiation, before <see cref="DeadCode"/>): ids stay, so the step's
/// sections and roots keep pointing at the same values; the nodes a fusion leaves unused are then
/// dropped by dead-code elimination, and no line or buffer is emitted for them.
/// <list type="bullet">
/// <item><c>op(a) · op(b) + bias</c> (2-D product, bias broadcast to its shape, the product used
/// nowhere else) becomes <see cref="AddmmOp"/>: one GEMM that starts from the bias.</item>
/// <item>A loss that is one cross-entropy, differentiated from the seed 1: its backward node becomes
/// <see cref="CrossEntropyWithGradientOp"/> (loss and dLogits in one pass) and the forward node is marked
/// as written by it in training code (evaluations still compute it alone).</item>
/// </list>
/// </summary>
internal static class Fusion
{
    /// <param name="lossGradient">
    /// Whether a loss may be computed with its own gradient: true for experiments ([Loss] and [Step]: computed
    /// values are emitted straight through, only effects sit under conditions), false for a model's Predict.
    /// </param>
    public static List<Node> Fuse(IReadOnlyList<Node> nodes, IEnumerable<int> roots, ShapeUnifier unifier, bool lossGradient = false)
    {
        var rootList = roots.ToList();
        var uses = Uses(nodes, rootList);
        var rootUses = new int[nodes.Count];
        foreach (var root in rootList) rootUses[root]++;
        var result = nodes.ToList();
        for (var id = 0; id < result.Count; id++)
        {
            if (uses[id] == 0) continue;
            if (Addmm(result, uses, result[id], unifier) is { } fused) result[id] = fused;
            else if (lossGradient && CrossEntropyWithGradient(result, uses, rootUses, result[id], unifier) is { } pair)
            {
                result[pair.Loss.Id] = pair.Loss;
                result[id] = pair.Gradient;
            }
        }
        return result;
    }

    /// <summary>
    /// d CrossEntropy(logits, labels) with the seed 1 as its upstream gradient, the loss read by nothing
    /// but it and the roots, [B, C] logits → one call that writes the loss and dLogits (the seed is then dead).
    /// </summary>
    private static (Node Loss, Node Gradient)? CrossEntropyWithGradient(List<Node> nodes, int[] uses, int[] rootUses, Node node, ShapeUnifier unifier)
    {
        if (node.Op is not CrossEntropyBackwardOp) return null;
        var (seed, loss, labels, logits) = (nodes[node.Inputs[0]], nodes[node.Inputs[1]], node.Inputs[2], node.Inputs[3]);
        if (seed.Op is not OnesOp || loss.Op is not CrossEntropyOp { WithGradient: false } forward) return null;
        if (uses[loss.Id] != 1 + rootUses[loss.Id] || unifier.Resolve(nodes[logits].Shape).Rank != 2) return null;
        return (loss with { Op = forward with { WithGradient = true } },
            node with { Op = new CrossEntropyWithGradientOp(), Inputs = EquatableArray.Create(loss.Id, labels, logits) });
    }

    /// <summary>How many live nodes read each node, plus one per root naming it; 0 for dead nodes.</summary>
    private static int[] Uses(IReadOnlyList<Node> nodes, List<int> roots)
    {
        var live = DeadCode.Live(nodes, roots);
        var uses = new int[nodes.Count];
        foreach (var root in roots) uses[root]++;
        for (var id = 0; id < nodes.Count; id++)
        {
            if (!live[id]) continue;
            foreach (var input in nodes[id].Inputs) uses[input]++;
        }
        return uses;
    }

    /// <summary><c>product + bias</c> or <c>bias + product</c> → addmm(bias, a, b), when nothing else reads the product.</summary>
    private static Node? Addmm(List<Node> nodes, int[] uses, Node node, ShapeUnifier unifier)
    {
        if (node.Op is not AddOp || node.IsNumber) return null;
        var shape = unifier.Resolve(node.Shape);
        if (shape.Rank != 2) return null;
        for (var side = 0; side < 2; side++)
        {
            var product = nodes[node.Inputs[side]];
            var bias = nodes[node.Inputs[1 - side]];
            if (product.Op is not MatMulOp { Batched: false } matMul || uses[product.Id] != 1 || bias.IsNumber) continue;
            if (bias.Op.ResultType != ElementType.Float) continue;
            var (a, b) = (nodes[product.Inputs[0]], nodes[product.Inputs[1]]);
            if (a.Shape.Rank != 2 || b.Shape.Rank != 2 || !SameShape(unifier.Resolve(product.Shape), shape)) continue;
            if (!BroadcastsTo(unifier.Resolve(bias.Shape), shape)) continue;
            return node with { Op = new AddmmOp(1, 1, matMul.TransposeA, matMul.TransposeB), Inputs = EquatableArray.Create(bias.Id, a.Id, b.Id) };
        }
        return null;
    }

    private static bool SameShape(SymShape x, SymShape y) => x.Rank == y.Rank && x.Dims.Zip(y.Dims, (p, q) => p == q).All(same => same);

    /// <summary>Whether <paramref name="bias"/> broadcasts to the matrix <paramref name="target"/> without growing it ([n], [1, n], [m, 1], [m, n]).</summary>
    private static bool BroadcastsTo(SymShape bias, SymShape target)
    {
        if (bias.Rank < 1 || bias.Rank > 2) return false;
        for (var i = 0; i < bias.Rank; i++)
        {
            var dim = bias[bias.Rank - 1 - i];
            if (!(dim.IsConstant && dim.Value == 1) && dim != target[target.Rank - 1 - i]) return false;
        }
        return true;
    }
}
