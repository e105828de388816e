using System.Collections.Generic;

namespace Dsl.Generators.Emit;

/// <summary>
/// The one place that knows the names of the runtime API generated code calls. Emission rules of
/// ops ask here for the C# text of each call, so a renamed or re-ordered runtime function is fixed
/// in this file only. <see cref="Contract"/> lists every member used; a test checks each exists in
/// Dsl.Runtime.
///
/// Cross-entropy runs as log-softmax then nll_loss (keeping the log-probabilities and the total
/// weight for the backward pass, which is nll_loss_backward then log_softmax_backward).
/// </summary>
internal static class RuntimeApi
{
    public const string Tensor = "global::Dsl.Tensor";
    public const string Kernels = "global::Dsl.Kernels";
    public const string DType = "global::Dsl.DType";
    public const string Generator = "global::Dsl.Generator";
    public const string Math = "global::System.Math";

    /// <summary>The experiment's guard against use from two threads at once (Dsl.StepGuard), a field under the reserved <c>__dsl</c> prefix.</summary>
    public static string StepGuardField(string experiment) => "private readonly global::Dsl.StepGuard __dslGuard = new(" + CSharp.String(experiment) + ");";

    /// <summary>The first line of every member that touches the step's buffers, parameters or state.</summary>
    public static string EnterStepGuard(string member) => "using var __dslScope = __dslGuard.Enter(" + CSharp.String(member) + ");";

