using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Dsl.Generators.Diagnostics;
using Dsl.Generators.Ir;
using Dsl.Generators.Shapes;

namespace Dsl.Generators.Operations;

/// <summary>
/// What layer, group and batch normalization share: an input x, a fixed number of further inputs,
/// then the optional weight and bias (inputs in that order), statistics kept in auxiliary buffers,
/// and a backward of one kernel call per gradient (input, weight); the bias gradient is a sum of
/// the upstream gradient over every axis but the bias's. The backward ops' derivatives (second
/// derivatives) go through <see cref="Compose"/>: the normalization rebuilt from reductions and
/// elementwise ops (<see cref="SecondOrder"/>).
/// </summary>
internal abstract record NormalizationOp(bool HasWeight, bool HasBias, double Eps) : Op
{
    /// <summary>Inputs between x and the weight (BatchNorm's running statistics).</summary>
    protected virtual int Fixed => 0;

    internal int WeightIndex => 1 + Fixed;

    internal int BiasIndex => 1 + Fixed + (HasWeight ? 1 : 0);

    /// <summary>The axes the bias gradient sums over, for an input of the given rank.</summary>
    protected abstract IEnumerable<long> BiasAxes(int rank);

    /// <summary>The shape weight and bias must have, for input x.</summary>
    protected abstract SymShape AffineShape(SymShape x);

    protected bool TryAffine(ShapeContext context, out ShapeResult failure)
    {
        failure = default;
        var expected = AffineShape(context.Shape(0));
        if (HasWeight && !Spatial.TryShape(context, Name, WeightIndex, "weight", expected, out failure)) return false;
        return !HasBias || Spatial.TryShape(context, Name, BiasIndex, "bias", expected, out failure);
    }

    public override void Differentiate(IGradientBuilder builder, Node node, int gradient)
    {
        var x = node.Inputs[0];
        var inputs = new[] { gradient }.Concat(node.Inputs).Append(node.Id).ToArray();
        if (builder.IsActive(x)) builder.Accumulate(x, builder.Add(new NormalizationBackwardOp(this, GradientPart.Input), builder.GradientName(x), inputs));
        if (HasWeight && builder.IsActive(node.Inputs[WeightIndex]))
        {
            var w = node.Inputs[WeightIndex];
            builder.Accumulate(w, builder.Add(new NormalizationBackwardOp(this, GradientPart.Weight), builder.GradientName(w), inputs));
        }
        if (HasBias && builder.IsActive(node.Inputs[BiasIndex]))
        {
            var b = node.Inputs[BiasIndex];
            var axes = BiasAxes(builder.Node(x).Shape.Rank).ToEquatableArray();
            builder.Accumulate(b, builder.Add(new SumOp(axes), builder.GradientName(b), gradient));
        }
    }

    /// <summary>The normalization built from reductions and elementwise ops, on the forward's inputs (x first); for second derivatives.</summary>
    internal abstract int Compose(Compose c, IReadOnlyList<int> inputs, SymShape x);

    /// <summary>Weight and bias applied to the normalized value, each shaped to broadcast by <paramref name="shape"/>.</summary>
    protected int Affine(Compose c, int normalized, IReadOnlyList<int> inputs, Func<int, string, int> shape)
    {
        if (HasWeight) normalized = c.Mul(normalized, shape(inputs[WeightIndex], "WeightShaped"), "Scaled");
        if (HasBias) normalized = c.Add(normalized, shape(inputs[BiasIndex], "BiasShaped"), "Shifted");
        return normalized;
    }

    /// <summary>The backward call. <paramref name="at"/> maps a forward input index to the backward node's input; forward is the forward node.</summary>
    internal abstract void EmitBackward(IEmitContext context, Node node, Func<int, EmitArg> at, Node forward, EmitArg gradInput, EmitArg gradWeight);

    protected EmitArg Optional(bool present, int index, Func<int, EmitArg> at) => present ? at(index) : EmitArg.Null;
}

/// <summary>A normalization's gradient for x or the weight. Inputs: upstream, the forward's inputs, the forward node (its statistics).</summary>
internal sealed record NormalizationBackwardOp(NormalizationOp Forward, GradientPart Part) : Op
{
    public override string Name => Forward.Name + "Backward";

    public override ShapeResult InferShape(ShapeContext context) =>
        ShapeResult.Tensor(context.Shape(1 + (Part == GradientPart.Input ? 0 : Forward.WeightIndex)));

    public override void Differentiate(IGradientBuilder builder, Node node, int gradient)
    {
        var inputs = node.Inputs.Skip(1).Take(node.Inputs.Count - 2).ToArray();
        var part = inputs[Part == GradientPart.Input ? 0 : Forward.WeightIndex];
        SecondOrder.Differentiate(builder, node, gradient, node.Inputs[0], part, inputs, c => Forward.Compose(c, inputs, builder.ResolvedShape(inputs[0])));
    }

