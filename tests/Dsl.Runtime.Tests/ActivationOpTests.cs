using Dsl.Testing;
using Xunit;

namespace Dsl.Runtime.Tests;

/// <summary>
/// Erf, Log1p, Expm1, Sin, Cos, LogSigmoid, Softplus, LeakyRelu and Elu against torch, and the
/// activations' gradients against torch.autograd; Float64 at 1e-10.
/// </summary>
public sealed class ActivationCatalog : OpCatalog
{
    private const double Rtol = 1e-10, Atol = 1e-12;

    // Wide enough to cross softplus's threshold and to reach both branches of the piecewise ones.
    private static Dictionary<string, Tensor> X(Generator g) => new() { ["x"] = Tensor.Randn([4, 5], g, DType.Float64) * 4 };

    private static Dictionary<string, Tensor> AboveMinusOne(Generator g) => new() { ["x"] = Tensor.Rand([4, 5], g, DType.Float64) * 3 - 0.9 };

    private static Dictionary<string, Tensor> XG(Generator g) => new()
    {
        ["x"] = Tensor.Randn([3, 2, 5], g, DType.Float64) * 4,
        ["g"] = Tensor.Randn([3, 2, 5], g, DType.Float64),
    };

    private static OpCase Unary(string name, string torch, Func<Tensor, Tensor> eager, Action<Tensor, Tensor> into,
        Func<Generator, Dictionary<string, Tensor>>? inputs = null) =>
        new(name, torch, inputs ?? X, i => eager(i["x"]), (i, o) => into(i["x"], o), Rtol, Atol);

    private static OpCase Backward(string name, string forward, Func<Tensor, Tensor, Tensor> eager, Action<Tensor, Tensor, Tensor> into) =>
        new(name, $"x.requires_grad_()\nresult = torch.autograd.grad({forward}, (x,), g)[0]", XG,
            i => eager(i["g"], i["x"]), (i, o) => into(i["g"], i["x"], o), Rtol, Atol);

    public override IEnumerable<OpCase> Cases =>
    [
        Unary("erf", "torch.erf(x)", Ops.Erf, Kernels.Erf),
        Unary("log1p", "torch.log1p(x)", Ops.Log1p, Kernels.Log1p, AboveMinusOne),
        // Relative error only: log(1 + x) would be off by ~1e-4 here.
        new("log1p-tiny", "torch.log1p(x * 1e-12)", X, i => { using var t = i["x"] * 1e-12; return Ops.Log1p(t); },
            (i, o) => { using var t = i["x"] * 1e-12; Kernels.Log1p(t, o); }, Rtol, Atol: 0),
        Unary("expm1", "torch.expm1(x)", Ops.Expm1, Kernels.Expm1),
        Unary("sin", "torch.sin(x)", Ops.Sin, Kernels.Sin),
        Unary("cos", "torch.cos(x)", Ops.Cos, Kernels.Cos),
        Unary("log-sigmoid", "F.logsigmoid(x)", Ops.LogSigmoid, Kernels.LogSigmoid),
        Unary("log-sigmoid-large", "F.logsigmoid(x * 100)", x => { using var t = x * 100; return Ops.LogSigmoid(t); },
            (x, o) => { using var t = x * 100; Kernels.LogSigmoid(t, o); }),
        Unary("softplus", "F.softplus(x)", x => Ops.Softplus(x), (x, o) => Kernels.Softplus(x, 1, 20, o)),
        Unary("softplus-beta-threshold", "F.softplus(x, beta=2, threshold=5)", x => Ops.Softplus(x, 2, 5), (x, o) => Kernels.Softplus(x, 2, 5, o)),
        Unary("leaky-relu", "F.leaky_relu(x)", x => Ops.LeakyRelu(x), (x, o) => Kernels.LeakyRelu(x, 0.01, o)),
        Unary("leaky-relu-slope", "F.leaky_relu(x, 0.2)", x => Ops.LeakyRelu(x, 0.2), (x, o) => Kernels.LeakyRelu(x, 0.2, o)),
        Unary("elu", "F.elu(x)", x => Ops.Elu(x), (x, o) => Kernels.Elu(x, 1, o)),
        Unary("elu-alpha", "F.elu(x, alpha=0.5)", x => Ops.Elu(x, 0.5), (x, o) => Kernels.Elu(x, 0.5, o)),
        new("float32-softplus", "F.softplus(x)", g => new() { ["x"] = Tensor.Randn([7], g) * 10 },
            i => Ops.Softplus(i["x"]), (i, o) => Kernels.Softplus(i["x"], 1, 20, o)),

        Backward("softplus-backward", "F.softplus(x)", (g, x) => Ops.SoftplusBackward(g, x), (g, x, o) => Kernels.SoftplusBackward(g, x, 1, 20, o)),
        Backward("softplus-backward-beta-threshold", "F.softplus(x, beta=2, threshold=5)", (g, x) => Ops.SoftplusBackward(g, x, 2, 5),
            (g, x, o) => Kernels.SoftplusBackward(g, x, 2, 5, o)),
        Backward("leaky-relu-backward", "F.leaky_relu(x)", (g, x) => Ops.LeakyReluBackward(g, x), (g, x, o) => Kernels.LeakyReluBackward(g, x, 0.01, o)),
        Backward("leaky-relu-backward-slope", "F.leaky_relu(x, 0.2)", (g, x) => Ops.LeakyReluBackward(g, x, 0.2),
            (g, x, o) => Kernels.LeakyReluBackward(g, x, 0.2, o)),
        Backward("elu-backward", "F.elu(x)", (g, x) => Ops.EluBackward(g, x), (g, x, o) => Kernels.EluBackward(g, x, 1, o)),
        Backward("elu-backward-alpha", "F.elu(x, alpha=0.5)", (g, x) => Ops.EluBackward(g, x, 0.5), (g, x, o) => Kernels.EluBackward(g, x, 0.5, o)),
        Backward("log-sigmoid-backward", "F.logsigmoid(x)", Ops.LogSigmoidBackward, Kernels.LogSigmoidBackward),
    ];
}