    /// <summary>Every runtime member the emitted code calls: (type, member, parameter types). Checked by RuntimeApiContractTests.</summary>
    public static readonly (string Type, string Member, string[] Parameters)[] Contract =
    [
        ("Dsl.StepGuard", ".ctor", ["String"]),
        ("Dsl.StepGuard", "Enter", ["String"]),
        ("Dsl.Kernels", "Add", ["Tensor", "Tensor", "Tensor"]),
        ("Dsl.Kernels", "Add", ["Tensor", "Double", "Tensor"]),
        ("Dsl.Kernels", "Sub", ["Tensor", "Tensor", "Tensor"]),
        ("Dsl.Kernels", "Sub", ["Tensor", "Double", "Tensor"]),
        ("Dsl.Kernels", "Sub", ["Double", "Tensor", "Tensor"]),
        ("Dsl.Kernels", "Mul", ["Tensor", "Tensor", "Tensor"]),
        ("Dsl.Kernels", "Mul", ["Tensor", "Double", "Tensor"]),
        ("Dsl.Kernels", "Div", ["Tensor", "Tensor", "Tensor"]),
        ("Dsl.Kernels", "Div", ["Tensor", "Double", "Tensor"]),
        ("Dsl.Kernels", "Div", ["Double", "Tensor", "Tensor"]),
        ("Dsl.Kernels", "Neg", ["Tensor", "Tensor"]),
        ("Dsl.Kernels", "Relu", ["Tensor", "Tensor"]),
        ("Dsl.Kernels", "Tanh", ["Tensor", "Tensor"]),
        ("Dsl.Kernels", "Sigmoid", ["Tensor", "Tensor"]),
        ("Dsl.Kernels", "Exp", ["Tensor", "Tensor"]),
        ("Dsl.Kernels", "Log", ["Tensor", "Tensor"]),
        ("Dsl.Kernels", "Square", ["Tensor", "Tensor"]),
        ("Dsl.Kernels", "Sqrt", ["Tensor", "Tensor"]),
        ("Dsl.Kernels", "Abs", ["Tensor", "Tensor"]),
        ("Dsl.Kernels", "Transpose", ["Tensor", "Tensor"]),
        ("Dsl.Kernels", "Sign", ["Tensor", "Tensor"]),
        ("Dsl.Kernels", "Mm", ["Tensor", "Tensor", "Tensor", "Boolean", "Boolean"]),
        ("Dsl.Kernels", "Sum", ["Tensor", "Tensor"]),
        ("Dsl.Kernels", "Mean", ["Tensor", "Tensor"]),
        ("Dsl.Kernels", "SumToShape", ["Tensor", "Tensor"]),
        ("Dsl.Kernels", "Sum", ["Tensor", "ReadOnlySpan`1", "Boolean", "Tensor"]),
        ("Dsl.Kernels", "Mean", ["Tensor", "ReadOnlySpan`1", "Boolean", "Tensor"]),
        ("Dsl.Kernels", "ExpandAxes", ["Tensor", "ReadOnlySpan`1", "Boolean", "Tensor"]),
        // elementwise (issue 9)
        ("Dsl.Kernels", "Gelu", ["Tensor", "Tensor", "Boolean"]),
        ("Dsl.Kernels", "GeluBackward", ["Tensor", "Tensor", "Boolean", "Tensor"]),
        ("Dsl.Kernels", "Silu", ["Tensor", "Tensor"]),
        ("Dsl.Kernels", "SiluBackward", ["Tensor", "Tensor", "Tensor"]),
        ("Dsl.Kernels", "Clamp", ["Tensor", "Nullable`1", "Nullable`1", "Tensor"]),
        ("Dsl.Kernels", "Pow", ["Tensor", "Double", "Tensor"]),
        ("Dsl.Kernels", "Maximum", ["Tensor", "Tensor", "Tensor"]),
        ("Dsl.Kernels", "Minimum", ["Tensor", "Tensor", "Tensor"]),
        ("Dsl.Kernels", "Where", ["Tensor", "Tensor", "Tensor", "Tensor"]),
        ("Dsl.Kernels", "Softplus", ["Tensor", "Double", "Double", "Tensor"]),
        ("Dsl.Kernels", "SoftplusBackward", ["Tensor", "Tensor", "Double", "Double", "Tensor"]),
        ("Dsl.Kernels", "LeakyRelu", ["Tensor", "Double", "Tensor"]),
        ("Dsl.Kernels", "LeakyReluBackward", ["Tensor", "Tensor", "Double", "Tensor"]),
        ("Dsl.Kernels", "Elu", ["Tensor", "Double", "Tensor"]),
        ("Dsl.Kernels", "EluBackward", ["Tensor", "Tensor", "Double", "Tensor"]),
        ("Dsl.Kernels", "LogSigmoid", ["Tensor", "Tensor"]),
        ("Dsl.Kernels", "LogSigmoidBackward", ["Tensor", "Tensor", "Tensor"]),
        ("Dsl.Kernels", "Erf", ["Tensor", "Tensor"]),
        ("Dsl.Kernels", "Log1p", ["Tensor", "Tensor"]),
        ("Dsl.Kernels", "Expm1", ["Tensor", "Tensor"]),
        ("Dsl.Kernels", "Sin", ["Tensor", "Tensor"]),
        ("Dsl.Kernels", "Cos", ["Tensor", "Tensor"]),
        ("Dsl.Kernels", "Gt", ["Tensor", "Tensor", "Tensor"]),
        ("Dsl.Kernels", "Gt", ["Tensor", "Double", "Tensor"]),
        ("Dsl.Kernels", "Ge", ["Tensor", "Tensor", "Tensor"]),
        ("Dsl.Kernels", "Ge", ["Tensor", "Double", "Tensor"]),
        ("Dsl.Kernels", "Lt", ["Tensor", "Tensor", "Tensor"]),
        ("Dsl.Kernels", "Lt", ["Tensor", "Double", "Tensor"]),
        ("Dsl.Kernels", "Le", ["Tensor", "Tensor", "Tensor"]),
        ("Dsl.Kernels", "Le", ["Tensor", "Double", "Tensor"]),
        ("Dsl.Kernels", "Eq", ["Tensor", "Tensor", "Tensor"]),
        ("Dsl.Kernels", "Eq", ["Tensor", "Double", "Tensor"]),
        ("Dsl.Kernels", "Ne", ["Tensor", "Tensor", "Tensor"]),
        ("Dsl.Kernels", "Ne", ["Tensor", "Double", "Tensor"]),

        // reductions (issue 9)
        ("Dsl.Kernels", "Max", ["Tensor", "Tensor"]),
        ("Dsl.Kernels", "Amax", ["Tensor", "ReadOnlySpan`1", "Boolean", "Tensor"]),
        ("Dsl.Kernels", "Min", ["Tensor", "Tensor"]),
        ("Dsl.Kernels", "Amin", ["Tensor", "ReadOnlySpan`1", "Boolean", "Tensor"]),
        ("Dsl.Kernels", "Norm", ["Tensor", "Double", "ReadOnlySpan`1", "Boolean", "Tensor"]),
        ("Dsl.Kernels", "NormBackward", ["Tensor", "Tensor", "Tensor", "Double", "ReadOnlySpan`1", "Boolean", "Tensor"]),
        ("Dsl.Kernels", "LogSumExp", ["Tensor", "Tensor"]),
        ("Dsl.Kernels", "LogSumExp", ["Tensor", "ReadOnlySpan`1", "Boolean", "Tensor"]),
        ("Dsl.Kernels", "Var", ["Tensor", "Boolean", "Tensor"]),
        ("Dsl.Kernels", "Var", ["Tensor", "ReadOnlySpan`1", "Boolean", "Boolean", "Tensor"]),
        ("Dsl.Kernels", "Softmax", ["Tensor", "Int64", "Tensor"]),
        ("Dsl.Kernels", "SoftmaxBackward", ["Tensor", "Tensor", "Int64", "Tensor"]),
        ("Dsl.Kernels", "Argmax", ["Tensor", "Tensor"]),
        ("Dsl.Kernels", "Argmax", ["Tensor", "Int64", "Boolean", "Tensor"]),

        // shape (issue 9)
        ("Dsl.Kernels", "Reshape", ["Tensor", "Tensor"]),
        ("Dsl.Kernels", "Transpose", ["Tensor", "Int64", "Int64", "Tensor"]),
        ("Dsl.Kernels", "Permute", ["Tensor", "ReadOnlySpan`1", "Tensor"]),
        ("Dsl.Kernels", "Expand", ["Tensor", "Tensor"]),
        ("Dsl.Kernels", "Cat", ["ReadOnlySpan`1", "Int64", "Tensor"]),
        ("Dsl.Kernels", "Stack", ["ReadOnlySpan`1", "Int64", "Tensor"]),
        ("Dsl.Kernels", "Narrow", ["Tensor", "Int64", "Int64", "Tensor"]),
        ("Dsl.Kernels", "NarrowBackward", ["Tensor", "Int64", "Int64", "Tensor"]),
        ("Dsl.Kernels", "Select", ["Tensor", "Int64", "Int64", "Tensor"]),
        ("Dsl.Kernels", "SelectBackward", ["Tensor", "Int64", "Int64", "Tensor"]),
        ("Dsl.Kernels", "IndexSelect", ["Tensor", "Int64", "Tensor", "Tensor"]),
        ("Dsl.Kernels", "IndexSelectBackward", ["Tensor", "Int64", "Tensor", "Tensor"]),
        ("Dsl.Kernels", "Gather", ["Tensor", "Int64", "Tensor", "Tensor"]),
        ("Dsl.Kernels", "GatherBackward", ["Tensor", "Int64", "Tensor", "Tensor"]),

        // products (issue 9)
        ("Dsl.Kernels", "MatMul", ["Tensor", "Tensor", "Tensor", "Boolean", "Boolean"]),
        ("Dsl.Kernels", "Bmm", ["Tensor", "Tensor", "Tensor", "Boolean", "Boolean"]),
        ("Dsl.Kernels", "Linear", ["Tensor", "Tensor", "Tensor", "Tensor"]),
        ("Dsl.Kernels", "Einsum", ["String", "ReadOnlySpan`1", "Tensor"]),
        ("Dsl.Kernels", "Addmm", ["Tensor", "Tensor", "Tensor", "Tensor", "Double", "Double", "Boolean", "Boolean"]),

        // nn (issue 9)
        ("Dsl.Kernels", "Conv2d", ["Tensor", "Tensor", "Tensor", "Size2", "Size2", "Size2", "Int64", "Tensor"]),
        ("Dsl.Kernels", "Conv2dBackward", ["Tensor", "Tensor", "Tensor", "Size2", "Size2", "Size2", "Int64", "Tensor", "Tensor", "Tensor"]),
        ("Dsl.Kernels", "Conv1d", ["Tensor", "Tensor", "Tensor", "Int64", "Int64", "Int64", "Int64", "Tensor"]),
        ("Dsl.Kernels", "Conv1dBackward", ["Tensor", "Tensor", "Tensor", "Int64", "Int64", "Int64", "Int64", "Tensor", "Tensor", "Tensor"]),
        ("Dsl.Kernels", "MaxPool2dWithIndices", ["Tensor", "Size2", "Nullable`1", "Size2", "Size2", "Boolean", "Tensor", "Tensor"]),
        ("Dsl.Kernels", "MaxPool2dWithIndicesBackward", ["Tensor", "Tensor", "Tensor", "Size2", "Nullable`1", "Size2", "Size2", "Boolean", "Tensor"]),
        ("Dsl.Kernels", "MaxPool2dGather", ["Tensor", "Tensor", "Tensor"]),
        ("Dsl.Kernels", "AvgPool2d", ["Tensor", "Size2", "Nullable`1", "Size2", "Boolean", "Boolean", "Nullable`1", "Tensor"]),
        ("Dsl.Kernels", "AvgPool2dBackward", ["Tensor", "Tensor", "Size2", "Nullable`1", "Size2", "Boolean", "Boolean", "Nullable`1", "Tensor"]),
        ("Dsl.Kernels", "AdaptiveAvgPool2d", ["Tensor", "Size2", "Tensor"]),
        ("Dsl.Kernels", "AdaptiveAvgPool2dBackward", ["Tensor", "Tensor", "Tensor"]),
        ("Dsl.Kernels", "LayerNormTrailing", ["Tensor", "Int64", "Tensor", "Tensor", "Double", "Tensor", "Tensor", "Tensor"]),
        ("Dsl.Kernels", "LayerNormTrailingBackward", ["Tensor", "Tensor", "Int64", "Tensor", "Tensor", "Tensor", "Tensor", "Tensor", "Tensor", "Tensor"]),
        ("Dsl.Kernels", "GroupNorm", ["Tensor", "Int64", "Tensor", "Tensor", "Double", "Tensor", "Tensor", "Tensor"]),
        ("Dsl.Kernels", "GroupNormBackward", ["Tensor", "Tensor", "Tensor", "Tensor", "Int64", "Tensor", "Tensor", "Tensor", "Tensor"]),
        ("Dsl.Kernels", "BatchNorm", ["Tensor", "Tensor", "Tensor", "Tensor", "Tensor", "Boolean", "Double", "Double", "Tensor", "Tensor", "Tensor"]),
        ("Dsl.Kernels", "BatchNormBackward", ["Tensor", "Tensor", "Tensor", "Tensor", "Tensor", "Tensor", "Tensor", "Boolean", "Double", "Tensor", "Tensor", "Tensor"]),
        ("Dsl.Kernels", "Embedding", ["Tensor", "Tensor", "Tensor"]),
        ("Dsl.Kernels", "EmbeddingBackward", ["Tensor", "Tensor", "Tensor"]),
        ("Dsl.Kernels", "ScaledDotProductAttention", ["Tensor", "Tensor", "Tensor", "Boolean", "Nullable`1", "Tensor", "Tensor"]),
        ("Dsl.Kernels", "ScaledDotProductAttentionBackward", ["Tensor", "Tensor", "Tensor", "Tensor", "Tensor", "Nullable`1", "Tensor", "Tensor", "Tensor"]),

        // losses (issue 9)
        ("Dsl.Kernels", "BinaryCrossEntropyWithLogits", ["Tensor", "Tensor", "Reduction", "Tensor", "Tensor", "Tensor"]),
        ("Dsl.Kernels", "BinaryCrossEntropyWithLogitsBackward", ["Tensor", "Tensor", "Tensor", "Reduction", "Tensor", "Tensor", "Tensor"]),
        ("Dsl.Kernels", "L1Loss", ["Tensor", "Tensor", "Reduction", "Tensor"]),
        ("Dsl.Kernels", "L1LossBackward", ["Tensor", "Tensor", "Tensor", "Reduction", "Tensor"]),
        ("Dsl.Kernels", "HuberLoss", ["Tensor", "Tensor", "Reduction", "Double", "Tensor"]),
        ("Dsl.Kernels", "HuberLossBackward", ["Tensor", "Tensor", "Tensor", "Reduction", "Double", "Tensor"]),
        ("Dsl.Kernels", "KlDiv", ["Tensor", "Tensor", "Reduction", "Boolean", "Tensor"]),
        ("Dsl.Kernels", "KlDivBackward", ["Tensor", "Tensor", "Tensor", "Reduction", "Boolean", "Tensor"]),
        ("Dsl.Kernels", "KlDivTargetBackward", ["Tensor", "Tensor", "Tensor", "Reduction", "Boolean", "Tensor"]),

        ("Dsl.Kernels", "LogSoftmax", ["Tensor", "Int64", "Tensor"]),
        ("Dsl.Kernels", "NllLoss", ["Tensor", "Tensor", "Reduction", "Tensor", "Int64", "Tensor", "Tensor"]),
        ("Dsl.Kernels", "NllLossBackward", ["Tensor", "Tensor", "Tensor", "Tensor", "Reduction", "Tensor", "Int64", "Tensor"]),
        ("Dsl.Kernels", "LogSoftmaxBackward", ["Tensor", "Tensor", "Int64", "Tensor"]),
        ("Dsl.Kernels", "CrossEntropyWithGradient", ["Tensor", "Tensor", "Int64", "Tensor", "Tensor"]),
        ("Dsl.Kernels", "MseLoss", ["Tensor", "Tensor", "Reduction", "Tensor"]),
        ("Dsl.Kernels", "MseLossBackward", ["Tensor", "Tensor", "Tensor", "Reduction", "Tensor"]),
        ("Dsl.Kernels", "ReluBackward", ["Tensor", "Tensor", "Tensor"]),
        ("Dsl.Kernels", "TanhBackward", ["Tensor", "Tensor", "Tensor"]),
        ("Dsl.Kernels", "SigmoidBackward", ["Tensor", "Tensor", "Tensor"]),
        ("Dsl.Kernels", "Copy", ["Tensor", "Tensor"]),
        ("Dsl.Kernels", "Fill", ["Tensor", "Double"]),
        ("Dsl.Kernels", "Zero", ["Tensor"]),
        ("Dsl.Kernels", "AddInPlace", ["Tensor", "Tensor", "Double"]),
        ("Dsl.Kernels", "SubInPlace", ["Tensor", "Tensor", "Double"]),
        ("Dsl.Kernels", "MulInPlace", ["Tensor", "Tensor"]),
        ("Dsl.Kernels", "DivInPlace", ["Tensor", "Tensor"]),
        ("Dsl.Kernels", "AddInPlace", ["Tensor", "Double"]),
        ("Dsl.Kernels", "MulInPlace", ["Tensor", "Double"]),
        ("Dsl.Kernels", "DivInPlace", ["Tensor", "Double"]),
        ("Dsl.Tensor", "Empty", ["Shape", "DType", "Nullable`1"]),
        ("Dsl.Tensor", "Zeros", ["Shape", "DType", "Nullable`1"]),
        ("Dsl.Tensor", "UniformInPlace", ["Double", "Double", "Generator"]),
        ("Dsl.Tensor", "NormalInPlace", ["Double", "Double", "Generator"]),
        ("Dsl.Tensor", "Size", ["Int32"]),
        ("Dsl.Tensor", "get_Rank", []),
        ("Dsl.Tensor", "get_Shape", []),
        ("Dsl.Tensor", "get_DType", []),
        ("Dsl.Tensor", "get_NumElements", []),
        ("Dsl.Tensor", "Item", []),
        ("Dsl.Tensor", "Dispose", []),
        ("Dsl.Generator", ".ctor", ["UInt64"]),
        ("Dsl.Ops", "Sign", ["Double"]),
        ("Dsl.Tensor", "AsSpan", []),
        ("Dsl.UpdateRuleState", ".ctor", ["IUpdateRule", "Tensor", "IReadOnlyList`1"]),
        ("Dsl.UpdateRuleState", "Validate", ["IUpdateRule", "Tensor", "Tensor"]),
        ("Dsl.UpdateRuleState", "get_Item", ["Int32"]),
        ("Dsl.IUpdateRule", "Update", ["UpdateRuleState", "Tensor", "Tensor", "Int64", "Double"]),
        ("Dsl.IUpdateRule", "CreateState", ["Tensor"]),
        // ---- loops: run-time loops (saved rows of carried values) ----
        ("Dsl.Kernels", "GrowRows", ["Tensor", "Int64", "Tensor"]),
        ("Dsl.Kernels", "CopyToRow", ["Tensor", "Tensor", "Int64"]),
        // ---- control: random ops ----
        ("Dsl.Kernels", "Randn", ["Generator", "Tensor"]),
        ("Dsl.Kernels", "Rand", ["Generator", "Tensor"]),
        ("Dsl.Kernels", "RandInt", ["Int64", "Int64", "Generator", "Tensor"]),
        ("Dsl.Kernels", "Bernoulli", ["Tensor", "Generator", "Tensor"]),
        ("Dsl.Kernels", "Bernoulli", ["Double", "Generator", "Tensor"]),
        ("Dsl.Kernels", "Dropout", ["Tensor", "Double", "Generator", "Tensor", "Tensor"]),
        ("Dsl.Kernels", "DropoutBackward", ["Tensor", "Tensor", "Double", "Tensor"]),
        ("Dsl.Generator", "Reseed", ["UInt64"]),
        ("Dsl.IExperiment", "get_RandomGenerator", []),

        // ---- second derivatives: slices with a step ----
        ("Dsl.Kernels", "Slice", ["Tensor", "Int64", "Int64", "Int64", "Tensor"]),
        ("Dsl.Kernels", "SliceBackward", ["Tensor", "Int64", "Int64", "Int64", "Tensor"]),
        // ---- rule state: initialization, number states, evaluation at a state ----
        ("Dsl.UpdateRuleState", ".ctor", ["IUpdateRule", "Tensor", "IReadOnlyList`1", "IReadOnlyList`1", "IReadOnlyList`1"]),
        ("Dsl.UpdateRuleState", "GetNumber", ["Int32"]),
        ("Dsl.UpdateRuleState", "SetNumber", ["Int32", "Double"]),
        ("Dsl.IUpdateRule", "get_EvaluationState", []),
        ("Dsl.IRuleStates", "get_RuleStateCount", []),
        ("Dsl.IRuleStates", "RuleState", ["Int32", "IUpdateRule&", "Tensor&"]),
        ("Dsl.RuleStates", "ThrowIfEvaluating", ["IRuleStates", "String"]),
        ("Dsl.StateInit", "HasFlag", ["Enum"]),   // the enum the generated CreateState names (StateInit.Zeros, StateInit.Parameter)
        // ---- composed update rules: a rule wrapping an inner rule ----
        ("Dsl.UpdateRuleState", ".ctor", ["IUpdateRule", "Tensor", "IReadOnlyList`1", "IReadOnlyList`1", "IReadOnlyList`1", "String", "UpdateRuleState"]),
        ("Dsl.UpdateRuleState", "InnerRule", ["IUpdateRule", "IUpdateRule", "String"]),
        ("Dsl.UpdateRuleState", "InnerState", ["IUpdateRule", "IUpdateRule"]),
        ("Dsl.UpdateRuleState", "get_InnerGradient", []),
    ];

