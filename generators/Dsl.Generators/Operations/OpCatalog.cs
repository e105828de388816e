using System;
using System.Collections.Generic;
using Dsl.Generators.Autodiff;
using Dsl.Generators.Ir;

namespace Dsl.Generators.Operations;

/// <summary>
/// The op each tensor function of the language (<see cref="Parsing.Functions"/>) lowers to, by name,
/// and the ops reverse mode makes itself (<see cref="Adjoint"/>). Adding an op: its record, a name in
/// Parsing/Functions.cs, a line here, its runtime calls in Emit/RuntimeApi.cs.
/// </summary>
internal static class OpCatalog
{
    private static readonly Dictionary<string, Func<Op>> ByName = new(StringComparer.Ordinal)
    {
        ["MatMul"] = () => new MatMulOp(),
        ["Mm"] = () => new MatMulOp(),
        ["Transpose"] = () => new TransposeOp(),
        ["Add"] = () => new AddOp(),
        ["Sub"] = () => new SubOp(),
        ["Mul"] = () => new MulOp(),
        ["Div"] = () => new DivOp(),
        ["Neg"] = () => new NegOp(),
        ["Relu"] = () => new ReluOp(),
        ["Tanh"] = () => new TanhOp(),
        ["Sigmoid"] = () => new SigmoidOp(),
        ["Exp"] = () => new ExpOp(),
        ["Log"] = () => new LogOp(),
        ["Square"] = () => new SquareOp(),
        ["Sqrt"] = () => new SqrtOp(),
        ["Abs"] = () => new AbsOp(),
        ["Sign"] = () => new SignOp(),
        ["Sum"] = () => new SumOp(),
        ["Mean"] = () => new MeanOp(),
        ["NoGrad"] = () => new NoGradOp(),
        ["CrossEntropy"] = () => new CrossEntropyOp(),
        ["MseLoss"] = () => new MseLossOp(),
    };

    /// <summary>The op of a tensor function; null for a name with no op (numbers only, or unknown).</summary>
    public static Op? Create(string function) => ByName.TryGetValue(function, out var make) ? make() : null;

    /// <summary>The names that have an op (a test checks they are exactly the language's tensor functions).</summary>
    public static IEnumerable<string> Names => ByName.Keys;

    /// <summary>The ops reverse mode makes for seeds and sums.</summary>
    public static IAdjointOps Adjoint { get; } = new AdjointOps();

    private sealed class AdjointOps : IAdjointOps
    {
        public Op Ones() => new OnesOp();

        public Op Add() => new AddOp();

        public Op SumToShape() => new SumToShapeOp();
    }
}
