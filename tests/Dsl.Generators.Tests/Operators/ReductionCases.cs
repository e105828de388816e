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
    ];
}
