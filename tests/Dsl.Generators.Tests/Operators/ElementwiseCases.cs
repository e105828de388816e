namespace Dsl.Generators.Tests.Operators;

public static partial class LanguageOpCases
{
    private const string Matrix = "[Param(3, 4)] public Tensor W;";

    private const string TwoMatrices = "[Param(3, 4)] public Tensor W; [Param(4)] public Tensor V;";

    /// <summary>A second derivative through <paramref name="op"/>: the squared gradient of Σ op(W ⊙ c), differentiated again.</summary>
    private static CrossCheckCase SecondOrder(string name, string op, string torchOp) =>
        Case(name, Matrix, "[Shape(3, 4)] Tensor c", "Sum(Square(Grad(Sum(" + op.Replace("#", "Net.W * c") + "), Net.W)))",
            g => [Randn(g, 3, 4)],
            $"""
            inner = ({torchOp.Replace("#", "Net_W * c")}).sum()
            (gw,) = torch.autograd.grad(inner, Net_W, create_graph=True)
            loss = (gw ** 2).sum()
            """, eager: false);

    // Each op on trainable parameters, weighted by an input so each element's gradient differs.
    private static IEnumerable<CrossCheckCase> Elementwise =>
    [
        Case("Gelu", Matrix, "[Shape(3, 4)] Tensor c", "Sum(Gelu(Net.W) * c)",
            g => [Randn(g, 3, 4)], "loss = (torch.nn.functional.gelu(Net_W) * c).sum()"),
        Case("GeluTanh", Matrix, "[Shape(3, 4)] Tensor c", "Sum(Gelu(Net.W, tanhApproximation: true) * c)",
            g => [Randn(g, 3, 4)], "loss = (torch.nn.functional.gelu(Net_W, approximate='tanh') * c).sum()"),
        SecondOrder("GeluSecondOrder", "Gelu(#)", "torch.nn.functional.gelu(#)"),
        SecondOrder("GeluTanhSecondOrder", "Gelu(#, true)", "torch.nn.functional.gelu(#, approximate='tanh')"),
        Case("Silu", Matrix, "[Shape(3, 4)] Tensor c", "Sum(Silu(Net.W) * c)",
            g => [Randn(g, 3, 4)], "loss = (torch.nn.functional.silu(Net_W) * c).sum()"),
        SecondOrder("SiluSecondOrder", "Silu(#)", "torch.nn.functional.silu(#)"),
        Case("Clamp", Matrix, "[Shape(3, 4)] Tensor c", "Sum(Clamp(Net.W, -0.3, 0.4) * c)",
            g => [Randn(g, 3, 4)], "loss = (torch.clamp(Net_W, min=-0.3, max=0.4) * c).sum()"),
        Case("ClampMaxOnly", Matrix, "[Shape(3, 4)] Tensor c", "Sum(Clamp(Net.W, max: 0.1) * c)",
            g => [Randn(g, 3, 4)], "loss = (torch.clamp(Net_W, max=0.1) * c).sum()"),
        Case("PowCube", Matrix, "[Shape(3, 4)] Tensor c", "Sum(Pow(Net.W, 3) * c)",
            g => [Randn(g, 3, 4)], "loss = (torch.pow(Net_W, 3) * c).sum()"),
        Case("PowFractional", Matrix, "[Shape(3, 4)] Tensor c", "Sum(Pow(Abs(Net.W) + 0.5, 1.5) * c)",
            g => [Randn(g, 3, 4)], "loss = (torch.pow(Net_W.abs() + 0.5, 1.5) * c).sum()"),
        // A run-time exponent (a number parameter): the derivative's p - 1 is computed when the step runs.
        Case("PowRunTimeExponent", Matrix, "[Shape(3, 4)] Tensor c, double p", "Sum(Pow(Abs(Net.W) + 0.5, p) * c)",
            g => [Randn(g, 3, 4), 2.5], "loss = (torch.pow(Net_W.abs() + 0.5, p) * c).sum()"),
        SecondOrder("PowSecondOrder", "Pow(#, 3)", "torch.pow(#, 3)"),
        // Broadcast [3, 4] against [4]: V's gradient is summed over the rows it won.
        Case("MaximumBroadcast", TwoMatrices, "[Shape(3, 4)] Tensor c", "Sum(Maximum(Net.W, Net.V) * c)",
            g => [Randn(g, 3, 4)], "loss = (torch.maximum(Net_W, Net_V) * c).sum()"),
        Case("MinimumBroadcast", TwoMatrices, "[Shape(3, 4)] Tensor c", "Sum(Minimum(Net.V, Net.W) * c)",
            g => [Randn(g, 3, 4)], "loss = (torch.minimum(Net_V, Net_W) * c).sum()"),
        Case("MaximumNumber", Matrix, "[Shape(3, 4)] Tensor c", "Sum(Maximum(0.1, Net.W) * c)",
            g => [Randn(g, 3, 4)], "loss = (torch.maximum(torch.tensor(0.1, dtype=torch.float64), Net_W) * c).sum()"),
        Case("MinimumNumber", Matrix, "[Shape(3, 4)] Tensor c", "Sum(Minimum(Net.W, -0.1) * c)",
            g => [Randn(g, 3, 4)], "loss = (torch.minimum(Net_W, torch.tensor(-0.1, dtype=torch.float64)) * c).sum()"),
        // Ties everywhere: W against a copy that passes no gradient, so W gets half of g, as torch.
        // Not eager: NoGrad is the identity there, so finite differences move both operands.
        Case("MaximumTies", Matrix, "[Shape(3, 4)] Tensor c", "Sum(Maximum(Net.W, NoGrad(Net.W)) * c)",
            g => [Randn(g, 3, 4)], "loss = (torch.maximum(Net_W, Net_W.detach()) * c).sum()", eager: false),
        Case("MinimumTies", Matrix, "[Shape(3, 4)] Tensor c", "Sum(Minimum(NoGrad(Net.W), Net.W) * c)",
            g => [Randn(g, 3, 4)], "loss = (torch.minimum(Net_W.detach(), Net_W) * c).sum()", eager: false),
        SecondOrder("MaximumSecondOrder", "Square(Maximum(#, 0.2))", "torch.maximum(#, torch.tensor(0.2, dtype=torch.float64)) ** 2"),
        // Where with a broadcast branch: the condition [3, 4], a [3, 4], b [4].
        Case("WhereBroadcast", TwoMatrices, "[Shape(3, 4)] Tensor c", "Sum(Where(Gt(Net.W, c), Net.W * c, Exp(Net.V)))",
            g => [Randn(g, 3, 4)], "loss = torch.where(Net_W > c, Net_W * c, torch.exp(Net_V)).sum()"),
        SecondOrder("WhereSecondOrder", "Where(Lt(#, 0), Square(#), Exp(#))", "torch.where(# < 0, (#) ** 2, torch.exp(#))"),
        Case("Softplus", Matrix, "[Shape(3, 4)] Tensor c", "Sum(Softplus(Net.W) * c)",
            g => [Randn(g, 3, 4)], "loss = (torch.nn.functional.softplus(Net_W) * c).sum()"),
        // β = 2 and a low threshold, so some elements take the linear branch.
        Case("SoftplusThreshold", Matrix, "[Shape(3, 4)] Tensor c", "Sum(Softplus(Net.W * c, beta: 2, threshold: 0.5) * c)",
            g => [Randn(g, 3, 4)], "loss = (torch.nn.functional.softplus(Net_W * c, beta=2, threshold=0.5) * c).sum()"),
        SecondOrder("SoftplusSecondOrder", "Softplus(#, 2, 0.5)", "torch.nn.functional.softplus(#, beta=2, threshold=0.5)"),
        Case("LeakyRelu", Matrix, "[Shape(3, 4)] Tensor c", "Sum(LeakyRelu(Net.W) * c + LeakyRelu(Net.W * c, 0.2))",
            g => [Randn(g, 3, 4)], "loss = (torch.nn.functional.leaky_relu(Net_W) * c + torch.nn.functional.leaky_relu(Net_W * c, 0.2)).sum()"),
        SecondOrder("LeakyReluSecondOrder", "Square(LeakyRelu(#, 0.3))", "torch.nn.functional.leaky_relu(#, 0.3) ** 2"),
        Case("Elu", Matrix, "[Shape(3, 4)] Tensor c", "Sum(Elu(Net.W) * c + Elu(Net.W * c, alpha: 0.5))",
            g => [Randn(g, 3, 4)], "loss = (torch.nn.functional.elu(Net_W) * c + torch.nn.functional.elu(Net_W * c, alpha=0.5)).sum()"),
        SecondOrder("EluSecondOrder", "Elu(#, 0.5)", "torch.nn.functional.elu(#, alpha=0.5)"),
        Case("LogSigmoid", Matrix, "[Shape(3, 4)] Tensor c", "Sum(LogSigmoid(Net.W * 4) * c)",
            g => [Randn(g, 3, 4)], "loss = (torch.nn.functional.logsigmoid(Net_W * 4) * c).sum()"),
        SecondOrder("LogSigmoidSecondOrder", "LogSigmoid(#)", "torch.nn.functional.logsigmoid(#)"),
        Case("Erf", Matrix, "[Shape(3, 4)] Tensor c", "Sum(Erf(Net.W) * c)",
            g => [Randn(g, 3, 4)], "loss = (torch.erf(Net_W) * c).sum()"),
        SecondOrder("ErfSecondOrder", "Erf(#)", "torch.erf(#)"),
        Case("Log1p", Matrix, "[Shape(3, 4)] Tensor c", "Sum(Log1p(Square(Net.W)) * c)",
            g => [Randn(g, 3, 4)], "loss = (torch.log1p(Net_W ** 2) * c).sum()"),
        SecondOrder("Log1pSecondOrder", "Log1p(Square(#))", "torch.log1p((#) ** 2)"),
        Case("Expm1", Matrix, "[Shape(3, 4)] Tensor c", "Sum(Expm1(Net.W) * c)",
            g => [Randn(g, 3, 4)], "loss = (torch.expm1(Net_W) * c).sum()"),
        SecondOrder("Expm1SecondOrder", "Expm1(#)", "torch.expm1(#)"),
        Case("SinCos", Matrix, "[Shape(3, 4)] Tensor c", "Sum(Sin(Net.W * 3) * c + Cos(Net.W) * Square(c))",
            g => [Randn(g, 3, 4)], "loss = (torch.sin(Net_W * 3) * c + torch.cos(Net_W) * c ** 2).sum()"),
        SecondOrder("SinSecondOrder", "Sin(#)", "torch.sin(#)"),
        SecondOrder("CosSecondOrder", "Cos(#)", "torch.cos(#)"),
        // Each comparison as a mask on W (against a tensor and against a number).
        Case("Comparisons", Matrix, "[Shape(3, 4)] Tensor c",
            "Sum(Net.W * Gt(Net.W, c) + Square(Net.W) * Ge(c, 0.2) + Exp(Net.W) * Lt(Net.W, 0) + Net.W * c * Le(Net.W, -0.3) + Net.W * Eq(Net.W, Net.W) * c + Square(Net.W) * c * Ne(c, c))",
            g => [Randn(g, 3, 4)],
            "loss = (Net_W * (Net_W > c) + Net_W ** 2 * (c >= 0.2) + torch.exp(Net_W) * (Net_W < 0) + Net_W * c * (Net_W <= -0.3) + Net_W * (Net_W == Net_W) * c + Net_W ** 2 * c * (c != c)).sum()"),
    ];
}
