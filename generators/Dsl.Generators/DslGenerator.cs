using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Dsl.Generators.Compile;
using Dsl.Generators.Diagnostics;
using Dsl.Generators.Emit;
using Dsl.Generators.Parsing;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace Dsl.Generators;

/// <summary>
/// The Dsl source generator. Pipeline (docs/ARCHITECTURE-generator.md):
/// parse [Model]/[Experiment]/[UpdateRule] classes into specs → compile (lower to IR, check shapes,
/// differentiate, plan buffers) into plans → emit C#. Plans carry no locations, so an edit that only
/// moves code re-reports diagnostics but regenerates nothing. Diagnostics are one separate output.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class DslGenerator : IIncrementalGenerator
{
    /// <summary>Tracking names of the pipeline steps (tests check their run reasons).</summary>
    internal static class Steps
    {
        public const string ModelSpecs = nameof(ModelSpecs);
        public const string LibraryModels = nameof(LibraryModels);
        public const string ExperimentSpecs = nameof(ExperimentSpecs);
        public const string UpdateRuleSpecs = nameof(UpdateRuleSpecs);
        public const string ModelInputs = nameof(ModelInputs);
        public const string ExperimentInputs = nameof(ExperimentInputs);
        public const string ModelPlans = nameof(ModelPlans);
        public const string ExperimentPlans = nameof(ExperimentPlans);
        public const string UpdateRulePlans = nameof(UpdateRulePlans);
        public const string DerivativeRules = nameof(DerivativeRules);
        public const string Diagnostics = nameof(Diagnostics);
    }

    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        var models = context.SyntaxProvider
            .ForAttributeWithMetadataName(DeclarationParser.ModelAttribute, DeclarationParser.IsCandidate, DeclarationParser.ParseModel)
            .WithTrackingName(Steps.ModelSpecs);
        var experiments = context.SyntaxProvider
            .ForAttributeWithMetadataName(DeclarationParser.ExperimentAttribute, DeclarationParser.IsCandidate, DeclarationParser.ParseExperiment)
            .WithTrackingName(Steps.ExperimentSpecs);
        var rules = context.SyntaxProvider
            .ForAttributeWithMetadataName(DeclarationParser.UpdateRuleAttribute, DeclarationParser.IsCandidate, DeclarationParser.ParseUpdateRule)
            .WithTrackingName(Steps.UpdateRuleSpecs);

        // Models of referenced libraries (Dsl.Runtime's layers): parsed again only when the shipped declarations change.
        var shipped = context.CompilationProvider.Select(static (compilation, token) => LibraryModels.Read(compilation, token));
        var libraryModels = shipped.Combine(context.MetadataReferencesProvider.Collect())
            .WithComparer(new ShippedOnly())
            .Select(static (pair, token) => LibraryModels.Parse(pair.Left, pair.Right, token))
            .WithTrackingName(Steps.LibraryModels);
        var allModels = models.Where(r => r.Spec is not null).Select((r, _) => r.Spec!).Collect().Combine(libraryModels)
            .Select(static (pair, _) => pair.Left.AddRange(pair.Right.Where(library => !pair.Left.Any(local => local.FullName == library.FullName))));
        var allRules = rules.Where(r => r.Spec is not null).Select((r, _) => r.Spec!).Collect();

        // Each declaration is compiled with only the models it uses (picked from all of them by a cheap
        // step that re-runs on any edit but whose result changes only when one of those models does),
        // so an edit in one file re-compiles just the declarations that depend on it.
        var modelResults = models.Where(r => r.Spec is not null).Combine(allModels)
            .Select((pair, _) => new CompileInput<ModelSpec>(pair.Left.Spec!, Dependencies(pair.Left.Spec!.SubModels, pair.Right), EquatableArray<UpdateRuleSpec>.Empty))
            .WithTrackingName(Steps.ModelInputs)
            .Select((input, token) => CompileModel(input.Declaration, input.Models.AsImmutableArray()))
            .WithTrackingName(Steps.ModelPlans);
        var experimentResults = experiments.Where(r => r.Spec is not null).Combine(allModels).Combine(allRules)
            .Select((pair, _) => new CompileInput<ExperimentSpec>(pair.Left.Left.Spec!, Dependencies(pair.Left.Left.Spec!.Models, pair.Left.Right),
                pair.Right.Where(r => pair.Left.Left.Spec!.Rules.Any(field => field.TypeName == r.FullName)).ToImmutableArray()))
            .WithTrackingName(Steps.ExperimentInputs)
            .Select((input, token) => CompileExperiment(input.Declaration, input.Models.AsImmutableArray(), input.Rules.AsImmutableArray()))
            .WithTrackingName(Steps.ExperimentPlans);

        var ruleResults = rules.Where(r => r.Spec is not null)
            .Select((r, token) => CompileRule(r.Spec!))
            .WithTrackingName(Steps.UpdateRulePlans);
        context.RegisterSourceOutput(ruleResults.Select((r, _) => r.Plan), static (spc, plan) =>
        {
            if (plan is not null) AddSource(spc, plan.Namespace, plan.Name, () => UpdateRuleEmitter.Emit(plan));
        });

        context.RegisterSourceOutput(modelResults.Select((r, _) => r.Plan), static (spc, plan) =>
        {
            if (plan is not null) AddSource(spc, plan.Namespace, plan.Name, () => ModelEmitter.Emit(plan));
        });
        context.RegisterSourceOutput(experimentResults.Select((r, _) => r.Plan), static (spc, plan) =>
        {
            if (plan is not null) AddSource(spc, plan.Namespace, plan.Name, () => ExperimentEmitter.Emit(plan));
        });

        // [Derivative] rules are looked up by the bodies that call their function; one naming no function is reported here.
        var derivativeRules = context.SyntaxProvider
            .ForAttributeWithMetadataName(DeclarationParser.DerivativeAttribute, DeclarationParser.IsDerivativeCandidate, DeclarationParser.CheckDerivativeRule)
            .WithTrackingName(Steps.DerivativeRules);

        var diagnostics = models.Select((r, _) => r.Diagnostics).Collect()
            .Combine(rules.Select((r, _) => r.Diagnostics).Collect())
            .Combine(experiments.Select((r, _) => r.Diagnostics).Collect())
            .Combine(modelResults.Select((r, _) => r.Diagnostics).Collect())
            .Combine(experimentResults.Select((r, _) => r.Diagnostics).Collect())
            .Combine(ruleResults.Select((r, _) => r.Diagnostics).Collect())
            .Combine(derivativeRules.Collect())
            .Select((all, _) => Deduplicate(all.Left.Left.Left.Left.Left.Left.Concat(all.Left.Left.Left.Left.Left.Right).Concat(all.Left.Left.Left.Left.Right)
                .Concat(all.Left.Left.Left.Right).Concat(all.Left.Left.Right).Concat(all.Left.Right).Concat(all.Right)));

        // Diagnostics are reported in the compilation's own syntax trees, so #pragma warning disable and
        // .editorconfig severities apply to them. Specs keep path + span only (cached, equal when code
        // merely moves); each diagnostic is paired with the current trees here, after the split into
        // single diagnostics, so an edit re-runs this step only for the diagnostics there are and
        // never re-runs a source output (docs/ARCHITECTURE-generator.md).
        var trees = context.CompilationProvider.Select(static (compilation, _) => compilation.SyntaxTrees.ToImmutableArray());
        var located = diagnostics.SelectMany(static (list, _) => list.AsImmutableArray()).Combine(trees).WithTrackingName(Steps.Diagnostics);
        context.RegisterSourceOutput(located, static (spc, pair) =>
        {
            var (diagnostic, syntaxTrees) = pair;
            spc.ReportDiagnostic(diagnostic.ToDiagnostic(path => TreeAt(syntaxTrees, path)));
        });
    }

    /// <summary>Compares the shipped declarations only: new reference objects with the same declarations change nothing.</summary>
    private sealed class ShippedOnly : IEqualityComparer<(EquatableArray<ShippedSource> Left, ImmutableArray<MetadataReference> Right)>
    {
        public bool Equals((EquatableArray<ShippedSource> Left, ImmutableArray<MetadataReference> Right) x,
            (EquatableArray<ShippedSource> Left, ImmutableArray<MetadataReference> Right) y) => x.Left.Equals(y.Left);

        public int GetHashCode((EquatableArray<ShippedSource> Left, ImmutableArray<MetadataReference> Right) obj) => obj.Left.GetHashCode();
    }

    /// <summary>A declaration with the specs it depends on. Must stay immutable and structurally equal.</summary>
    internal sealed record CompileInput<T>(T Declaration, EquatableArray<ModelSpec> Models, EquatableArray<UpdateRuleSpec> Rules)
        where T : IEquatable<T>;

    /// <summary>The model specs reachable from these fields (sub-models of sub-models included), in a stable order.</summary>
    private static EquatableArray<ModelSpec> Dependencies(EquatableArray<MemberInstanceSpec> fields, ImmutableArray<ModelSpec> all)
    {
        var byName = new Dictionary<string, ModelSpec>(StringComparer.Ordinal);
        foreach (var model in all) byName[model.FullName] = model;
        var found = new SortedDictionary<string, ModelSpec>(StringComparer.Ordinal);
        var pending = new Stack<string>(fields.Select(f => f.TypeName));
        while (pending.Count > 0)
        {
            var name = pending.Pop();
            if (found.ContainsKey(name) || !byName.TryGetValue(name, out var model)) continue;
            found[name] = model;
            foreach (var child in model.SubModels) pending.Push(child.TypeName);
        }
        return found.Values.ToImmutableArray();
    }

    private static ModelCompiler.Result CompileModel(ModelSpec spec, ImmutableArray<ModelSpec> models)
    {
        try
        {
            return ModelCompiler.Compile(spec, models);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return new ModelCompiler.Result(null, ImmutableArray.Create(Guard.Internal("checking the model " + spec.Name, e, At(spec.Locations, spec.Loc))));
        }
    }

    private static ExperimentCompiler.Result CompileExperiment(ExperimentSpec spec, ImmutableArray<ModelSpec> models, ImmutableArray<UpdateRuleSpec> rules)
    {
        try
        {
            return ExperimentCompiler.Compile(spec, models, rules);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return new ExperimentCompiler.Result(null, ImmutableArray.Create(Guard.Internal("compiling the experiment " + spec.Name, e, At(spec.Locations, spec.Loc))));
        }
    }

    private static UpdateRuleCompiler.Result CompileRule(UpdateRuleSpec spec)
    {
        try
        {
            return UpdateRuleCompiler.Compile(spec);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return new UpdateRuleCompiler.Result(null, ImmutableArray.Create(Guard.Internal("compiling the update rule " + spec.Name, e, At(spec.Locations, spec.Loc))));
        }
    }

    private static void AddSource(SourceProductionContext context, string @namespace, string name, Func<string> emit)
    {
        try
        {
            Guard.ThrowIfRequested("emitting");
            context.AddSource(GeneratedFile.HintName(@namespace, name), SourceText.From(emit(), System.Text.Encoding.UTF8));
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            context.ReportDiagnostic(Guard.Internal("emitting " + name, e, null).ToDiagnostic());
        }
    }

    /// <summary>One diagnostic per id and location (a model's error is found again when an experiment inlines it).</summary>
    private static EquatableArray<DiagnosticInfo> Deduplicate(IEnumerable<EquatableArray<DiagnosticInfo>> lists)
    {
        var seen = new HashSet<(string, LocationInfo?)>();
        var result = ImmutableArray.CreateBuilder<DiagnosticInfo>();
        foreach (var list in lists)
        {
            foreach (var diagnostic in list)
            {
                if (seen.Add((diagnostic.Id, diagnostic.Location))) result.Add(diagnostic);
            }
        }
        return result.ToImmutable();
    }

    /// <summary>The one tree with this path (none when two share it: the location then stays path + span).</summary>
    private static SyntaxTree? TreeAt(ImmutableArray<SyntaxTree> trees, string path)
    {
        SyntaxTree? found = null;
        foreach (var tree in trees)
        {
            if (tree.FilePath != path) continue;
            if (found is not null) return null;
            found = tree;
        }
        return found;
    }

    private static LocationInfo? At(EquatableArray<LocationInfo> locations, int loc) => loc >= 0 && loc < locations.Count ? locations[loc] : null;
}
