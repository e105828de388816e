using System;
using System.Collections.Generic;
using System.Linq;

namespace Dsl.Generators.Parsing;

/// <summary>What a parameter of a language function takes.</summary>
internal enum ArgumentKind
{
    /// <summary>A tensor (an input of the op's node).</summary>
    Tensor,

    /// <summary>A tensor or a number (<c>Maximum(x, 0)</c>): an input of the node either way.</summary>
    Value,

    /// <summary>A run-time number (a hyperparameter field or a literal): an input of the node, read when the step runs.</summary>
    Number,

    /// <summary>A list of tensors <c>[a, b]</c> (Cat, Stack): each an input of the node.</summary>
    Tensors,

    /// <summary>A constant integer (an axis, a size, an index): part of the op, fixed at compile time.</summary>
    Int,

    /// <summary>One constant integer or a list of them (<c>1</c>, <c>[0, 2]</c>, <c>Hidden</c>, <c>-1</c>): axes or sizes; model [Dim]s allowed.</summary>
    Ints,

    /// <summary>A constant <c>true</c>/<c>false</c>.</summary>
    Bool,

    /// <summary>A constant number fixed at compile time (an epsilon, a momentum).</summary>
    Constant,

    /// <summary><c>Reduction.Mean</c>, <c>Reduction.Sum</c> or <c>Reduction.None</c>.</summary>
    Reduction,

    /// <summary>A string literal (an einsum equation).</summary>
    Text,
}

/// <summary>
/// A parameter of a language function: its name as in <c>Dsl.Ops</c> (named arguments use it), what
/// it takes, and its default when it may be left out (null: required; <see cref="FunctionParameter.Absent"/>:
/// optional with no value, such as a class-weight tensor).
/// </summary>
internal sealed class FunctionParameter(string name, ArgumentKind kind, object? @default = null, bool rest = false)
{
    /// <summary>The default of an optional parameter that, left out, is simply absent.</summary>
    public static readonly object Absent = new();

    public string Name { get; } = name;

    public ArgumentKind Kind { get; } = kind;

    public object? Default { get; } = @default;

    public bool Required => Default is null;

    /// <summary>
    /// A C# <c>params</c> parameter (the last one): the remaining positional arguments are its items
    /// (<c>Reshape(x, -1, 400)</c> as well as <c>Reshape(x, [-1, 400])</c>).
    /// </summary>
    public bool Rest { get; } = rest;
}

/// <summary>
/// The functions of <c>Dsl.Ops</c> a body may call: the language's vocabulary, by name, with each
/// parameter's kind. The parser and lowering read it here; the Ops stage (<c>OpCatalog</c>) resolves
/// each name that takes tensors to its op, so parsing never depends on ops (a test checks the two
/// agree). A function on numbers only (hyperparameter arithmetic such as <c>Pow(Beta1, step)</c>) is
/// evaluated inline.
/// </summary>
internal static class Functions
{
    internal sealed class Function(string name, FunctionParameter[] parameters, bool tensors = true, bool numbers = false, params string[] roles)
    {
        public string Name { get; } = name;

        public IReadOnlyList<FunctionParameter> Parameters { get; } = parameters;

        /// <summary>How many arguments it takes at least.</summary>
        public int Arity { get; } = parameters.Count(p => p.Required);

        /// <summary>Whether the function takes tensors (then OpCatalog has an op for it).</summary>
        public bool Tensors { get; } = tensors;

        /// <summary>Whether the function also applies to plain numbers (evaluated inline).</summary>
        public bool Numbers { get; } = numbers;

        /// <summary>What each argument is, used to name an unnamed value passed to it (<c>logits</c>).</summary>
        public string[] Roles { get; } = roles;

        public FunctionParameter? Parameter(string name) => Parameters.FirstOrDefault(p => p.Name == name);

        /// <summary>The signature as written in messages: <c>Sum(x, dim?, keepdim?)</c>.</summary>
        public string Signature => Name + "(" + string.Join(", ", Parameters.Select(p => p.Required ? p.Name : p.Name + "?")) + ")";
    }

    private static FunctionParameter T(string name) => new(name, ArgumentKind.Tensor);