    // ---- kernels with settings ----------------------------------------------------------------------

    /// <summary><c>Kernels.{kernel}(arguments...)</c> with the arguments already rendered.</summary>
    public static string Call(string kernel, IEnumerable<string> arguments) => Kernels + "." + kernel + "(" + string.Join(", ", arguments) + ");";

    /// <summary>Integers as a collection expression (a <c>ReadOnlySpan&lt;long&gt;</c> of constants: no allocation).</summary>
    public static string Longs(IEnumerable<long> values) => "[" + string.Join(", ", System.Linq.Enumerable.Select(values, CSharp.Literal)) + "]";

    /// <summary>Tensors as a collection expression (a <c>ReadOnlySpan&lt;Tensor&gt;</c> on the stack: no allocation).</summary>
    public static string Tensors(IEnumerable<string> values) => "[" + string.Join(", ", values) + "]";

    public static string Size2(long height, long width) => "new global::Dsl.Size2(" + CSharp.Literal(height) + ", " + CSharp.Literal(width) + ")";

    public static string Reduction(string name) => "global::Dsl.Reduction." + name;

    // ---- elementwise -------------------------------------------------------------------------------

    /// <summary><c>Kernels.{kernel}(arguments..., output)</c>: the shape of most kernels (elementwise, reductions, copies, simple backward kernels).</summary>
    public static string Kernel(string kernel, string[] arguments, string output) =>
        KernelOpener(kernel) + string.Join(", ", arguments) + ", " + output + ");";

