using System;
using System.Collections.Generic;
using Dsl.Generators.Diagnostics;
using Dsl.Generators.Shapes;
using Dsl.Generators.Ir;

namespace Dsl.Generators.Operations;

/// <summary>
/// Mean cross-entropy of logits [B, C] against class indices [B] (Int64), or of [B, C, d1, ...] against
/// [B, d1, ...], as torch.nn.functional.cross_entropy. Labels get no gradient.
/// </summary>
internal sealed record CrossEntropyOp : Op
{
    public override string Name => "CrossEntropy";

    /// <summary>
    /// Set by Optimization/Fusion when the loss is nothing but this cross-entropy: in a training step the
    /// backward pass's <see cref="CrossEntropyWithGradientOp"/> computes the loss with its gradient; an
    /// evaluation still computes it here.
    /// </summary>
    public bool WithGradient { get; init; }

    public override bool IsWrittenByFusedOp(bool training) => WithGradient && training;

    public override ShapeResult InferShape(ShapeContext context)
    {
        if (ClassTargets.Check(context, Name, "logits", "labels") is { } failure) return failure;
        return ShapeResult.Tensor(SymShape.Scalar);
    }

    public override void Differentiate(IGradientBuilder builder, Node node, int gradient)
    {
        var logits = node.Inputs[0];
        if (builder.IsActive(logits))
        {
            builder.Accumulate(logits, builder.Add(new CrossEntropyBackwardOp(), builder.GradientName(logits), gradient, node.Id, node.Inputs[1], logits));
        }
    }

    /// <summary>Saved for the backward pass: the log-probabilities and nll_loss's total weight.</summary>
    public override IEnumerable<AuxiliaryBuffer> Auxiliary(Node node, Func<int, Node> nodeOf) =>
        [new AuxiliaryBuffer("LogProbs", nodeOf(node.Inputs[0]).Shape), new AuxiliaryBuffer("TotalWeight", SymShape.Scalar)];

    public override void Emit(IEmitContext context, Node node)
    {
        context.CrossEntropy(node, "LogProbs", "TotalWeight");
    }

    public override string Math(Node node, Func<int, string> nameOf) => "CrossEntropy(" + nameOf(node.Inputs[0]) + ", " + nameOf(node.Inputs[1]) + ")";
}

/// <summary>Mean squared error mean((prediction - target)²) of two tensors of one shape.</summary>
internal sealed record MseLossOp : Op
{
    public override string Name => "MseLoss";

    public override ShapeResult InferShape(ShapeContext context)
    {
        for (var i = 0; i < 2; i++)
        {
            if (context.IsNumber(i)) return ShapeResult.Fail(DiagnosticCatalog.ScalarWhereTensor, Name, context.Label(i));
        }
        var prediction = context.Shape(0);
        var target = context.Shape(1);
        var same = prediction.Rank == target.Rank;
        for (var i = 0; same && i < prediction.Rank; i++) same = context.Unifier.Unify(prediction[i], target[i]);
        if (!same)
        {
            return ShapeResult.Fail(DiagnosticCatalog.LabelsShape, Name, "the prediction '" + context.Label(0) + "'", prediction.ToString(),
                "the target '" + context.Label(1) + "'", target.ToString());
        }
        return ShapeResult.Tensor(SymShape.Scalar);
    }

    public override void Differentiate(IGradientBuilder builder, Node node, int gradient)
    {
        var (prediction, target) = (node.Inputs[0], node.Inputs[1]);
        if (builder.IsActive(prediction))
        {
            builder.Accumulate(prediction, builder.Add(new MseLossBackwardOp(), builder.GradientName(prediction), gradient, prediction, target));
        }
        if (builder.IsActive(target))
        {
            var forTarget = builder.Add(new MseLossBackwardOp(), builder.GradientName(target) + "Negated", gradient, prediction, target);
            builder.Accumulate(target, builder.Add(new NegOp(), builder.GradientName(target), forTarget));
        }
    }

    public override void Emit(IEmitContext context, Node node) =>
        context.MseLoss(node);

    public override string Math(Node node, Func<int, string> nameOf) => "mean((" + nameOf(node.Inputs[0]) + " - " + nameOf(node.Inputs[1]) + ")²)";
}

/// <summary>
/// The mean cross-entropy of logits [B, C] and labels [B] together with its gradient for the logits,
/// (softmax(logits) - onehot(labels)) / B, in one runtime call: inputs (the <see cref="CrossEntropyOp"/>
/// node, whose buffer receives the loss; labels; logits), result the gradient. Optimization/Fusion puts
/// it in place of the CrossEntropyBackward node when the seed of the backward pass (1) is its upstream
/// gradient, which replaces log_softmax, nll_loss, the seed's fill, nll_loss_backward and
/// log_softmax_backward. It exists only after differentiation, so it has no derivative rule.
/// </summary>
internal sealed record CrossEntropyWithGradientOp : Op
{
    public override string Name => "CrossEntropyWithGradient";

    public override ShapeResult InferShape(ShapeContext context)
    {
        if (context.Shape(2).Rank != 2)
        {
            return ShapeResult.Fail(DiagnosticCatalog.Rank, Name, "logits [B, C]", context.Label(2), context.Shape(2).ToString());
        }
        return ShapeResult.Tensor(context.Shape(2));
    }

    public override void Emit(IEmitContext context, Node node) =>
        context.Call("CrossEntropyWithGradient", EmitArg.Value(node.Inputs[2]), EmitArg.Value(node.Inputs[1]), EmitArg.Long(-100),
            EmitArg.Value(node.Inputs[0]), EmitArg.Output(node));

    public override string Math(Node node, Func<int, string> nameOf) =>
        "(softmax(" + nameOf(node.Inputs[2]) + ") - onehot(" + nameOf(node.Inputs[1]) + ")) / B, and " + nameOf(node.Inputs[0]) + " = CrossEntropy("
        + nameOf(node.Inputs[2]) + ", " + nameOf(node.Inputs[1]) + "), in one pass";
}
