namespace Dsl.Generators.Tests.Operators;

public static partial class LanguageOpCases
{
    // Batched and broadcast products; each parameter's gradient is summed back over the batch axes
    // it was broadcast along.
    private static IEnumerable<CrossCheckCase> Products =>
    [
        Case("MatMul3D", "[Param(3, 2)] public Tensor W;", "[Shape(\"Batch\", 4, 3)] Tensor x, [Shape(\"Batch\", 4, 2)] Tensor c",
            "Sum(Tanh(MatMul(x, Net.W)) * c)",
            g => [Randn(g, 5, 4, 3), Randn(g, 5, 4, 2)], "loss = (torch.tanh(x @ Net_W) * c).sum()"),
        Case("MatMul4DAttention", "[Param(2, 3, 4)] public Tensor Q; [Param(2, 3, 4)] public Tensor K;",
            "[Shape(\"Batch\", 2, 3, 4)] Tensor x, [Shape(\"Batch\", 2, 3, 3)] Tensor c",
            "Sum(Square(MatMul(x * Net.Q, Transpose(Net.K, -2, -1))) * c)",
            g => [Randn(g, 3, 2, 3, 4), Randn(g, 3, 2, 3, 3)], "loss = (((x * Net_Q) @ Net_K.transpose(-2, -1)) ** 2 * c).sum()"),
        Case("MatMulBroadcastOnes", "[Param(1, 3, 4)] public Tensor A; [Param(2, 4, 5)] public Tensor B;", "[Shape(2, 3, 5)] Tensor c",
            "Sum(MatMul(Net.A, Net.B) * c) + Sum(Square(MatMul(Transpose(Net.B), Transpose(Net.A))))",
            g => [Randn(g, 2, 3, 5)], "loss = ((Net_A @ Net_B) * c).sum() + ((Net_B.transpose(-2, -1) @ Net_A.transpose(-2, -1)) ** 2).sum()"),
        Case("MatMul2DStill", "[Param(3, 4)] public Tensor A; [Param(3, 2)] public Tensor B;", "[Shape(4, 2)] Tensor c",
            "Sum(MatMul(Transpose(Net.A), Net.B) * c)",
            g => [Randn(g, 4, 2)], "loss = ((Net_A.t() @ Net_B) * c).sum()"),
        Case("Bmm", "[Param(2, 3, 4)] public Tensor A; [Param(2, 5, 4)] public Tensor B;", "[Shape(2, 3, 5)] Tensor c",
            "Sum(Tanh(Bmm(Net.A, Transpose(Net.B, 1, 2))) * c)",
            g => [Randn(g, 2, 3, 5)], "loss = (torch.tanh(torch.bmm(Net_A, Net_B.transpose(1, 2))) * c).sum()"),
        Case("Linear", "[Param(4, 3)] public Tensor W; [Param(4)] public Tensor B;", "[Shape(\"Batch\", 3)] Tensor x, [Shape(\"Batch\", 4)] Tensor c",
            "Sum(Tanh(Linear(x, Net.W, Net.B)) * c)",
            g => [Randn(g, 5, 3), Randn(g, 5, 4)], "loss = (torch.tanh(torch.nn.functional.linear(x, Net_W, Net_B)) * c).sum()"),
        Case("Linear3DNoBias", "[Param(4, 3)] public Tensor W;", "[Shape(\"Batch\", 2, 3)] Tensor x, [Shape(\"Batch\", 2, 4)] Tensor c",
            "Sum(Square(Linear(x, Net.W)) * c)",
            g => [Randn(g, 5, 2, 3), Randn(g, 5, 2, 4)], "loss = ((torch.nn.functional.linear(x, Net_W) ** 2) * c).sum()"),
        Case("Addmm", "[Param(3, 4)] public Tensor W; [Param(4)] public Tensor B; [Param(2, 3)] public Tensor A;",
            "[Shape(\"Batch\", 3)] Tensor x, [Shape(\"Batch\", 4)] Tensor c",
            "Sum(Tanh(Addmm(Net.B, x, Net.W, beta: 0.5, alpha: 2)) * c) + Sum(Square(Addmm(Net.B, Net.A, Net.W, 1.5, -1)))",
            g => [Randn(g, 5, 3), Randn(g, 5, 4)],
            "loss = (torch.tanh(torch.addmm(Net_B, x, Net_W, beta=0.5, alpha=2)) * c).sum() + (torch.addmm(Net_B, Net_A, Net_W, beta=1.5, alpha=-1) ** 2).sum()"),
        Case("EinsumBatched", "[Param(3, 4)] public Tensor A; [Param(4, 2)] public Tensor W;", "[Shape(\"Batch\", 3, 4)] Tensor x, [Shape(\"Batch\", 3, 2)] Tensor c",
            "Sum(Tanh(Einsum(\"bij,jk->bik\", x * Net.A, Net.W)) * c)",
            g => [Randn(g, 4, 3, 4), Randn(g, 4, 3, 2)], "loss = (torch.tanh(torch.einsum(\"bij,jk->bik\", x * Net_A, Net_W)) * c).sum()"),
        // '...' stands for the axes the letters do not name, right-aligned across operands, as torch.
        Case("EinsumEllipsis", "[Param(3, 4)] public Tensor A; [Param(4, 2)] public Tensor W;", "[Shape(\"Batch\", 2, 3, 4)] Tensor x, [Shape(\"Batch\", 2, 3, 2)] Tensor c",
            "Sum(Tanh(Einsum(\"...ij,jk->...ik\", x * Net.A, Net.W)) * c)",
            g => [Randn(g, 3, 2, 3, 4), Randn(g, 3, 2, 3, 2)], "loss = (torch.tanh(torch.einsum(\"...ij,jk->...ik\", x * Net_A, Net_W)) * c).sum()"),
        Case("EinsumEllipsisForms", "[Param(2, 3, 4)] public Tensor A; [Param(4)] public Tensor V; [Param(4, 5)] public Tensor B;", "[Shape(2, 3)] Tensor c",
            "Sum(Einsum(\"...i,i\", Net.A, Net.V) * c) + Sum(Square(Einsum(\"...ij->...ji\", Net.A))) + Sum(Tanh(Einsum(\"...ij,...jk->...ik\", Net.A, Net.B)))",
            g => [Randn(g, 2, 3)],
            """
            loss = (torch.einsum("...i,i", Net_A, Net_V) * c).sum() + (torch.einsum("...ij->...ji", Net_A) ** 2).sum() \
                + torch.tanh(torch.einsum("...ij,...jk->...ik", Net_A, Net_B)).sum()
            """),
        Case("EinsumForms", "[Param(2, 3)] public Tensor A; [Param(3, 4)] public Tensor B; [Param(4)] public Tensor V;",
            "[Shape(2, 4)] Tensor c, [Shape(3, 2)] Tensor d",
            "Sum(Einsum(\"ij,jk\", Net.A, Net.B) * c) + Sum(Square(Einsum(\"ij->ji\", Net.A)) * d) + Einsum(\"ij->\", Net.B) * Einsum(\"i,i->\", Net.V, Net.V) + Sum(Square(Einsum(\"ij,k->ik\", Net.A, Net.V)) * c)",
            g => [Randn(g, 2, 4), Randn(g, 3, 2)],
            """
            loss = (torch.einsum("ij,jk", Net_A, Net_B) * c).sum() + ((torch.einsum("ij->ji", Net_A) ** 2) * d).sum() \
                + torch.einsum("ij->", Net_B) * torch.einsum("i,i->", Net_V, Net_V) + ((torch.einsum("ij,k->ik", Net_A, Net_V) ** 2) * c).sum()
            """),
        Case("EinsumSecondOrder", "[Param(2, 3)] public Tensor A; [Param(3)] public Tensor V;", "[Shape(2)] Tensor c",
            "Sum(Square(Grad(Sum(Square(Einsum(\"ij,j->i\", Net.A, Net.V)) * c) + Einsum(\"ij->\", Square(Net.A)), Net.A)))",
            g => [Randn(g, 2)],
            """
            inner = ((torch.einsum("ij,j->i", Net_A, Net_V) ** 2) * c).sum() + torch.einsum("ij->", Net_A ** 2)
            (ga,) = torch.autograd.grad(inner, Net_A, create_graph=True)
            loss = (ga ** 2).sum()
            """, eager: false),
        // Second derivatives through batched products and Linear (their backward products differentiated again).
        Case("ProductsSecondOrder", "[Param(3, 2)] public Tensor W; [Param(2, 2)] public Tensor V; [Param(2)] public Tensor B;",
            "[Shape(\"Batch\", 4, 3)] Tensor x, [Shape(\"Batch\", 4, 2)] Tensor c",
            "Sum(Square(Grad(Sum(Square(Linear(MatMul(x, Net.W), Net.V, Net.B) * MatMul(x, Net.W)) * c), Net.W))) + Sum(Square(Grad(Sum(Tanh(Addmm(Unsqueeze(Net.B, 1), Net.V, Transpose(Net.W)))), Net.V)))",
            g => [Randn(g, 3, 4, 3), Randn(g, 3, 4, 2)],
            """
            h = x @ Net_W
            inner = ((torch.nn.functional.linear(h, Net_V, Net_B) * h) ** 2 * c).sum()
            (gw,) = torch.autograd.grad(inner, Net_W, create_graph=True)
            (gv,) = torch.autograd.grad(torch.tanh(torch.addmm(Net_B.unsqueeze(1), Net_V, Net_W.t())).sum(), Net_V, create_graph=True)
            loss = (gw ** 2).sum() + (gv ** 2).sum()
            """, eager: false),
    ];
}
