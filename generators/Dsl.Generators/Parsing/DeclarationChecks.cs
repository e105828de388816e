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
/// The checks that keep a declaration from breaking the generated code: names the generator gives
/// its own members, attributes that belong to another kind of class, members the generated code
/// cannot assign, and [Derivative] rules that name no function. Each is a diagnostic at the user's token.
/// </summary>
internal sealed partial class DeclarationParser
{
    public const string DerivativeAttribute = "Dsl.DerivativeAttribute";

    /// <summary>Where each attribute belongs (the class attribute it goes with), for DSL0016.</summary>
    private static readonly (string Attribute, string Name, string Owner)[] MemberAttributes =
    [
        (ParamAttribute, "Param", "Model"),
        (StateAttribute, "State", "UpdateRule"),
        (UpdateAttribute, "Update", "UpdateRule"),
        (LossAttribute, "Loss", "Experiment"),
        (StepAttribute, "Step", "Experiment"),
        (MetricAttribute, "Metric", "Experiment"),
    ];

    /// <summary>
    /// The public members the generator adds to every declaration of a kind, with what they are (for
    /// the message). A user member of the same name would be a duplicate definition in the generated
    /// file. Conveniences that give way to a user member (Fit, Evaluate, Save, Restore, Load, Predict)
    /// are not listed.
    /// </summary>
    private IEnumerable<(string Name, string What)> GeneratedMembers(string kind, bool hasLoss, bool hasOwnPredict)
    {
        const string DType = "DType dtype";
        switch (kind)
        {
            case "Model":
                yield return ("IsInitialized", "public bool IsInitialized { get; }");
                yield return ("Initialize", "public void Initialize(ulong seed, " + DType + ")");
                yield return ("Parameters", "public IReadOnlyList<(string Name, Tensor Value)> Parameters { get; }");
                if (!hasOwnPredict) yield return ("ReleasePredictBuffers", "public void ReleasePredictBuffers(), beside the generated Predict");
                break;
            case "Experiment":
                yield return ("StepCount", "public long StepCount { get; }");
                yield return ("Initialize", "public void Initialize(ulong seed, " + DType + ")");
                yield return ("TrainStep", "public float TrainStep(...)");
                yield return ("Parameters", "public IReadOnlyList<(string Name, Tensor Value)> Parameters { get; }");
                yield return ("ReleaseBuffers", "public void ReleaseBuffers()");
                if (!hasLoss) break;
                yield return ("ComputeGradients", "public float ComputeGradients(...)");
                yield return ("EvaluateLoss", "public float EvaluateLoss(...)");
                yield return ("ApplyUpdate", "public void ApplyUpdate(double learningRateFactor)");
                yield return ("Gradients", "public IReadOnlyList<(string Name, Tensor Value)> Gradients { get; }");
                break;
            case "UpdateRule":
                yield return ("CreateState", "public UpdateRuleState CreateState(Tensor parameter)");
                break;
        }
    }

    /// <summary>DSL0014 at each user member (or the class itself) named like a member the generator adds.</summary>
    private void CheckGeneratedNames(string kind, bool hasLoss = false)
    {
        var hasOwnPredict = _type.GetMembers("Predict").Any(m => !m.IsImplicitlyDeclared) || _type.Name == "Predict";
        foreach (var (name, what) in GeneratedMembers(kind, hasLoss, hasOwnPredict))
        {
            if (_type.Name == name)
            {
                Report(DiagnosticCatalog.ReservedName, Identifier(), name, kind, what);
                continue;
            }
            foreach (var member in _type.GetMembers(name).Where(m => !m.IsImplicitlyDeclared && m.DeclaringSyntaxReferences.Length > 0))
            {
                Report(DiagnosticCatalog.ReservedName, member.Locations.FirstOrDefault(), name, kind, what);
            }
        }
        // An update rule's generated Update(state, parameter, gradient, step, factor) overloads the user's [Update] method; anything else named Update clashes.
        if (kind == "UpdateRule")
        {
            foreach (var member in _type.GetMembers("Update").Where(m => m is not IMethodSymbol && m.DeclaringSyntaxReferences.Length > 0))
            {
                Report(DiagnosticCatalog.ReservedName, member.Locations.FirstOrDefault(), "Update", kind,
                    "public void Update(UpdateRuleState state, Tensor parameter, Tensor gradient, long step, double learningRateFactor)");
            }
        }
    }

    /// <summary>
    /// A [Loss] experiment without an update rule declares LearningRate (a double) unless the user's
    /// code has a number field or property of that name; any other member named so would clash.
    /// </summary>
    private void CheckLearningRate(bool plainGradientDescent)
    {
        if (!plainGradientDescent) return;
        foreach (var member in _type.GetMembers("LearningRate").Where(m => !m.IsImplicitlyDeclared && m.DeclaringSyntaxReferences.Length > 0))
        {
            if (NumberField(member) is not null && member is IFieldSymbol or IPropertySymbol) continue;
            Report(DiagnosticCatalog.ReservedName, member.Locations.FirstOrDefault(), "LearningRate", "Experiment",
                "public double LearningRate { get; set; }, the step size of its plain gradient-descent update, unless yours is a number field or property");
        }
    }

    /// <summary>DSL0016 for each member attribute that belongs to another kind of class.</summary>
    private void CheckMisplacedAttributes(string kind)
    {
        foreach (var member in _type.GetMembers().Where(m => !m.IsImplicitlyDeclared))
        {
            foreach (var (attribute, name, owner) in MemberAttributes)
            {
                // A class that is also the owner kind is already DSL0002; one error is enough.
                if (owner == kind || HasAttribute(_type, "Dsl." + owner + "Attribute") || GetAttribute(member, attribute) is not { } data) continue;
                var where = data.ApplicationSyntaxReference?.GetSyntax(_token).GetLocation() ?? member.Locations.FirstOrDefault();
                Report(DiagnosticCatalog.MisplacedAttribute, where, name, member.Name, owner, kind);
            }
        }
    }

