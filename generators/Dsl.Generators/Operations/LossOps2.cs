using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Dsl.Generators.Diagnostics;
using Dsl.Generators.Ir;
using Dsl.Generators.Shapes;

namespace Dsl.Generators.Operations;

/// <summary>
/// Negative log-likelihood of class scores [N, C] against Int64 class indices [N] (NllLoss on
/// log-probabilities), or the same after a log-softmax over the classes (CrossEntropy on logits), as
/// torch.nn.functional.nll_loss / cross_entropy; scores [N, C, d1, ...] against targets [N, d1, ...]
/// (a class per position: per-pixel or per-token classes) count every position as an example.
/// Optional class weights [C], targets equal to <see cref="IgnoreIndex"/> left out, reduction Mean
/// (divided by the total weight of the counted targets), Sum or None (a loss per example, the
/// targets' shape). Inputs: scores, targets, weight if given. The
/// targets and the weight get no gradient. The plain two-argument CrossEntropy is
/// <see cref="CrossEntropyOp"/> (its emitted code is pinned by snapshots).
/// With <see cref="LabelSmoothing"/> ε (cross-entropy only, as torch): (1 - ε)·nll + (ε / C)·smooth,
/// smooth_n = -Σ_c w_c·logp[n, c] for counted targets, reduced like nll (the mean divides by the same
/// total weight). The per-row sums are spread over [N, C] and read back through nll_loss with
/// reduction None, which masks the ignored targets; the backward does the same with nll_loss_backward.
/// </summary>
internal sealed record ClassLossOp(bool Logits, string Reduction, bool HasWeight, long IgnoreIndex, double LabelSmoothing = 0) : Op
{
    private bool Smoothed => LabelSmoothing != 0;

    public override string Name => Logits ? "CrossEntropy" : "NllLoss";

    public override string DefaultValueName => Logits ? "crossEntropy" : "nllLoss";

    public override ShapeResult InferShape(ShapeContext context)
    {
        if (ClassTargets.Check(context, Name, Logits ? "logits" : "log-probabilities") is { } failure) return failure;
        var x = context.Shape(0);
        if (HasWeight && !Spatial.TryShape(context, Name, 2, "class weight", SymShape.Of(x[1]), out var weightFailure)) return weightFailure;
        if (Smoothed && (LabelSmoothing is < 0 or > 1 || !Logits || Spatial.Constant(context, x[1]) is null))
        {
            return ShapeResult.Fail(DiagnosticCatalog.BadArgument, Name, "'labelSmoothing' must be in [0, 1] with a constant class count, but is "
                + LabelSmoothing.ToString("R", CultureInfo.InvariantCulture) + " for '" + context.Label(0) + "' " + x);
        }
        return ShapeResult.Tensor(Reduction == "None" ? ClassTargets.WithoutClasses(context.Shape(0), context) : SymShape.Scalar);
    }

    /// <summary>Saved for the backward pass: the log-probabilities (cross-entropy only) and nll_loss's total weight.</summary>
    public override IEnumerable<AuxiliaryBuffer> Auxiliary(Node node, Func<int, Node> nodeOf)
    {
        var scores = nodeOf(node.Inputs[0]).Shape;
        if (Logits) yield return new AuxiliaryBuffer("LogProbs", scores);
        yield return new AuxiliaryBuffer("TotalWeight", SymShape.Scalar);
        if (!Smoothed) yield break;
        // weight ⊙ logp, its row sums, spread back over the classes, masked per example, and their total.
        if (HasWeight) yield return new AuxiliaryBuffer("Weighted", scores);
        if (HasWeight && scores.Rank > 2) yield return new AuxiliaryBuffer("ClassWeight", ClassTargets.ClassColumn(scores));
        yield return new AuxiliaryBuffer("RowSum", ClassTargets.OneClass(scores));
        yield return new AuxiliaryBuffer("Spread", scores);
        yield return new AuxiliaryBuffer("Smooth", ClassTargets.Positions(scores));
        yield return new AuxiliaryBuffer("SmoothTotal", SymShape.Scalar);
    }

