using System.ComponentModel;
using System.Reflection;
using Dsl.Generators.Diagnostics;
using Dsl.Generators.Tests.Infrastructure;

namespace Dsl.Generators.Tests;

/// <summary>
/// Diagnostics as users meet them: located in the compilation's own trees (so #pragma works), with
/// help links that open, and the runtime's generator-only types kept out of IntelliSense.
/// </summary>
public sealed class DiagnosticReportingTests
{
    private const string Detached = """
        [Model]
        public partial class Linear
        {
            [Dim] public int In, Out;
            [Param(nameof(In), nameof(Out))] public Tensor W;

            public Tensor Forward([Shape("Batch", nameof(In))] Tensor x) => MatMul(x, W);
        }

        PRAGMA_DISABLE
        [Experiment]
        public partial class Detached
        {
            public Linear Net = new() { In = 2, Out = 3 };

            [Loss]
            public Tensor Loss([Shape("Batch", 2)] Tensor x) => Mean(Square(x));
        }
        PRAGMA_RESTORE
        """;

    [Fact]
    public void APragmaSuppressesADslWarning()
    {
        var reported = GeneratorHarness.Run(Detached.Replace("PRAGMA_DISABLE", "").Replace("PRAGMA_RESTORE", ""));
        var warning = Assert.Single(reported.Diagnostics);
        Assert.Equal("DSL0201", warning.Id);
        // The location is in the compilation's own tree, not a path + span detached from it.
        Assert.Same(reported.Input.SyntaxTrees[0], warning.Location.SourceTree);

        var suppressed = GeneratorHarness.Run(Detached.Replace("PRAGMA_DISABLE", "#pragma warning disable DSL0201").Replace("PRAGMA_RESTORE", "#pragma warning restore DSL0201"));
        Assert.DoesNotContain(suppressed.Diagnostics, d => d.Id == "DSL0201" && !d.IsSuppressed);
        Assert.Equal(reported.Sources.Select(s => s.HintName), suppressed.Sources.Select(s => s.HintName));
    }

    [Fact]
    public void APragmaForAnotherIdSuppressesNothing()
    {
        var run = GeneratorHarness.Run(Detached.Replace("PRAGMA_DISABLE", "#pragma warning disable DSL0202").Replace("PRAGMA_RESTORE", "#pragma warning restore DSL0202"));
        Assert.Equal("DSL0201", Assert.Single(run.Diagnostics, d => !d.IsSuppressed).Id);
    }

    [Fact]
    public void HelpLinksAreAbsoluteAnchorsOrAbsent()
    {
        Assert.Equal("https://example.org/dsl/blob/main/docs/DIAGNOSTICS.md#dsl0201",
            DiagnosticCatalog.HelpLinkFor("DSL0201", "https://example.org/dsl/blob/main/docs/DIAGNOSTICS.md"));
        Assert.Equal("https://example.org/DIAGNOSTICS.md#dsl9999", DiagnosticCatalog.HelpLinkFor("DSL9999", " https://example.org/DIAGNOSTICS.md "));
        // No public URL, or one that is not an absolute http(s) URL: no link rather than one that cannot open.
        Assert.Null(DiagnosticCatalog.HelpLinkFor("DSL0201", null));
        Assert.Null(DiagnosticCatalog.HelpLinkFor("DSL0201", ""));
        Assert.Null(DiagnosticCatalog.HelpLinkFor("DSL0201", "docs/DIAGNOSTICS.md"));
        Assert.Null(DiagnosticCatalog.HelpLinkFor("DSL0201", "file:///work/docs/DIAGNOSTICS.md"));
    }

    [Fact]
    public void EveryDescriptorLinksWhereTheBuildPropertySays()
    {
        // Directory.Build.props' DslDiagnosticsHelpUrl, as the generator assembly carries it (empty in this repository until a public URL exists).
        var configured = typeof(DslGenerator).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().SingleOrDefault(a => a.Key == "DslDiagnosticsHelpUrl")?.Value;
        foreach (var descriptor in DiagnosticCatalog.All)
        {
            var expected = string.IsNullOrEmpty(configured) ? "" : configured + "#" + descriptor.Id.ToLowerInvariant();
            Assert.Equal(expected, descriptor.HelpLinkUri);
        }
        var run = GeneratorHarness.Run(Detached.Replace("PRAGMA_DISABLE", "").Replace("PRAGMA_RESTORE", ""));
        Assert.Equal(string.IsNullOrEmpty(configured) ? "" : configured + "#dsl0201", Assert.Single(run.Diagnostics).Descriptor.HelpLinkUri);
    }

    [Fact]
    public void GeneratorOnlyRuntimeTypesAreHiddenFromIntelliSense()
    {
        static bool Hidden(MemberInfo member) => member.GetCustomAttribute<EditorBrowsableAttribute>()?.State == EditorBrowsableState.Never;
        Assert.True(Hidden(typeof(Kernels)), "Dsl.Kernels");
        Assert.True(Hidden(typeof(StepInput)), "Dsl.StepInput");
        Assert.True(Hidden(typeof(MetricInfo)), "Dsl.MetricInfo");
        string[] plumbing = ["Inputs", "Metrics", "HasSeparateUpdate", "HasLoss", "ParameterDType", "EvaluateMetrics", "UpdateState", "RestoreStep"];
        foreach (var name in plumbing)
        {
            Assert.True(Hidden(typeof(IExperiment).GetMember(name).Single()), "IExperiment." + name);
        }
        // What a user calls stays visible.
        foreach (var name in new[] { "TrainStep", "Initialize", "Parameters", "Gradients", "StepCount" })
        {
            Assert.False(Hidden(typeof(IExperiment).GetMember(name).Single()), "IExperiment." + name);
        }
        Assert.False(Hidden(typeof(Tensor)));
        Assert.False(Hidden(typeof(Ops)));
    }
}