    /// <summary>The start of a <see cref="Kernel"/> line, up to its first argument.</summary>
    public static string KernelOpener(string kernel) => Kernels + "." + kernel + "(";

    public static string MatMul(string a, string b, string output, bool transposeA, bool transposeB)
    {
        var flags = (transposeA ? ", transposeA: true" : "") + (transposeB ? ", transposeB: true" : "");
        return Kernels + ".Mm(" + a + ", " + b + ", " + output + flags + ");";
    }

    // ---- reductions and losses ---------------------------------------------------------------------

    public static string Sum(string x, string output) => Kernels + ".Sum(" + x + ", " + output + ");";

    public static string Mean(string x, string output) => Kernels + ".Mean(" + x + ", " + output + ");";

    /// <summary>Sums x over the axes along which output's shape was broadcast to x's.</summary>
    public static string SumToShape(string x, string output) => Kernels + ".SumToShape(" + x + ", " + output + ");";

    private const string ReductionMean = "global::Dsl.Reduction.Mean";

    /// <summary>Mean cross-entropy: log-probabilities along the class axis, then nll_loss, which also writes the total weight the backward needs.</summary>
    public static IEnumerable<string> CrossEntropy(string logits, string labels, string output, string logProbs, string totalWeight) =>
    [
        Kernels + ".LogSoftmax(" + logits + ", 1, " + logProbs + ");",
        Kernels + ".NllLoss(" + logProbs + ", " + labels + ", " + ReductionMean + ", null, -100, " + output + ", " + totalWeight + ");",
    ];