    public override void Emit(IEmitContext context, Node node)
    {
        var output = EmitArg.Output(node);
        Forward.EmitBackward(context, node, i => EmitArg.Value(node.Inputs[1 + i]), context.Node(node.Inputs[node.Inputs.Count - 1]),
            Part == GradientPart.Input ? output : EmitArg.Null, Part == GradientPart.Weight ? output : EmitArg.Null);
    }

    public override string Math(Node node, Func<int, string> nameOf) =>
        "∂" + Forward.Name + "/∂" + (Part == GradientPart.Input ? nameOf(node.Inputs[1]) : nameOf(node.Inputs[1 + Forward.WeightIndex])) + " ᵀ " + nameOf(node.Inputs[0]);
}

/// <summary>
/// Layer normalization over the trailing axes (torch.nn.functional.layer_norm):
/// (x - mean) / √(var + eps) · weight + bias with the biased variance, weight and bias shaped like
/// the normalized axes. <see cref="Count"/> trailing axes are normalized; <see cref="Shape"/> is what
/// the user wrote (constants or a model's [Dim]s) and must equal them.
/// </summary>
internal sealed record LayerNormOp(EquatableArray<Dim> Shape, bool HasWeight, bool HasBias, double Eps) : NormalizationOp(HasWeight, HasBias, Eps)
{
    public override string Name => "LayerNorm";

    private int Count => Shape.Count;

    public override ShapeResult InferShape(ShapeContext context)
    {
        if (context.IsNumber(0)) return ShapeResult.Fail(DiagnosticCatalog.ScalarWhereTensor, Name, context.Label(0));
        var x = context.Shape(0);
        if (Count == 0) return ShapeResult.Fail(DiagnosticCatalog.BadArgument, Name, "'normalizedShape' must name at least one axis");
        var same = x.Rank >= Count;
        for (var i = 0; same && i < Count; i++) same = context.Unifier.Unify(x[x.Rank - Count + i], Shape[i]);
        if (!same)
        {
            return ShapeResult.Fail(DiagnosticCatalog.BadArgument, Name, "'normalizedShape' [" + string.Join(", ", Shape) + "] must be the trailing axes of '"
                + context.Label(0) + "', which is " + x);
        }
        return TryAffine(context, out var failure) ? ShapeResult.Tensor(x) : failure;
    }

    protected override SymShape AffineShape(SymShape x) => new(x.Dims.Skip(x.Rank - Count).ToEquatableArray());

    protected override IEnumerable<long> BiasAxes(int rank) => Enumerable.Range(0, rank - Count).Select(a => (long)a);

    internal override int Compose(Compose c, IReadOnlyList<int> inputs, SymShape x)
    {
        var axes = Enumerable.Range(x.Rank - Count, Count).Select(a => (long)a).ToEquatableArray();
        return Affine(c, SecondOrder.Normalize(c, inputs[0], axes, Eps), inputs, (value, _) => value);
    }

    /// <summary>mean and rstd = 1/√(var + eps): x's shape with the normalized axes of size 1.</summary>
    public override IEnumerable<AuxiliaryBuffer> Auxiliary(Node node, Func<int, Node> nodeOf)
    {
        var x = nodeOf(node.Inputs[0]).Shape;
        var stats = new SymShape(x.Dims.Take(x.Rank - Count).Concat(Enumerable.Repeat(Dim.Constant(1), Count)).ToEquatableArray());
        return [new AuxiliaryBuffer("Mean", stats), new AuxiliaryBuffer("Rstd", stats)];
    }

    public override void Emit(IEmitContext context, Node node)
    {
        EmitArg At(int i) => EmitArg.Value(node.Inputs[i]);
        context.Call("LayerNormTrailing", At(0), EmitArg.Long(Count), Optional(HasWeight, WeightIndex, At), Optional(HasBias, BiasIndex, At), EmitArg.Double(Eps),
            EmitArg.Output(node), EmitArg.Auxiliary(node, "Mean"), EmitArg.Auxiliary(node, "Rstd"));
    }

    internal override void EmitBackward(IEmitContext context, Node node, Func<int, EmitArg> at, Node forward, EmitArg gradInput, EmitArg gradWeight) =>
        context.Call("LayerNormTrailingBackward", EmitArg.Value(node.Inputs[0]), at(0), EmitArg.Long(Count), EmitArg.Auxiliary(forward, "Mean"),
            EmitArg.Auxiliary(forward, "Rstd"), Optional(HasWeight, WeightIndex, at), Optional(HasBias, BiasIndex, at), gradInput, gradWeight, EmitArg.Null);

