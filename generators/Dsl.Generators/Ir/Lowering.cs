using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.Linq;
using Dsl.Generators.Diagnostics;
using Dsl.Generators.Parsing;
using Dsl.Generators.Shapes;

namespace Dsl.Generators.Ir;

/// <summary>
/// Lowers method bodies (AST) to the IR graph, inlining sub-model Forward calls and inferring
/// shapes as each node is made, so a shape error is reported at the expression that caused it.
/// One instance lowers one experiment step (or one standalone model Forward).
/// </summary>
internal sealed class Lowering
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

        /// <summary>Number fields visible by bare name, with their C# expression.</summary>
        public Dictionary<string, string> Numbers { get; } = new(System.StringComparer.Ordinal);

        public int Depth { get; } = depth;

        public string NameSuffix { get; set; } = "";

        /// <summary>A [Step] body: parameter assignments and <c>Apply</c> statements are allowed.</summary>
        public bool Effects { get; init; }

        /// <summary>Parameters are read as constants (inside <c>Frozen(model).Forward(...)</c>).</summary>
        public bool Frozen { get; init; }

        /// <summary>Assignments of an [Update] body, in order.</summary>
        public List<(string Target, AssignOperator Operator, int Value, int Loc)> Assignments { get; } = [];

        public LocationInfo? Location(int loc) => loc >= 0 && loc < Locations.Count ? Locations[loc] : null;
    }

    // ---- entry points --------------------------------------------------------------------------

    /// <summary>Builds the instance tree of a sub-model field; null when its type is not a usable model.</summary>
    public Instance? CreateInstance(string path, MemberInstanceSpec member, EquatableArray<LocationInfo> locations, HashSet<string>? enclosing = null)
    {
        if (!_models.TryGetValue(member.TypeName, out var spec) || spec.HasErrors)
        {
            Incomplete = true;
            return null;
        }
        enclosing ??= new HashSet<string>(System.StringComparer.Ordinal);
        if (!enclosing.Add(spec.FullName))
        {
            Report(DiagnosticCatalog.RecursiveModel, Loc(locations, member.Loc), spec.Name, path);
            Incomplete = true;
            return null;
        }
        var instance = new Instance(path, spec);
        foreach (var dim in spec.Dims)
        {
            var binding = member.Bindings.FirstOrDefault(b => b.Dim == dim);
            if (binding is not null)
            {
                instance.Dims[dim] = Dim.Constant(binding.Value);
            }
            else
            {
                var symbol = Dim.Symbol(path.Length == 0 ? spec.Name : path, dim);
                instance.Dims[dim] = symbol;
                InstanceDims.Add((symbol, instance.Receiver + dim));
            }
        }
        foreach (var child in spec.SubModels)
        {
            var childInstance = CreateInstance(Join(path, child.Name), child, spec.Locations, enclosing);
            if (childInstance is not null) instance.Children[child.Name] = childInstance;
        }
        enclosing.Remove(spec.FullName);
        RegisterParameters(instance);
        return instance;
    }

    /// <summary>A model on its own (for its checks and its initialization plan): dims are symbols, parameters named bare.</summary>
    public Instance CreateStandalone(ModelSpec spec)
    {
        var instance = new Instance("", spec);
        foreach (var dim in spec.Dims)
        {
            var symbol = Dim.Symbol(spec.Name, dim);
            instance.Dims[dim] = symbol;
            InstanceDims.Add((symbol, dim));
        }
        var enclosing = new HashSet<string>(System.StringComparer.Ordinal) { spec.FullName };
        foreach (var child in spec.SubModels)
        {
            var childInstance = CreateInstance(child.Name, child, spec.Locations, enclosing);
            if (childInstance is not null) instance.Children[child.Name] = childInstance;
        }
        RegisterParameters(instance);
        return instance;
    }

    /// <summary>Lowers a method whose tensor parameters are the step's inputs; returns the returned value.</summary>
    public int? LowerEntry(MethodSpec method, EquatableArray<LocationInfo> locations, Instance? self, Dictionary<string, Instance> instances,
        IEnumerable<NumberFieldSpec> numbers, string numberReceiver, string inputScope) =>
        LowerEntry(new Scope(locations, method.Name, self, instances, 0), method, self, numbers, numberReceiver, inputScope);

    /// <summary>
    /// Lowers a [Step]: like a loss (its return value is the loss reported), plus parameter updates
    /// (<c>Net.W += ...</c>) and update rules applied to <c>Grad(loss, model)</c>, collected in <see cref="Effects"/>.
    /// </summary>
    public int? LowerStep(MethodSpec method, EquatableArray<LocationInfo> locations, Dictionary<string, Instance> instances,
        IEnumerable<NumberFieldSpec> numbers) =>
        LowerEntry(new Scope(locations, method.Name, null, instances, 0) { Effects = true }, method, null, numbers, "", method.Name);

    private int? LowerEntry(Scope scope, MethodSpec method, Instance? self, IEnumerable<NumberFieldSpec> numbers, string numberReceiver, string inputScope)
    {
        foreach (var number in numbers) scope.Numbers[number.Name] = numberReceiver + number.Name;
        foreach (var parameter in method.Parameters)
        {
            if (parameter.IsTensor)
            {
                if (!parameter.HasShape) return null;
                var dims = parameter.Shape.Select(d => d.IsConstant ? Dim.Constant(d.Constant)
                    : self is not null && self.Dims.TryGetValue(d.Name!, out var modelDim) ? modelDim
                    : Dim.Symbol(inputScope, d.Name!)).ToArray();
                var shape = SymShape.Of(dims);
                var node = Graph.Add(new InputOp(parameter.Name), [], shape, ValueKind.Tensor, parameter.Name, NamePriority.Fixed);
                Inputs.Add(new InputInfo(parameter.Name, node, shape));
                scope.Values[parameter.Name] = node;
            }
            else
            {
                scope.Values[parameter.Name] = Graph.Add(new NumberOp(parameter.Name, parameter.Name), [], SymShape.Scalar, ValueKind.Number, parameter.Name, NamePriority.Fixed);
            }
        }
        return LowerBody(method, scope);
    }

    /// <summary>
    /// Lowers an [Update] body for one parameter: <paramref name="parameter"/> and
    /// <paramref name="gradient"/> are the values of its first two arguments; number fields are read from the rule itself. Returns the assignments and final values.
    /// </summary>
    public UpdateLowering? LowerUpdate(UpdateRuleSpec rule, int parameter, int gradient, string step, IReadOnlyDictionary<string, int> states,
        IReadOnlyDictionary<string, string>? numberOverrides = null)
    {
        var method = rule.Update!;
        var scope = new Scope(rule.Locations, method.Name, null, new Dictionary<string, Instance>(), 0);
        foreach (var number in rule.Numbers) scope.Numbers[number.Name] = number.IsStatic ? rule.FullName + "." + number.Name : number.Name;
        if (numberOverrides is not null)
        {
            foreach (var pair in numberOverrides) scope.Numbers[pair.Key] = pair.Value;
        }
        scope.Values[method.Parameters[0].Name] = parameter;
        scope.Values[method.Parameters[1].Name] = gradient;
        scope.Values[method.Parameters[2].Name] = Graph.Add(new NumberOp(step, "t"), [], SymShape.Scalar, ValueKind.Number, "step", NamePriority.Fixed);
        foreach (var state in states) scope.Values[state.Key] = state.Value;
        var before = _diagnostics.Count;
        LowerStatements(method, scope, allowAssignments: true, requireReturn: false);
        if (_diagnostics.Count > before) return null;
        var finals = new Dictionary<string, int>(System.StringComparer.Ordinal);
        foreach (var assignment in scope.Assignments) finals[assignment.Target] = scope.Values[assignment.Target];
        return new UpdateLowering(scope.Assignments, finals);
    }

    /// <summary>An [Update] body lowered: its assignments in order, and the value each assigned name holds at the end.</summary>
    internal sealed record UpdateLowering(List<(string Target, AssignOperator Operator, int Value, int Loc)> Assignments, Dictionary<string, int> FinalValues);

    // ---- bodies --------------------------------------------------------------------------------

    private int? LowerBody(MethodSpec method, Scope scope) => LowerStatements(method, scope, allowAssignments: false, requireReturn: true);

    private int? LowerStatements(MethodSpec method, Scope scope, bool allowAssignments, bool requireReturn)
    {
        var locals = new HashSet<string>(System.StringComparer.Ordinal);
        foreach (var statement in Flatten(method.Body))
        {
            switch (statement)
            {
                case LocalStmt local:
                {
                    var value = LowerExpression(local.Value, scope);
                    if (value is null) return null;
                    locals.Add(local.Name);
                    scope.Values[local.Name] = value.Value;
                    Graph.Rename(value.Value, local.Name + scope.NameSuffix, NamePriority.Local);
                    break;
                }
                case ReturnStmt ret:
                    return LowerExpression(ret.Value, scope);
                case AssignStmt assign when locals.Contains(assign.Target):
                {
                    // A local given a new value (h = Tanh(MatMul(h, W)) in a loop): later reads see it (SSA).
                    var value = LowerExpression(assign.Value, scope);
                    if (value is null) return null;
                    var current = scope.Values[assign.Target];
                    var next = assign.Operator == AssignOperator.Assign ? value.Value
                        : Graph[current].IsNumber && Graph[value.Value].IsNumber
                        ? Graph.Add(new NumberArithmeticOp(NumberOperator(assign.Operator)), [current, value.Value], SymShape.Scalar, ValueKind.Number, "number", NamePriority.Auto)
                        : AddNode(CompoundOp(assign.Operator), [current, value.Value], [assign.Target, AstPrinter.Print(assign.Value)], assign.Loc, scope);
                    if (next is null) return null;
                    scope.Values[assign.Target] = next.Value;
                    Graph.Rename(next.Value, assign.Target + scope.NameSuffix, NamePriority.Local);
                    break;
                }
                case AssignStmt assign when allowAssignments:
                {
                    if (!scope.Values.TryGetValue(assign.Target, out var current) || Graph[current].IsNumber)
                    {
                        Report(DiagnosticCatalog.UnsupportedSyntax, scope.Location(assign.Loc),
                            "Assigning '" + assign.Target + "' (an update may assign its parameter and its [State] tensors)", method.Name);
                        return null;
                    }
                    var value = LowerExpression(assign.Value, scope);
                    if (value is null) return null;
                    scope.Assignments.Add((assign.Target, assign.Operator, value.Value, assign.Loc));
                    // Later statements read the new value (SSA); the emitter writes it back in place.
                    scope.Values[assign.Target] = assign.Operator switch
                    {
                        AssignOperator.Assign => value.Value,
                        _ => AddNode(CompoundOp(assign.Operator), [current, value.Value], [assign.Target, "value"], assign.Loc, scope) ?? current,
                    };
                    break;
                }
                case AssignStmt assign when scope.Effects && assign.Target.Contains('.'):
                    if (!LowerParameterAssign(assign, scope)) return null;
                    break;
                case ApplyStmt apply when scope.Effects:
                    if (!LowerApply(apply, scope)) return null;
                    break;
                case ApplyStmt apply:
                    Report(DiagnosticCatalog.UnsupportedSyntax, scope.Location(apply.Loc),
                        "Applying " + string.Join(".", apply.Rule) + " (update rules are applied in a [Step] method)", method.Name);
                    return null;
                case AssignStmt assign:
                    Report(DiagnosticCatalog.UnsupportedSyntax, scope.Location(assign.Loc),
                        "Assigning '" + assign.Target + "' (a Forward or a loss computes values; declare a 'var' local instead"
                        + (assign.Target.Contains('.') ? "; parameters are updated in a [Step] method" : "") + ")", method.Name);
                    return null;
            }
        }
        if (requireReturn)
        {
            Report(DiagnosticCatalog.UnsupportedSyntax, scope.Location(method.Loc), "A body without 'return'", method.Name);
        }
        return null;
    }

    /// <summary>The statements in execution order, unrolled loops spliced in.</summary>
    private static IEnumerable<Stmt> Flatten(IEnumerable<Stmt> statements)
    {
        foreach (var statement in statements)
        {
            if (statement is BlockStmt block)
            {
                foreach (var inner in Flatten(block.Statements)) yield return inner;
            }
            else
            {
                yield return statement;
            }
        }
    }

    private static BinaryOperator NumberOperator(AssignOperator op) => op switch
    {
        AssignOperator.AddAssign => BinaryOperator.Add,
        AssignOperator.SubtractAssign => BinaryOperator.Subtract,
        AssignOperator.MultiplyAssign => BinaryOperator.Multiply,
        _ => BinaryOperator.Divide,
    };

    private static Op CompoundOp(AssignOperator op) => op switch
    {
        AssignOperator.AddAssign => new AddOp(),
        AssignOperator.SubtractAssign => new SubOp(),
        AssignOperator.MultiplyAssign => new MulOp(),
        _ => new DivOp(),
    };

    private int? LowerExpression(Expr expr, Scope scope)
    {
        switch (expr)
        {
            case NumberExpr number:
                return Number(number.Value);

            case NameExpr name:
                return LowerName(name, scope);

            case MemberExpr member:
                return LowerMember(member, scope);

            case UnaryExpr unary:
            {
                var operand = LowerExpression(unary.Operand, scope);
                if (operand is null) return null;
                if (Graph[operand.Value].IsNumber) return Graph.Add(new NumberNegateOp(), [operand.Value], SymShape.Scalar, ValueKind.Number, "number", NamePriority.Auto);
                return AddNode(new NegOp(), [operand.Value], [AstPrinter.Print(unary.Operand)], unary.Loc, scope);
            }
            case BinaryExpr binary:
                return LowerBinaryChain(binary, scope);

            case CallExpr call:
                return LowerCall(call, scope);

            case ForwardCallExpr forward:
                return LowerForward(forward, scope);

            case InlineCallExpr inline:
                return LowerInline(inline, scope);

            case CustomCallExpr custom:
            {
                if (custom.Arguments.Count != 1) return null;
                var argument = LowerExpression(custom.Arguments[0], scope);
                if (argument is null) return null;
                return AddNode(new CustomFunctionOp(custom.Function, custom.Method, custom.Rule), [argument.Value],
                    [AstPrinter.Print(custom.Arguments[0])], custom.Loc, scope);
            }

            default:
                return null;
        }
    }

    /// <summary>
    /// A binary expression and the binary expressions down its left side (<c>a + b + c + ...</c>, which
    /// C# nests to the left) lowered in a loop, in the order recursion would (left, right, node), so a
    /// sum of any length takes no stack.
    /// </summary>
    private int? LowerBinaryChain(BinaryExpr top, Scope scope)
    {
        var spine = new Stack<BinaryExpr>();
        Expr expr = top;
        while (expr is BinaryExpr inner)
        {
            spine.Push(inner);
            expr = inner.Left;
        }
        var value = LowerExpression(expr, scope);
        while (spine.Count > 0)
        {
            var binary = spine.Pop();
            var right = LowerExpression(binary.Right, scope);
            value = value is null || right is null ? null : LowerBinary(binary, value.Value, right.Value, scope);
        }
        return value;
    }

    private int? LowerBinary(BinaryExpr binary, int left, int right, Scope scope)
    {
        if (Graph[left].IsNumber && Graph[right].IsNumber)
        {
            return Graph.Add(new NumberArithmeticOp(binary.Operator), [left, right], SymShape.Scalar, ValueKind.Number, "number", NamePriority.Auto);
        }
        Op op = binary.Operator switch
        {
            BinaryOperator.Add => new AddOp(),
            BinaryOperator.Subtract => new SubOp(),
            BinaryOperator.Multiply => new MulOp(),
            _ => new DivOp(),
        };
        return AddNode(op, [left, right], [AstPrinter.Print(binary.Left), AstPrinter.Print(binary.Right)], binary.Loc, scope);
    }

    private int? LowerName(NameExpr name, Scope scope)
    {
        if (scope.Values.TryGetValue(name.Name, out var value)) return value;
        if (scope.Self is { } self)
        {
            if (self.Spec.Params.Any(p => p.Name == name.Name)) return ParameterRead(self.Receiver + name.Name, scope);
            if (self.Dims.TryGetValue(name.Name, out var dim)) return DimNumber(dim, self.Receiver + name.Name);
            if (self.Spec.Numbers.FirstOrDefault(n => n.Name == name.Name) is { } number)
                return NumberNode(number.IsStatic ? self.Spec.FullName + "." + number.Name : self.Receiver + number.Name, number.Name);
        }
        if (scope.Numbers.TryGetValue(name.Name, out var expression)) return NumberNode(expression, name.Name);
        Report(DiagnosticCatalog.UnknownName, scope.Location(name.Loc), name.Name, scope.Method);
        return null;
    }

    private int? LowerMember(MemberExpr member, Scope scope)
    {
        var instance = ResolveInstance(member.Path, member.Path.Count - 1, scope);
        var last = member.Path[member.Path.Count - 1];
        if (instance is not null)
        {
            if (instance.Spec.Params.Any(p => p.Name == last)) return ParameterRead(instance.Receiver + last, scope);
            if (instance.Dims.TryGetValue(last, out var dim)) return DimNumber(dim, instance.Receiver + last);
            if (instance.Spec.Numbers.FirstOrDefault(n => n.Name == last) is { } number)
                return NumberNode(number.IsStatic ? instance.Spec.FullName + "." + number.Name : instance.Receiver + number.Name, member.ToString());
        }
        Report(DiagnosticCatalog.UnknownName, scope.Location(member.Loc), member.ToString(), scope.Method);
        return null;
    }

    private static Instance? ResolveInstance(EquatableArray<string> path, int count, Scope scope)
    {
        if (count == 0) return null;
        Instance? instance = null;
        for (var i = 0; i < count; i++)
        {
            var children = instance?.Children ?? (scope.Self is { } self && self.Children.ContainsKey(path[0]) ? self.Children : scope.Instances);
            if (!children.TryGetValue(path[i], out instance)) return null;
        }
        return instance;
    }

    private int? LowerCall(CallExpr call, Scope scope)
    {
        if (call.Function == "Grad" && call.Arguments.Count == 2) return LowerGrad(call, scope);
        if (!OpCatalog.TryGet(call.Function, out var function))
        {
            Report(DiagnosticCatalog.UnknownFunction, scope.Location(call.Loc), call.Function, OpCatalog.SupportedFunctionList);
            return null;
        }
        if (call.Arguments.Count != function.Arity)
        {
            Report(DiagnosticCatalog.WrongArgumentCount, scope.Location(call.Loc), call.Function,
                function.Arity.ToString(CultureInfo.InvariantCulture), call.Arguments.Count.ToString(CultureInfo.InvariantCulture));
            return null;
        }
        var args = new int[call.Arguments.Count];
        var labels = new string[args.Length];
        for (var i = 0; i < args.Length; i++)
        {
            var value = LowerExpression(call.Arguments[i], scope);
            if (value is null) return null;
            args[i] = value.Value;
            labels[i] = AstPrinter.Print(call.Arguments[i]);
        }
        if (function.Numbers && args.All(a => Graph[a].IsNumber))
        {
            return Graph.Add(new NumberFunctionOp(function.Name), args, SymShape.Scalar, ValueKind.Number, "number", NamePriority.Auto);
        }
        if (function.TensorOp is null)
        {
            var firstTensor = System.Array.FindIndex(args, a => !Graph[a].IsNumber);
            Report(DiagnosticCatalog.UnsupportedSyntax, scope.Location(call.Loc),
                "Calling " + function.Name + " on the tensor " + labels[firstTensor] + " (it applies to numbers only)", scope.Method);
            return null;
        }
        for (var i = 0; i < function.Roles.Length && i < args.Length; i++) Graph.Rename(args[i], function.Roles[i] + scope.NameSuffix, NamePriority.Role);
        var op = function.TensorOp();
        if (op is MatMulOp)
        {
            // MatMul(Transpose(a), b): the product reads a transposed (a flag, no copy); the Transpose node is left dead.
            var transposeA = Graph[args[0]].Op is TransposeOp;
            var transposeB = Graph[args[1]].Op is TransposeOp;
            if (transposeA) args[0] = Graph[args[0]].Inputs[0];
            if (transposeB) args[1] = Graph[args[1]].Inputs[0];
            for (var i = 0; i < 2; i++)
            {
                if (call.Arguments[i] is CallExpr { Function: "Transpose", Arguments.Count: 1 } transpose) labels[i] = AstPrinter.Print(transpose.Arguments[0]);
            }
            op = new MatMulOp(transposeA, transposeB);
        }
        return AddNode(op, args, labels, call.Loc, scope);
    }

    /// <summary>
    /// <c>Grad(y, x)</c>: dy/dx for a scalar y, expanded here into the IR of the derivative (the
    /// reverse pass from y to x), so the loss's own differentiation later goes through it again.
    /// </summary>
    private int? LowerGrad(CallExpr call, Scope scope)
    {
        if (ModelOf(call.Arguments[1], scope) is { } model) return LowerModelGrad(call, model, scope);
        var y = LowerExpression(call.Arguments[0], scope);
        var x = LowerExpression(call.Arguments[1], scope);
        if (y is null || x is null) return null;
        var (yLabel, xLabel) = (AstPrinter.Print(call.Arguments[0]), AstPrinter.Print(call.Arguments[1]));
        FirstGrad ??= scope.Location(call.Loc);
        string? problem = null;
        if (Graph[y.Value].IsNumber || Graph[x.Value].IsNumber) problem = "both arguments must be tensors";
        else if (Unifier.Resolve(Graph[y.Value].Shape).Rank != 0) problem = yLabel + " must be a scalar (reduce it with Sum or Mean), but it is " + Unifier.Resolve(Graph[y.Value].Shape);
        if (problem is null)
        {
            try
            {
                var gradient = Autodiff.ReverseMode.Gradient(Graph, y.Value, x.Value, Unifier);
                if (gradient is not null) return gradient;
                problem = yLabel + " does not depend on " + xLabel;
            }
            catch (MissingDerivativeException missing)
            {
                Report(DiagnosticCatalog.NoSecondDerivative, scope.Location(call.Loc), "Grad(" + yLabel + ", " + xLabel + ")", missing.Op);
                return null;
            }
        }
        Report(DiagnosticCatalog.InvalidGrad, scope.Location(call.Loc), yLabel, xLabel, scope.Method, problem);
        return null;
    }

    /// <summary>The model instance an argument names (<c>Net</c>, <c>Net.Encoder</c>), or null when it names something else.</summary>
    private static Instance? ModelOf(Expr expr, Scope scope) => expr switch
    {
        NameExpr name when !scope.Values.ContainsKey(name.Name) => scope.Instances.TryGetValue(name.Name, out var instance) ? instance : null,
        MemberExpr member => ResolveInstance(member.Path, member.Path.Count, scope),
        _ => null,
    };

    /// <summary>
    /// <c>Grad(loss, model)</c>: the gradient of a scalar loss with respect to every trainable
    /// parameter of the model (sub-models included) that it depends on, as one gradient set.
    /// </summary>
    private int? LowerModelGrad(CallExpr call, Instance model, Scope scope)
    {
        var y = LowerExpression(call.Arguments[0], scope);
        if (y is null) return null;
        var (yLabel, modelLabel) = (AstPrinter.Print(call.Arguments[0]), AstPrinter.Print(call.Arguments[1]));
        FirstGrad ??= scope.Location(call.Loc);
        string? problem = null;
        if (Graph[y.Value].Kind != ValueKind.Tensor) problem = yLabel + " must be a scalar tensor";
        else if (Unifier.Resolve(Graph[y.Value].Shape).Rank != 0) problem = yLabel + " must be a scalar (reduce it with Sum or Mean), but it is " + Unifier.Resolve(Graph[y.Value].Shape);
        if (problem is null)
        {
            var parameters = Parameters.Where(p => p.Path.StartsWith(model.Receiver, System.StringComparison.Ordinal) && !p.Spec.Frozen
                && _parameterNodes.ContainsKey(p.Path)).ToList();
            var targets = parameters.Select(p => _parameterNodes[p.Path]).ToList();
            try
            {
                var gradients = Autodiff.ReverseMode.GradientsOf(Graph, y.Value, targets, Unifier);
                var found = parameters.Where(p => gradients.ContainsKey(_parameterNodes[p.Path])).ToList();
                if (found.Count > 0)
                {
                    return Graph.Add(new GradientSetOp(model.Path, found.Select(p => p.Path).ToImmutableArray()),
                        found.Select(p => gradients[_parameterNodes[p.Path]]).ToList(), SymShape.Scalar, ValueKind.Gradients, "gradients", NamePriority.Auto);
                }
                problem = yLabel + " does not depend on a trainable parameter of " + modelLabel;
            }
            catch (MissingDerivativeException missing)
            {
                Report(DiagnosticCatalog.NoSecondDerivative, scope.Location(call.Loc), "Grad(" + yLabel + ", " + modelLabel + ")", missing.Op);
                return null;
            }
        }
        Report(DiagnosticCatalog.InvalidGrad, scope.Location(call.Loc), yLabel, modelLabel, scope.Method, problem);
        return null;
    }

    /// <summary><c>Net.W1 += value</c> in a [Step]: an in-place update of a parameter (a Hebbian rule, an EMA, a running statistic).</summary>
    private bool LowerParameterAssign(AssignStmt assign, Scope scope)
    {
        var path = assign.Target.Split('.').ToImmutableArray();
        var instance = ResolveInstance(path, path.Length - 1, scope);
        if (instance is null || !instance.Spec.Params.Any(p => p.Name == path[path.Length - 1]))
        {
            Report(DiagnosticCatalog.BadStep, scope.Location(assign.Loc), assign.Target, scope.Method, "only a model parameter (Net.W1) can be assigned");
            return false;
        }
        var parameterPath = instance.Receiver + path[path.Length - 1];
        var current = ParameterNode(parameterPath);
        var value = LowerExpression(assign.Value, scope);
        if (value is null) return false;
        var effect = AddNode(new ParameterAssignOp(parameterPath, assign.Operator), [current, value.Value], [assign.Target, AstPrinter.Print(assign.Value)], assign.Loc, scope);
        if (effect is null) return false;
        Effects.Add(effect.Value);
        NewVersion(parameterPath);
        return true;
    }

    /// <summary><c>Optimizer.Apply(Net, gradients)</c> in a [Step]: the rule applied to every parameter of the set (one state per rule and parameter).</summary>
    private bool LowerApply(ApplyStmt apply, Scope scope)
    {
        var rule = string.Join(".", apply.Rule);
        if (apply.Rule.Count != 1 || !Rules.TryGetValue(rule, out var statePrefix))
        {
            Report(DiagnosticCatalog.BadStep, scope.Location(apply.Loc), rule + ".Apply", scope.Method,
                "'" + rule + "' is not an update-rule field of the experiment" + (Rules.Count > 0 ? " (its update rules: " + string.Join(", ", Rules.Keys) + ")" : ""));
            return false;
        }
        if (apply.Arguments.Count != 2 || ModelOf(apply.Arguments[0], scope) is not { } model)
        {
            Report(DiagnosticCatalog.BadStep, scope.Location(apply.Loc), rule + ".Apply", scope.Method, "write " + rule + ".Apply(model, Grad(loss, model)) with a model field");
            return false;
        }
        var gradients = LowerExpression(apply.Arguments[1], scope);
        if (gradients is null) return false;
        if (Graph[gradients.Value].Op is not GradientSetOp set)
        {
            Report(DiagnosticCatalog.BadStep, scope.Location(apply.Loc), rule + ".Apply", scope.Method, "the second argument must be Grad(loss, " + model.Path + ")");
            return false;
        }
        if (!set.Paths.All(p => p.StartsWith(model.Receiver, System.StringComparison.Ordinal)))
        {
            Report(DiagnosticCatalog.BadStep, scope.Location(apply.Loc), rule + ".Apply", scope.Method,
                "the gradients are those of " + set.Model + ", not of " + model.Path);
            return false;
        }
        var gradientNodes = Graph[gradients.Value].Inputs;
        for (var i = 0; i < set.Paths.Count; i++)
        {
            var parameter = set.Paths[i];
            var stateField = statePrefix + Camel(parameter.Replace(".", "")).Substring(0, 1).ToUpperInvariant() + parameter.Replace(".", "").Substring(1);
            if (!RuleStates.Any(r => r.Rule == rule && r.Parameter == parameter)) RuleStates.Add((rule, parameter, stateField));
            var info = Parameters.First(p => p.Path == parameter);
            Effects.Add(Graph.Add(new RuleApplyOp(rule, parameter, stateField), [ParameterNode(parameter), gradientNodes[i]], info.Shape, ValueKind.Tensor, "apply", NamePriority.Auto));
            NewVersion(parameter);
        }
        return true;
    }

    /// <summary>After an effect on a parameter, later reads see a new version of it (the same tensor, updated).</summary>
    private void NewVersion(string path)
    {
        var info = Parameters.First(p => p.Path == path);
        var previous = (ParameterOp)Graph[_parameterNodes[path]].Op;
        _parameterNodes[path] = Graph.Add(previous with { Version = previous.Version + 1 }, [], info.Shape, ValueKind.Tensor, Graph[_parameterNodes[path]].Name, NamePriority.Fixed);
    }

    /// <summary>A [Differentiable] function's body lowered in place, its parameters bound to the arguments.</summary>
    private int? LowerInline(InlineCallExpr call, Scope scope)
    {
        if (call.Arguments.Count != call.Parameters.Count)
        {
            Report(DiagnosticCatalog.WrongArgumentCount, scope.Location(call.Loc), call.Function,
                call.Parameters.Count.ToString(CultureInfo.InvariantCulture), call.Arguments.Count.ToString(CultureInfo.InvariantCulture));
            return null;
        }
        if (scope.Depth >= MaxInlineDepth)
        {
            Report(DiagnosticCatalog.RecursiveModel, scope.Location(call.Loc), call.Function, call.Function);
            return null;
        }
        var inner = new Scope(scope.Locations, call.Function, null, new Dictionary<string, Instance>(), scope.Depth + 1) { NameSuffix = scope.NameSuffix };
        for (var i = 0; i < call.Parameters.Count; i++)
        {
            var value = LowerExpression(call.Arguments[i], scope);
            if (value is null) return null;
            inner.Values[call.Parameters[i]] = value.Value;
        }
        return LowerBody(new MethodSpec(call.Function, EquatableArray<ParameterSpec>.Empty, call.Body, call.Loc), inner);
    }

    private int? LowerForward(ForwardCallExpr call, Scope scope)
    {
        var instance = ResolveInstance(call.Receiver, call.Receiver.Count, scope);
        var written = string.Join(".", call.Receiver) + ".Forward";
        if (instance is null)
        {
            Report(DiagnosticCatalog.UnknownName, scope.Location(call.Loc), string.Join(".", call.Receiver), scope.Method);
            return null;
        }
        var forward = instance.Spec.Forward;
        if (forward is null) return null;
        if (scope.Depth >= MaxInlineDepth)
        {
            Report(DiagnosticCatalog.RecursiveModel, scope.Location(call.Loc), instance.Spec.Name, written);
            return null;
        }
        if (call.Arguments.Count != forward.Parameters.Count)
        {
            Report(DiagnosticCatalog.WrongArgumentCount, scope.Location(call.Loc), written,
                forward.Parameters.Count.ToString(CultureInfo.InvariantCulture), call.Arguments.Count.ToString(CultureInfo.InvariantCulture));
            return null;
        }

        var inner = new Scope(instance.Spec.Locations, instance.Path + ".Forward", instance, instance.Children, scope.Depth + 1)
        {
            NameSuffix = scope.NameSuffix,
            Frozen = scope.Frozen || call.Frozen,
        };
        var pattern = new Dictionary<string, Dim>(System.StringComparer.Ordinal);
        for (var i = 0; i < forward.Parameters.Count; i++)
        {
            var parameter = forward.Parameters[i];
            var value = LowerExpression(call.Arguments[i], scope);
            if (value is null) return null;
            var label = AstPrinter.Print(call.Arguments[i]);
            var node = Graph[value.Value];
            if (parameter.IsTensor)
            {
                if (!parameter.HasShape) return null;
                if (node.IsNumber)
                {
                    Report(DiagnosticCatalog.ScalarWhereTensor, scope.Location(call.Loc), written, parameter.Name);
                    return null;
                }
                if (!BindArgument(parameter, node.Shape, instance, pattern))
                {
                    var declared = "[" + string.Join(", ", parameter.Shape.Select(d => d.IsConstant ? d.ToString()
                        : instance.Dims.TryGetValue(d.Name!, out var dim) ? Unifier.Resolve(dim).ToString() : d.Name!)) + "]";
                    Report(DiagnosticCatalog.ArgumentShape, scope.Location(call.Loc), written, parameter.Name, declared, label, Unifier.Resolve(node.Shape).ToString());
                    return null;
                }
            }
            inner.Values[parameter.Name] = value.Value;
        }
        var result = LowerBody(forward, inner);
        if (result is not null)
        {
            Graph.Rename(result.Value, Camel(instance.Path.Replace(".", "")) + "Output" + scope.NameSuffix, NamePriority.Output);
        }
        return result;
    }

    /// <summary>Matches an argument's shape against a Forward parameter's [Shape]: constants and model dims must agree; other names bind on first use.</summary>
    private bool BindArgument(ParameterSpec parameter, SymShape actual, Instance instance, Dictionary<string, Dim> pattern)
    {
        if (actual.Rank != parameter.Shape.Count) return false;
        for (var i = 0; i < actual.Rank; i++)
        {
            var declared = parameter.Shape[i];
            Dim expected;
            if (declared.IsConstant) expected = Dim.Constant(declared.Constant);
            else if (instance.Dims.TryGetValue(declared.Name!, out var modelDim)) expected = modelDim;
            else if (pattern.TryGetValue(declared.Name!, out var bound)) expected = bound;
            else
            {
                pattern[declared.Name!] = actual[i];
                continue;
            }
            if (!Unifier.Unify(expected, actual[i])) return false;
        }
        return true;
    }

    // ---- nodes ---------------------------------------------------------------------------------

    /// <summary>Only elementwise ops may be made (an update rule compiled to a fused loop); others are DSL0302, reported for <see cref="ElementwiseOwner"/>.</summary>
    public bool ElementwiseOnly { get; set; }

    public string ElementwiseOwner { get; set; } = "";

    private int? AddNode(Op op, int[] inputs, string[] labels, int loc, Scope scope)
    {
        for (var i = 0; i < inputs.Length; i++)
        {
            if (Graph[inputs[i]].Kind != ValueKind.Gradients) continue;
            Report(DiagnosticCatalog.BadStep, scope.Location(loc), labels[i], scope.Method, "the gradients of a model can only be passed to an update rule's Apply");
            return null;
        }
        if (ElementwiseOnly && !op.IsElementwise)
        {
            Report(DiagnosticCatalog.UpdateNotElementwise, scope.Location(loc), ElementwiseOwner, op.Name + "(" + string.Join(", ", labels) + ")");
            return null;
        }
        var context = new ShapeContext(Unifier, inputs.Select(i => Graph[i].Shape).ToArray(), inputs.Select(i => Graph[i].Kind).ToArray(), labels);
        var result = op.InferShape(context);
        if (result.Error is not null)
        {
            Report(result.Error, scope.Location(loc), result.Arguments);
            return null;
        }
        return Graph.Add(op, inputs, result.Shape!, result.Kind, op.DefaultValueName + scope.NameSuffix, NamePriority.Auto);
    }

    public int Number(double value) =>
        NumberNode(Emit.CSharp.Literal(value), value.ToString("R", CultureInfo.InvariantCulture));

    private int NumberNode(string expression, string display) =>
        Graph.Add(new NumberOp(expression, display), [], SymShape.Scalar, ValueKind.Number, "number", NamePriority.Fixed);

    private int DimNumber(Dim dim, string expression)
    {
        var resolved = Unifier.Resolve(dim);
        return resolved.IsConstant ? Number(resolved.Value) : NumberNode(expression, dim.Name!);
    }

    private int ParameterNode(string path)
    {
        if (_parameterNodes.TryGetValue(path, out var node)) return node;
        var info = Parameters.First(p => p.Path == path);
        node = Graph.Add(new ParameterOp(path, info.Spec.Frozen), [], info.Shape, ValueKind.Tensor, info.Name, NamePriority.Fixed);
        _parameterNodes[path] = node;
        return node;
    }

    /// <summary>A parameter as a body reads it: through NoGrad inside <c>Frozen(model).Forward</c>.</summary>
    private int ParameterRead(string path, Scope scope)
    {
        var node = ParameterNode(path);
        return scope.Frozen ? Graph.Add(new NoGradOp(), [node], Graph[node].Shape, ValueKind.Tensor, Graph[node].Name, NamePriority.Auto) : node;
    }

    /// <summary>The node of a parameter (made on first use).</summary>
    public int ParameterNodeOf(ParameterInfo parameter) => ParameterNode(parameter.Path);

    public bool IsParameterUsed(ParameterInfo parameter) => _parameterNodes.ContainsKey(parameter.Path);

    private void RegisterParameters(Instance instance)
    {
        foreach (var param in instance.Spec.Params)
        {
            var dims = param.Shape.Select(d => d.IsConstant ? Dim.Constant(d.Constant) : instance.Dims[d.Name!]).ToArray();
            Parameters.Add(new ParameterInfo(instance.Receiver + param.Name, param.Name, instance.Receiver, param, SymShape.Of(dims)));
        }
    }

    /// <summary>Gives parameters short unique names: <c>W1</c> when only one instance has it, <c>encoderW1</c> otherwise.</summary>
    public void NameParameters()
    {
        var names = new Dictionary<string, string>(System.StringComparer.Ordinal);
        foreach (var group in Parameters.GroupBy(p => p.Name))
        {
            var ambiguous = group.Count() > 1;
            foreach (var parameter in group) names[parameter.Path] = ambiguous ? Camel(parameter.Path.Replace(".", "")) : parameter.Name;
        }
        // Every version of a parameter (a [Step] reads a new one after each update) has the parameter's name.
        foreach (var node in Graph.Nodes.ToList())
        {
            if (node.Op is ParameterOp parameter && names.TryGetValue(parameter.Path, out var name)) Graph.Replace(node with { Name = name });
        }
    }

    private void Report(Microsoft.CodeAnalysis.DiagnosticDescriptor descriptor, LocationInfo? location, params string[] args) =>
        _diagnostics.Add(DiagnosticInfo.Create(descriptor, location, args));

    private static LocationInfo? Loc(EquatableArray<LocationInfo> locations, int loc) => loc >= 0 && loc < locations.Count ? locations[loc] : null;

    private static string Join(string path, string name) => path.Length == 0 ? name : path + "." + name;

    internal static string Camel(string name) => name.Length == 0 ? name : char.ToLowerInvariant(name[0]) + name.Substring(1);
}
