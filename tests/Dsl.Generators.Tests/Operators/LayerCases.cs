namespace Dsl.Generators.Tests.Operators;

public static partial class LanguageOpCases
{
    // The built-in layers (Dsl.Runtime/Layers, [Model]s shipped to referencing assemblies) held as
    // sub-models of a user's experiment, against torch.nn.functional with the same weights.
    private static IEnumerable<CrossCheckCase> Layers =>
    [
        new("LinearLayer", """
            [Experiment]
            public partial class LinearFit
            {
                public Linear L1 = new() { In = 4, Out = 3 };

                [Loss]
                public Tensor Loss([Shape("Batch", 4)] Tensor x, [Shape("Batch", 3)] Tensor c) => Sum(L1.Forward(x) * c);
            }
            """, "Demo.LinearFit", 3, g => [Randn(g, 5, 4), Randn(g, 5, 3)],
            "loss = (F.linear(x, L1_Weight, L1_Bias) * c).sum()", Exact),
        new("MlpLayer", """
            [Experiment]
            public partial class MlpFit
            {
                public Mlp Net = new() { In = 4, Hidden = 6, Out = 2 };

                [Loss]
                public Tensor Loss([Shape("Batch", 4)] Tensor x, [Shape("Batch", 2)] Tensor c) => Sum(Net.Forward(x) * c);
            }
            """, "Demo.MlpFit", 4, g => [Randn(g, 5, 4), Randn(g, 5, 2)],
            "loss = (F.linear(torch.relu(F.linear(x, Net_Weight1, Net_Bias1)), Net_Weight2, Net_Bias2) * c).sum()", Exact),
    ];
}