    private static FunctionParameter V(string name) => new(name, ArgumentKind.Value);

    private static FunctionParameter P(string name, ArgumentKind kind, object? @default = null) => new(name, kind, @default);

    /// <summary>A <c>params ReadOnlySpan&lt;long&gt;</c> of sizes or axes (required, at least one item).</summary>
    private static FunctionParameter Rest(string name) => new(name, ArgumentKind.Ints, rest: true);

    private static Function Unary(string name, bool numbers = false) => new(name, [T("x")], numbers: numbers);

    private static Function Binary(string name) => new(name, [V("a"), V("b")]);

    /// <summary>A comparison: a tensor against a tensor or a number (as <c>Dsl.Ops.Gt(Tensor, double)</c>); a Bool result.</summary>
    private static Function Compare(string name) => new(name, [T("a"), V("b")]);

    public static IReadOnlyList<Function> All { get; } =
    [
        // ---- arithmetic and elementwise ----
        Binary("Add"),
        Binary("Sub"),
        Binary("Mul"),
        Binary("Div"),
        Unary("Neg"),
        Unary("Relu"),
        Unary("Tanh", numbers: true),
        Unary("Sigmoid"),
        Unary("Exp", numbers: true),
        Unary("Log", numbers: true),
        Unary("Square", numbers: true),
        Unary("Sqrt", numbers: true),
        Unary("Abs", numbers: true),
        Unary("Sign", numbers: true),
        new("Pow", [V("a"), V("b")], numbers: true),
        Unary("NoGrad"),
        // elementwise (issue 9)
        new("Gelu", [T("x"), P("tanhApproximation", ArgumentKind.Bool, false)]),
        Unary("Silu"),
        new("Clamp", [T("x"), P("min", ArgumentKind.Number, FunctionParameter.Absent), P("max", ArgumentKind.Number, FunctionParameter.Absent)]),
        new("Maximum", [V("a"), V("b")], numbers: true),
        new("Minimum", [V("a"), V("b")], numbers: true),
        new("Where", [T("condition"), T("a"), T("b")]),
        Compare("Gt"),
        Compare("Ge"),
        Compare("Lt"),
        Compare("Le"),
        Compare("Eq"),
        Compare("Ne"),
        new("Softplus", [T("x"), P("beta", ArgumentKind.Number, 1.0), P("threshold", ArgumentKind.Number, 20.0)]),
        new("LeakyRelu", [T("x"), P("negativeSlope", ArgumentKind.Number, 0.01)]),
        new("Elu", [T("x"), P("alpha", ArgumentKind.Number, 1.0)]),
        Unary("LogSigmoid"),
        Unary("Erf"),
        Unary("Log1p"),
        Unary("Expm1"),
        Unary("Sin"),
        Unary("Cos"),

        // ---- reductions ----
        new("Sum", [T("x"), P("dim", ArgumentKind.Ints, FunctionParameter.Absent), P("keepdim", ArgumentKind.Bool, false)]),
        new("Mean", [T("x"), P("dim", ArgumentKind.Ints, FunctionParameter.Absent), P("keepdim", ArgumentKind.Bool, false)]),
        // reductions (issue 9)
        new("Max", [T("x")]),
        new("Amax", [T("x"), P("dim", ArgumentKind.Ints), P("keepdim", ArgumentKind.Bool, false)]),
        new("Min", [T("x")]),
        new("Amin", [T("x"), P("dim", ArgumentKind.Ints), P("keepdim", ArgumentKind.Bool, false)]),
        new("Norm", [T("x"), P("p", ArgumentKind.Constant, 2.0), P("dims", ArgumentKind.Ints, FunctionParameter.Absent), P("keepdim", ArgumentKind.Bool, false)]),
        new("LogSumExp", [T("x"), P("dim", ArgumentKind.Ints, FunctionParameter.Absent), P("keepdim", ArgumentKind.Bool, false)]),
        new("Var", [T("x"), P("dim", ArgumentKind.Ints, FunctionParameter.Absent), P("unbiased", ArgumentKind.Bool, true), P("keepdim", ArgumentKind.Bool, false)]),
        new("Softmax", [T("x"), P("dim", ArgumentKind.Int)]),
        new("LogSoftmax", [T("x"), P("dim", ArgumentKind.Int)]),
        new("Argmax", [T("x"), P("dim", ArgumentKind.Int, FunctionParameter.Absent), P("keepdim", ArgumentKind.Bool, false)]),

        // ---- shape ----
        // shape (issue 9)
        new("Reshape", [T("x"), Rest("shape")]),
        new("View", [T("x"), Rest("shape")]),
        new("Flatten", [T("x"), P("startDim", ArgumentKind.Int, 0), P("endDim", ArgumentKind.Int, -1)]),
        new("Transpose", [T("x"), P("dim0", ArgumentKind.Int, FunctionParameter.Absent), P("dim1", ArgumentKind.Int, FunctionParameter.Absent)]),
        new("Permute", [T("x"), Rest("dims")]),
        new("Unsqueeze", [T("x"), P("dim", ArgumentKind.Int)]),
        new("Squeeze", [T("x"), P("dim", ArgumentKind.Int, FunctionParameter.Absent)]),
        new("Expand", [T("x"), Rest("shape")]),
        new("Cat", [P("tensors", ArgumentKind.Tensors), P("dim", ArgumentKind.Int, 0)]),
        new("Stack", [P("tensors", ArgumentKind.Tensors), P("dim", ArgumentKind.Int, 0)]),
        new("Narrow", [T("x"), P("dim", ArgumentKind.Int), P("start", ArgumentKind.Int), P("length", ArgumentKind.Int)]),
        new("Slice", [T("x"), P("dim", ArgumentKind.Int), P("start", ArgumentKind.Int), P("end", ArgumentKind.Int, FunctionParameter.Absent),
            P("step", ArgumentKind.Int, 1)]),
        new("Select", [T("x"), P("dim", ArgumentKind.Int), P("index", ArgumentKind.Int)]),
        new("IndexSelect", [T("x"), P("dim", ArgumentKind.Int), T("index")]),
        new("Gather", [T("x"), P("dim", ArgumentKind.Int), T("index")]),

        // ---- products ----
        new("MatMul", [T("a"), T("b")]),
        new("Mm", [T("a"), T("b")]),
        // products (issue 9)
        new("Bmm", [T("a"), T("b")]),
        new("Linear", [T("x"), T("weight"), P("bias", ArgumentKind.Tensor, FunctionParameter.Absent)]),
        new("Einsum", [P("equation", ArgumentKind.Text), new FunctionParameter("operands", ArgumentKind.Tensors, rest: true)]),
        new("Addmm", [T("bias"), T("a"), T("b"), P("beta", ArgumentKind.Constant, 1.0), P("alpha", ArgumentKind.Constant, 1.0)]),

        // ---- nn ----
        // nn (issue 9)
        new("Conv2d", [T("input"), T("weight"), P("bias", ArgumentKind.Tensor, FunctionParameter.Absent), P("stride", ArgumentKind.Ints, 1),
            P("padding", ArgumentKind.Ints, 0), P("dilation", ArgumentKind.Ints, 1), P("groups", ArgumentKind.Int, 1)]),
        new("Conv1d", [T("input"), T("weight"), P("bias", ArgumentKind.Tensor, FunctionParameter.Absent), P("stride", ArgumentKind.Int, 1),
            P("padding", ArgumentKind.Int, 0), P("dilation", ArgumentKind.Int, 1), P("groups", ArgumentKind.Int, 1)]),
        new("MaxPool2d", [T("x"), P("kernel", ArgumentKind.Ints), P("stride", ArgumentKind.Ints, FunctionParameter.Absent), P("padding", ArgumentKind.Ints, 0),
            P("dilation", ArgumentKind.Ints, 1), P("ceilMode", ArgumentKind.Bool, false)]),
        new("AvgPool2d", [T("x"), P("kernel", ArgumentKind.Ints), P("stride", ArgumentKind.Ints, FunctionParameter.Absent), P("padding", ArgumentKind.Ints, 0),
            P("ceilMode", ArgumentKind.Bool, false), P("countIncludePad", ArgumentKind.Bool, true), P("divisorOverride", ArgumentKind.Int, FunctionParameter.Absent)]),
        new("AdaptiveAvgPool2d", [T("x"), P("outputSize", ArgumentKind.Ints)]),
        new("LayerNorm", [T("x"), P("normalizedShape", ArgumentKind.Ints), P("weight", ArgumentKind.Tensor, FunctionParameter.Absent),
            P("bias", ArgumentKind.Tensor, FunctionParameter.Absent), P("eps", ArgumentKind.Constant, 1e-5)]),
        new("GroupNorm", [T("x"), P("numGroups", ArgumentKind.Int), P("weight", ArgumentKind.Tensor, FunctionParameter.Absent),
            P("bias", ArgumentKind.Tensor, FunctionParameter.Absent), P("eps", ArgumentKind.Constant, 1e-5)]),
        new("BatchNorm", [T("x"), T("runningMean"), T("runningVar"), P("weight", ArgumentKind.Tensor, FunctionParameter.Absent),
            P("bias", ArgumentKind.Tensor, FunctionParameter.Absent), P("training", ArgumentKind.Bool, FunctionParameter.Absent),
            P("momentum", ArgumentKind.Constant, 0.1), P("eps", ArgumentKind.Constant, 1e-5)]),
        new("Embedding", [T("weight"), T("indices")]),
        new("ScaledDotProductAttention", [T("q"), T("k"), T("v"), P("causal", ArgumentKind.Bool, false), P("scale", ArgumentKind.Constant, FunctionParameter.Absent)]),

        // ---- losses ----
        new("CrossEntropy", [T("logits"), T("targets"), P("reduction", ArgumentKind.Reduction, "Mean"), P("weight", ArgumentKind.Tensor, FunctionParameter.Absent),
            P("ignoreIndex", ArgumentKind.Int, -100), P("labelSmoothing", ArgumentKind.Constant, 0.0)], roles: ["logits", "labels"]),
        new("MseLoss", [T("prediction"), T("target")], roles: ["prediction", "target"]),
        // losses (issue 9)
        new("NllLoss", [T("logProbs"), T("targets"), P("reduction", ArgumentKind.Reduction, "Mean"), P("weight", ArgumentKind.Tensor, FunctionParameter.Absent),
            P("ignoreIndex", ArgumentKind.Int, -100)], roles: ["logProbs", "labels"]),
        new("BinaryCrossEntropyWithLogits", [T("logits"), T("targets"), P("reduction", ArgumentKind.Reduction, "Mean"),
            P("weight", ArgumentKind.Tensor, FunctionParameter.Absent), P("posWeight", ArgumentKind.Tensor, FunctionParameter.Absent)], roles: ["logits", "targets"]),
        new("L1Loss", [T("input"), T("target"), P("reduction", ArgumentKind.Reduction, "Mean")], roles: ["prediction", "target"]),
        new("HuberLoss", [T("input"), T("target"), P("reduction", ArgumentKind.Reduction, "Mean"), P("delta", ArgumentKind.Constant, 1.0)], roles: ["prediction", "target"]),
        new("KlDiv", [T("input"), T("target"), P("reduction", ArgumentKind.Reduction, "Mean"), P("logTarget", ArgumentKind.Bool, false)], roles: ["logProbs", "target"]),

        // ---- control: random ops ----
        new("Randn", [Rest("shape")]),
        new("Rand", [Rest("shape")]),
        new("RandInt", [P("low", ArgumentKind.Int), P("high", ArgumentKind.Int), Rest("shape")]),
        Unary("RandnLike"),
        Unary("RandLike"),
        new("Bernoulli", [T("input"), P("p", ArgumentKind.Number, FunctionParameter.Absent)]),
        new("Dropout", [T("x"), P("p", ArgumentKind.Number), P("training", ArgumentKind.Bool, FunctionParameter.Absent)]),
    ];

    private static readonly Dictionary<string, Function> ByName = All.ToDictionary(f => f.Name, StringComparer.Ordinal);

    public static bool TryGet(string name, out Function function) => ByName.TryGetValue(name, out function!);

    public static string SupportedFunctionList { get; } = string.Join(", ", All.Select(f => f.Name));
}