    /// <summary>ε / C, for a constant class count C (the shape rule requires it).</summary>
    internal double Share(Node scores) => LabelSmoothing / scores.Shape[1].Value;

    internal EmitArg Weight(Node node, int offset) => HasWeight ? EmitArg.Value(node.Inputs[offset]) : EmitArg.Null;

    /// <summary>
    /// The class weights as they multiply scores of rank <paramref name="rank"/>: [C] for [N, C]; for
    /// [N, C, d1, ...] the weights copied into <paramref name="owner"/>'s ClassWeight buffer [C, 1, ...]
    /// (so they broadcast along the class axis, not the last one).
    /// </summary>
    internal EmitArg ClassWeight(IEmitContext context, Node owner, int weight, int rank)
    {
        if (rank == 2) return EmitArg.Value(weight);
        context.Call("Reshape", EmitArg.Value(weight), EmitArg.Auxiliary(owner, "ClassWeight"));
        return EmitArg.Auxiliary(owner, "ClassWeight");
    }

    public override void Differentiate(IGradientBuilder builder, Node node, int gradient)
    {
        var scores = node.Inputs[0];
        if (!builder.IsActive(scores)) return;
        // Inputs of the backward: upstream, scores, targets, weight?, the forward node.
        var inputs = new[] { gradient }.Concat(node.Inputs).Append(node.Id).ToArray();
        builder.Accumulate(scores, builder.Add(new ClassLossBackwardOp(this), builder.GradientName(scores), inputs));
    }

    /// <summary>
    /// Cross-entropy composed as NllLoss of LogSoftmax (for second derivatives); label smoothing's term
    /// as in <see cref="Emit"/>: row sums spread over the classes, masked by NllLoss with reduction
    /// None, divided for the mean by the total weight (NllLoss's sum over -1s, a constant).
    /// </summary>
    internal int Compose(Compose c, IReadOnlyList<int> inputs)
    {
        var (scores, targets) = (inputs[0], inputs[1]);
        var weighted = HasWeight ? new[] { inputs[2] } : [];
        var logProbs = c.Apply(new LogSoftmaxOp(1), "LogProbs", scores);
        var nll = c.Apply(this with { Logits = false, LabelSmoothing = 0 }, "Nll", [logProbs, targets, .. weighted]);
        if (!Smoothed) return nll;
        var scoresShape = c.Builder.ResolvedShape(scores);
        var classWeight = !HasWeight ? -1 : scoresShape.Rank == 2 ? inputs[2]
            : c.Apply(new ReshapeOp(ClassTargets.ClassColumn(scoresShape).Dims), "ClassWeight", inputs[2]);
        var rows = HasWeight ? c.Mul(logProbs, classWeight, "Weighted") : logProbs;
        var rowSum = c.Apply(new SumOp(EquatableArray.Create(1L), true), "RowSum", rows);
        var spread = c.Apply(new ExpandOp(), "Spread", rowSum, logProbs);
        var smooth = c.Apply(new ClassLossOp(false, "None", false, IgnoreIndex), "Smooth", spread, targets);
        if (Reduction != "None") smooth = c.Apply(new SumOp(), "SmoothTotal", smooth);
        if (Reduction == "Mean")
        {
            var minusOnes = c.Neg(c.Apply(new ExpandOp(), "Ones", c.Apply(new OnesOp(), "Unit"), logProbs), "MinusOnes");
            var total = c.Apply(new ClassLossOp(false, "Sum", HasWeight, IgnoreIndex), "TotalWeight", [minusOnes, targets, .. weighted]);
            smooth = c.Div(smooth, total, "SmoothMean");
        }
        // The shape rule asks a constant class count for label smoothing.
        var share = LabelSmoothing / c.Builder.ResolvedShape(scores)[1].Value;
        return c.Add(c.Scale(nll, 1 - LabelSmoothing, "NllShare"), c.Scale(smooth, share, "SmoothShare"), "Smoothed");
    }

