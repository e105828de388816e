namespace Dsl.Generators.Tests.Operators;

public static partial class LanguageOpCases
{
    // Sum and Mean over axes (with keepdim), weighted by an input so each element's gradient differs.
    private static IEnumerable<CrossCheckCase> Reductions =>
    [
        Case("SumAxis", "[Param(3, 4, 5)] public Tensor W;", "[Shape(3, 5)] Tensor c", "Sum(Sum(Net.W, 1) * c)",
            g => [Randn(g, 3, 5)], "loss = (Net_W.sum(1) * c).sum()"),
        Case("SumAxesKeepdim", "[Param(3, 4, 5)] public Tensor W;", "[Shape(3, 1, 5)] Tensor c", "Sum(Square(Sum(Net.W, [1, -1], keepdim: true)) * Sum(c))",
            g => [Randn(g, 3, 1, 5)], "loss = ((Net_W.sum([1, -1], keepdim=True) ** 2) * c.sum()).sum()"),
        Case("MeanAxis", "[Param(3, 4)] public Tensor W;", "[Shape(3)] Tensor c", "Sum(Mean(Net.W, -1) * c)",
            g => [Randn(g, 3)], "loss = (Net_W.mean(-1) * c).sum()"),
        Case("MeanAxesKeepdim", "[Param(2, 3, 4)] public Tensor W;", "[Shape(2, 3, 4)] Tensor c", "Sum(Exp(Mean(Net.W, [0, 2], keepdim: true)) * c)",
            g => [Randn(g, 2, 3, 4)], "loss = (torch.exp(Net_W.mean([0, 2], keepdim=True)) * c).sum()"),
        // A second derivative through a reduction's backward (ExpandAxes differentiated).
        Case("SumAxisSecondOrder", "[Param(3, 4)] public Tensor W;", "[Shape(3, 4)] Tensor c",
            "Sum(Square(Grad(Sum(Square(Sum(Net.W * c, 1))), Net.W)))",
            g => [Randn(g, 3, 4)],
            """
            inner = ((Net_W * c).sum(1) ** 2).sum()
            (gw,) = torch.autograd.grad(inner, Net_W, create_graph=True)
            loss = (gw ** 2).sum()
            """, eager: false),
        // ---- Max/Amax, LogSumExp, Var, Softmax, LogSoftmax, Argmax ----
        Case("MaxAll", "[Param(3, 4)] public Tensor W;", "[Shape(3, 4)] Tensor c", "Max(Net.W * c) * Sum(c)",
            g => [Randn(g, 3, 4)], "loss = (Net_W * c).max() * c.sum()"),
        Case("AmaxAxis", "[Param(2, 3, 4)] public Tensor W;", "[Shape(2, 4)] Tensor c", "Sum(Amax(Net.W, 1) * c)",
            g => [Randn(g, 2, 4)], "loss = (torch.amax(Net_W, 1) * c).sum()"),
        Case("AmaxAxesKeepdim", "[Param(2, 3, 4)] public Tensor W;", "[Shape(2, 3, 4)] Tensor c", "Sum(Amax(Net.W, [0, -1], keepdim: true) * c)",
            g => [Randn(g, 2, 3, 4)], "loss = (torch.amax(Net_W, [0, -1], keepdim=True) * c).sum()"),
        // Ties: the values are exactly c (W - W + c), with c tied in each row; the gradient is split
        // evenly among a row's maxima, as torch's. Not eager (NoGrad is the identity there).
        Case("AmaxTies", "[Param(2, 4)] public Tensor W;", "[Shape(2, 4)] Tensor c, [Shape(2)] Tensor d", "Sum(Amax(Net.W + NoGrad(-Net.W) + c, 1) * d)",
            g => [Tensor.FromArray(new[] { 1.0, 3.0, 3.0, 2.0, 5.0, 5.0, 5.0, -1.0 }, 2, 4), Randn(g, 2)],
            "loss = (torch.amax(Net_W + (-Net_W).detach() + c, 1) * d).sum()", eager: false),
        Case("MaxAllTies", "[Param(2, 4)] public Tensor W;", "[Shape(2, 4)] Tensor c", "Max(Net.W + NoGrad(-Net.W) + c) * Sum(Net.W)",
            g => [Tensor.FromArray(new[] { 1.0, 3.0, 3.0, 2.0, 0.0, 3.0, 2.0, -1.0 }, 2, 4)],
            "loss = (Net_W + (-Net_W).detach() + c).max() * Net_W.sum()", eager: false),
        Case("MinAll", "[Param(3, 4)] public Tensor W;", "[Shape(3, 4)] Tensor c", "Min(Net.W * c) * Sum(c)",
            g => [Randn(g, 3, 4)], "loss = (Net_W * c).min() * c.sum()"),
        Case("AminAxesKeepdim", "[Param(2, 3, 4)] public Tensor W;", "[Shape(2, 3, 4)] Tensor c", "Sum(Amin(Net.W, [1, 2], keepdim: true) * c)",
            g => [Randn(g, 2, 3, 4)], "loss = (torch.amin(Net_W, [1, 2], keepdim=True) * c).sum()"),
        Case("AminTies", "[Param(2, 4)] public Tensor W;", "[Shape(2, 4)] Tensor c, [Shape(4)] Tensor d", "Sum(Amin(Net.W + NoGrad(-Net.W) + c, 0) * d)",
            g => [Tensor.FromArray(new[] { 1.0, 3.0, 3.0, 2.0, 1.0, 5.0, 3.0, -1.0 }, 2, 4), Randn(g, 4)],
            "loss = (torch.amin(Net_W + (-Net_W).detach() + c, 0) * d).sum()", eager: false),
        Case("NormAll", "[Param(3, 4)] public Tensor W;", "[Shape(3, 4)] Tensor c", "Norm(Net.W * c)",
            g => [Randn(g, 3, 4)], "loss = torch.linalg.vector_norm(Net_W * c)"),
        Case("NormDims", "[Param(2, 3, 4)] public Tensor W;", "[Shape(2, 4)] Tensor c", "Sum(Norm(Net.W, dims: [1]) * c)",
            g => [Randn(g, 2, 4)], "loss = (torch.linalg.vector_norm(Net_W, dim=1) * c).sum()"),
        Case("NormP1Keepdim", "[Param(2, 3, 4)] public Tensor W;", "[Shape(2, 3, 4)] Tensor c", "Sum(Norm(Net.W, 1, [0, 2], keepdim: true) * c)",
            g => [Randn(g, 2, 3, 4)], "loss = (torch.linalg.vector_norm(Net_W, 1, dim=[0, 2], keepdim=True) * c).sum()"),
        Case("NormP3", "[Param(2, 3, 4)] public Tensor W;", "[Shape(2, 3)] Tensor c", "Sum(Norm(Net.W, 3, [-1]) * c)",
            g => [Randn(g, 2, 3)], "loss = (torch.linalg.vector_norm(Net_W, 3, dim=-1) * c).sum()"),
        // A row of zeros: its norm is 0 and its gradient 0 (torch's rule; central differences agree).
        Case("NormZeroRow", "[Param(3, 4)] public Tensor W;", "[Shape(3, 1)] Tensor m, [Shape(3)] Tensor d", "Sum(Norm(Net.W * m, dims: [1]) * d)",
            g => [Tensor.FromArray(new[] { 1.0, 0.0, 2.0 }, 3, 1), Randn(g, 3)],
            "loss = (torch.linalg.vector_norm(Net_W * m, dim=1) * d).sum()"),
        SecondOrderReduction("NormSecondOrder", "Norm(Net.W * c, dims: [1]) * Sum(c, 1)", "torch.linalg.vector_norm(Net_W * c, dim=1) * c.sum(1)"),
        Case("LogSumExpAll", "[Param(3, 4)] public Tensor W;", "[Shape(3, 4)] Tensor c", "LogSumExp(Net.W * c)",
            g => [Randn(g, 3, 4)], "loss = torch.logsumexp(Net_W * c, [0, 1])"),
        Case("LogSumExpAxis", "[Param(2, 3, 4)] public Tensor W;", "[Shape(2, 4)] Tensor c", "Sum(LogSumExp(Net.W * 30, 1) * c)",
            g => [Randn(g, 2, 4)], "loss = (torch.logsumexp(Net_W * 30, 1) * c).sum()"),
        Case("LogSumExpKeepdim", "[Param(2, 3, 4)] public Tensor W;", "[Shape(2, 3, 4)] Tensor c", "Sum(LogSumExp(Net.W, [0, 2], keepdim: true) * c)",
            g => [Randn(g, 2, 3, 4)], "loss = (torch.logsumexp(Net_W, [0, 2], keepdim=True) * c).sum()"),
        SecondOrderReduction("LogSumExpSecondOrder", "LogSumExp(Net.W * c, 1)", "torch.logsumexp(Net_W * c, 1)"),
        Case("VarAll", "[Param(3, 4)] public Tensor W;", "[Shape(3, 4)] Tensor c", "Var(Net.W * c)",
            g => [Randn(g, 3, 4)], "loss = torch.var(Net_W * c)"),
        Case("VarAxisBiased", "[Param(2, 3, 4)] public Tensor W;", "[Shape(2, 4)] Tensor c", "Sum(Var(Net.W, 1, unbiased: false) * c)",
            g => [Randn(g, 2, 4)], "loss = (torch.var(Net_W, 1, unbiased=False) * c).sum()"),
        Case("VarAxesKeepdim", "[Param(2, 3, 4)] public Tensor W;", "[Shape(2, 3, 4)] Tensor c", "Sum(Var(Net.W, [0, 2], keepdim: true) * c)",
            g => [Randn(g, 2, 3, 4)], "loss = (torch.var(Net_W, [0, 2], keepdim=True) * c).sum()"),
        SecondOrderReduction("VarSecondOrder", "Var(Net.W * c, 0)", "torch.var(Net_W * c, 0)"),
        Case("SoftmaxAxis", "[Param(2, 3, 4)] public Tensor W;", "[Shape(2, 3, 4)] Tensor c", "Sum(Softmax(Net.W, 1) * c)",
            g => [Randn(g, 2, 3, 4)], "loss = (torch.softmax(Net_W, 1) * c).sum()"),
        Case("LogSoftmaxLast", "[Param(2, 3, 4)] public Tensor W;", "[Shape(2, 3, 4)] Tensor c", "Sum(LogSoftmax(Net.W, -1) * c)",
            g => [Randn(g, 2, 3, 4)], "loss = (torch.log_softmax(Net_W, -1) * c).sum()"),
        SecondOrderReduction("SoftmaxSecondOrder", "Softmax(Net.W * c, 0) * c", "torch.softmax(Net_W * c, 0) * c"),
        SecondOrderReduction("LogSoftmaxSecondOrder", "LogSoftmax(Net.W * c, 1) * c", "torch.log_softmax(Net_W * c, 1) * c"),
        // Argmax has no gradient; against the column numbers it makes a one-hot mask of each row's
        // largest element, through which only those elements get their gradient.
        Case("ArgmaxMask", "[Param(3, 4)] public Tensor W;", "[Shape(3, 4)] Tensor c, [Shape(1, 4)] Tensor columns",
            "Sum(Net.W * c * Eq(columns, Argmax(Net.W, 1, keepdim: true))) + Sum(Square(Net.W)) * Argmax(c)",
            g => [Randn(g, 3, 4), Tensor.FromArray(new long[] { 0, 1, 2, 3 }, 1, 4)],
            "loss = (Net_W * c * (columns == torch.argmax(Net_W, 1, keepdim=True))).sum() + (Net_W ** 2).sum() * torch.argmax(c)"),
    ];

    /// <summary>A second derivative through a reduction: the squared gradient of Σ reduction(W ⊙ c), differentiated again.</summary>
    private static CrossCheckCase SecondOrderReduction(string name, string op, string torchOp) =>
        Case(name, "[Param(3, 4)] public Tensor W;", "[Shape(3, 4)] Tensor c", "Sum(Square(Grad(Sum(" + op + "), Net.W)))",
            g => [Randn(g, 3, 4)],
            $"""
            inner = ({torchOp}).sum()
            (gw,) = torch.autograd.grad(inner, Net_W, create_graph=True)
            loss = (gw ** 2).sum()
            """, eager: false);
}
