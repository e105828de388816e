namespace Dsl.Generators.Tests.Operators;

public static partial class LanguageOpCases
{
    private static Tensor Positive(Generator g, params long[] shape)
    {
        using var normal = Randn(g, shape);
        return Ops.Exp(normal);
    }

    private static Tensor Probabilities(Generator g, params long[] shape)
    {
        using var normal = Randn(g, shape);
        return Ops.Sigmoid(normal);
    }

    // Losses of scores computed from trainable parameters, with class weights, ignored targets and each reduction.
    private static IEnumerable<CrossCheckCase> Losses =>
    [
        Case("NllLossMean", "[Param(4, 5)] public Tensor S;", "[Shape(4)] Tensor targets, [Shape(4, 5)] Tensor c", "NllLoss(Net.S * c, targets)",
            g => [Labels(g, 5, 4), Randn(g, 4, 5)], "loss = F.nll_loss(Net_S * c, targets)"),
        Case("NllLossWeightedIgnoredMean", "[Param(6, 5)] public Tensor S;", "[Shape(6)] Tensor targets, [Shape(5)] Tensor w, [Shape(6, 5)] Tensor c",
            "NllLoss(Net.S * c, targets, weight: w, ignoreIndex: 2)",
            g => [Labels(g, 5, 6), Positive(g, 5), Randn(g, 6, 5)], "loss = F.nll_loss(Net_S * c, targets, weight=w, ignore_index=2)"),
        Case("NllLossNone", "[Param(4, 5)] public Tensor S;", "[Shape(4)] Tensor targets, [Shape(5)] Tensor w, [Shape(4)] Tensor d",
            "Sum(NllLoss(Net.S, targets, Reduction.None, w) * d)",
            g => [Labels(g, 5, 4), Positive(g, 5), Randn(g, 4)], "loss = (F.nll_loss(Net_S, targets, reduction='none', weight=w) * d).sum()"),
        // The backward's upstream depends on S, so NllLossBackward is differentiated (its derivative is NllLoss again).
        Case("NllLossSecondOrder", "[Param(4, 5)] public Tensor S;", "[Shape(4)] Tensor targets, [Shape(4, 5)] Tensor c",
            "Sum(Square(Grad(Sum(Square(NllLoss(Net.S * c, targets, Reduction.None))), Net.S) * c))",
            g => [Labels(g, 5, 4), Randn(g, 4, 5)],
            """
            inner = (F.nll_loss(Net_S * c, targets, reduction='none') ** 2).sum()
            (gs,) = torch.autograd.grad(inner, Net_S, create_graph=True)
            loss = ((gs * c) ** 2).sum()
            """, eager: false),
        Case("CrossEntropyWeightedIgnored", "[Param(6, 4)] public Tensor Z;", "[Shape(6)] Tensor targets, [Shape(4)] Tensor w, [Shape(6, 4)] Tensor c",
            "CrossEntropy(Net.Z * c, targets, weight: w, ignoreIndex: 1)",
            g => [Labels(g, 4, 6), Positive(g, 4), Randn(g, 6, 4)], "loss = F.cross_entropy(Net_Z * c, targets, weight=w, ignore_index=1)"),
        Case("CrossEntropySum", "[Param(5, 3)] public Tensor Z;", "[Shape(5)] Tensor targets, [Shape(5, 3)] Tensor c",
            "CrossEntropy(Net.Z * c, targets, Reduction.Sum)",
            g => [Labels(g, 3, 5), Randn(g, 5, 3)], "loss = F.cross_entropy(Net_Z * c, targets, reduction='sum')"),
        Case("CrossEntropyNone", "[Param(5, 3)] public Tensor Z;", "[Shape(5)] Tensor targets, [Shape(5)] Tensor d",
            "Sum(CrossEntropy(Net.Z, targets, Reduction.None) * d)",
            g => [Labels(g, 3, 5), Randn(g, 5)], "loss = (F.cross_entropy(Net_Z, targets, reduction='none') * d).sum()"),
        Case("CrossEntropyLabelSmoothing", "[Param(6, 4)] public Tensor Z;", "[Shape(6)] Tensor targets, [Shape(6, 4)] Tensor c",
            "CrossEntropy(Net.Z * c, targets, labelSmoothing: 0.1)",
            g => [Labels(g, 4, 6), Randn(g, 6, 4)], "loss = F.cross_entropy(Net_Z * c, targets, label_smoothing=0.1)"),
        Case("CrossEntropyLabelSmoothingWeightedIgnored", "[Param(7, 4)] public Tensor Z;", "[Shape(7)] Tensor targets, [Shape(4)] Tensor w, [Shape(7, 4)] Tensor c",
            "CrossEntropy(Net.Z * c, targets, weight: w, ignoreIndex: 1, labelSmoothing: 0.2)",
            g => [Labels(g, 4, 7), Positive(g, 4), Randn(g, 7, 4)], "loss = F.cross_entropy(Net_Z * c, targets, weight=w, ignore_index=1, label_smoothing=0.2)"),
        Case("CrossEntropyLabelSmoothingWeightedSum", "[Param(5, 3)] public Tensor Z;", "[Shape(5)] Tensor targets, [Shape(3)] Tensor w, [Shape(5, 3)] Tensor c",
            "CrossEntropy(Net.Z * c, targets, reduction: Reduction.Sum, weight: w, labelSmoothing: 0.3)",
            g => [Labels(g, 3, 5), Positive(g, 3), Randn(g, 5, 3)], "loss = F.cross_entropy(Net_Z * c, targets, reduction='sum', weight=w, label_smoothing=0.3)"),
        Case("CrossEntropyLabelSmoothingNone", "[Param(5, 3)] public Tensor Z;", "[Shape(5)] Tensor targets, [Shape(5)] Tensor d",
            "Sum(CrossEntropy(Net.Z, targets, reduction: Reduction.None, ignoreIndex: 0, labelSmoothing: 0.25) * d)",
            g => [Labels(g, 3, 5), Randn(g, 5)], "loss = (F.cross_entropy(Net_Z, targets, reduction='none', ignore_index=0, label_smoothing=0.25) * d).sum()"),
        // Classes on axis 1 of [N, C, d1, ...] (per-position classes, as torch): every position is an example.
        Case("CrossEntropyPerPosition", "[Param(3, 4, 5)] public Tensor Z;", "[Shape(3, 5)] Tensor targets, [Shape(3, 4, 5)] Tensor c",
            "CrossEntropy(Net.Z * c, targets)",
            g => [Labels(g, 4, 3, 5), Randn(g, 3, 4, 5)], "loss = F.cross_entropy(Net_Z * c, targets)"),
        Case("CrossEntropyPerPixelWeightedIgnored", "[Param(2, 3, 2, 4)] public Tensor Z;", "[Shape(2, 2, 4)] Tensor targets, [Shape(3)] Tensor w, [Shape(2, 3, 2, 4)] Tensor c",
            "CrossEntropy(Net.Z * c, targets, weight: w, ignoreIndex: 1)",
            g => [Labels(g, 3, 2, 2, 4), Positive(g, 3), Randn(g, 2, 3, 2, 4)], "loss = F.cross_entropy(Net_Z * c, targets, weight=w, ignore_index=1)"),
        Case("CrossEntropyPerPositionSmoothedWeightedIgnored", "[Param(2, 4, 3, 2)] public Tensor Z;", "[Shape(2, 3, 2)] Tensor targets, [Shape(4)] Tensor w, [Shape(2, 4, 3, 2)] Tensor c",
            "CrossEntropy(Net.Z * c, targets, weight: w, ignoreIndex: 2, labelSmoothing: 0.2)",
            g => [Labels(g, 4, 2, 3, 2), Positive(g, 4), Randn(g, 2, 4, 3, 2)], "loss = F.cross_entropy(Net_Z * c, targets, weight=w, ignore_index=2, label_smoothing=0.2)"),
        Case("CrossEntropyPerPositionSmoothedWeightedSum", "[Param(3, 3, 4)] public Tensor Z;", "[Shape(3, 4)] Tensor targets, [Shape(3)] Tensor w",
            "CrossEntropy(Net.Z, targets, reduction: Reduction.Sum, weight: w, labelSmoothing: 0.3)",
            g => [Labels(g, 3, 3, 4), Positive(g, 3)], "loss = F.cross_entropy(Net_Z, targets, reduction='sum', weight=w, label_smoothing=0.3)"),
        Case("CrossEntropyPerPositionNone", "[Param(3, 4, 5)] public Tensor Z;", "[Shape(3, 5)] Tensor targets, [Shape(4)] Tensor w, [Shape(3, 5)] Tensor d",
            "Sum(CrossEntropy(Net.Z, targets, reduction: Reduction.None, weight: w, labelSmoothing: 0.1) * d)",
            g => [Labels(g, 4, 3, 5), Positive(g, 4), Randn(g, 3, 5)], "loss = (F.cross_entropy(Net_Z, targets, reduction='none', weight=w, label_smoothing=0.1) * d).sum()"),
        Case("NllLossPerPositionNone", "[Param(2, 5, 3)] public Tensor S;", "[Shape(2, 3)] Tensor targets, [Shape(5)] Tensor w, [Shape(2, 3)] Tensor d",
            "Sum(NllLoss(Net.S, targets, Reduction.None, w, ignoreIndex: 0) * d)",
            g => [Labels(g, 5, 2, 3), Positive(g, 5), Randn(g, 2, 3)], "loss = (F.nll_loss(Net_S, targets, reduction='none', weight=w, ignore_index=0) * d).sum()"),
        Case("BinaryCrossEntropyWithLogits", "[Param(4, 5)] public Tensor Z;", "[Shape(4, 5)] Tensor t, [Shape(4, 5)] Tensor c",
            "BinaryCrossEntropyWithLogits(Net.Z * c, t)",
            g => [Probabilities(g, 4, 5), Randn(g, 4, 5)], "loss = F.binary_cross_entropy_with_logits(Net_Z * c, t)"),
        Case("BinaryCrossEntropyWithLogitsWeighted", "[Param(4, 5)] public Tensor Z;", "[Shape(4, 5)] Tensor t, [Shape(4, 1)] Tensor w, [Shape(5)] Tensor pw",
            "BinaryCrossEntropyWithLogits(Net.Z, t, Reduction.Sum, w, pw)",
            g => [Probabilities(g, 4, 5), Positive(g, 4, 1), Positive(g, 5)],
            "loss = F.binary_cross_entropy_with_logits(Net_Z, t, reduction='sum', weight=w, pos_weight=pw)"),
        Case("BinaryCrossEntropyWithLogitsNone", "[Param(3, 4)] public Tensor Z;", "[Shape(3, 4)] Tensor t, [Shape(3, 4)] Tensor c",
            "Sum(BinaryCrossEntropyWithLogits(Net.Z, t, Reduction.None) * c)",
            g => [Probabilities(g, 3, 4), Randn(g, 3, 4)], "loss = (F.binary_cross_entropy_with_logits(Net_Z, t, reduction='none') * c).sum()"),
        // Both operands are parameters, so the target's gradient is checked too.
        Case("L1Loss", "[Param(3, 4)] public Tensor P; [Param(3, 4)] public Tensor T;", "[Shape(3, 4)] Tensor c", "L1Loss(Net.P * c, Net.T)",
            g => [Randn(g, 3, 4)], "loss = F.l1_loss(Net_P * c, Net_T)"),
        Case("L1LossNone", "[Param(2, 3, 4)] public Tensor P; [Param(2, 3, 4)] public Tensor T;", "[Shape(2, 3, 4)] Tensor c", "Sum(L1Loss(Net.P, Net.T, Reduction.None) * c)",
            g => [Randn(g, 2, 3, 4)], "loss = (F.l1_loss(Net_P, Net_T, reduction='none') * c).sum()"),
        Case("HuberLoss", "[Param(4, 5)] public Tensor P; [Param(4, 5)] public Tensor T;", "[Shape(4, 5)] Tensor c", "HuberLoss(Net.P * c, Net.T, Reduction.Sum, delta: 0.7)",
            g => [Randn(g, 4, 5)], "loss = F.huber_loss(Net_P * c, Net_T, reduction='sum', delta=0.7)"),
        Case("HuberLossMean", "[Param(3, 5)] public Tensor P; [Param(3, 5)] public Tensor T;", "[Shape(3, 5)] Tensor c", "HuberLoss(Net.P * c, Net.T)",
            g => [Randn(g, 3, 5)], "loss = F.huber_loss(Net_P * c, Net_T)"),
        Case("KlDiv", "[Param(3, 4)] public Tensor P; [Param(3, 4)] public Tensor T;", "[Shape(3, 4)] Tensor c", "KlDiv(Net.P * c, Square(Net.T))",
            g => [Randn(g, 3, 4)], "loss = F.kl_div(Net_P * c, Net_T ** 2)"),
        Case("KlDivLogTargetNone", "[Param(3, 4)] public Tensor P; [Param(3, 4)] public Tensor T;", "[Shape(3, 4)] Tensor c",
            "Sum(KlDiv(Net.P, Net.T, Reduction.None, logTarget: true) * c)",
            g => [Randn(g, 3, 4)], "loss = (F.kl_div(Net_P, Net_T, reduction='none', log_target=True) * c).sum()"),
    ];
}
