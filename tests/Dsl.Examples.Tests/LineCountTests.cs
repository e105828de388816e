using System.Diagnostics;
using Xunit;
using Xunit.Abstractions;

namespace Dsl.Examples.Tests;

/// <summary>
/// Each example program is at most its allowed multiple (1.3x) of its PyTorch twin's lines, counted
/// the same way by benchmarks/loc.py (the table in docs/DSL.md comes from the same script).
/// </summary>
public sealed class LineCountTests(ITestOutputHelper output)
{
    [Fact]
    public void EveryExampleIsWithinItsRatioOfThePyTorchTwin()
    {
        var root = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", ".."));
        var start = new ProcessStartInfo("python3", "benchmarks/loc.py --check")
        {
            WorkingDirectory = root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(start)!;
        var table = process.StandardOutput.ReadToEnd();
        var errors = process.StandardError.ReadToEnd();
        process.WaitForExit();
        output.WriteLine(table);
        Assert.True(process.ExitCode == 0, "benchmarks/loc.py --check failed:\n" + table + errors);
        Assert.DoesNotContain("missing", table);
    }
}