    public override void Emit(IEmitContext context, Node node)
    {
        var scores = EmitArg.Value(node.Inputs[0]);
        if (Logits)
        {
            context.Call("LogSoftmax", scores, EmitArg.Long(1), EmitArg.Auxiliary(node, "LogProbs"));
            scores = EmitArg.Auxiliary(node, "LogProbs");
        }
        context.Call("NllLoss", scores, EmitArg.Value(node.Inputs[1]), EmitArg.Reduction(Reduction), Weight(node, 2), EmitArg.Long(IgnoreIndex),
            EmitArg.Output(node), EmitArg.Auxiliary(node, "TotalWeight"));
        if (!Smoothed) return;
        EmitArg Aux(string suffix) => EmitArg.Auxiliary(node, suffix);
        var rows = scores;
        if (HasWeight)
        {
            context.Call("Mul", scores, ClassWeight(context, node, node.Inputs[2], context.Node(node.Inputs[0]).Shape.Rank), Aux("Weighted"));
            rows = Aux("Weighted");
        }
        context.Call("Sum", rows, EmitArg.Longs([1]), EmitArg.Bool(true), Aux("RowSum"));
        context.Call("Copy", Aux("RowSum"), Aux("Spread"));
        context.Call("NllLoss", Aux("Spread"), EmitArg.Value(node.Inputs[1]), EmitArg.Reduction("None"), EmitArg.Null, EmitArg.Long(IgnoreIndex), Aux("Smooth"), EmitArg.Null);
        context.Call("MulInPlace", EmitArg.Output(node), EmitArg.Double(1 - LabelSmoothing));
        var smooth = Aux("Smooth");
        if (Reduction != "None")
        {
            context.Call("Sum", Aux("Smooth"), Aux("SmoothTotal"));
            if (Reduction == "Mean") context.Call("DivInPlace", Aux("SmoothTotal"), Aux("TotalWeight"));
            smooth = Aux("SmoothTotal");
        }
        context.Call("AddInPlace", EmitArg.Output(node), smooth, EmitArg.Double(Share(context.Node(node.Inputs[0]))));
    }

    public override string Math(Node node, Func<int, string> nameOf) =>
        Name + "(" + nameOf(node.Inputs[0]) + ", " + nameOf(node.Inputs[1]) + (HasWeight ? ", weight " + nameOf(node.Inputs[2]) : "")
        + (Reduction == "Mean" ? "" : ", " + Reduction.ToLowerInvariant()) + (IgnoreIndex == -100 ? "" : ", ignoring " + IgnoreIndex.ToString(CultureInfo.InvariantCulture))
        + (Smoothed ? ", label smoothing " + LabelSmoothing.ToString("R", CultureInfo.InvariantCulture) : "") + ")";
}

