using System.Collections.Generic;
using Microsoft.CodeAnalysis;

namespace Dsl.Generators.Diagnostics;

/// <summary>
/// Every diagnostic the generator reports. Ids are stable; docs/DIAGNOSTICS.md has a line for each
/// (trigger and fix) and tests/Dsl.Generators.Tests/DiagnosticTests.cs a test for each.
/// 00xx: declarations and bodies; 01xx: shapes; 02xx: differentiation; 03xx: update rules;
/// 9999: an internal failure of the generator.
/// </summary>
internal static class DiagnosticCatalog
{
    private const string Category = "Dsl";

    /// <summary>
    /// The absolute URL of docs/DIAGNOSTICS.md that help links point into (<c>{url}#dsl0201</c>), from the
    /// assembly metadata <c>DslDiagnosticsHelpUrl</c> (the MSBuild property of the same name,
    /// Directory.Build.props). Null while no public URL is set: then descriptors carry no link rather
    /// than a relative path an IDE cannot open. Declared before the descriptors (static initializers run in order).
    /// </summary>
    internal static readonly string? HelpBaseUrl = ReadHelpBaseUrl();

    public static readonly DiagnosticDescriptor NotPartial = Error("DSL0001",
        "Declaration must be partial",
        "'{0}' is marked [{1}] and must be declared 'partial' so the generator can add its members");

    public static readonly DiagnosticDescriptor UnsupportedTypeShape = Error("DSL0002",
        "Unsupported declaration",
        "'{0}' cannot be a [{1}]: {2}");

    public static readonly DiagnosticDescriptor UnsupportedSyntax = Error("DSL0003",
        "Unsupported construct in a differentiable body",
        "{0} is not supported in '{1}'; {2}");

    public static readonly DiagnosticDescriptor UnknownFunction = Error("DSL0004",
        "Function the generator cannot differentiate",
        "'{0}' is not a function the generator knows; supported: {1}");

    public static readonly DiagnosticDescriptor MissingForward = Error("DSL0005",
        "Model without Forward",
        "Model '{0}' needs a method 'Tensor Forward(...)' with [Shape] on each tensor parameter");

    public static readonly DiagnosticDescriptor MissingLoss = Error("DSL0006",
        "Experiment without a loss",
        "Experiment '{0}' needs exactly one method marked [Loss] (or one marked [Step]) returning a Tensor; {1}");

    public static readonly DiagnosticDescriptor BadDimension = Error("DSL0007",
        "Invalid dimension",
        "Dimension {0} of '{1}' must be a positive integer constant or the name of a [Dim] field of '{2}'");

    public static readonly DiagnosticDescriptor BadMemberType = Error("DSL0008",
        "Invalid member type",
        "'{0}' is marked [{1}] and must be of type {2}");

    public static readonly DiagnosticDescriptor MissingShape = Error("DSL0009",
        "Tensor parameter without [Shape]",
        "Parameter '{0}' of '{1}' needs a [Shape(...)] attribute so the generator can check shapes");

    public static readonly DiagnosticDescriptor BadInitializer = Error("DSL0010",
        "Invalid sub-model initializer",
        "In the initializer of '{0}': {1}");

    public static readonly DiagnosticDescriptor UnknownName = Error("DSL0011",
        "Unknown name",
        "'{0}' is not a parameter, local, [Param], [Dim], sub-model or number field visible in '{1}'");

    public static readonly DiagnosticDescriptor WrongArgumentCount = Error("DSL0012",
        "Wrong number of arguments",
        "'{0}' takes {1} argument(s) but {2} were given");

    public static readonly DiagnosticDescriptor RecursiveModel = Error("DSL0013",
        "Recursive model",
        "Model '{0}' contains itself through '{1}'; models must form a tree");

    public static readonly DiagnosticDescriptor ReservedName = Error("DSL0014",
        "Name of a generated member",
        "'{0}' is the name of a member the generator adds to this [{1}] ({2}); rename yours");