    /// <summary>d cross-entropy / d logits: nll_loss_backward into the log-probabilities' gradient, then log_softmax_backward.</summary>
    public static IEnumerable<string> CrossEntropyBackward(string gradient, string labels, string output, string logProbs, string totalWeight, string logProbsGradient) =>
    [
        Kernels + ".NllLossBackward(" + gradient + ", " + logProbs + ", " + labels + ", " + totalWeight + ", " + ReductionMean + ", null, -100, " + logProbsGradient + ");",
        Kernels + ".LogSoftmaxBackward(" + logProbsGradient + ", " + logProbs + ", 1, " + output + ");",
    ];

    /// <summary>
    /// (g / total weight) · softmax-Jacobian · u, row by row: s ⊙ (u - Σ s ⊙ u) through LogSoftmaxBackward
    /// applied to s ⊙ u (s = exp(logProbs)). The derivative of cross-entropy's backward for its logits.
    /// </summary>
    public static IEnumerable<string> CrossEntropySecond(string upstream, string gradient, string output, string logProbs, string totalWeight,
        string softmax, string weighted) =>
    [
        Kernels + ".Exp(" + logProbs + ", " + softmax + ");",
        Kernels + ".Mul(" + softmax + ", " + upstream + ", " + weighted + ");",
        Kernels + ".LogSoftmaxBackward(" + weighted + ", " + logProbs + ", 1, " + output + ");",
        Kernels + ".MulInPlace(" + output + ", " + gradient + ");",
        Kernels + ".DivInPlace(" + output + ", " + totalWeight + ");",
    ];

