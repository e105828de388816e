using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Dsl.Generators.Diagnostics;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Dsl.Generators.Parsing;

/// <summary>
/// Reads [Model], [Experiment] and [UpdateRule] classes through Roslyn's syntax and semantic model
/// into specs. This is the only place that looks at symbols; everything after works on specs.
/// </summary>
internal sealed partial class DeclarationParser
{
    public const string ModelAttribute = "Dsl.ModelAttribute";
    public const string ExperimentAttribute = "Dsl.ExperimentAttribute";
    public const string UpdateRuleAttribute = "Dsl.UpdateRuleAttribute";
    private const string ParamAttribute = "Dsl.ParamAttribute";
    private const string DimAttribute = "Dsl.DimAttribute";
    private const string InitAttribute = "Dsl.InitAttribute";
    private const string ShapeAttribute = "Dsl.ShapeAttribute";
    private const string LossAttribute = "Dsl.LossAttribute";
    private const string StepAttribute = "Dsl.StepAttribute";
    private const string MetricAttribute = "Dsl.MetricAttribute";
    private const string StateAttribute = "Dsl.StateAttribute";
    private const string UpdateAttribute = "Dsl.UpdateAttribute";
    private const string TensorType = "Dsl.Tensor";

    private readonly SyntaxNode _node;
    private readonly Compilation _compilation;
    private readonly CancellationToken _token;
    private readonly INamedTypeSymbol _type;
    private readonly LocationTable _locations = new();
    private readonly List<DiagnosticInfo> _diagnostics = [];

    private DeclarationParser(GeneratorAttributeSyntaxContext context, CancellationToken token)
        : this((INamedTypeSymbol)context.TargetSymbol, context.TargetNode, context.SemanticModel.Compilation, token)
    {
    }

    private DeclarationParser(INamedTypeSymbol type, SyntaxNode node, Compilation compilation, CancellationToken token)
    {
        _node = node;
        _compilation = compilation;
        _token = token;
        _type = type;
    }

    /// <summary>
    /// A [Model] of a referenced library, read from the declaration source the library shipped
    /// (<see cref="LibraryModels"/>) and compiled beside the user's references: its spec, for
    /// experiments and models that hold it as a sub-model; null when it does not parse cleanly.
    /// </summary>
    public static ModelSpec? ParseLibraryModel(INamedTypeSymbol type, SyntaxNode node, Compilation compilation, CancellationToken token)
    {
        var result = new DeclarationParser(type, node, compilation, token).Model();
        return result.Diagnostics.Any(d => DiagnosticCatalog.Get(d.Id).DefaultSeverity == DiagnosticSeverity.Error) ? null : result.Spec;
    }

    /// <summary>The cheap syntactic filter in front of the semantic transform.</summary>
    public static bool IsCandidate(SyntaxNode node, CancellationToken _) => node is ClassDeclarationSyntax or RecordDeclarationSyntax;

    public static ParseResult<ModelSpec> ParseModel(GeneratorAttributeSyntaxContext context, CancellationToken token) =>
        Guard.Parse(context, "reading the model", () => IsFirstAttributedPart(context, ModelAttribute, token) ? new DeclarationParser(context, token).Model() : Skipped<ModelSpec>());

    public static ParseResult<ExperimentSpec> ParseExperiment(GeneratorAttributeSyntaxContext context, CancellationToken token) =>
        Guard.Parse(context, "reading the experiment", () => IsFirstAttributedPart(context, ExperimentAttribute, token) ? new DeclarationParser(context, token).Experiment() : Skipped<ExperimentSpec>());

    public static ParseResult<UpdateRuleSpec> ParseUpdateRule(GeneratorAttributeSyntaxContext context, CancellationToken token) =>
        Guard.Parse(context, "reading the update rule", () => IsFirstAttributedPart(context, UpdateRuleAttribute, token) ? new DeclarationParser(context, token).UpdateRule() : Skipped<UpdateRuleSpec>());

    /// <summary>Another part of the class carries the attribute too; that part is the one read.</summary>
    private static ParseResult<T> Skipped<T>() where T : class, System.IEquatable<T> => new(null, EquatableArray<DiagnosticInfo>.Empty);

    private const string ShipModelsAttribute = "Dsl.ShipModelsAttribute";