    public static readonly DiagnosticDescriptor NotAssignable = Error("DSL0015",
        "Parameter the generated code cannot assign",
        "'{0}' is marked [{1}] but is {2}; the generated Initialize assigns it, so it must be a writable instance field or property");

    public static readonly DiagnosticDescriptor MisplacedAttribute = Error("DSL0016",
        "Attribute that has no meaning here",
        "[{0}] on '{1}' belongs in an [{2}] class; a [{3}] does not use it");

    public static readonly DiagnosticDescriptor MissingInstance = Error("DSL0017",
        "Sub-model or update rule without an instance",
        "'{0}' holds the [{1}] '{2}' but has no initializer; give it one ('= new()', with its [Dim] sizes set) so the generated code has an instance to use");

    public static readonly DiagnosticDescriptor UnknownDerivativeTarget = Error("DSL0018",
        "Derivative rule for a function that does not exist",
        "[Derivative(\"{0}\")] on '{1}' names no method of '{2}'; a derivative rule sits beside its function in the same class (write nameof(TheFunction))");

    public static readonly DiagnosticDescriptor Unreachable = Error("DSL0019",
        "Model member the generated code cannot reach",
        "'{0}' of the model '{1}' is {2}; the code generated for the experiments that use the model reads it, so it must be public or internal");

    public static readonly DiagnosticDescriptor BadArgument = Error("DSL0020",
        "Bad argument to a function",
        "{0}: {1}");

    public static readonly DiagnosticDescriptor MatMulInner = Error("DSL0101",
        "Matrix product dimensions differ",
        "MatMul inner dimensions differ: {0} is {1}, {2} is {3}");

    public static readonly DiagnosticDescriptor Broadcast = Error("DSL0102",
        "Shapes do not broadcast",
        "{0}: {1} is {2} and {3} is {4}, which do not broadcast (dimension {5}: {6} vs {7})");

    public static readonly DiagnosticDescriptor Rank = Error("DSL0103",
        "Wrong rank",
        "{0} needs {1}; {2} is {3}");

    public static readonly DiagnosticDescriptor ArgumentShape = Error("DSL0104",
        "Argument shape differs from the declared [Shape]",
        "{0}: parameter '{1}' is declared {2} but the argument {3} is {4}");

    public static readonly DiagnosticDescriptor LossNotScalar = Error("DSL0105",
        "Loss is not a scalar",
        "The loss '{0}' must be a scalar but is {1}; reduce it with Mean(...) or Sum(...)");

    public static readonly DiagnosticDescriptor LabelsShape = Error("DSL0106",
        "Labels do not match the predictions",
        "{0}: {1} is {2} but {3} is {4}");

    public static readonly DiagnosticDescriptor ScalarWhereTensor = Error("DSL0107",
        "A number where a tensor is needed",
        "{0} needs a tensor for '{1}' but got a number");

    public static readonly DiagnosticDescriptor Axis = Error("DSL0108",
        "Axis out of range",
        "{0}: axis {1} is out of range for {2}, which is {3} (rank {4}: axes -{4}..{5})");

    public static readonly DiagnosticDescriptor Shapes = Error("DSL0109",
        "Shapes an op cannot combine",
        "{0} needs {1}; {2}");

    public static readonly DiagnosticDescriptor NoParameterDependence = Warning("DSL0201",
        "The loss does not depend on any parameter",
        "The loss '{0}' does not depend on any trainable [Param]; TrainStep computes it but changes nothing");

    public static readonly DiagnosticDescriptor NoSecondDerivative = Error("DSL0202",
        "No derivative rule for a derivative",
        "'{0}' differentiates through {1}, which has no derivative rule (second derivatives exist for the Ops functions and sub-model calls, not for user [Derivative] rules)");

    public static readonly DiagnosticDescriptor InvalidGrad = Error("DSL0203",
        "Invalid Grad",
        "Grad({0}, {1}) in '{2}': {3}");