    public static string MseLoss(string prediction, string target, string output) =>
        Kernels + ".MseLoss(" + prediction + ", " + target + ", " + ReductionMean + ", " + output + ");";

    // ---- backward helpers ----------------------------------------------------------------------------

    /// <summary>g ⊙ 2(p - t) / numel.</summary>
    public static string MseLossBackward(string gradient, string prediction, string target, string output) =>
        Kernels + ".MseLossBackward(" + gradient + ", " + prediction + ", " + target + ", " + ReductionMean + ", " + output + ");";

    /// <summary>g ⊙ [y &gt; 0] (y: Relu's output).</summary>
    public static string ReluBackward(string gradient, string y, string output) => Kernels + ".ReluBackward(" + gradient + ", " + y + ", " + output + ");";

    /// <summary>g ⊙ (1 - y²).</summary>
    public static string TanhBackward(string gradient, string y, string output) => Kernels + ".TanhBackward(" + gradient + ", " + y + ", " + output + ");";

    /// <summary>g ⊙ y ⊙ (1 - y).</summary>
    public static string SigmoidBackward(string gradient, string y, string output) => Kernels + ".SigmoidBackward(" + gradient + ", " + y + ", " + output + ");";

    /// <summary>The scalar g spread evenly: g / numel in every element.</summary>
    public static IEnumerable<string> MeanBackward(string gradient, string output) =>
    [
        Kernels + ".Copy(" + gradient + ", " + output + ");",
        Kernels + ".DivInPlace(" + output + ", " + output + ".NumElements);",
    ];

