namespace Dsl.Generators.Tests.Operators;

public static partial class LanguageOpCases
{
    // The built-in Conv2d and BatchNorm2d layers (Dsl.Runtime/Layers) held as sub-models of a user's
    // experiment, against torch.nn.functional with the same weights. Two layers in a row, so the
    // gradient the second sends back to its input is checked too (through the first one's weights).
    private static IEnumerable<CrossCheckCase> ConvLayers =>
    [
        new("Conv2dLayer", """
            [Experiment]
            public partial class Conv2dFit
            {
                public Conv2d Conv1 = new() { In = 2, Out = 3, Kernel = 3 };
                public Conv2d Conv2 = new() { In = 3, Out = 2, Kernel = 2 };

                [Loss]
                public Tensor Loss([Shape("Batch", 2, 6, 5)] Tensor x, [Shape("Batch", 2, 3, 2)] Tensor c) =>
                    Sum(Conv2.Forward(Tanh(Conv1.Forward(x))) * c);
            }
            """, "Demo.Conv2dFit", 5, g => [Randn(g, 2, 2, 6, 5), Randn(g, 2, 2, 3, 2)],
            "loss = (F.conv2d(torch.tanh(F.conv2d(x, Conv1_Weight, Conv1_Bias)), Conv2_Weight, Conv2_Bias) * c).sum()", Exact),
        // The training step normalizes with the batch's statistics (torch's train mode); eagerly the
        // layer evaluates with the running ones, so this case is not eager. The running statistics
        // start at zeros and ones, as torch.nn.BatchNorm2d's.
        new("BatchNorm2dLayer", """
            [Experiment]
            public partial class BatchNorm2dFit
            {
                public Conv2d Conv = new() { In = 2, Out = 3, Kernel = 2 };
                public BatchNorm2d Norm = new() { Channels = 3 };

                [Loss]
                public Tensor Loss([Shape("Batch", 2, 4, 4)] Tensor x, [Shape("Batch", 3, 3, 3)] Tensor c) =>
                    Sum(Square(Norm.Forward(Tanh(Conv.Forward(x)))) * c);
            }
            """, "Demo.BatchNorm2dFit", 6, g => [Randn(g, 3, 2, 4, 4), Randn(g, 3, 3, 3, 3)],
            """
            running_mean, running_var = torch.zeros(3, dtype=torch.float64), torch.ones(3, dtype=torch.float64)
            y = F.batch_norm(torch.tanh(F.conv2d(x, Conv_Weight, Conv_Bias)), running_mean, running_var, Norm_Weight, Norm_Bias, training=True)
            loss = ((y ** 2) * c).sum()
            """, Exact, Eager: false),
    ];
}
