using Dsl.Testing;
using Xunit;

namespace Dsl.Runtime.Tests;

public sealed class ElementwiseCatalog : OpCatalog
{
    private static Dictionary<string, Tensor> X(Generator g) => new() { ["x"] = Tensor.Randn([3, 4], g) };
    private static Dictionary<string, Tensor> Positive(Generator g) => new() { ["x"] = Tensor.Rand([3, 4], g) + 0.1 };
    private static Dictionary<string, Tensor> AB(Generator g) => new() { ["a"] = Tensor.Randn([3, 4], g), ["b"] = Tensor.Randn([4], g) };

    private static OpCase Unary(string name, string torch, Func<Tensor, Tensor> eager, Action<Tensor, Tensor> into, bool positive = false) =>
        new(name, torch, positive ? Positive : X, i => eager(i["x"]), (i, o) => into(i["x"], o));

    private static OpCase Binary(string name, string torch, Func<Tensor, Tensor, Tensor> eager, Action<Tensor, Tensor, Tensor> into) =>
        new(name, torch, AB, i => eager(i["a"], i["b"]), (i, o) => into(i["a"], i["b"], o));

    public override IEnumerable<OpCase> Cases =>
    [
        Unary("neg", "-x", Ops.Neg, Kernels.Neg),
        Unary("exp", "torch.exp(x)", Ops.Exp, Kernels.Exp),
        Unary("log", "torch.log(x)", Ops.Log, Kernels.Log, positive: true),
        Unary("sqrt", "torch.sqrt(x)", Ops.Sqrt, Kernels.Sqrt, positive: true),
        Unary("rsqrt", "torch.rsqrt(x)", Ops.Rsqrt, Kernels.Rsqrt, positive: true),
        Unary("square", "torch.square(x)", Ops.Square, Kernels.Square),
        Unary("abs", "torch.abs(x)", Ops.Abs, Kernels.Abs),
        Unary("sign", "torch.sign(x)", Ops.Sign, Kernels.Sign),
        Unary("tanh", "torch.tanh(x)", Ops.Tanh, Kernels.Tanh),
        Unary("sigmoid", "torch.sigmoid(x)", Ops.Sigmoid, Kernels.Sigmoid),
        Unary("relu", "torch.relu(x)", Ops.Relu, Kernels.Relu),
        Unary("silu", "F.silu(x)", Ops.Silu, Kernels.Silu),
        Unary("gelu", "F.gelu(x)", x => Ops.Gelu(x), (x, o) => Kernels.Gelu(x, o)),
        Unary("gelu-tanh", "F.gelu(x, approximate='tanh')", x => Ops.Gelu(x, true), (x, o) => Kernels.Gelu(x, o, true)),
        Unary("clamp", "torch.clamp(x, -0.5, 0.7)", x => Ops.Clamp(x, -0.5, 0.7), (x, o) => Kernels.Clamp(x, -0.5, 0.7, o)),
        Unary("clamp-min", "torch.clamp(x, min=0.2)", x => Ops.Clamp(x, min: 0.2), (x, o) => Kernels.Clamp(x, 0.2, null, o)),
        Unary("pow-scalar", "torch.pow(x, 3)", x => Ops.Pow(x, 3), (x, o) => Kernels.Pow(x, 3, o)),
        Unary("rpow-scalar", "torch.pow(2.0, x)", x => Ops.Pow(2.0, x), (x, o) => Kernels.Pow(2.0, x, o)),
        Unary("add-scalar", "x + 2.5", x => x + 2.5, (x, o) => Kernels.Add(x, 2.5, o)),
        Unary("rsub-scalar", "2.5 - x", x => 2.5 - x, (x, o) => Kernels.Sub(2.5, x, o)),
        Unary("mul-scalar", "x * -3", x => x * -3, (x, o) => Kernels.Mul(x, -3, o)),
        Unary("div-scalar", "x / 4", x => x / 4, (x, o) => Kernels.Div(x, 4, o)),
        Unary("rdiv-scalar", "3 / x", x => 3 / x, (x, o) => Kernels.Div(3, x, o), positive: true),
        Unary("gt-scalar", "x > 0.1", x => Ops.Gt(x, 0.1), (x, o) => Kernels.Gt(x, 0.1, o)),
        Binary("add", "a + b", (a, b) => a + b, Kernels.Add),
        Binary("sub", "a - b", (a, b) => a - b, Kernels.Sub),
        Binary("mul", "a * b", (a, b) => a * b, Kernels.Mul),
        Binary("div", "a / b", (a, b) => a / b, Kernels.Div),
        Binary("maximum", "torch.maximum(a, b)", Ops.Maximum, Kernels.Maximum),
        Binary("minimum", "torch.minimum(a, b)", Ops.Minimum, Kernels.Minimum),
        Binary("lt", "a < b", Ops.Lt, Kernels.Lt),
        Binary("ge", "a >= b", Ops.Ge, Kernels.Ge),
        Binary("eq", "a == a", (a, b) => Ops.Eq(a, a), (a, b, o) => Kernels.Eq(a, a, o)),
        new("where", "torch.where(a > 0, a, b)", AB,
            i => { using var c = Ops.Gt(i["a"], 0); return Ops.Where(c, i["a"], i["b"]); },
            (i, o) => { using var c = Ops.Gt(i["a"], 0); Kernels.Where(c, i["a"], i["b"], o); }),
        new("pow", "torch.pow(x.abs() + 0.5, y)",
            g => new() { ["x"] = Tensor.Randn([5], g), ["y"] = Tensor.Randn([5], g) },
            i => { using var b = Ops.Abs(i["x"]) + 0.5; return Ops.Pow(b, i["y"]); },
            (i, o) => { using var b = Ops.Abs(i["x"]) + 0.5; Kernels.Pow(b, i["y"], o); }),
        new("float64-exp", "torch.exp(x)", g => new() { ["x"] = Tensor.Randn([7], g, DType.Float64) },
            i => Ops.Exp(i["x"]), (i, o) => Kernels.Exp(i["x"], o), Rtol: 1e-14, Atol: 0),
    ];
}

public sealed class ElementwiseOpTests(TorchCaseFixture<ElementwiseCatalog> torch) : IClassFixture<TorchCaseFixture<ElementwiseCatalog>>
{
    public static TheoryData<string> Names => TorchCaseFixture<ElementwiseCatalog>.Names();

    [Theory]
    [MemberData(nameof(Names))]
    public void Matches_pytorch(string name) => torch.Check(name);
}
