using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.Linq;
using Dsl.Generators.Autodiff;
using Dsl.Generators.Diagnostics;
using Dsl.Generators.Ir;
using Dsl.Generators.Operations;
using Dsl.Generators.Parsing;
using Dsl.Generators.Shapes;

namespace Dsl.Generators.Compile;

/// <summary>
/// Lowers method bodies (AST) to the IR graph, inlining sub-model Forward calls and inferring
/// shapes as each node is made, so a shape error is reported at the expression that caused it.
/// One instance lowers one experiment step (or one standalone model Forward).
/// Split by concern: this file holds the state and node making; LoweringInstances.cs the model
/// instances and parameters; LoweringEntries.cs the entry points (loss, step, update); LoweringStatements.cs
/// statements and a [Step]'s effects; LoweringExpressions.cs expressions, calls, Grad and inlining.
/// </summary>
internal sealed partial class Lowering
{
    private const int MaxInlineDepth = 16;

    private readonly IReadOnlyDictionary<string, ModelSpec> _models;
    private readonly List<DiagnosticInfo> _diagnostics;
    private readonly Dictionary<string, int> _parameterNodes = new(System.StringComparer.Ordinal);

    public Lowering(IReadOnlyDictionary<string, ModelSpec> models, List<DiagnosticInfo> diagnostics)
    {
        _models = models;
        _diagnostics = diagnostics;
    }

    public Graph Graph { get; } = new();

    public ShapeUnifier Unifier { get; } = new();

    /// <summary>A model involved is missing or has declaration errors (already reported): the caller stops quietly.</summary>
    public bool Incomplete { get; private set; }

    /// <summary>
    /// A shipped layer checked on its own: a shape rule that needs a size its symbolic [Dim]s leave
    /// unknown (a convolution's kernel) stops the lowering quietly (<see cref="SizesDeferred"/>)
    /// instead of reporting; the layer is checked where it is used, with its dims set.
    /// </summary>
    public bool DeferUnknownSizes { get; init; }

    /// <summary>The lowering stopped at a size left unknown (<see cref="DeferUnknownSizes"/>): no Predict.</summary>
    public bool SizesDeferred { get; private set; }

    /// <summary>Every parameter of every instance, in declaration order (also unused ones).</summary>
    public List<ParameterInfo> Parameters { get; } = [];

    /// <summary>Where the first Grad(...) was written (a second derivative that fails is reported there).</summary>
    public LocationInfo? FirstGrad { get; private set; }

    /// <summary>The tensor inputs of the lowered method with their declared shapes.</summary>
    public List<InputInfo> Inputs { get; } = [];

    /// <summary>The effects of a [Step] (parameter updates), in program order.</summary>
    public List<int> Effects { get; } = [];

    /// <summary>The update-rule fields a [Step] may apply, with the prefix of the fields holding their per-parameter state.</summary>
    public Dictionary<string, string> Rules { get; } = new(System.StringComparer.Ordinal);

    /// <summary>Every (rule, parameter) a [Step] applies, with the field of its state, in first-use order.</summary>
    public List<(string Rule, string Parameter, string StateField)> RuleStates { get; } = [];

    /// <summary>Symbols of model instances' [Dim]s that are not fixed by an initializer (read from the field at run time).</summary>
    public List<(Dim Symbol, string Expression)> InstanceDims { get; } = [];

    internal sealed record ParameterInfo(string Path, string Name, string Receiver, ParamSpec Spec, SymShape Shape);

    internal sealed record InputInfo(string Name, int Node, SymShape Shape);

    /// <summary>A model instance: its place in the experiment, its spec, and what its [Dim]s are.</summary>
    internal sealed class Instance(string path, ModelSpec spec)
    {
        public string Path { get; } = path;

        public ModelSpec Spec { get; } = spec;

        public Dictionary<string, Dim> Dims { get; } = new(System.StringComparer.Ordinal);

        public Dictionary<string, Instance> Children { get; } = new(System.StringComparer.Ordinal);

        /// <summary>C# receiver of the instance's members from the generated class (<c>Net.</c>, or empty for the model itself).</summary>
        public string Receiver => Path.Length == 0 ? "" : Path + ".";
    }

    private sealed class Scope(EquatableArray<LocationInfo> locations, string method, Instance? self, Dictionary<string, Instance> instances, int depth)
    {
        public EquatableArray<LocationInfo> Locations { get; } = locations;

        public string Method { get; } = method;

        public Instance? Self { get; } = self;

        public Dictionary<string, Instance> Instances { get; } = instances;

        public Dictionary<string, int> Values { get; } = new(System.StringComparer.Ordinal);

        /// <summary>
        /// Tensor parameters of the entry method declared without [Shape], waiting for the first use that
        /// fixes their shape (an argument of a Forward, the labels or target of a loss), with the method
        /// whose dims their free names belong to.
        /// </summary>
        public Dictionary<string, (ParameterSpec Parameter, string InputScope)> Unshaped { get; } = new(System.StringComparer.Ordinal);

