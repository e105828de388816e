namespace Dsl.Generators.Tests.Operators;

public static partial class LanguageOpCases
{
    // Shape ops on trainable parameters (and on batched inputs times parameters, with a run-time
    // Batch), weighted by a random input so each element's gradient differs.
    private static IEnumerable<CrossCheckCase> ShapeOps =>
    [
        Case("ReshapeInferred", "[Param(4, 3)] public Tensor W;", "[Shape(\"Batch\", 4, 3)] Tensor x, [Shape(\"Batch\", 12)] Tensor c",
            "Sum(Reshape(x * Net.W, -1, 12) * c)",
            g => [Randn(g, 5, 4, 3), Randn(g, 5, 12)], "loss = ((x * Net_W).reshape(-1, 12) * c).sum()"),
        Case("ReshapeList", "[Param(3, 4)] public Tensor W;", "[Shape(2, 6)] Tensor c", "Sum(Square(Reshape(Net.W, [2, -1])) * c)",
            g => [Randn(g, 2, 6)], "loss = ((Net_W.reshape([2, -1]) ** 2) * c).sum()"),
        Case("View", "[Param(3, 4)] public Tensor W;", "[Shape(6, 2)] Tensor c", "Sum(Tanh(View(Net.W, 6, 2)) * c)",
            g => [Randn(g, 6, 2)], "loss = (torch.tanh(Net_W.view(6, 2)) * c).sum()"),
        Case("Flatten", "[Param(2, 3, 2)] public Tensor W;", "[Shape(\"Batch\", 2, 3, 2)] Tensor x, [Shape(\"Batch\", 12)] Tensor c",
            "Sum(Flatten(x * Net.W, 1) * c)",
            g => [Randn(g, 4, 2, 3, 2), Randn(g, 4, 12)], "loss = (torch.flatten(x * Net_W, 1) * c).sum()"),
        Case("FlattenMiddle", "[Param(2, 3, 4, 5)] public Tensor W;", "[Shape(2, 12, 5)] Tensor c", "Sum(Square(Flatten(Net.W, startDim: 1, endDim: -2)) * c)",
            g => [Randn(g, 2, 12, 5)], "loss = ((torch.flatten(Net_W, 1, -2) ** 2) * c).sum()"),
        Case("SqueezeUnsqueeze", "[Param(3, 1, 4)] public Tensor W; [Param(1, 4, 1)] public Tensor V;", "[Shape(2, 3, 4)] Tensor c",
            "Sum(Unsqueeze(Squeeze(Net.W, 1) * Squeeze(Net.V), 0) * c) + Sum(Square(Unsqueeze(Net.V, -1)))",
            g => [Randn(g, 2, 3, 4)],
            "loss = ((Net_W.squeeze(1) * Net_V.squeeze()).unsqueeze(0) * c).sum() + (Net_V.unsqueeze(-1) ** 2).sum()"),
        Case("TransposeAxes", "[Param(2, 3, 4)] public Tensor W;", "[Shape(4, 3, 2)] Tensor c, [Shape(2, 4, 3)] Tensor d",
            "Sum(Transpose(Net.W, 0, 2) * c) + Sum(Square(Transpose(Net.W)) * d)",
            g => [Randn(g, 4, 3, 2), Randn(g, 2, 4, 3)], "loss = (Net_W.transpose(0, 2) * c).sum() + ((Net_W.transpose(-2, -1) ** 2) * d).sum()"),
        Case("Permute", "[Param(2, 3, 4)] public Tensor W;", "[Shape(\"Batch\", 4, 2, 3)] Tensor c", "Sum(Tanh(Permute(Net.W, 2, 0, -2)) * c)",
            g => [Randn(g, 3, 4, 2, 3)], "loss = (torch.tanh(Net_W.permute(2, 0, 1)) * c).sum()"),
        Case("Expand", "[Param(3, 1)] public Tensor W;", "[Shape(2, 3, 4)] Tensor c, [Shape(3, 5)] Tensor d",
            "Sum(Square(Expand(Net.W, 2, 3, 4)) * c) + Sum(Expand(Net.W, -1, 5) * d)",
            g => [Randn(g, 2, 3, 4), Randn(g, 3, 5)], "loss = ((Net_W.expand(2, 3, 4) ** 2) * c).sum() + (Net_W.expand(-1, 5) * d).sum()"),
        Case("Cat", "[Param(3)] public Tensor A; [Param(3, 2)] public Tensor W;", "[Shape(\"Batch\", 3)] Tensor x, [Shape(\"Batch\", 5)] Tensor c",
            "Sum(Square(Cat([x * Net.A, MatMul(x, Net.W)], 1)) * c)",
            g => [Randn(g, 4, 3), Randn(g, 4, 5)], "loss = ((torch.cat([x * Net_A, x @ Net_W], 1) ** 2) * c).sum()"),
        Case("CatRows", "[Param(2, 3)] public Tensor A; [Param(4, 3)] public Tensor B;", "[Shape(6, 3)] Tensor c",
            "Sum(Tanh(Cat([Net.A, Net.B, Net.A])) * Cat([c, Narrow(c, 0, 0, 2)]))",
            g => [Randn(g, 6, 3)], "loss = (torch.tanh(torch.cat([Net_A, Net_B, Net_A])) * torch.cat([c, c.narrow(0, 0, 2)])).sum()"),
        Case("Stack", "[Param(3)] public Tensor A; [Param(3)] public Tensor B;", "[Shape(\"Batch\", 3)] Tensor x, [Shape(\"Batch\", 2, 3)] Tensor c",
            "Sum(Stack([x * Net.A, Tanh(x * Net.B)], dim: 1) * c)",
            g => [Randn(g, 4, 3), Randn(g, 4, 2, 3)], "loss = (torch.stack([x * Net_A, torch.tanh(x * Net_B)], dim=1) * c).sum()"),
        Case("Narrow", "[Param(5)] public Tensor W;", "[Shape(\"Batch\", 5)] Tensor x, [Shape(\"Batch\", 2)] Tensor c",
            "Sum(Square(Narrow(x * Net.W, 1, 2, 2)) * c) + Sum(Narrow(Net.W, 0, -2, 2))",
            g => [Randn(g, 3, 5), Randn(g, 3, 2)], "loss = (((x * Net_W).narrow(1, 2, 2) ** 2) * c).sum() + Net_W.narrow(0, -2, 2).sum()"),
        Case("Slice", "[Param(5, 2)] public Tensor W;", "[Shape(3, 2)] Tensor c, [Shape(5, 1)] Tensor d",
            "Sum(Slice(Net.W, 0, -3) * c) + Sum(Square(Slice(Net.W, 1, 1, 7)) * d)",
            g => [Randn(g, 3, 2), Randn(g, 5, 1)], "loss = (Net_W[-3:] * c).sum() + ((Net_W[:, 1:7] ** 2) * d).sum()"),
        Case("Select", "[Param(3)] public Tensor W;", "[Shape(\"Batch\", 3)] Tensor x, [Shape(\"Batch\")] Tensor c",
            "Sum(Select(x * Net.W, 1, -1) * c) + Sum(Square(Select(Unsqueeze(Net.W, 0), 0, 0)))",
            g => [Randn(g, 4, 3), Randn(g, 4)], "loss = ((x * Net_W).select(1, -1) * c).sum() + (Net_W.unsqueeze(0).select(0, 0) ** 2).sum()"),
        Case("IndexSelect", "[Param(5, 3)] public Tensor W;", "[Shape(\"Rows\")] Tensor index, [Shape(\"Rows\", 3)] Tensor c",
            "Sum(Tanh(IndexSelect(Net.W, 0, index)) * c)",
            g => [Labels(g, 5, 9), Randn(g, 9, 3)], "loss = (torch.tanh(Net_W.index_select(0, index)) * c).sum()"),
        Case("Gather", "[Param(5)] public Tensor W;", "[Shape(\"Batch\", 5)] Tensor x, [Shape(\"Batch\", 3)] Tensor index, [Shape(\"Batch\", 3)] Tensor c",
            "Sum(Square(Gather(x * Net.W, 1, index)) * c)",
            g => [Randn(g, 4, 5), Labels(g, 5, 4, 3), Randn(g, 4, 3)], "loss = (((x * Net_W).gather(1, index) ** 2) * c).sum()"),
        // Second derivatives through the shape ops' backward ops (each differentiated again).
        Case("ShapeOpsSecondOrder", "[Param(2, 3)] public Tensor W;", "[Shape(3, 2)] Tensor c, [Shape(2, 2)] Tensor index, [Shape(4)] Tensor rows",
            """
            Sum(Square(Grad(
                Sum(Square(Cat([Reshape(Net.W, 3, 2), Transpose(Net.W)], 1)) * Cat([c, c], 1))
                + Sum(Square(Narrow(Net.W, 1, 1, 2)) * Gather(Net.W, 1, index))
                + Sum(Square(Stack([Select(Net.W, 0, 1), Select(Net.W, 0, 0)])) * Permute(Expand(Unsqueeze(Select(Net.W, 1, 2), 0), 3, 2), 1, 0))
                + Sum(Square(Flatten(Squeeze(Unsqueeze(IndexSelect(Net.W, 1, rows), 0), 0))) * Slice(Flatten(Cat([c, c], 1)), 0, 0, 8)),
                Net.W)))
            """,
            g => [Randn(g, 3, 2), Labels(g, 3, 2, 2), Labels(g, 3, 4)],
            """
            W = Net_W
            a = ((torch.cat([W.reshape(3, 2), W.transpose(-2, -1)], 1) ** 2) * torch.cat([c, c], 1)).sum()
            b = ((W.narrow(1, 1, 2) ** 2) * W.gather(1, index)).sum()
            s = ((torch.stack([W.select(0, 1), W.select(0, 0)]) ** 2) * W.select(1, 2).unsqueeze(0).expand(3, 2).permute(1, 0)).sum()
            f = ((torch.flatten(W.index_select(1, rows).unsqueeze(0).squeeze(0)) ** 2) * torch.flatten(torch.cat([c, c], 1))[0:8]).sum()
            (gw,) = torch.autograd.grad(a + b + s + f, W, create_graph=True)
            loss = (gw ** 2).sum()
            """, eager: false),
    ];
}