    public static readonly DiagnosticDescriptor BadUpdateRule = Error("DSL0301",
        "Invalid update rule",
        "Update rule '{0}': {1}");

    public static readonly DiagnosticDescriptor UpdateNotElementwise = Error("DSL0302",
        "Update rule body is not elementwise",
        "Update rule '{0}': {1} is not elementwise; an [Update] body compiles to one loop over the parameter's elements, so it may use numbers, + - * / and the elementwise functions (Sqrt, Square, Exp, Log, Abs, Sign, Tanh, Sigmoid, Relu, Maximum, Minimum, Clamp, Pow, Sin, Cos)");

    public static readonly DiagnosticDescriptor BadMetric = Error("DSL0303",
        "Invalid metric",
        "Metric '{0}': {1}");

    public static readonly DiagnosticDescriptor BadStep = Error("DSL0304",
        "Invalid step",
        "'{0}' in the step '{1}': {2}");

    public static readonly DiagnosticDescriptor UsedAfterUpdate = Error("DSL0204",
        "Value used after its parameter was updated",
        "In the step '{0}', {1} (part of a gradient) needs '{2}' as it was before an update of '{2}' earlier in the step; take the gradient before updating '{2}', or compute the loss again after the update");

    // ---- loops: run-time loops ----
    public static readonly DiagnosticDescriptor LoopBound = Error("DSL0023",
        "Loop bound is not a number",
        "The loop '{0}' in '{1}' needs a bound that is a number known when the step runs (an input's size such as x.Size(1), a number argument or field); '{2}' is {3}");

    public static readonly DiagnosticDescriptor UnsupportedLoop = Error("DSL0024",
        "Unsupported loop form",
        "{0} in '{1}' is not supported: {2}");

    public static readonly DiagnosticDescriptor LoopCarry = Error("DSL0025",
        "Value carried by a loop changes",
        "The loop '{0}' in '{1}' carries '{2}', which is {3} before the loop and {4} after its body; a value a loop assigns must keep its shape and stay a tensor");

    public static readonly DiagnosticDescriptor LoopSecondDerivative = Error("DSL0205",
        "Second derivative through a run-time loop",
        "'{0}' differentiates through a run-time loop twice (a gradient of a gradient, such as a gradient penalty); the reversed loop of the backward pass has no derivative yet");
    // ---- control: random ops ----
    public static readonly DiagnosticDescriptor DropoutProbability = Error("DSL0021",
        "Dropout probability out of range",
        "Dropout: p must be in [0, 1) (the probability of dropping an element), but '{0}' is {1}");

    public static readonly DiagnosticDescriptor BadRandom = Error("DSL0022",
        "Bad random draw",
        "{0}: needs {1}, but {2}");

    public static readonly DiagnosticDescriptor RandomInUpdateRule = Error("DSL0305",
        "Random draw in an update rule",
        "Update rule '{0}': {1} draws random numbers; an [Update] body is a deterministic elementwise loop over the parameter's elements, so draw in the [Loss], [Step] or Forward that computes the gradient instead");
    // ---- conditions on run-time numbers ----

    public static readonly DiagnosticDescriptor TensorCondition = Error("DSL0026",
        "Condition on a tensor",
        "The condition {0} in '{1}' is a tensor {2}; 'if' and '?:' choose with a number known at run time (a step, a hyper-parameter, a number argument); use Where(...) for elementwise choices");

    public static readonly DiagnosticDescriptor BranchesDiffer = Error("DSL0027",
        "Branches of a condition differ",
        "The branches of {0} give {1} and {2}; both must be numbers, or tensors of one shape (a number or a tensor that broadcasts takes the other's shape)");