    /// <summary>The declaration to embed when the assembly ships its models and this one is public.</summary>
    private ShippedSource? Shipped()
    {
        if (_type.DeclaredAccessibility != Accessibility.Public) return null;
        if (!_compilation.Assembly.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == ShipModelsAttribute)) return null;
        var tree = _node.SyntaxTree;
        return new ShippedSource(_type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat.WithGlobalNamespaceStyle(SymbolDisplayGlobalNamespaceStyle.Omitted)),
            System.IO.Path.GetFileName(tree.FilePath), tree.GetText(_token).ToString());
    }

    // ---- the three kinds of declaration ------------------------------------------------------------

    private ParseResult<ModelSpec> Model()
    {
        if (!CheckTypeShape("Model")) return Result<ModelSpec>(null);
        var loc = _locations.Add(Identifier().GetLocation());
        var dims = ImmutableArray.CreateBuilder<string>();
        var parameters = ImmutableArray.CreateBuilder<ParamSpec>();
        var subModels = ImmutableArray.CreateBuilder<MemberInstanceSpec>();
        var numbers = ImmutableArray.CreateBuilder<NumberFieldSpec>();

        // Dims first: [Param] and [Shape] refer to them by name.
        foreach (var member in Members())
        {
            if (HasAttribute(member, DimAttribute) && CheckNumberMember(member, "Dim", integer: true)) dims.Add(member.Name);
        }
        var dimNames = dims.ToImmutable();
        CheckMisplacedAttributes("Model");
        CheckGeneratedNames("Model");
        var usedByForward = NamesUsedByForward();
        foreach (var member in Members()) CheckReachable(member, usedByForward.Contains(member.Name));

        foreach (var member in Members())
        {
            _token.ThrowIfCancellationRequested();
            if (HasAttribute(member, DimAttribute)) continue;
            if (HasAttribute(member, ParamAttribute))
            {
                if (CheckAssignable(member) && ParseParam(member, dimNames) is { } param) parameters.Add(param);
            }
            else if (MemberType(member) is INamedTypeSymbol memberType && HasAttribute(memberType, ModelAttribute))
            {
                if (ParseInstance(member, memberType) is { } instance) subModels.Add(instance);
            }
            else if (NumberField(member) is { } number)
            {
                numbers.Add(number);
            }
        }

        foreach (var param in parameters)
        {
            if (param.FanInOf is { } of && !parameters.Any(p => p.Name == of && p.Shape.Count >= 2))
            {
                Report(DiagnosticCatalog.BadArgument, _type.GetMembers(param.Name).FirstOrDefault()?.Locations.FirstOrDefault(), "[Init] of " + param.Name,
                    "FanInOf names '" + of + "', which is not a [Param] of " + _type.Name + " with two or more dimensions (a weight)");
            }
        }

        var forwardMethods = _type.GetMembers("Forward").OfType<IMethodSymbol>().Where(m => !m.IsStatic).ToArray();
        MethodSpec? forward = null;
        if (forwardMethods.Length == 1) forward = ParseMethod(forwardMethods[0], "Forward", BodyKind.Forward);
        else Report(DiagnosticCatalog.MissingForward, Identifier(), _type.Name);

        var hasConstructor = _type.InstanceConstructors.Any(c => !c.IsImplicitlyDeclared);
        return Result(new ModelSpec(Namespace(), _type.Name, FullName(_type), dimNames, parameters.ToImmutable(),
            subModels.ToImmutable(), numbers.ToImmutable(), forward, hasConstructor, UserMemberNames(), loc, _locations.ToEquatableArray(),
            Shipped: Shipped()));
    }

    private ParseResult<ExperimentSpec> Experiment()
    {
        if (!CheckTypeShape("Experiment")) return Result<ExperimentSpec>(null);
        var loc = _locations.Add(Identifier().GetLocation());
        var models = ImmutableArray.CreateBuilder<MemberInstanceSpec>();
        var numbers = ImmutableArray.CreateBuilder<NumberFieldSpec>();
        var rules = ImmutableArray.CreateBuilder<MemberInstanceSpec>();
        var steps = _type.GetMembers().OfType<IMethodSymbol>().Where(m => HasAttribute(m, StepAttribute)).ToArray();
        CheckMisplacedAttributes("Experiment");

        foreach (var member in Members())
        {
            _token.ThrowIfCancellationRequested();
            if (MemberType(member) is not INamedTypeSymbol memberType) continue;
            if (HasAttribute(memberType, ModelAttribute))
            {
                if (ParseInstance(member, memberType) is { } instance) models.Add(instance);
            }
            else if (HasAttribute(memberType, UpdateRuleAttribute))
            {
                var instance = ParseInstance(member, memberType);
                if (instance is null) continue;
                if (rules.Count > 0 && steps.Length == 0)
                {
                    Report(DiagnosticCatalog.BadUpdateRule, member.Locations.FirstOrDefault(), memberType.Name,
                        "an experiment with a [Loss] takes one update rule; '" + rules[0].Name + "' is already one (a [Step] method may use several)");
                }
                rules.Add(instance);
            }
            else if (NumberField(member) is { } number)
            {
                numbers.Add(number);
            }
        }

        var losses = _type.GetMembers().OfType<IMethodSymbol>().Where(m => HasAttribute(m, LossAttribute)).ToArray();
        MethodSpec? loss = null;
        MethodSpec? step = null;
        CheckGeneratedNames("Experiment", hasLoss: losses.Length > 0 && steps.Length == 0);
        CheckLearningRate(plainGradientDescent: losses.Length == 1 && steps.Length == 0 && rules.Count == 0);
        if (losses.Length + steps.Length == 1)
        {
            // A [Loss]'s or [Step]'s tensor parameters may leave out [Shape]: lowering infers it from a Forward or loss they are passed to.
            if (losses.Length == 1) loss = ParseMethod(losses[0], losses[0].Name, BodyKind.Loss, requireShapes: false);
            else step = ParseMethod(steps[0], steps[0].Name, BodyKind.Step, requireShapes: false);
        }
        else
        {
            var extra = losses.Concat(steps).Skip(1).FirstOrDefault();
            Report(DiagnosticCatalog.MissingLoss, extra?.Locations.FirstOrDefault() ?? Identifier().GetLocation(), _type.Name,
                losses.Length + steps.Length == 0 ? "none was found" : losses.Length + " [Loss] and " + steps.Length + " [Step] methods were found");
        }

        var metrics = ImmutableArray.CreateBuilder<MetricSpec>();
        foreach (var method in _type.GetMembers().OfType<IMethodSymbol>().Where(m => HasAttribute(m, MetricAttribute)))
        {
            var returnsTensor = IsTensor(method.ReturnType);
            if ((!returnsTensor && NumberTypeOf(method.ReturnType) is null) || method.IsStatic || method.IsGenericMethod
                || method.Parameters.Any(p => !IsTensor(p.Type)))
            {
                Report(DiagnosticCatalog.BadMetric, method.Locations.FirstOrDefault(), method.Name,
                    "a metric is an instance method taking tensors (inputs of the step, by name) and returning a scalar Tensor or a number");
                continue;
            }
            var higher = GetAttribute(method, MetricAttribute)!.NamedArguments.FirstOrDefault(a => a.Key == "HigherIsBetter").Value.Value is not false;
            metrics.Add(new MetricSpec(method.Name, method.Parameters.Select(p => p.Name).ToImmutableArray(), returnsTensor, higher,
                _locations.Add(method.Locations.FirstOrDefault())));
        }

        return Result(new ExperimentSpec(Namespace(), _type.Name, FullName(_type), models.ToImmutable(), numbers.ToImmutable(),
            rules.ToImmutable(), loss, step, metrics.ToImmutable(),
            _type.InstanceConstructors.Any(c => c.Parameters.Length == 0 && c.DeclaredAccessibility is Accessibility.Public or Accessibility.Internal),
            UserMemberNames(), loc, _locations.ToEquatableArray()));
    }

    private ParseResult<UpdateRuleSpec> UpdateRule()
    {
        if (!CheckTypeShape("UpdateRule")) return Result<UpdateRuleSpec>(null);
        var loc = _locations.Add(Identifier().GetLocation());
        var numbers = ImmutableArray.CreateBuilder<NumberFieldSpec>();
        var states = ImmutableArray.CreateBuilder<string>();
        var initFromParameter = ImmutableArray.CreateBuilder<bool>();
        var numberStates = ImmutableArray.CreateBuilder<string>();
        var evaluationStates = new List<string>();
        var innerRules = new List<ISymbol>();
        CheckMisplacedAttributes("UpdateRule");
        CheckGeneratedNames("UpdateRule");
        foreach (var member in Members())
        {
            if (HasAttribute(member, StateAttribute))
            {
                if (StateMember(member) is { } state)
                {
                    if (state.IsNumber) numberStates.Add(member.Name);
                    else
                    {
                        states.Add(member.Name);
                        initFromParameter.Add(state.FromParameter);
                    }
                    if (state.EvaluateAt) evaluationStates.Add(member.Name);
                }
            }
            else if (NumberField(member) is { } number)
            {
                numbers.Add(number);
            }
            else if (IsInnerRuleMember(member))
            {
                innerRules.Add(member);
            }
        }

        var updates = _type.GetMembers().OfType<IMethodSymbol>().Where(m => HasAttribute(m, UpdateAttribute)).ToArray();
        MethodSpec? update = null;
        if (updates.Length != 1)
        {
            Report(DiagnosticCatalog.BadUpdateRule, Identifier().GetLocation(), _type.Name, "it needs exactly one method marked [Update]");
        }
        else
        {
            var method = updates[0];
            var p = method.Parameters;
            if (p.Length != 3 || !IsTensor(p[0].Type) || !IsTensor(p[1].Type) || p[2].Type.SpecialType != SpecialType.System_Int64)
            {
                Report(DiagnosticCatalog.BadUpdateRule, method.Locations.FirstOrDefault(), _type.Name,
                    "the [Update] method must be 'void " + method.Name + "(Tensor param, Tensor grad, long step)'");
            }
            else
            {
                update = ParseMethod(method, method.Name, BodyKind.Update, requireShapes: false);
            }
        }
        var numberStateList = numberStates.ToImmutable();
        CheckRuleStates(evaluationStates, numberStateList, update);
        return Result(new UpdateRuleSpec(Namespace(), _type.Name, FullName(_type), numbers.ToImmutable(), states.ToImmutable(),
            update, loc, _locations.ToEquatableArray())
        {
            InitFromParameter = initFromParameter.ToImmutable(),
            NumberStates = numberStateList,
            EvaluationState = evaluationStates.Count == 1 ? evaluationStates[0] : null,
            InnerRule = InnerRuleField(innerRules),
        });
    }

    // ---- members -------------------------------------------------------------------------------

    private ParamSpec? ParseParam(ISymbol member, ImmutableArray<string> dimNames)
    {
        if (!IsTensor(MemberType(member)))
        {
            Report(DiagnosticCatalog.BadMemberType, member.Locations.FirstOrDefault(), member.Name, "Param", "Dsl.Tensor");
            return null;
        }
        string? partialModifiers = null;
        var partialAccessors = ImmutableArray<string>.Empty;
        if (member is IPropertySymbol property)
        {
            var declaration = property.DeclaringSyntaxReferences.Select(r => r.GetSyntax(_token)).OfType<PropertyDeclarationSyntax>()
                .FirstOrDefault(d => d.Modifiers.Any(SyntaxKind.PartialKeyword) && d.AccessorList is { } list && list.Accessors.All(a => a.Body is null && a.ExpressionBody is null));
            if (property.IsPartialDefinition && property.PartialImplementationPart is null && declaration?.AccessorList is { } accessors)
            {
                // The generator writes the implementing half: accessors over a field it owns.
                partialModifiers = string.Join(" ", declaration.Modifiers.Select(m => m.Text));
                partialAccessors = accessors.Accessors.Select(a => string.Join(" ", a.Modifiers.Select(m => m.Text).Append(a.Keyword.Text))).ToImmutableArray();
            }
            else if (property.SetMethod is null || property.SetMethod.IsInitOnly)
            {
                Report(DiagnosticCatalog.BadMemberType, member.Locations.FirstOrDefault(), member.Name, "Param",
                    "Dsl.Tensor held in a field, a settable property or a partial property the generator implements ('public partial Tensor " + member.Name + " { get; }'), not a get-only property");
                return null;
            }
        }
        var attribute = GetAttribute(member, ParamAttribute)!;
        var shape = ReadDims(attribute, member.Name, dimNames, allowFreeNames: false);
        if (shape is null) return null;

        var frozen = attribute.NamedArguments.FirstOrDefault(a => a.Key == "Frozen").Value.Value is true;
        var init = InitKind.UniformFanIn;
        var scale = 1.0;
        string? fanInOf = null;
        if (GetAttribute(member, InitAttribute) is { } initAttribute && initAttribute.ConstructorArguments.Length >= 1)
        {
            if (initAttribute.ConstructorArguments[0].Value is int kind) init = (InitKind)kind;
            if (initAttribute.ConstructorArguments.Length >= 2 && initAttribute.ConstructorArguments[1].Value is double s) scale = s;
            fanInOf = initAttribute.NamedArguments.FirstOrDefault(a => a.Key == "FanInOf").Value.Value as string;
        }
        return new ParamSpec(member.Name, shape.Value, init, scale, frozen, member is IPropertySymbol,
            _locations.Add(member.Locations.FirstOrDefault()), partialModifiers, partialAccessors, fanInOf);
    }

    /// <summary>Reads the dims of a [Param] or [Shape] attribute: int constants and names.</summary>
    private EquatableArray<DimRef>? ReadDims(AttributeData attribute, string owner, ImmutableArray<string> dimNames, bool allowFreeNames)
    {
        var argumentSyntax = (attribute.ApplicationSyntaxReference?.GetSyntax(_token) as AttributeSyntax)?.ArgumentList?.Arguments;
        if (attribute.ConstructorArguments.Length == 1 && attribute.ConstructorArguments[0] is { Kind: TypedConstantKind.Array, IsNull: true })
        {
            // [Shape(null)]: the params array itself is null.
            SyntaxNode? at = argumentSyntax is { Count: > 0 } given ? given[0] : attribute.ApplicationSyntaxReference?.GetSyntax(_token);
            Report(DiagnosticCatalog.BadDimension, at?.GetLocation(), "'null'", owner, _type.Name);
            return null;
        }
        var values = attribute.ConstructorArguments.Length == 1 && attribute.ConstructorArguments[0].Kind == TypedConstantKind.Array
            ? attribute.ConstructorArguments[0].Values
            : attribute.ConstructorArguments;
        var dims = ImmutableArray.CreateBuilder<DimRef>(values.Length);
        var ok = true;
        for (var i = 0; i < values.Length; i++)
        {
            var value = values[i].Value;
            DimRef? dim = value switch
            {
                int n when n > 0 => DimRef.Of(n),
                long n when n > 0 => DimRef.Of(n),
                string name when dimNames.Contains(name) || (allowFreeNames && SyntaxFacts.IsValidIdentifier(name)) => DimRef.Of(name),
                _ => null,
            };
            if (dim is null)
            {
                ok = false;
                SyntaxNode? where = argumentSyntax is { } list && i < list.Count ? list[i] : attribute.ApplicationSyntaxReference?.GetSyntax(_token);
                var written = where is AttributeArgumentSyntax a ? BodyParser.Describe(a) : value?.ToString() ?? "null";
                Report(DiagnosticCatalog.BadDimension, where?.GetLocation(), "'" + written + "'", owner, _type.Name);
            }
            else
            {
                dims.Add(dim);
            }
        }
        return ok ? dims.ToImmutable() : null;
    }

    /// <summary>A field holding a sub-model or update rule, with the constants of its initializer.</summary>
    private MemberInstanceSpec? ParseInstance(ISymbol member, INamedTypeSymbol memberType)
    {
        var bindings = ImmutableArray.CreateBuilder<DimBinding>();
        var declarator = member.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax(_token);
        var initializerValue = declarator switch
        {
            VariableDeclaratorSyntax v => v.Initializer?.Value,
            PropertyDeclarationSyntax p => p.Initializer?.Value,
            _ => null,
        };
        var autoProperty = declarator is PropertyDeclarationSyntax { ExpressionBody: null, AccessorList: { } accessorList }
            && accessorList.Accessors.All(a => a.Body is null && a.ExpressionBody is null);
        if (initializerValue is null && (declarator is VariableDeclaratorSyntax || autoProperty))
        {
            Report(DiagnosticCatalog.MissingInstance, member.Locations.FirstOrDefault(), member.Name,
                HasAttribute(memberType, ModelAttribute) ? "Model" : "UpdateRule", memberType.Name);
            return null;
        }
        var objectInitializer = initializerValue switch
        {
            BaseObjectCreationExpressionSyntax creation => creation.Initializer,
            _ => null,
        };
        var semanticModel = _compilation.GetSemanticModel(declarator?.SyntaxTree ?? _node.SyntaxTree);
        var dimMembers = memberType.GetMembers().Where(m => HasAttribute(m, DimAttribute)).Select(m => m.Name).ToImmutableHashSet();
        foreach (var expression in objectInitializer?.Expressions ?? default)
        {
            if (expression is not AssignmentExpressionSyntax { Left: IdentifierNameSyntax left } assignment) continue;
            var name = left.Identifier.ValueText;
            if (!dimMembers.Contains(name)) continue;
            var constant = semanticModel.GetConstantValue(assignment.Right, _token);
            long? value = constant.HasValue ? constant.Value switch { int i => i, long l => l, short s => s, byte b => b, _ => null } : null;
            if (value is null or <= 0)
            {
                Report(DiagnosticCatalog.BadInitializer, assignment.Right.GetLocation(), member.Name,
                    "[Dim] '" + name + "' must be set to a positive integer constant, not '" + BodyParser.Describe(assignment.Right) + "'");
                continue;
            }
            bindings.Add(new DimBinding(name, value.Value));
        }
        return new MemberInstanceSpec(member.Name, FullName(memberType), bindings.ToImmutable(), _locations.Add(member.Locations.FirstOrDefault()));
    }

    private static NumberFieldSpec? NumberField(ISymbol member)
    {
        if (member is not IFieldSymbol and not IPropertySymbol) return null;
        return NumberTypeOf(MemberType(member)) is { } type ? new NumberFieldSpec(member.Name, type, member.IsStatic) : null;
    }

    private bool CheckNumberMember(ISymbol member, string attribute, bool integer)
    {
        var type = NumberTypeOf(MemberType(member));
        if (type is NumberType.Int or NumberType.Long || (!integer && type is not null)) return true;
        Report(DiagnosticCatalog.BadMemberType, member.Locations.FirstOrDefault(), member.Name, attribute, integer ? "int" : "a number type");
        return false;
    }

    // ---- methods -------------------------------------------------------------------------------

    private MethodSpec? ParseMethod(IMethodSymbol method, string name, BodyKind kind, bool requireShapes = true)
    {
        var syntax = method.DeclaringSyntaxReferences.Select(r => r.GetSyntax(_token)).OfType<MethodDeclarationSyntax>()
            .FirstOrDefault(m => m.Body is not null || m.ExpressionBody is not null);
        if (syntax is null || method.Parameters.Any(p => !SyntaxFacts.IsValidIdentifier(p.Name))) return null;
        var parameters = ImmutableArray.CreateBuilder<ParameterSpec>();
        var dimNames = _type.GetMembers().Where(m => HasAttribute(m, DimAttribute)).Select(m => m.Name).ToImmutableArray();
        foreach (var parameter in method.Parameters)
        {
            var loc = _locations.Add(parameter.Locations.FirstOrDefault());
            if (IsTensor(parameter.Type))
            {
                var shapeAttribute = GetAttribute(parameter, ShapeAttribute);
                if (shapeAttribute is null)
                {
                    if (requireShapes) Report(DiagnosticCatalog.MissingShape, parameter.Locations.FirstOrDefault(), parameter.Name, name);
                    parameters.Add(new ParameterSpec(parameter.Name, true, NumberType.Float, false, EquatableArray<DimRef>.Empty, loc));
                    continue;
                }
                var shape = ReadDims(shapeAttribute, parameter.Name, dimNames, allowFreeNames: true);
                parameters.Add(new ParameterSpec(parameter.Name, true, NumberType.Float, true, shape ?? EquatableArray<DimRef>.Empty, loc));
            }
            else if (NumberTypeOf(parameter.Type) is { } numberType)
            {
                parameters.Add(new ParameterSpec(parameter.Name, false, numberType, false, EquatableArray<DimRef>.Empty, loc));
            }
            else
            {
                Report(DiagnosticCatalog.UnsupportedSyntax, parameter.Locations.FirstOrDefault(),
                    "A parameter of type '" + parameter.Type.ToDisplayString() + "' (use Tensor or a number type)", name, BodyKinds.Allowed(kind));
            }
        }
        var semanticModel = _compilation.GetSemanticModel(syntax.SyntaxTree);
        var body = new BodyParser(semanticModel, _locations, _diagnostics, name, kind, _token).Parse(syntax);
        return new MethodSpec(name, parameters.ToImmutable(), body, _locations.Add(syntax.Identifier.GetLocation()));
    }

    // ---- the type itself -----------------------------------------------------------------------

    private bool CheckTypeShape(string attribute)
    {
        var syntax = (TypeDeclarationSyntax)_node;
        // Half-typed code: the compiler reports the syntax error; there is nothing to generate yet.
        if (!SyntaxFacts.IsValidIdentifier(_type.Name)) return false;
        if (_type.ContainingType is not null)
        {
            Report(DiagnosticCatalog.UnsupportedTypeShape, syntax.Identifier.GetLocation(), _type.Name, attribute, "nested types are not supported; declare it at namespace level");
            return false;
        }
        if (_type.IsGenericType)
        {
            Report(DiagnosticCatalog.UnsupportedTypeShape, syntax.Identifier.GetLocation(), _type.Name, attribute, "generic types are not supported");
            return false;
        }
        if (_type.IsStatic)
        {
            Report(DiagnosticCatalog.UnsupportedTypeShape, syntax.Identifier.GetLocation(), _type.Name, attribute, "a static class has no instances to hold parameters");
            return false;
        }
        if (TypeShapeProblem(syntax, attribute) is { } problem)
        {
            Report(DiagnosticCatalog.UnsupportedTypeShape, syntax.Identifier.GetLocation(), _type.Name, attribute, problem);
            return false;
        }
        if (!syntax.Modifiers.Any(SyntaxKind.PartialKeyword))
        {
            Report(DiagnosticCatalog.NotPartial, syntax.Identifier.GetLocation(), _type.Name, attribute);
            return false;
        }
        return true;
    }

    /// <summary>
    /// The names the user's code gives members of the type, and the type's own name: generated
    /// conveniences (Fit, Save, Predict, ...) that would clash with one are left out.
    /// </summary>
    private EquatableArray<string> UserMemberNames() => _type.GetMembers().Where(m => !m.IsImplicitlyDeclared && m.DeclaringSyntaxReferences.Length > 0)
        .Select(m => m.Name).Append(_type.Name).Distinct().OrderBy(n => n, System.StringComparer.Ordinal).ToImmutableArray();

    private SyntaxToken Identifier() => ((TypeDeclarationSyntax)_node).Identifier;

    private string Namespace() => _type.ContainingNamespace is { IsGlobalNamespace: false } ns ? ns.ToDisplayString() : "";

    private static string FullName(ITypeSymbol type) => type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat);

    /// <summary>Fields and properties in declaration order (the order Parameters lists them in).</summary>
    private IEnumerable<ISymbol> Members() => _type.GetMembers()
        .Where(m => !m.IsImplicitlyDeclared && m is IFieldSymbol or IPropertySymbol && SyntaxFacts.IsValidIdentifier(m.Name));

    private static ITypeSymbol? MemberType(ISymbol member) => member switch
    {
        IFieldSymbol f => f.Type,
        IPropertySymbol p => p.Type,
        _ => null,
    };

    private static bool IsTensor(ITypeSymbol? type) => type?.ToDisplayString().TrimEnd('?') == TensorType;

    private static NumberType? NumberTypeOf(ITypeSymbol? type) => type?.SpecialType switch
    {
        SpecialType.System_Single => NumberType.Float,
        SpecialType.System_Double => NumberType.Double,
        SpecialType.System_Int32 => NumberType.Int,
        SpecialType.System_Int64 => NumberType.Long,
        _ => null,
    };

    private static bool HasAttribute(ISymbol symbol, string metadataName) => GetAttribute(symbol, metadataName) is not null;

    private static AttributeData? GetAttribute(ISymbol symbol, string metadataName) =>
        symbol.GetAttributes().FirstOrDefault(a => a.AttributeClass?.ToDisplayString() == metadataName);

    private void Report(DiagnosticDescriptor descriptor, SyntaxToken token, params string[] args) =>
        Report(descriptor, token.GetLocation(), args);

    private void Report(DiagnosticDescriptor descriptor, Location? location, params string[] args) =>
        _diagnostics.Add(DiagnosticInfo.Create(descriptor, LocationInfo.From(location), args));

    private ParseResult<T> Result<T>(T? spec) where T : class, System.IEquatable<T>
    {
        var hasErrors = _diagnostics.Any(d => DiagnosticCatalog.Get(d.Id).DefaultSeverity == DiagnosticSeverity.Error);
        spec = spec switch
        {
            ModelSpec m => (T)(object)(m with { HasErrors = hasErrors }),
            ExperimentSpec e => (T)(object)(e with { HasErrors = hasErrors }),
            UpdateRuleSpec u => (T)(object)(u with { HasErrors = hasErrors }),
            _ => spec,
        };
        return new(spec, _diagnostics.ToImmutableArray());
    }
}
