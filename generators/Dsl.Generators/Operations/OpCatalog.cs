using System;
using System.Collections.Generic;
using Dsl.Generators.Autodiff;
using Dsl.Generators.Ir;

namespace Dsl.Generators.Operations;

/// <summary>
/// The op each tensor function of the language (<see cref="Parsing.Functions"/>) lowers to, by name,
/// and the ops reverse mode makes itself (<see cref="Adjoint"/>). Adding an op: its record, its signature in
/// Parsing/Functions.cs, a line here that reads the bound arguments' settings into the record, and
/// its runtime calls in Emit/RuntimeApi.cs's Contract.
/// </summary>
internal static class OpCatalog
{
    private static readonly Dictionary<string, Func<OpArguments, Op?>> ByName = new(StringComparer.Ordinal)
    {
        ["MatMul"] = _ => new MatMulOp(),
        ["Mm"] = _ => new MatMulOp(),
        ["Transpose"] = _ => new TransposeOp(),
        ["Add"] = _ => new AddOp(),
        ["Sub"] = _ => new SubOp(),
        ["Mul"] = _ => new MulOp(),
        ["Div"] = _ => new DivOp(),
        ["Neg"] = _ => new NegOp(),
        ["Relu"] = _ => new ReluOp(),
        ["Tanh"] = _ => new TanhOp(),
        ["Sigmoid"] = _ => new SigmoidOp(),
        ["Exp"] = _ => new ExpOp(),
        ["Log"] = _ => new LogOp(),
        ["Square"] = _ => new SquareOp(),
        ["Sqrt"] = _ => new SqrtOp(),
        ["Abs"] = _ => new AbsOp(),
        ["Sign"] = _ => new SignOp(),
        ["Sum"] = a => new SumOp(a.Axes("dim"), a.Bool("keepdim")),
        ["Mean"] = a => new MeanOp(a.Axes("dim"), a.Bool("keepdim")),
        ["NoGrad"] = _ => new NoGradOp(),
        ["CrossEntropy"] = _ => new CrossEntropyOp(),
        ["MseLoss"] = _ => new MseLossOp(),
        // elementwise (issue 9)
        ["Gelu"] = a => new GeluOp(a.Bool("tanhApproximation")),
        ["Silu"] = _ => new SiluOp(),
        ["Clamp"] = a => new ClampOp(a.Has("min"), a.Has("max")),
        ["Pow"] = _ => new PowOp(),
        ["Maximum"] = _ => new MaximumOp(),
        ["Minimum"] = _ => new MinimumOp(),
        ["Where"] = _ => new WhereOp(),
        ["Gt"] = _ => new CompareOp("Gt"),
        ["Ge"] = _ => new CompareOp("Ge"),
        ["Lt"] = _ => new CompareOp("Lt"),
        ["Le"] = _ => new CompareOp("Le"),
        ["Eq"] = _ => new CompareOp("Eq"),
        ["Ne"] = _ => new CompareOp("Ne"),
        ["Softplus"] = _ => new SoftplusOp(),
        ["LeakyRelu"] = _ => new LeakyReluOp(),
        ["Elu"] = _ => new EluOp(),
        ["LogSigmoid"] = _ => new LogSigmoidOp(),
        ["Erf"] = _ => new ErfOp(),
        ["Log1p"] = _ => new Log1pOp(),
        ["Expm1"] = _ => new Expm1Op(),
        ["Sin"] = _ => new SinOp(),
        ["Cos"] = _ => new CosOp(),

        // reductions (issue 9)
        ["Max"] = _ => new MaxOp(),
        ["Amax"] = a => new AmaxOp(a.Axes("dim"), a.Bool("keepdim")),
        ["Min"] = _ => new MinOp(),
        ["Amin"] = a => new AminOp(a.Axes("dim"), a.Bool("keepdim")),
        ["Norm"] = a => new NormOp(a.Constant("p", 2), a.Axes("dims"), a.Bool("keepdim")),
        ["LogSumExp"] = a => new LogSumExpOp(a.Axes("dim"), a.Bool("keepdim")),
        ["Var"] = a => new VarOp(a.Axes("dim"), a.Bool("unbiased", true), a.Bool("keepdim")),
        ["Softmax"] = a => new SoftmaxOp(a.Int("dim")),
        ["LogSoftmax"] = a => new LogSoftmaxOp(a.Int("dim")),
        ["Argmax"] = a => new ArgmaxOp(a.Has("dim") ? a.Int("dim") : null, a.Bool("keepdim")),

        // shape (issue 9)

        // products (issue 9)

        // nn (issue 9)

        // losses (issue 9)

    };

    /// <summary>The op of a tensor function for its bound arguments; null for a name with no op (numbers only, or unknown).</summary>
    public static Op? Create(string function, OpArguments arguments) => ByName.TryGetValue(function, out var make) ? make(arguments) : null;

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