/// <summary>
/// The class losses' shapes: scores [N, C] or [N, C, d1, ...] (classes on axis 1, as torch) against
/// Int64 targets [N] or [N, d1, ...]; the shapes of their per-position values and class columns.
/// </summary>
internal static class ClassTargets
{
    /// <summary>Null when scores (input 0) and targets (input 1) match; else the failure: rank, then the matching dims.</summary>
    public static ShapeResult? Check(ShapeContext context, string op, string kind, string targetsWord = "targets")
    {
        for (var i = 0; i < 2; i++)
        {
            if (context.IsNumber(i)) return ShapeResult.Fail(DiagnosticCatalog.ScalarWhereTensor, op, context.Label(i));
        }
        var (x, targets) = (context.Shape(0), context.Shape(1));
        if (x.Rank < 2)
        {
            return ShapeResult.Fail(DiagnosticCatalog.Rank, op, kind + " [batch, classes] or [batch, classes, d1, ...]", context.Label(0), x.ToString());
        }
        if (targets.Rank != x.Rank - 1)
        {
            var expected = x.Rank == 2 ? "1-D " + targetsWord + " [batch] of class indices"
                : (x.Rank - 1).ToString(CultureInfo.InvariantCulture) + "-D " + targetsWord + " " + WithoutClasses(x, context) + " of class indices (the " + kind + "' shape without its class axis 1)";
            return ShapeResult.Fail(DiagnosticCatalog.Rank, op, expected, context.Label(1), targets.ToString());
        }
        for (var d = 0; d < targets.Rank; d++)
        {
            if (!context.Unifier.Unify(x[d == 0 ? 0 : d + 1], targets[d]))
            {
                return ShapeResult.Fail(DiagnosticCatalog.LabelsShape, op, "the " + kind + " '" + context.Label(0) + "'", x.ToString(),
                    "the " + targetsWord + " '" + context.Label(1) + "'", targets.ToString());
            }
        }
        return null;
    }

    /// <summary>[N, d1, ...] of scores [N, C, d1, ...], resolved.</summary>
    public static SymShape WithoutClasses(SymShape scores, ShapeContext context) =>
        new(EquatableArray.Create(Positions(scores).Dims.Select(context.Unifier.Resolve).ToArray()));

    /// <summary>The per-position shape [N, d1, ...] of scores [N, C, d1, ...] (or of a target shape [N, d1, ...] given as is).</summary>
    public static SymShape Positions(SymShape scores) => new(EquatableArray.Create(scores.Dims.Where((_, i) => i != 1).ToArray()));

    /// <summary>[N, 1, d1, ...]: a value per position, kept on the class axis.</summary>
    public static SymShape OneClass(SymShape scores) => new(EquatableArray.Create(scores.Dims.Select((d, i) => i == 1 ? Dim.Constant(1) : d).ToArray()));

    /// <summary>[C, 1, ..., 1] (rank of the scores minus one): class weights that broadcast along axis 1.</summary>
    public static SymShape ClassColumn(SymShape scores) => new(EquatableArray.Create(Enumerable.Range(0, scores.Rank - 1).Select(i => i == 0 ? scores[1] : Dim.Constant(1)).ToArray()));
}

/// <summary>
/// d loss / d scores of a <see cref="ClassLossOp"/>: nll_loss_backward (then log_softmax_backward for
/// logits). Inputs: upstream, scores, targets, weight?, the forward node. For NllLoss it is linear in
/// the upstream gradient and independent of the scores, so its own derivative is NllLoss again.
/// </summary>
internal sealed record ClassLossBackwardOp(ClassLossOp Forward) : Op
{
    public override string Name => Forward.Name + "Backward";

    public override ShapeResult InferShape(ShapeContext context) => ShapeResult.Tensor(context.Shape(1));

    public override IEnumerable<AuxiliaryBuffer> Auxiliary(Node node, Func<int, Node> nodeOf)
    {
        if (Forward.Logits) yield return new AuxiliaryBuffer("LogProbsGradient", node.Shape);
        if (Forward.LabelSmoothing == 0) yield break;
        // The upstream per example (masked through nll_loss_backward), its row sums, and those times the class weights.
        yield return new AuxiliaryBuffer("RowGradient", ClassTargets.Positions(node.Shape));
        yield return new AuxiliaryBuffer("Masked", node.Shape);
        yield return new AuxiliaryBuffer("RowMasked", ClassTargets.OneClass(node.Shape));
        if (Forward.HasWeight) yield return new AuxiliaryBuffer("Spread", node.Shape);
        if (Forward.HasWeight && node.Shape.Rank > 2) yield return new AuxiliaryBuffer("ClassWeight", ClassTargets.ClassColumn(node.Shape));
    }