    public override string Math(Node node, Func<int, string> nameOf) =>
        "layer_norm(" + nameOf(node.Inputs[0]) + ", [" + string.Join(", ", Shape) + "])" + (HasWeight ? " · " + nameOf(node.Inputs[WeightIndex]) : "")
        + (HasBias ? " + " + nameOf(node.Inputs[BiasIndex]) : "");
}

/// <summary>
/// Group normalization of x [N, C, ...] (torch.nn.functional.group_norm): C split into
/// <see cref="Groups"/> groups, each (sample, group) normalized with its own mean and biased variance,
/// then · weight + bias per channel ([C]).
/// </summary>
internal sealed record GroupNormOp(long Groups, bool HasWeight, bool HasBias, double Eps) : NormalizationOp(HasWeight, HasBias, Eps)
{
    public override string Name => "GroupNorm";

    public override ShapeResult InferShape(ShapeContext context)
    {
        if (!Spatial.TryRank(context, Name, 0, "an input [N, C, ...] of rank 2 or more", out var failure, 2, 3, 4, 5, 6)) return failure;
        var x = context.Shape(0);
        if (Groups < 1) return ShapeResult.Fail(DiagnosticCatalog.BadArgument, Name, "'numGroups' must be at least 1, but is " + Groups.ToString(CultureInfo.InvariantCulture));
        if (Spatial.Constant(context, x[1]) is { } channels && channels % Groups != 0)
        {
            return ShapeResult.Fail(DiagnosticCatalog.BadArgument, Name, "the " + x[1] + " channels of '" + context.Label(0) + "' " + x
                + " do not split into " + Groups.ToString(CultureInfo.InvariantCulture) + " groups");
        }
        return TryAffine(context, out failure) ? ShapeResult.Tensor(x) : failure;
    }

    protected override SymShape AffineShape(SymShape x) => SymShape.Of(x[1]);

    protected override IEnumerable<long> BiasAxes(int rank) => Enumerable.Range(0, rank).Where(a => a != 1).Select(a => (long)a);

    // x regrouped as [N, groups, -1], normalized over the last axis, and regrouped back.
    internal override int Compose(Compose c, IReadOnlyList<int> inputs, SymShape x)
    {
        var grouped = c.Apply(new ReshapeOp(EquatableArray.Create(x[0], Dim.Constant(Groups), Dim.Constant(-1))), "Grouped", inputs[0]);
        var normalized = c.Apply(new ReshapeAsOp(), "Ungrouped", SecondOrder.Normalize(c, grouped, EquatableArray.Create(2L), Eps), inputs[0]);
        return Affine(c, normalized, inputs, (value, part) => SecondOrder.PerChannel(c, value, x, part));
    }

    public override IEnumerable<AuxiliaryBuffer> Auxiliary(Node node, Func<int, Node> nodeOf)
    {
        var stats = SymShape.Of(nodeOf(node.Inputs[0]).Shape[0], Dim.Constant(Groups));
        return [new AuxiliaryBuffer("Mean", stats), new AuxiliaryBuffer("Rstd", stats)];
    }

    public override void Emit(IEmitContext context, Node node)
    {
        EmitArg At(int i) => EmitArg.Value(node.Inputs[i]);
        context.Call(Name, At(0), EmitArg.Long(Groups), Optional(HasWeight, WeightIndex, At), Optional(HasBias, BiasIndex, At), EmitArg.Double(Eps),
            EmitArg.Output(node), EmitArg.Auxiliary(node, "Mean"), EmitArg.Auxiliary(node, "Rstd"));
    }

    internal override void EmitBackward(IEmitContext context, Node node, Func<int, EmitArg> at, Node forward, EmitArg gradInput, EmitArg gradWeight) =>
        context.Call("GroupNormBackward", EmitArg.Value(node.Inputs[0]), at(0), EmitArg.Auxiliary(forward, "Mean"), EmitArg.Auxiliary(forward, "Rstd"),
            EmitArg.Long(Groups), Optional(HasWeight, WeightIndex, at), gradInput, gradWeight, EmitArg.Null);

    public override string Math(Node node, Func<int, string> nameOf) =>
        "group_norm(" + nameOf(node.Inputs[0]) + ", " + Groups.ToString(CultureInfo.InvariantCulture) + " groups)" + (HasWeight ? " · " + nameOf(node.Inputs[WeightIndex]) : "")
        + (HasBias ? " + " + nameOf(node.Inputs[BiasIndex]) : "");
}