    /// <summary>DSL0015: a [Param] the generated Initialize cannot assign (static, readonly, const).</summary>
    private bool CheckAssignable(ISymbol member)
    {
        string? problem = member switch
        {
            { IsStatic: true } => "static",
            IFieldSymbol { IsReadOnly: true } => "readonly",
            _ => null,
        };
        if (problem is null) return true;
        Report(DiagnosticCatalog.NotAssignable, member.Locations.FirstOrDefault(), member.Name, "Param", problem);
        return false;
    }

    /// <summary>
    /// DSL0019: an experiment's generated step reads its models' parameters, sub-models and sizes
    /// (Net.W1), and the fields Forward uses (inlined there), from outside the model's class.
    /// </summary>
    private void CheckReachable(ISymbol member, bool usedByForward)
    {
        if (member.DeclaredAccessibility is Accessibility.Public or Accessibility.Internal or Accessibility.ProtectedOrInternal) return;
        var isModelPart = HasAttribute(member, ParamAttribute) || HasAttribute(member, DimAttribute)
            || (MemberType(member) is INamedTypeSymbol type && HasAttribute(type, ModelAttribute));
        if (!isModelPart && !usedByForward) return;
        var accessibility = member.DeclaredAccessibility switch
        {
            Accessibility.Protected => "protected",
            Accessibility.ProtectedAndInternal => "private protected",
            _ => "private",
        };
        Report(DiagnosticCatalog.Unreachable, member.Locations.FirstOrDefault(), member.Name, _type.Name, accessibility);
    }

    /// <summary>The names Forward's body mentions (a superset of the fields it reads).</summary>
    private HashSet<string> NamesUsedByForward() => new(_type.GetMembers("Forward").SelectMany(m => m.DeclaringSyntaxReferences)
        .SelectMany(r => r.GetSyntax(_token).DescendantNodes().OfType<IdentifierNameSyntax>()).Select(n => n.Identifier.ValueText), System.StringComparer.Ordinal);

    /// <summary>
    /// Only the first part of a partial class carrying the attribute is read: every part with it is a
    /// target of ForAttributeWithMetadataName, and two outputs with one hint name would fail the build.
    /// </summary>
    private static bool IsFirstAttributedPart(GeneratorAttributeSyntaxContext context, string attribute, CancellationToken token)
    {
        var first = context.TargetSymbol.GetAttributes().FirstOrDefault(a => a.AttributeClass?.ToDisplayString() == attribute)?.ApplicationSyntaxReference;
        if (first is null) return true;
        var owner = first.GetSyntax(token).FirstAncestorOrSelf<TypeDeclarationSyntax>();
        return owner is null || owner == context.TargetNode;
    }

    /// <summary>The class attributes a type may carry one of; a second kind would write a second file with the same name.</summary>
    private static readonly (string Attribute, string Name)[] Kinds =
        [(ModelAttribute, "Model"), (ExperimentAttribute, "Experiment"), (UpdateRuleAttribute, "UpdateRule")];

    /// <summary>Reasons (DSL0002) this type cannot be a declaration of <paramref name="kind"/>, besides nesting, generics and static.</summary>
    private string? TypeShapeProblem(TypeDeclarationSyntax syntax, string kind)
    {
        if (syntax is RecordDeclarationSyntax)
        {
            return "a record is not supported (records compare and copy by value; a " + kind.ToLowerInvariant() + " holds tensors it owns); declare a class";
        }
        if (_type.DeclaringSyntaxReferences.Select(r => r.GetSyntax(_token)).OfType<TypeDeclarationSyntax>().Any(d => d.Modifiers.Any(SyntaxKind.FileKeyword)))
        {
            return "a file-local type cannot be extended by the generated file; remove 'file'";
        }
        foreach (var (attribute, name) in Kinds)
        {
            if (name == kind) break;
            if (HasAttribute(_type, attribute)) return "it is already a [" + name + "]; a class is one of [Model], [Experiment] and [UpdateRule]";
        }
        return null;
    }

    /// <summary>The cheap syntactic filter in front of the [Derivative] check.</summary>
    public static bool IsDerivativeCandidate(SyntaxNode node, CancellationToken _) => node is MethodDeclarationSyntax;

    /// <summary>DSL0018 when a [Derivative("F")] rule's class has no method F (the rule would never be used).</summary>
    public static EquatableArray<DiagnosticInfo> CheckDerivativeRule(GeneratorAttributeSyntaxContext context, CancellationToken token)
    {
        if (context.TargetSymbol is not IMethodSymbol rule || rule.ContainingType is not { } owner) return EquatableArray<DiagnosticInfo>.Empty;
        var diagnostics = ImmutableArray.CreateBuilder<DiagnosticInfo>();
        foreach (var attribute in context.Attributes)
        {
            token.ThrowIfCancellationRequested();
            // A missing or non-string argument is the compiler's error.
            if (attribute.ConstructorArguments.Length != 1 || attribute.ConstructorArguments[0].Value is not string function) continue;
            if (owner.GetMembers(function).OfType<IMethodSymbol>().Any()) continue;
            var syntax = attribute.ApplicationSyntaxReference?.GetSyntax(token) as AttributeSyntax;
            var where = syntax?.ArgumentList?.Arguments.FirstOrDefault() is { } argument ? argument.GetLocation() : syntax?.GetLocation();
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticCatalog.UnknownDerivativeTarget, LocationInfo.From(where), function, rule.Name, owner.Name));
        }
        return diagnostics.ToImmutable();
    }
}