    public override void Differentiate(IGradientBuilder builder, Node node, int gradient)
    {
        var g = node.Inputs[0];
        if (Forward.Logits)
        {
            // Through the composed cross-entropy (SecondOrder): log-softmax's and NllLoss's rules.
            var inputs = node.Inputs.Skip(1).Take(node.Inputs.Count - 2).ToArray();
            SecondOrder.Differentiate(builder, node, gradient, g, inputs[0], inputs, c => Forward.Compose(c, inputs));
            return;
        }
        if (!builder.IsActive(g)) return;
        var forwardInputs = new List<int> { gradient, node.Inputs[2] };
        if (Forward.HasWeight) forwardInputs.Add(node.Inputs[3]);
        builder.Accumulate(g, builder.Add(Forward, builder.GradientName(g), forwardInputs.ToArray()));
    }

    public override void Emit(IEmitContext context, Node node)
    {
        var forward = context.Node(node.Inputs[node.Inputs.Count - 1]);
        var logProbs = Forward.Logits ? EmitArg.Auxiliary(forward, "LogProbs") : EmitArg.Value(node.Inputs[1]);
        var into = Forward.Logits ? EmitArg.Auxiliary(node, "LogProbsGradient") : EmitArg.Output(node);
        context.Call("NllLossBackward", EmitArg.Value(node.Inputs[0]), logProbs, EmitArg.Value(node.Inputs[2]), EmitArg.Auxiliary(forward, "TotalWeight"),
            EmitArg.Reduction(Forward.Reduction), Forward.Weight(node, 3), EmitArg.Long(Forward.IgnoreIndex), into);
        if (Forward.LabelSmoothing != 0) EmitSmoothing(context, node, forward, into);
        if (Forward.Logits) context.Call("LogSoftmaxBackward", into, logProbs, EmitArg.Long(1), EmitArg.Output(node));
    }

    /// <summary>d/dlogp of (ε / C)·smooth added to (1 - ε)·d nll/dlogp: (ε / C)·w_c·(-g'_n·mask_n), g'_n the upstream per example (÷ total weight for the mean).</summary>
    private void EmitSmoothing(IEmitContext context, Node node, Node forward, EmitArg into)
    {
        EmitArg Aux(string suffix) => EmitArg.Auxiliary(node, suffix);
        context.Call("MulInPlace", into, EmitArg.Double(1 - Forward.LabelSmoothing));
        context.Call("Copy", EmitArg.Value(node.Inputs[0]), Aux("RowGradient"));
        if (Forward.Reduction == "Mean") context.Call("DivInPlace", Aux("RowGradient"), EmitArg.Auxiliary(forward, "TotalWeight"));
        context.Call("NllLossBackward", Aux("RowGradient"), EmitArg.Auxiliary(forward, "Spread"), EmitArg.Value(node.Inputs[2]), EmitArg.Auxiliary(forward, "TotalWeight"),
            EmitArg.Reduction("None"), EmitArg.Null, EmitArg.Long(Forward.IgnoreIndex), Aux("Masked"));
        context.Call("Sum", Aux("Masked"), EmitArg.Longs([1]), EmitArg.Bool(true), Aux("RowMasked"));
        var rows = Aux("RowMasked");
        if (Forward.HasWeight)
        {
            context.Call("Mul", Aux("RowMasked"), Forward.ClassWeight(context, node, node.Inputs[3], node.Shape.Rank), Aux("Spread"));
            rows = Aux("Spread");
        }
        context.Call("AddInPlace", into, rows, EmitArg.Double(Forward.Share(context.Node(node.Inputs[1]))));
    }

    public override string Math(Node node, Func<int, string> nameOf) =>
        "∂" + Forward.Name + "/∂" + nameOf(node.Inputs[1]) + " ᵀ " + nameOf(node.Inputs[0]);
}

