using System;
using System.Collections.Generic;
using System.Linq;

namespace Dsl.Generators.Ir;

/// <summary>
/// The functions of <c>Dsl.Ops</c> a body may call, with the op each one lowers to. A function on
/// numbers only (hyperparameter arithmetic such as <c>Pow(Beta1, step)</c>) is evaluated inline.
/// </summary>
internal static class OpCatalog
{
    internal sealed class Function(string name, int arity, Func<Op>? tensorOp, bool numbers = false, params string[] roles)
    {
        public string Name { get; } = name;

        public int Arity { get; } = arity;

        /// <summary>The op for tensor arguments; null for functions of numbers only.</summary>
        public Func<Op>? TensorOp { get; } = tensorOp;

        /// <summary>Whether the function also applies to plain numbers (evaluated inline).</summary>
        public bool Numbers { get; } = numbers;

        /// <summary>What each argument is, used to name an unnamed value passed to it (<c>logits</c>).</summary>
        public string[] Roles { get; } = roles;
    }

    private static readonly Function[] All =
    [
        new("MatMul", 2, () => new MatMulOp()),
        new("Mm", 2, () => new MatMulOp()),
        new("Transpose", 1, () => new TransposeOp()),
        new("Add", 2, () => new AddOp()),
        new("Sub", 2, () => new SubOp()),
        new("Mul", 2, () => new MulOp()),
        new("Div", 2, () => new DivOp()),
        new("Neg", 1, () => new NegOp()),
        new("Relu", 1, () => new ReluOp()),
        new("Tanh", 1, () => new TanhOp(), numbers: true),
        new("Sigmoid", 1, () => new SigmoidOp()),
        new("Exp", 1, () => new ExpOp(), numbers: true),
        new("Log", 1, () => new LogOp(), numbers: true),
        new("Square", 1, () => new SquareOp(), numbers: true),
        new("Sqrt", 1, () => new SqrtOp(), numbers: true),
        new("Abs", 1, () => new AbsOp(), numbers: true),
        new("Sign", 1, () => new SignOp(), numbers: true),
        new("Pow", 2, null, numbers: true),
        new("Sum", 1, () => new SumOp()),
        new("Mean", 1, () => new MeanOp()),
        new("NoGrad", 1, () => new NoGradOp()),
        new("CrossEntropy", 2, () => new CrossEntropyOp(), false, "logits", "labels"),
        new("MseLoss", 2, () => new MseLossOp(), false, "prediction", "target"),
    ];

    private static readonly Dictionary<string, Function> ByName = All.ToDictionary(f => f.Name, StringComparer.Ordinal);

    public static bool TryGet(string name, out Function function) => ByName.TryGetValue(name, out function!);

    public static string SupportedFunctionList { get; } = string.Join(", ", All.Select(f => f.Name));
}
