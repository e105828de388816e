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

        // reductions (issue 9)

        // shape (issue 9)
        ["Reshape"] = a => new ReshapeOp(a.Dims("shape")!.Value),
        ["View"] = a => new ReshapeOp(a.Dims("shape")!.Value, IsView: true),
        ["Flatten"] = a => new FlattenOp(a.Int("startDim"), a.Int("endDim")),
        ["Transpose"] = a => new TransposeOp(a.Has("dim0") ? a.Int("dim0") : null, a.Has("dim1") ? a.Int("dim1") : null),
        ["Permute"] = a => new PermuteOp(a.Axes("dims") ?? EquatableArray<long>.Empty),
        ["Unsqueeze"] = a => new UnsqueezeOp(a.Int("dim")),
        ["Squeeze"] = a => new SqueezeOp(a.Has("dim") ? a.Int("dim") : null),
        ["Expand"] = a => new ExpandToOp(a.Dims("shape")!.Value),
        ["Cat"] = a => new CatOp(a.Int("dim")),
        ["Stack"] = a => new StackOp(a.Int("dim")),
        ["Narrow"] = a => new NarrowOp(a.Int("dim"), a.Int("start"), a.Int("length")),
        ["Slice"] = a => new NarrowOp(a.Int("dim"), a.Int("start"), null, a.Has("end") ? a.Int("end") : null, IsSlice: true, Step: a.Int("step", 1)),
        ["Select"] = a => new SelectOp(a.Int("dim"), a.Int("index")),
        ["IndexSelect"] = a => new IndexOp(a.Int("dim"), IsGather: false),
        ["Gather"] = a => new IndexOp(a.Int("dim"), IsGather: true),

        // products (issue 9)
        ["Bmm"] = _ => new MatMulOp(Batched: true),
        ["Linear"] = a => new LinearOp(a.InputsOf("bias").Count > 0),
        ["Einsum"] = a => new EinsumOp(a.Text("equation") ?? ""),
        ["Addmm"] = a => new AddmmOp(a.Constant("beta", 1), a.Constant("alpha", 1)),

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