    public static readonly DiagnosticDescriptor NotOnEveryPath = Error("DSL0028",
        "Value not set on every path",
        "'{0}' is read in '{1}' but only one branch of the 'if' at {2} assigns it; assign it in both branches (or before the 'if')");
    public static readonly DiagnosticDescriptor NestedTooDeeply = Error("DSL0029",
        "Expression nested too deeply",
        "{0} is nested {1} (calls inside calls, parenthesized operands, unary minus); give inner parts names with 'var' locals");

    // ---- rule state: initialization, evaluation state, number state ----
    public static readonly DiagnosticDescriptor BadStateInit = Error("DSL0306",
        "Invalid state initialization",
        "State '{0}' of update rule '{1}': {2}");

    public static readonly DiagnosticDescriptor BadEvaluationState = Error("DSL0307",
        "Invalid evaluation state",
        "Update rule '{0}': {1}");

    public static readonly DiagnosticDescriptor BadNumberState = Error("DSL0308",
        "Invalid number state",
        "Number state '{0}' of update rule '{1}': {2}");

    // ---- composed update rules: a rule wrapping an inner rule ----
    public static readonly DiagnosticDescriptor BadInnerRule = Error("DSL0309",
        "Invalid inner rule",
        "Update rule '{0}': {1}");

    public static readonly DiagnosticDescriptor BadInnerApply = Error("DSL0310",
        "Invalid application of the inner rule",
        "'{0}' in update rule '{1}': {2}");

    public static readonly DiagnosticDescriptor ParameterAssignedWithInner = Error("DSL0311",
        "Parameter assigned in a rule that applies an inner rule",
        "'{0}' is assigned in update rule '{1}', which also applies its inner rule '{2}'; the inner rule updates the parameter: compute the gradient it gets instead ({3})");

    public static readonly DiagnosticDescriptor InnerRuleNotApplied = Error("DSL0312",
        "Inner rule never applied",
        "Update rule '{0}' holds an inner rule in '{1}' but its [Update] body never applies it; end the body with '{1}.Apply({2}, gradient, {3});' (or remove the field)");

    public static readonly DiagnosticDescriptor InternalError = Error("DSL9999",
        "Internal generator error",
        "The Dsl generator failed while {0}: {1}. This is a bug in the generator; please report it with the declaration that caused it.");

    private static readonly Dictionary<string, DiagnosticDescriptor> ById = new()
    {
        [NotPartial.Id] = NotPartial,
        [UnsupportedTypeShape.Id] = UnsupportedTypeShape,
        [UnsupportedSyntax.Id] = UnsupportedSyntax,
        [UnknownFunction.Id] = UnknownFunction,
        [MissingForward.Id] = MissingForward,
        [MissingLoss.Id] = MissingLoss,
        [BadDimension.Id] = BadDimension,
        [BadMemberType.Id] = BadMemberType,
        [MissingShape.Id] = MissingShape,
        [BadInitializer.Id] = BadInitializer,
        [UnknownName.Id] = UnknownName,
        [WrongArgumentCount.Id] = WrongArgumentCount,
        [RecursiveModel.Id] = RecursiveModel,
        [ReservedName.Id] = ReservedName,
        [NotAssignable.Id] = NotAssignable,
        [MisplacedAttribute.Id] = MisplacedAttribute,
        [MissingInstance.Id] = MissingInstance,
        [UnknownDerivativeTarget.Id] = UnknownDerivativeTarget,
        [Unreachable.Id] = Unreachable,
        [BadArgument.Id] = BadArgument,
        [MatMulInner.Id] = MatMulInner,
        [Broadcast.Id] = Broadcast,
        [Rank.Id] = Rank,
        [ArgumentShape.Id] = ArgumentShape,
        [LossNotScalar.Id] = LossNotScalar,
        [LabelsShape.Id] = LabelsShape,
        [ScalarWhereTensor.Id] = ScalarWhereTensor,
        [Axis.Id] = Axis,
        [Shapes.Id] = Shapes,
        [NoParameterDependence.Id] = NoParameterDependence,
        [NoSecondDerivative.Id] = NoSecondDerivative,
        [InvalidGrad.Id] = InvalidGrad,
        [BadUpdateRule.Id] = BadUpdateRule,
        [UpdateNotElementwise.Id] = UpdateNotElementwise,
        [BadMetric.Id] = BadMetric,
        [BadStep.Id] = BadStep,
        [UsedAfterUpdate.Id] = UsedAfterUpdate,
        [LoopBound.Id] = LoopBound,
        [UnsupportedLoop.Id] = UnsupportedLoop,
        [LoopCarry.Id] = LoopCarry,
        [LoopSecondDerivative.Id] = LoopSecondDerivative,
        // ---- control: random ops ----
        [DropoutProbability.Id] = DropoutProbability,
        [BadRandom.Id] = BadRandom,
        [RandomInUpdateRule.Id] = RandomInUpdateRule,
        // ---- conditions on run-time numbers ----
        [TensorCondition.Id] = TensorCondition,
        [BranchesDiffer.Id] = BranchesDiffer,
        [NotOnEveryPath.Id] = NotOnEveryPath,
        [NestedTooDeeply.Id] = NestedTooDeeply,
        // ---- rule state: initialization, evaluation state, number state ----
        [BadStateInit.Id] = BadStateInit,
        [BadEvaluationState.Id] = BadEvaluationState,
        [BadNumberState.Id] = BadNumberState,
        // ---- composed update rules: a rule wrapping an inner rule ----
        [BadInnerRule.Id] = BadInnerRule,
        [BadInnerApply.Id] = BadInnerApply,
        [ParameterAssignedWithInner.Id] = ParameterAssignedWithInner,
        [InnerRuleNotApplied.Id] = InnerRuleNotApplied,
        [InternalError.Id] = InternalError,
    };