        /// <summary>Number fields visible by bare name, with their C# expression.</summary>
        public Dictionary<string, NumberOp> Numbers { get; } = new(System.StringComparer.Ordinal);

        public int Depth { get; } = depth;

        public string NameSuffix { get; set; } = "";

        /// <summary>A [Step] body: parameter assignments and <c>Apply</c> statements are allowed.</summary>
        public bool Effects { get; init; }

        /// <summary>Parameters are read as constants (inside <c>Frozen(model).Forward(...)</c>).</summary>
        public bool Frozen { get; init; }

        /// <summary>Locals declared without a value (<c>Tensor y;</c>), assigned later.</summary>
        public HashSet<string> Declared { get; } = new(System.StringComparer.Ordinal);

        /// <summary>Locals only one branch of an 'if' assigned, with the 'if' (reading one is DSL0028 until it is assigned again).</summary>
        public Dictionary<string, int> PartlyAssigned { get; } = new(System.StringComparer.Ordinal);

        /// <summary>Assignments of an [Update] body, in order.</summary>
        public List<(string Target, AssignOperator Operator, int Value, int Loc)> Assignments { get; } = [];

        /// <summary>The number states (<c>[State] double</c>) of an [Update] body: numbers it may assign.</summary>
        public HashSet<string> NumberStates { get; } = new(System.StringComparer.Ordinal);

        /// <summary>The update rule whose [Update] body this is (for number-state diagnostics).</summary>
        public string Rule { get; init; } = "";

        public LocationInfo? Location(int loc) => loc >= 0 && loc < Locations.Count ? Locations[loc] : null;
    }


    // ---- nodes ---------------------------------------------------------------------------------

    /// <summary>Only elementwise ops may be made (an update rule compiled to a fused loop); others are DSL0302, reported for <see cref="ElementwiseOwner"/>.</summary>
    public bool ElementwiseOnly { get; set; }

    public string ElementwiseOwner { get; set; } = "";

    private int? AddNode(Op op, int[] inputs, OperandLabel[] labels, int loc, Scope scope)
    {
        for (var i = 0; i < inputs.Length; i++)
        {
            if (Graph[inputs[i]].Kind != ValueKind.Gradients) continue;
            Report(DiagnosticCatalog.BadStep, scope.Location(loc), labels[i].Text, scope.Method, "the gradients of a model can only be passed to an update rule's Apply");
            return null;
        }
        for (var i = 0; i < inputs.Length; i++)
        {
            if (!(op is ChooseOp && i == 0) && ReportConditionAsValue(inputs[i], labels[i], loc, scope)) return null;
        }
        if (ElementwiseOnly && !op.IsElementwise)
        {
            Report(DiagnosticCatalog.UpdateNotElementwise, scope.Location(loc), ElementwiseOwner, op.Name + "(" + string.Join(", ", labels.Select(l => l.Text)) + ")");
            return null;
        }
        var shapes = new SymShape[inputs.Length];
        var kinds = new ValueKind[inputs.Length];
        for (var i = 0; i < inputs.Length; i++) (shapes[i], kinds[i]) = (Graph[inputs[i]].Shape, Graph[inputs[i]].Kind);
        var context = new ShapeContext(Unifier, shapes, kinds, labels);
        var result = op.InferShape(context);
        if (result.Error is not null)
        {
            if (result.NeedsKnownSizes && DeferUnknownSizes)
            {
                SizesDeferred = true;
                return null;
            }
            Report(result.Error, scope.Location(loc), result.Arguments);
            return null;
        }
        return Graph.Add(op, inputs, result.Shape!, result.Kind, op.DefaultValueName + scope.NameSuffix, NamePriority.Auto);
    }

    public int Number(double value) => NumberNode(NumberOp.Constant(value));

    /// <summary>Makes the input node of a parameter declared without [Shape], now that a use fixed its shape.</summary>
    private int BindUnshaped(string name, SymShape shape, Scope scope)
    {
        var node = Graph.Add(new InputOp(name), [], shape, ValueKind.Tensor, name, NamePriority.Fixed);
        Inputs.Add(new InputInfo(name, node, shape));
        scope.Unshaped.Remove(name);
        scope.Values[name] = node;
        return node;
    }

    private int NumberNode(NumberOp number) =>
        Graph.Add(number, [], SymShape.Scalar, ValueKind.Number, "number", NamePriority.Fixed);

    private int DimNumber(Dim dim, string path)
    {
        var resolved = Unifier.Resolve(dim);
        return resolved.IsConstant ? Number(resolved.Value) : NumberNode(NumberOp.Member(path, dim.Name!));
    }

    private void Report(Microsoft.CodeAnalysis.DiagnosticDescriptor descriptor, LocationInfo? location, params string[] args) =>
        _diagnostics.Add(DiagnosticInfo.Create(descriptor, location, args));

    private static LocationInfo? Loc(EquatableArray<LocationInfo> locations, int loc) => loc >= 0 && loc < locations.Count ? locations[loc] : null;

    private static string Join(string path, string name) => path.Length == 0 ? name : path + "." + name;
}
