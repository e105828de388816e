namespace Dsl.Generators.Tests.Operators;

public static partial class LanguageOpCases
{
    // Layers on trainable parameters (the input is a parameter too, so its gradient is checked), each
    // output weighted by a random input so every element's gradient differs. Batched shapes throughout.
    private static IEnumerable<CrossCheckCase> NN =>
    [
        Case("Conv2dStridePadding", "[Param(2, 3, 7, 6)] public Tensor X; [Param(4, 3, 3, 3)] public Tensor W; [Param(4)] public Tensor B;",
            "[Shape(2, 4, 4, 3)] Tensor c", "Sum(Conv2d(Net.X, Net.W, Net.B, stride: 2, padding: 1) * c)",
            g => [Randn(g, 2, 4, 4, 3)], "loss = (F.conv2d(Net_X, Net_W, Net_B, stride=2, padding=1) * c).sum()"),
        Case("Conv2dGroupsDilation", "[Param(2, 4, 8, 8)] public Tensor X; [Param(6, 2, 3, 3)] public Tensor W;",
            "[Shape(2, 6, 4, 4)] Tensor c", "Sum(Conv2d(Net.X, Net.W, dilation: 2, groups: 2) * c)",
            g => [Randn(g, 2, 6, 4, 4)], "loss = (F.conv2d(Net_X, Net_W, dilation=2, groups=2) * c).sum()"),
        Case("Conv2dPairs", "[Param(2, 3, 7, 6)] public Tensor X; [Param(4, 3, 3, 2)] public Tensor W;",
            "[Shape(2, 4, 4, 5)] Tensor c", "Sum(Conv2d(Net.X, Net.W, stride: [2, 1], padding: [1, 0]) * c)",
            g => [Randn(g, 2, 4, 4, 5)], "loss = (F.conv2d(Net_X, Net_W, stride=(2, 1), padding=(1, 0)) * c).sum()"),
        Case("Conv1d", "[Param(2, 3, 10)] public Tensor X; [Param(5, 3, 3)] public Tensor W; [Param(5)] public Tensor B;",
            "[Shape(2, 5, 5)] Tensor c", "Sum(Conv1d(Net.X, Net.W, Net.B, stride: 2, padding: 1) * c)",
            g => [Randn(g, 2, 5, 5)], "loss = (F.conv1d(Net_X, Net_W, Net_B, stride=2, padding=1) * c).sum()"),
        Case("MaxPool2d", "[Param(2, 3, 6, 5)] public Tensor X;", "[Shape(2, 3, 3, 2)] Tensor c", "Sum(MaxPool2d(Net.X, 2) * c)",
            g => [Randn(g, 2, 3, 3, 2)], "loss = (F.max_pool2d(Net_X, 2) * c).sum()"),
        Case("MaxPool2dPaddedCeil", "[Param(2, 3, 6, 5)] public Tensor X;", "[Shape(2, 3, 4, 3)] Tensor c", "Sum(MaxPool2d(Net.X, 3, stride: 2, padding: 1, ceilMode: true) * c)",
            g => [Randn(g, 2, 3, 4, 3)], "loss = (F.max_pool2d(Net_X, 3, stride=2, padding=1, ceil_mode=True) * c).sum()"),
        Case("AvgPool2d", "[Param(2, 3, 6, 5)] public Tensor X;", "[Shape(2, 3, 3, 3)] Tensor c",
            "Sum(AvgPool2d(Net.X, 3, stride: 2, padding: 1, countIncludePad: false) * c)",
            g => [Randn(g, 2, 3, 3, 3)], "loss = (F.avg_pool2d(Net_X, 3, stride=2, padding=1, count_include_pad=False) * c).sum()"),
        Case("AvgPool2dSecondOrder", "[Param(2, 3, 4, 4)] public Tensor X;", "[Shape(2, 3, 2, 2)] Tensor c",
            "Sum(Square(Grad(Sum(Square(AvgPool2d(Net.X, 2)) * c), Net.X)))",
            g => [Randn(g, 2, 3, 2, 2)],
            """
            inner = ((F.avg_pool2d(Net_X, 2) ** 2) * c).sum()
            (gx,) = torch.autograd.grad(inner, Net_X, create_graph=True)
            loss = (gx ** 2).sum()
            """, eager: false),
        Case("AdaptiveAvgPool2d", "[Param(2, 3, 7, 5)] public Tensor X;", "[Shape(2, 3, 3, 2)] Tensor c", "Sum(AdaptiveAvgPool2d(Net.X, [3, 2]) * c)",
            g => [Randn(g, 2, 3, 3, 2)], "loss = (F.adaptive_avg_pool2d(Net_X, [3, 2]) * c).sum()"),
        Case("LayerNormAffine", "[Param(3, 4, 5)] public Tensor X; [Param(5)] public Tensor G; [Param(5)] public Tensor B;", "[Shape(3, 4, 5)] Tensor c",
            "Sum(LayerNorm(Net.X, [5], Net.G, Net.B) * c)",
            g => [Randn(g, 3, 4, 5)], "loss = (F.layer_norm(Net_X, [5], Net_G, Net_B) * c).sum()"),
        Case("LayerNormTwoAxes", "[Param(3, 4, 5)] public Tensor X;", "[Shape(3, 4, 5)] Tensor c",
            "Sum(LayerNorm(Net.X, [4, 5], eps: 0.01) * c)",
            g => [Randn(g, 3, 4, 5)], "loss = (F.layer_norm(Net_X, [4, 5], eps=0.01) * c).sum()"),
        Case("GroupNorm", "[Param(2, 6, 3, 3)] public Tensor X; [Param(6)] public Tensor G; [Param(6)] public Tensor B;", "[Shape(2, 6, 3, 3)] Tensor c",
            "Sum(GroupNorm(Net.X, 3, Net.G, Net.B) * c)",
            g => [Randn(g, 2, 6, 3, 3)], "loss = (F.group_norm(Net_X, 3, Net_G, Net_B) * c).sum()"),
        Case("BatchNormTraining4d",
            "[Param(4, 3, 2, 2)] public Tensor X; [Param(3, Frozen = true), Init(Init.Zeros)] public Tensor RunningMean; [Param(3, Frozen = true), Init(Init.Ones)] public Tensor RunningVar; [Param(3)] public Tensor G; [Param(3)] public Tensor B;",
            "[Shape(4, 3, 2, 2)] Tensor c", "Sum(BatchNorm(Net.X, Net.RunningMean, Net.RunningVar, Net.G, Net.B, training: true) * c)",
            g => [Randn(g, 4, 3, 2, 2)],
            "loss = (F.batch_norm(Net_X, Net_RunningMean.clone(), Net_RunningVar.clone(), Net_G, Net_B, training=True) * c).sum()"),
        Case("BatchNormTraining2d",
            "[Param(5, 3)] public Tensor X; [Param(3, Frozen = true), Init(Init.Zeros)] public Tensor RunningMean; [Param(3, Frozen = true), Init(Init.Ones)] public Tensor RunningVar;",
            "[Shape(5, 3)] Tensor c", "Sum(BatchNorm(Net.X, Net.RunningMean, Net.RunningVar, training: true, eps: 0.001) * c)",
            g => [Randn(g, 5, 3)],
            "loss = (F.batch_norm(Net_X, Net_RunningMean.clone(), Net_RunningVar.clone(), training=True, eps=0.001) * c).sum()"),
        // No 'training': the generated step trains (batch statistics); eagerly Ops.BatchNorm evaluates, so this case is not eager.
        Case("BatchNormStepTrains",
            "[Param(4, 3)] public Tensor X; [Param(3, Frozen = true), Init(Init.Zeros)] public Tensor RunningMean; [Param(3, Frozen = true), Init(Init.Ones)] public Tensor RunningVar; [Param(3)] public Tensor G;",
            "[Shape(4, 3)] Tensor c", "Sum(BatchNorm(Net.X, Net.RunningMean, Net.RunningVar, Net.G) * c)",
            g => [Randn(g, 4, 3)],
            "loss = (F.batch_norm(Net_X, torch.zeros(3, dtype=torch.float64), torch.ones(3, dtype=torch.float64), Net_G, training=True) * c).sum()", eager: false),
        // Running statistics used as given (evaluation), with a gradient for x and the affine parameters.
        Case("BatchNormEvaluation",
            "[Param(4, 3, 2)] public Tensor X; [Param(3, Frozen = true)] public Tensor RunningMean; [Param(3, Frozen = true), Init(Init.Ones)] public Tensor RunningVar; [Param(3)] public Tensor G; [Param(3)] public Tensor B;",
            "[Shape(4, 3, 2)] Tensor c", "Sum(BatchNorm(Net.X, Net.RunningMean, Net.RunningVar, Net.G, Net.B, training: false) * c)",
            g => [Randn(g, 4, 3, 2)],
            "loss = (F.batch_norm(Net_X, Net_RunningMean, Net_RunningVar, Net_G, Net_B, training=False) * c).sum()"),
        Case("Embedding", "[Param(7, 4)] public Tensor E;", "[Shape(2, 3)] Tensor indices, [Shape(2, 3, 4)] Tensor c", "Sum(Embedding(Net.E, indices) * c)",
            g => [Labels(g, 7, 2, 3), Randn(g, 2, 3, 4)], "loss = (F.embedding(indices, Net_E) * c).sum()"),
        Case("EmbeddingSecondOrder", "[Param(5, 3)] public Tensor E;", "[Shape(4)] Tensor indices, [Shape(4, 3)] Tensor c",
            "Sum(Square(Grad(Sum(Square(Embedding(Net.E, indices)) * c), Net.E)))",
            g => [Labels(g, 5, 4), Randn(g, 4, 3)],
            """
            inner = ((F.embedding(indices, Net_E) ** 2) * c).sum()
            (ge,) = torch.autograd.grad(inner, Net_E, create_graph=True)
            loss = (ge ** 2).sum()
            """, eager: false),
        Case("AttentionCausal", "[Param(2, 3, 4, 5)] public Tensor Q; [Param(2, 3, 4, 5)] public Tensor K; [Param(2, 3, 4, 5)] public Tensor V;",
            "[Shape(2, 3, 4, 5)] Tensor c", "Sum(ScaledDotProductAttention(Net.Q, Net.K, Net.V, causal: true) * c)",
            g => [Randn(g, 2, 3, 4, 5)],
            """
            s = Net_Q @ Net_K.transpose(-2, -1) / math.sqrt(5)
            s = s.masked_fill(torch.ones(4, 4, dtype=torch.bool).triu(1), float('-inf'))
            loss = ((torch.softmax(s, -1) @ Net_V) * c).sum()
            """),
        Case("AttentionScaled", "[Param(2, 3, 5)] public Tensor Q; [Param(2, 4, 5)] public Tensor K; [Param(2, 4, 6)] public Tensor V;",
            "[Shape(2, 3, 6)] Tensor c", "Sum(ScaledDotProductAttention(Net.Q, Net.K, Net.V, scale: 0.5) * c)",
            g => [Randn(g, 2, 3, 6)],
            "loss = ((torch.softmax(Net_Q @ Net_K.transpose(-2, -1) * 0.5, -1) @ Net_V) * c).sum()"),
    ];
}