    public static IEnumerable<DiagnosticDescriptor> All => ById.Values;

    /// <summary>
    /// The message arguments completed for the descriptor: DSL0003 reported without the list of what
    /// its body allows (by a stage that does not know the kind of body) gets the general list.
    /// </summary>
    public static object[] Arguments(string id, EquatableArray<string> arguments)
    {
        var count = id == UnsupportedSyntax.Id && arguments.Count == 2 ? 3 : arguments.Count;
        var args = new object[count];
        for (var i = 0; i < arguments.Count; i++) args[i] = arguments[i];
        if (count > arguments.Count) args[2] = BodyKinds.Allowed(BodyKind.Any);
        return args;
    }

    public static DiagnosticDescriptor Get(string id) => ById.TryGetValue(id, out var d) ? d : InternalError;

    private static DiagnosticDescriptor Error(string id, string title, string message) =>
        new(id, title, message, Category, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpLink(id));

    private static DiagnosticDescriptor Warning(string id, string title, string message) =>
        new(id, title, message, Category, DiagnosticSeverity.Warning, isEnabledByDefault: true, helpLinkUri: HelpLink(id));

    private static string? HelpLink(string id) => HelpLinkFor(id, HelpBaseUrl);

    /// <summary>The help link of a diagnostic under a base URL: its DIAGNOSTICS.md anchor, or null when the base is not an absolute http(s) URL.</summary>
    internal static string? HelpLinkFor(string id, string? baseUrl)
    {
        if (string.IsNullOrWhiteSpace(baseUrl) || !System.Uri.TryCreate(baseUrl!.Trim(), System.UriKind.Absolute, out var uri)
            || (uri.Scheme != "https" && uri.Scheme != "http") || uri.Fragment.Length > 0)
        {
            return null;
        }
        return uri.AbsoluteUri + "#" + id.ToLowerInvariant();
    }

    private static string? ReadHelpBaseUrl()
    {
        foreach (var attribute in typeof(DiagnosticCatalog).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyMetadataAttribute), false))
        {
            if (attribute is System.Reflection.AssemblyMetadataAttribute { Key: "DslDiagnosticsHelpUrl" } metadata) return metadata.Value;
        }
        return null;
    }
}