    // ---- copies, fills and in-place updates -------------------------------------------------------

    /// <summary>destination = source, broadcasting (a scalar fills the whole destination).</summary>
    /// <summary>
    /// A user function called eagerly, its result copied into the buffer and released unless it is
    /// one of the arguments (a function may return its input). Allocates, unlike the kernels.
    /// </summary>
    public static string CallUserFunction(string method, string[] arguments, string output) =>
        "{ var __result = " + method + "(" + string.Join(", ", arguments) + "); " + Kernels + ".Copy(__result, " + output + "); if ("
        + string.Join(" && ", System.Linq.Enumerable.Select(arguments, a => "!ReferenceEquals(__result, " + a + ")")) + ") __result.Dispose(); }";

    public static string Copy(string source, string destination) => Kernels + ".Copy(" + source + ", " + destination + ");";

    public static string Fill(string tensor, string value) => Kernels + ".Fill(" + tensor + ", " + value + ");";

    public static string Zero(string tensor) => Kernels + ".Zero(" + tensor + ");";

    /// <summary>target ∘= value for a tensor value (alpha scales the value of += and -=).</summary>
    public static string InPlace(Parsing.AssignOperator op, string target, string value, string? alpha) => op switch
    {
        Parsing.AssignOperator.AddAssign => Kernels + ".AddInPlace(" + target + ", " + value + (alpha is null ? "" : ", " + alpha) + ");",
        Parsing.AssignOperator.SubtractAssign => Kernels + ".SubInPlace(" + target + ", " + value + (alpha is null ? "" : ", " + alpha) + ");",
        Parsing.AssignOperator.MultiplyAssign => Kernels + ".MulInPlace(" + target + ", " + value + ");",
        Parsing.AssignOperator.DivideAssign => Kernels + ".DivInPlace(" + target + ", " + value + ");",
        _ => Copy(value, target),
    };

