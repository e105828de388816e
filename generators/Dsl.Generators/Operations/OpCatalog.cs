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
        // The plain CrossEntropy(logits, labels) keeps its own op (its emitted code is pinned by snapshots).
        ["CrossEntropy"] = a => a.Reduction("reduction") == "Mean" && !a.Has("weight") && a.Int("ignoreIndex", -100) == -100 && a.Constant("labelSmoothing") == 0
            ? new CrossEntropyOp()
            : new ClassLossOp(true, a.Reduction("reduction"), a.Has("weight"), a.Int("ignoreIndex", -100), a.Constant("labelSmoothing")),
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
        ["Conv2d"] = a => new ConvOp(2, a.Has("bias"), Spatial.Ints(a, "stride", 1), Spatial.Ints(a, "padding", 0), Spatial.Ints(a, "dilation", 1), a.Int("groups", 1)),
        ["Conv1d"] = a => new ConvOp(1, a.Has("bias"), Spatial.Ints(a, "stride", 1), Spatial.Ints(a, "padding", 0), Spatial.Ints(a, "dilation", 1), a.Int("groups", 1)),
        ["MaxPool2d"] = a => new Pool2dOp(true, Spatial.Ints(a, "kernel", 0), PoolStride(a), Spatial.Ints(a, "padding", 0), Spatial.Ints(a, "dilation", 1),
            a.Bool("ceilMode"), true, null),
        ["AvgPool2d"] = a => new Pool2dOp(false, Spatial.Ints(a, "kernel", 0), PoolStride(a), Spatial.Ints(a, "padding", 0), EquatableArray.Create(1L),
            a.Bool("ceilMode"), a.Bool("countIncludePad", true), a.Has("divisorOverride") ? a.Int("divisorOverride") : null),
        ["AdaptiveAvgPool2d"] = a => new AdaptiveAvgPool2dOp(Spatial.Ints(a, "outputSize", 0)),
        ["LayerNorm"] = a => new LayerNormOp(a.Dims("normalizedShape") ?? EquatableArray<Shapes.Dim>.Empty, a.Has("weight"), a.Has("bias"), a.Constant("eps", 1e-5)),
        ["GroupNorm"] = a => new GroupNormOp(a.Int("numGroups"), a.Has("weight"), a.Has("bias"), a.Constant("eps", 1e-5)),
        ["BatchNorm"] = a => new BatchNormOp(a.Has("training") ? a.Bool("training") : null, a.Constant("momentum", 0.1), a.Has("weight"), a.Has("bias"),
            a.Constant("eps", 1e-5)),
        ["Embedding"] = _ => new EmbeddingOp(),
        ["ScaledDotProductAttention"] = a => new AttentionOp(a.Bool("causal"), a.Has("scale") ? a.Constant("scale") : null),

        // losses (issue 9)
        ["NllLoss"] = a => new ClassLossOp(false, a.Reduction("reduction"), a.Has("weight"), a.Int("ignoreIndex", -100)),
        ["BinaryCrossEntropyWithLogits"] = a => new BinaryCrossEntropyWithLogitsOp(a.Reduction("reduction"), a.Has("weight"), a.Has("posWeight")),
        ["L1Loss"] = a => new PointwiseLossOp("L1Loss", a.Reduction("reduction"), 1, false),
        ["HuberLoss"] = a => new PointwiseLossOp("HuberLoss", a.Reduction("reduction"), a.Constant("delta", 1), false),
        ["KlDiv"] = a => new PointwiseLossOp("KlDiv", a.Reduction("reduction"), 1, a.Bool("logTarget")),

        // ---- control: random ops ----
        ["Randn"] = a => new DrawOp(Distribution.Normal, a.Dims("shape") ?? EquatableArray<Shapes.Dim>.Empty),
        ["Rand"] = a => new DrawOp(Distribution.Uniform, a.Dims("shape") ?? EquatableArray<Shapes.Dim>.Empty),
        ["RandInt"] = a => new DrawOp(Distribution.Integers, a.Dims("shape") ?? EquatableArray<Shapes.Dim>.Empty, Low: a.Int("low"), High: a.Int("high")),
        ["RandnLike"] = _ => new DrawOp(Distribution.Normal, EquatableArray<Shapes.Dim>.Empty, Like: true),
        ["RandLike"] = _ => new DrawOp(Distribution.Uniform, EquatableArray<Shapes.Dim>.Empty, Like: true),
        ["Bernoulli"] = a => new BernoulliOp(a.Has("p")),
        ["Dropout"] = a => new DropoutOp(a.Has("training") ? a.Bool("training") : null),

    };

    /// <summary>A pooling stride as given; empty (the kernel size) when left out, [0] (reported) when not a constant.</summary>
    private static EquatableArray<long> PoolStride(OpArguments a) =>
        !a.Has("stride") ? EquatableArray<long>.Empty : Spatial.Ints(a, "stride", 0) is { Count: > 0 } stride ? stride : EquatableArray.Create(0L);

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