/// <summary>
/// Batch normalization of x [N, C] or [N, C, ...] per channel (torch.nn.functional.batch_norm).
/// Inputs: x, running mean [C], running variance [C], optional weight and bias [C]. In training it
/// normalizes with the batch's mean and biased variance and updates the running statistics in place
/// (r ← (1 - momentum)·r + momentum·stat, unbiased variance); in evaluation it uses the running
/// statistics. Which one is the emitting frame's (<see cref="IEmitContext.Training"/>: the training
/// step trains, EvaluateLoss and Predict evaluate) unless <see cref="Training"/> fixes it.
/// </summary>
internal sealed record BatchNormOp(bool? Training, double Momentum, bool HasWeight, bool HasBias, double Eps) : NormalizationOp(HasWeight, HasBias, Eps)
{
    public override string Name => "BatchNorm";

    // In training it updates the running statistics: two calls are two updates, as in torch, never merged.
    public override bool IsPure => Training == false;

    protected override int Fixed => 2;

    public bool IsTraining(IEmitContext context) => Training ?? context.Training;

    public override ShapeResult InferShape(ShapeContext context)
    {
        if (!Spatial.TryRank(context, Name, 0, "an input [N, C] or [N, C, ...]", out var failure, 2, 3, 4, 5)) return failure;
        var channels = SymShape.Of(context.Shape(0)[1]);
        if (!Spatial.TryShape(context, Name, 1, "running mean", channels, out failure)) return failure;
        if (!Spatial.TryShape(context, Name, 2, "running variance", channels, out failure)) return failure;
        if (Momentum is < 0 or > 1) return ShapeResult.Fail(DiagnosticCatalog.BadArgument, Name, "'momentum' must be in [0, 1], but is " + Momentum.ToString("R", CultureInfo.InvariantCulture));
        return TryAffine(context, out failure) ? ShapeResult.Tensor(context.Shape(0)) : failure;
    }

    protected override SymShape AffineShape(SymShape x) => SymShape.Of(x[1]);

    protected override IEnumerable<long> BiasAxes(int rank) => Enumerable.Range(0, rank).Where(a => a != 1).Select(a => (long)a);

    // Training unless fixed to evaluation: a second derivative is taken in the training step, which trains.
    internal override int Compose(Compose c, IReadOnlyList<int> inputs, SymShape x)
    {
        int normalized;
        if (Training != false)
        {
            normalized = SecondOrder.Normalize(c, inputs[0], BiasAxes(x.Rank).ToEquatableArray(), Eps);
        }
        else
        {
            var centered = c.Sub(inputs[0], SecondOrder.PerChannel(c, inputs[1], x, "RunningMeanShaped"), "Centered");
            var variance = SecondOrder.PerChannel(c, inputs[2], x, "RunningVarShaped");
            normalized = c.Div(centered, c.Apply(new SqrtOp(), "Deviation", c.Add(variance, c.Number(Eps), "Shifted")), "Normalized");
        }
        return Affine(c, normalized, inputs, (value, part) => SecondOrder.PerChannel(c, value, x, part));
    }

    /// <summary>The statistics used ([C] each): the batch's mean and 1/√(var + eps) in training, the running ones in evaluation.</summary>
    public override IEnumerable<AuxiliaryBuffer> Auxiliary(Node node, Func<int, Node> nodeOf)
    {
        var stats = SymShape.Of(nodeOf(node.Inputs[0]).Shape[1]);
        return [new AuxiliaryBuffer("SaveMean", stats), new AuxiliaryBuffer("SaveInvstd", stats)];
    }

    public override void Emit(IEmitContext context, Node node)
    {
        EmitArg At(int i) => EmitArg.Value(node.Inputs[i]);
        context.Call(Name, At(0), At(1), At(2), Optional(HasWeight, WeightIndex, At), Optional(HasBias, BiasIndex, At), EmitArg.Bool(IsTraining(context)),
            EmitArg.Double(Momentum), EmitArg.Double(Eps), EmitArg.Output(node), EmitArg.Auxiliary(node, "SaveMean"), EmitArg.Auxiliary(node, "SaveInvstd"));
    }

    internal override void EmitBackward(IEmitContext context, Node node, Func<int, EmitArg> at, Node forward, EmitArg gradInput, EmitArg gradWeight) =>
        context.Call("BatchNormBackward", EmitArg.Value(node.Inputs[0]), at(0), Optional(HasWeight, WeightIndex, at), at(1), at(2),
            EmitArg.Auxiliary(forward, "SaveMean"), EmitArg.Auxiliary(forward, "SaveInvstd"), EmitArg.Bool(IsTraining(context)), EmitArg.Double(Eps),
            gradInput, gradWeight, EmitArg.Null);

    public override string Math(Node node, Func<int, string> nameOf) =>
        "batch_norm(" + nameOf(node.Inputs[0]) + ", " + (Training switch { true => "training", false => "evaluation", _ => "training in the step, running statistics otherwise" })
        + ")" + (HasWeight ? " · " + nameOf(node.Inputs[WeightIndex]) : "") + (HasBias ? " + " + nameOf(node.Inputs[BiasIndex]) : "");
}