/// <summary>
/// Binary cross-entropy on logits, computed stably (torch.nn.functional.binary_cross_entropy_with_logits):
/// -w·[pw·t·log σ(x) + (1 - t)·log(1 - σ(x))], targets of the logits' shape, weight broadcast over
/// it, posWeight per class (the last axis); reduction Mean, Sum or None (the logits' shape).
/// Inputs: logits, targets, weight?, posWeight?. Only the logits get a gradient.
/// </summary>
internal sealed record BinaryCrossEntropyWithLogitsOp(string Reduction, bool HasWeight, bool HasPosWeight) : Op
{
    public override string Name => "BinaryCrossEntropyWithLogits";

    public override string DefaultValueName => "bce";

    public override ShapeResult InferShape(ShapeContext context)
    {
        if (context.IsNumber(0)) return ShapeResult.Fail(DiagnosticCatalog.ScalarWhereTensor, Name, context.Label(0));
        var logits = context.Shape(0);
        if (!Spatial.TryShape(context, Name, 1, "targets", logits, out var failure)) return failure;
        for (var i = 2; i < context.Count; i++)
        {
            var role = i == 2 && HasWeight ? "weight" : "posWeight";
            if (Broadcasting.Broadcast(context.Unifier, context.Shape(i), logits, out _, out _, out _) is not { } shape
                || Broadcasting.NeedsReduction(context.Unifier.Resolve(logits), shape))
            {
                return ShapeResult.Fail(DiagnosticCatalog.BadArgument, Name, "the " + role + " '" + context.Label(i) + "' " + context.Shape(i)
                    + " must broadcast to the logits' shape " + logits);
            }
        }
        return ShapeResult.Tensor(Reduction == "None" ? logits : SymShape.Scalar);
    }

    internal EmitArg[] Settings(Node node, int offset) =>
    [
        EmitArg.Reduction(Reduction),
        HasWeight ? EmitArg.Value(node.Inputs[offset]) : EmitArg.Null,
        HasPosWeight ? EmitArg.Value(node.Inputs[offset + (HasWeight ? 1 : 0)]) : EmitArg.Null,
    ];

    public override void Differentiate(IGradientBuilder builder, Node node, int gradient)
    {
        var logits = node.Inputs[0];
        if (builder.IsActive(node.Inputs[1])) throw new MissingDerivativeException(Name + " for its targets");
        if (!builder.IsActive(logits)) return;
        var inputs = new[] { gradient }.Concat(node.Inputs).ToArray();
        builder.Accumulate(logits, builder.Add(new BinaryCrossEntropyWithLogitsBackwardOp(this), builder.GradientName(logits), inputs));
    }

    /// <summary>w·[(1 - t)·x + (1 + (pw - 1)·t)·softplus(-x)], reduced (torch's stable form), for second derivatives.</summary>
    internal int Compose(Compose c, IReadOnlyList<int> inputs)
    {
        var (x, t) = (inputs[0], inputs[1]);
        var logWeight = c.Number(1);
        if (HasPosWeight)
        {
            var posWeight = inputs[HasWeight ? 3 : 2];
            logWeight = c.Add(c.Mul(c.Sub(posWeight, c.Number(1), "PosWeightLess"), t, "PosWeighted"), c.Number(1), "LogWeight");
        }
        var softplus = c.Apply(new SoftplusOp(), "Softplus", c.Neg(x, "Negated"), c.Number(1), c.Number(20));
        var loss = c.Add(c.Mul(c.Sub(c.Number(1), t, "Complement"), x, "Linear"), c.Mul(logWeight, softplus, "Log"), "Pointwise");
        if (HasWeight) loss = c.Mul(loss, inputs[2], "Weighted");
        return SecondOrder.Reduce(c, loss, Reduction);
    }

    public override void Emit(IEmitContext context, Node node) =>
        context.Call(Name, [EmitArg.Value(node.Inputs[0]), EmitArg.Value(node.Inputs[1]), .. Settings(node, 2), EmitArg.Output(node)]);

