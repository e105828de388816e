using System.Reflection;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using Perfolizer.Horology;

namespace Dsl.Benchmarks;

/// <summary>
/// A short job: one process, 3 warm-up and 15 measured iterations of about 200 ms each, which keeps
/// the whole suite to a few minutes on 2 cores. The machine is shared with builds, so the table
/// shows the fastest iteration (Min) next to the median: a burst of other work slows some
/// iterations, and Min is the figure least disturbed by it.
/// </summary>
public class QuickConfig : ManualConfig
{
    public QuickConfig()
    {
        AddJob(Quick(Job.Default).WithId("Quick"));
        AddDiagnoser(MemoryDiagnoser.Default);
        AddColumn(StatisticColumn.Median, StatisticColumn.Min, GflopsColumn.Instance);
        WithOrderer(new BenchmarkDotNet.Order.DefaultOrderer(BenchmarkDotNet.Order.SummaryOrderPolicy.Declared));
    }

    internal static Job Quick(Job job) => job
        .WithLaunchCount(1)
        .WithWarmupCount(3)
        .WithIterationCount(15)
        .WithIterationTime(TimeInterval.FromMilliseconds(200));
}

/// <summary>Floating-point operations of one invocation, for <see cref="GflopsColumn"/>.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class FlopsAttribute(double flops) : Attribute
{
    public double Flops { get; } = flops;
}

/// <summary>
/// GFLOP/s of benchmarks marked with <see cref="FlopsAttribute"/>, from the median iteration and
/// from the fastest one (the least disturbed by other work on a shared machine).
/// </summary>
public sealed class GflopsColumn : IColumn
{
    public static readonly GflopsColumn Instance = new();

    public string Id => nameof(GflopsColumn);
    public string ColumnName => "GFLOP/s";
    public bool AlwaysShow => true;
    public ColumnCategory Category => ColumnCategory.Custom;
    public int PriorityInCategory => 0;
    public bool IsNumeric => false;
    public UnitType UnitType => UnitType.Dimensionless;
    public string Legend => "2·m·n·k floating-point operations per second of a matrix product: from the median / from the fastest iteration";

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
    public bool IsAvailable(Summary summary) => true;

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        var flops = benchmarkCase.Descriptor.WorkloadMethod.GetCustomAttribute<FlopsAttribute>()?.Flops;
        var statistics = summary[benchmarkCase]?.ResultStatistics;
        if (flops is null || statistics is null || statistics.Min <= 0) return "-";
        var culture = System.Globalization.CultureInfo.InvariantCulture;
        return $"{(flops.Value / statistics.Median).ToString("F1", culture)} / {(flops.Value / statistics.Min).ToString("F1", culture)}";
    }
}
