using System;
using System.Collections.Generic;
using System.Linq;

namespace Dsl.Generators.Parsing;

/// <summary>
/// The functions of <c>Dsl.Ops</c> a body may call: the language's vocabulary, by name. The parser
/// and lowering read it here; the Ops stage (<c>OpCatalog</c>) resolves each name that takes tensors
/// to its op, so parsing never depends on ops (a test checks the two agree). A function on numbers
/// only (hyperparameter arithmetic such as <c>Pow(Beta1, step)</c>) is evaluated inline.
/// </summary>
internal static class Functions
{
    internal sealed class Function(string name, int arity, bool tensors = true, bool numbers = false, params string[] roles)
    {
        public string Name { get; } = name;

        public int Arity { get; } = arity;

        /// <summary>Whether the function takes tensors (then OpCatalog has an op for it).</summary>
        public bool Tensors { get; } = tensors;

        /// <summary>Whether the function also applies to plain numbers (evaluated inline).</summary>
        public bool Numbers { get; } = numbers;

        /// <summary>What each argument is, used to name an unnamed value passed to it (<c>logits</c>).</summary>
        public string[] Roles { get; } = roles;
    }

    public static IReadOnlyList<Function> All { get; } =
    [
        new("MatMul", 2),
        new("Mm", 2),
        new("Transpose", 1),
        new("Add", 2),
        new("Sub", 2),
        new("Mul", 2),
        new("Div", 2),
        new("Neg", 1),
        new("Relu", 1),
        new("Tanh", 1, numbers: true),
        new("Sigmoid", 1),
        new("Exp", 1, numbers: true),
        new("Log", 1, numbers: true),
        new("Square", 1, numbers: true),
        new("Sqrt", 1, numbers: true),
        new("Abs", 1, numbers: true),
        new("Sign", 1, numbers: true),
        new("Pow", 2, tensors: false, numbers: true),
        new("Sum", 1),
        new("Mean", 1),
        new("NoGrad", 1),
        new("CrossEntropy", 2, true, false, "logits", "labels"),
        new("MseLoss", 2, true, false, "prediction", "target"),
    ];

    private static readonly Dictionary<string, Function> ByName = All.ToDictionary(f => f.Name, StringComparer.Ordinal);

    public static bool TryGet(string name, out Function function) => ByName.TryGetValue(name, out function!);

    public static string SupportedFunctionList { get; } = string.Join(", ", All.Select(f => f.Name));
}