    public override string Math(Node node, Func<int, string> nameOf) =>
        "bce_with_logits(" + string.Join(", ", node.Inputs.Select(nameOf)) + (Reduction == "Mean" ? "" : ", " + Reduction.ToLowerInvariant()) + ")";
}

/// <summary>Its gradient for the logits. Inputs: upstream, logits, targets, weight?, posWeight?.</summary>
internal sealed record BinaryCrossEntropyWithLogitsBackwardOp(BinaryCrossEntropyWithLogitsOp Forward) : Op
{
    public override string Name => "BinaryCrossEntropyWithLogitsBackward";

    public override string DefaultValueName => "bceBackward";

    public override ShapeResult InferShape(ShapeContext context) => ShapeResult.Tensor(context.Shape(1));

    public override void Differentiate(IGradientBuilder builder, Node node, int gradient)
    {
        var inputs = node.Inputs.Skip(1).ToArray();
        SecondOrder.Differentiate(builder, node, gradient, node.Inputs[0], inputs[0], inputs, c => Forward.Compose(c, inputs));
    }

    public override void Emit(IEmitContext context, Node node) =>
        context.Call(Name, [EmitArg.Value(node.Inputs[0]), EmitArg.Value(node.Inputs[1]), EmitArg.Value(node.Inputs[2]), .. Forward.Settings(node, 3), EmitArg.Output(node)]);

    public override string Math(Node node, Func<int, string> nameOf) => "∂bce/∂" + nameOf(node.Inputs[1]) + " ᵀ " + nameOf(node.Inputs[0]);
}

/// <summary>
/// Elementwise losses of an input against a target of the same shape, reduced (Mean, Sum, or None:
/// the input's shape), as torch.nn.functional.l1_loss, huber_loss (<see cref="Delta"/>) and kl_div
/// (<see cref="LogTarget"/>; its Mean is the mean over every element, as torch's 'mean'). Both
/// operands get gradients: L1 and Huber depend on input − target (the target's gradient is the
/// input's negated), KlDiv has a kernel for each.
/// </summary>
internal sealed record PointwiseLossOp(string Loss, string Reduction, double Delta, bool LogTarget) : Op
{
    public override string Name => Loss;

    public override ShapeResult InferShape(ShapeContext context)
    {
        if (context.IsNumber(0)) return ShapeResult.Fail(DiagnosticCatalog.ScalarWhereTensor, Name, context.Label(0));
        if (Loss == "HuberLoss" && !(Delta > 0)) return ShapeResult.Fail(DiagnosticCatalog.BadArgument, Name, "'delta' must be positive, but is " + Delta.ToString("R", CultureInfo.InvariantCulture));
        var input = context.Shape(0);
        if (!Spatial.TryShape(context, Name, 1, "target", input, out var failure)) return failure;
        return ShapeResult.Tensor(Reduction == "None" ? input : SymShape.Scalar);
    }

    /// <summary>The settings after (input, target): the reduction, then delta or logTarget.</summary>
    internal EmitArg[] Settings() => Loss switch
    {
        "HuberLoss" => [EmitArg.Reduction(Reduction), EmitArg.Double(Delta)],
        "KlDiv" => [EmitArg.Reduction(Reduction), EmitArg.Bool(LogTarget)],
        _ => [EmitArg.Reduction(Reduction)],
    };

    public override void Differentiate(IGradientBuilder builder, Node node, int gradient)
    {
        var (input, target) = (node.Inputs[0], node.Inputs[1]);
        if (builder.IsActive(input))
        {
            builder.Accumulate(input, builder.Add(new PointwiseLossBackwardOp(this, false), builder.GradientName(input), gradient, input, target));
        }
        if (!builder.IsActive(target)) return;
        if (Loss == "KlDiv")
        {
            builder.Accumulate(target, builder.Add(new PointwiseLossBackwardOp(this, true), builder.GradientName(target), gradient, input, target));
            return;
        }
        var forInput = builder.Add(new PointwiseLossBackwardOp(this, false), builder.GradientName(target) + "Negated", gradient, input, target);
        builder.Accumulate(target, builder.Add(new NegOp(), builder.GradientName(target), forInput));
    }