    /// <summary>target ∘= value for a number value.</summary>
    public static string InPlaceNumber(Parsing.AssignOperator op, string target, string value) => op switch
    {
        Parsing.AssignOperator.AddAssign => Kernels + ".AddInPlace(" + target + ", " + value + ");",
        Parsing.AssignOperator.SubtractAssign => Kernels + ".AddInPlace(" + target + ", -(" + value + "));",
        Parsing.AssignOperator.MultiplyAssign => Kernels + ".MulInPlace(" + target + ", " + value + ");",
        Parsing.AssignOperator.DivideAssign => Kernels + ".DivInPlace(" + target + ", " + value + ");",
        _ => Fill(target, value),
    };

    /// <summary>An update rule applied to one parameter, its state made on first use: <c>Optimizer.Update(state ??= Optimizer.CreateState(p), p, g, step, factor)</c>.</summary>
    public static string RuleUpdate(string rule, string stateField, string parameter, string gradient, string step, string learningRateFactor) =>
        rule + ".Update(" + stateField + " ??= " + rule + ".CreateState(" + parameter + "), " + parameter + ", " + gradient + ", " + step + ", " + learningRateFactor + ");";

    // ---- numbers -----------------------------------------------------------------------------------

    /// <summary>A function of plain numbers, evaluated inline.</summary>
    public static string MathFunction(string function, string[] args) => function switch
    {
        "Square" => Math + ".Pow(" + args[0] + ", 2d)",
        "Sign" => "global::Dsl.Ops.Sign(" + args[0] + ")",
        "Maximum" => Math + ".Max(" + args[0] + ", " + args[1] + ")",
        "Minimum" => Math + ".Min(" + args[0] + ", " + args[1] + ")",
        _ => Math + "." + function + "(" + string.Join(", ", args) + ")",
    };

    // ---- tensors -----------------------------------------------------------------------------------

    public static string Empty(IEnumerable<string> shape, string dtype) => Tensor + ".Empty([" + string.Join(", ", shape) + "], " + dtype + ")";

    public static string Zeros(IEnumerable<string> shape, string dtype) => Tensor + ".Zeros([" + string.Join(", ", shape) + "], " + dtype + ")";

    public static string Uniform(string tensor, string low, string high, string generator) =>
        tensor + ".UniformInPlace(" + low + ", " + high + ", " + generator + ");";

    public static string Normal(string tensor, string mean, string std, string generator) =>
        tensor + ".NormalInPlace(" + mean + ", " + std + ", " + generator + ");";

    public static string Size(string tensor, int axis) => tensor + ".Size(" + axis.ToString(System.Globalization.CultureInfo.InvariantCulture) + ")";

    public static string Rank(string tensor) => tensor + ".Rank";

    public static string Item(string tensor) => tensor + ".Item()";

    // ---- loops: run-time loops ---------------------------------------------------------------------

    /// <summary><c>for (long t = start; t &lt; bound; t++)</c>, or the reversed loop of the backward pass.</summary>
    public static string For(string counter, string start, string bound, bool reverse) => reverse
        ? "for (long " + counter + " = (long)(" + bound + ") - 1; " + counter + " >= " + start + "; " + counter + "--)"
        : "for (long " + counter + " = " + start + "; " + counter + " < (long)(" + bound + "); " + counter + "++)";

    /// <summary>The saved rows of a carried value, grown to the loop's length when it is longer than any before.</summary>
    public static string GrowRows(string rows, string length, string like) => rows + " = " + Kernels + ".GrowRows(" + rows + ", " + length + ", " + like + ");";

    public static string CopyToRow(string source, string rows, string row) => Kernels + ".CopyToRow(" + source + ", " + rows + ", " + row + ");";

    public static string CopyFromRow(string rows, string row, string destination) => Kernels + ".Select(" + rows + ", 0, " + row + ", " + destination + ");";

    public static string AddInto(string accumulator, string value) => Kernels + ".AddInPlace(" + accumulator + ", " + value + ");";
}