public sealed class ActivationOpTests(TorchCaseFixture<ActivationCatalog> torch) : IClassFixture<TorchCaseFixture<ActivationCatalog>>
{
    public static TheoryData<string> Names => TorchCaseFixture<ActivationCatalog>.Names();

    [Theory]
    [MemberData(nameof(Names))]
    public void Matches_pytorch(string name) => torch.Check(name);

    [Fact]
    public void Gradients_of_another_shape_than_the_input_are_rejected()
    {
        using var x = Tensor.Randn([3, 4]);
        using var g = Tensor.Randn([4]);
        foreach (var (operation, call) in new (string, Action)[]
        {
            ("softplus_backward", () => Ops.SoftplusBackward(g, x).Dispose()),
            ("leaky_relu_backward", () => Ops.LeakyReluBackward(g, x).Dispose()),
            ("elu_backward", () => Ops.EluBackward(g, x).Dispose()),
            ("log_sigmoid_backward", () => Ops.LogSigmoidBackward(g, x).Dispose()),
        })
        {
            var error = Assert.Throws<DslException>(call);
            Assert.Equal(operation, error.Operation);
            Assert.Contains("the gradient [4] must have the input's shape [3, 4]", error.Message);
        }
    }

    [Fact]
    public void Activation_kernels_allocate_no_managed_memory()
    {
        using var x = Tensor.Randn([16, 8]);
        using var g = Tensor.Randn([16, 8]);
        using var y = Tensor.Empty([16, 8]);
        var bytes = Allocations.Measure(() =>
        {
            Kernels.Erf(x, y);
            Kernels.Log1p(x, y);
            Kernels.Expm1(x, y);
            Kernels.Sin(x, y);
            Kernels.Cos(x, y);
            Kernels.LogSigmoid(x, y);
            Kernels.Softplus(x, 1, 20, y);
            Kernels.LeakyRelu(x, 0.01, y);
            Kernels.Elu(x, 1, y);
            Kernels.SoftplusBackward(g, x, 1, 20, y);
            Kernels.LeakyReluBackward(g, x, 0.01, y);
            Kernels.EluBackward(g, x, 1, y);
            Kernels.LogSigmoidBackward(g, x, y);
        });
        Assert.Equal(0, bytes);
    }
}