    /// <summary>The loss from elementwise ops, reduced, for second derivatives (KlDiv as t·(log t - x), or eᵗ·(t - x) for a log target).</summary>
    internal int Compose(Compose c, int input, int target)
    {
        int loss;
        switch (Loss)
        {
            case "L1Loss":
                loss = c.Apply(new AbsOp(), "Abs", c.Sub(input, target, "Difference"));
                break;
            case "HuberLoss":
                var difference = c.Sub(input, target, "Difference");
                var size = c.Apply(new AbsOp(), "Abs", difference);
                var quadratic = c.Scale(c.Square(difference, "Squared"), 0.5, "Quadratic");
                var linear = c.Scale(c.Sub(size, c.Number(Delta / 2), "Shifted"), Delta, "Linear");
                loss = c.Apply(new WhereOp(), "Huber", c.Compare("Lt", size, c.Number(Delta), "Inside"), quadratic, linear);
                break;
            default:
                loss = LogTarget
                    ? c.Mul(c.Exp(target, "Target"), c.Sub(target, input, "Difference"), "Pointwise")
                    : c.Mul(target, c.Sub(c.Apply(new LogOp(), "LogTarget", target), input, "Difference"), "Pointwise");
                break;
        }
        return SecondOrder.Reduce(c, loss, Reduction);
    }

    public override void Emit(IEmitContext context, Node node) =>
        context.Call(Name, [EmitArg.Value(node.Inputs[0]), EmitArg.Value(node.Inputs[1]), .. Settings(), EmitArg.Output(node)]);

    public override string Math(Node node, Func<int, string> nameOf) =>
        Loss switch { "L1Loss" => "l1_loss", "HuberLoss" => "huber_loss", _ => "kl_div" } + "(" + nameOf(node.Inputs[0]) + ", " + nameOf(node.Inputs[1])
        + (Reduction == "Mean" ? "" : ", " + Reduction.ToLowerInvariant()) + (Loss == "HuberLoss" && Delta != 1 ? ", δ " + Delta.ToString("R", CultureInfo.InvariantCulture) : "")
        + (LogTarget ? ", log target" : "") + ")";
}

/// <summary>A pointwise loss's gradient for its input (or KlDiv's for its target). Inputs: upstream, input, target.</summary>
internal sealed record PointwiseLossBackwardOp(PointwiseLossOp Forward, bool ForTarget) : Op
{
    public override string Name => Forward.Loss + (ForTarget ? "TargetBackward" : "Backward");

    public override ShapeResult InferShape(ShapeContext context) => ShapeResult.Tensor(context.Shape(ForTarget ? 2 : 1));

    // Through the loss composed of elementwise ops (SecondOrder); L1's and Huber's kinks have a zero second derivative there.
    public override void Differentiate(IGradientBuilder builder, Node node, int gradient)
    {
        var (input, target) = (node.Inputs[1], node.Inputs[2]);
        SecondOrder.Differentiate(builder, node, gradient, node.Inputs[0], ForTarget ? target : input, [input, target], c => Forward.Compose(c, input, target));
    }

    public override void Emit(IEmitContext context, Node node) =>
        context.Call(Name, [EmitArg.Value(node.Inputs[0]), EmitArg.Value(node.Inputs[1]), EmitArg.Value(node.Inputs[2]), .. Forward.Settings(), EmitArg.Output(node)]);

    public override string Math(Node node, Func<int, string> nameOf) =>
        "∂" + Forward.Loss + "/∂" + nameOf(node.Inputs[ForTarget ? 2 : 1]) + " ᵀ " + nameOf(node.Inputs[0]);
}
