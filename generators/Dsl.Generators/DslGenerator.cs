using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
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
        public const string ExperimentSpecs = nameof(ExperimentSpecs);
        public const string UpdateRuleSpecs = nameof(UpdateRuleSpecs);
        public const string ModelPlans = nameof(ModelPlans);
        public const string ExperimentPlans = nameof(ExperimentPlans);
        public const string UpdateRulePlans = nameof(UpdateRulePlans);
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

        var allModels = models.Where(r => r.Spec is not null).Select((r, _) => r.Spec!).Collect();
        var allRules = rules.Where(r => r.Spec is not null).Select((r, _) => r.Spec!).Collect();

        var modelResults = models.Where(r => r.Spec is not null).Combine(allModels)
            .Select((pair, token) => CompileModel(pair.Left.Spec!, pair.Right))
            .WithTrackingName(Steps.ModelPlans);
        var experimentResults = experiments.Where(r => r.Spec is not null).Combine(allModels).Combine(allRules)
            .Select((pair, token) => CompileExperiment(pair.Left.Left.Spec!, pair.Left.Right, pair.Right))
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

        var diagnostics = models.Select((r, _) => r.Diagnostics).Collect()
            .Combine(rules.Select((r, _) => r.Diagnostics).Collect())
            .Combine(experiments.Select((r, _) => r.Diagnostics).Collect())
            .Combine(modelResults.Select((r, _) => r.Diagnostics).Collect())
            .Combine(experimentResults.Select((r, _) => r.Diagnostics).Collect())
            .Combine(ruleResults.Select((r, _) => r.Diagnostics).Collect())
            .Select((all, _) => Deduplicate(all.Left.Left.Left.Left.Left.Concat(all.Left.Left.Left.Left.Right).Concat(all.Left.Left.Left.Right)
                .Concat(all.Left.Left.Right).Concat(all.Left.Right).Concat(all.Right)));
        context.RegisterSourceOutput(diagnostics, static (spc, list) =>
        {
            foreach (var diagnostic in list) spc.ReportDiagnostic(diagnostic.ToDiagnostic());
        });
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

    private static LocationInfo? At(EquatableArray<LocationInfo> locations, int loc) => loc >= 0 && loc < locations.Count ? locations[loc] : null;
}
