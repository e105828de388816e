using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Xunit;

namespace Dsl.Examples.Tests;

/// <summary>Each example runs as a user would run it and meets the claim its README makes.</summary>
public sealed class QuickstartTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "dsl-quickstart-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_folder)) Directory.Delete(_folder, recursive: true);
    }

    internal static string ExampleDll(string name)
    {
        var here = AppContext.BaseDirectory.TrimEnd('/');
        var framework = Path.GetFileName(here);
        var configuration = Path.GetFileName(Path.GetDirectoryName(here)!);
        var root = Path.GetFullPath(Path.Combine(here, "..", "..", "..", "..", ".."));
        return Path.Combine(root, "examples", name, "bin", configuration, framework, name + ".dll");
    }

    internal static Process Start(string example, string arguments)
    {
        var start = new ProcessStartInfo("dotnet", $"\"{ExampleDll(example)}\" {arguments}")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        return Process.Start(start)!;
    }

    internal static (int ExitCode, string Output) Run(string example, string arguments)
    {
        using var process = Start(example, arguments);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(3))) process.Kill(entireProcessTree: true);
        return (process.ExitCode, stdout.Result + stderr.Result);
    }

    [Fact]
    public void Quickstart_trains_the_generated_classifier_past_90_percent_and_writes_a_report()
    {
        var run = Path.Combine(_folder, "run");
        var (exit, output) = Run("Quickstart", $"--out \"{run}\"");
        Assert.True(exit == 0, output);

        var accuracy = Regex.Match(output, @"accuracy (\d+\.\d+)% on 2000 examples");
        Assert.True(accuracy.Success, output);
        Assert.True(double.Parse(accuracy.Groups[1].Value, CultureInfo.InvariantCulture) > 90, output);

        // The run folder: a falling loss in metrics.csv, and a report that draws it.
        var rows = File.ReadAllLines(Path.Combine(run, "metrics.csv"));
        var column = Array.IndexOf(rows[0].Split(','), "train.loss");
        var losses = rows.Skip(1).Select(r => r.Split(',')[column]).Where(v => v.Length > 0)
            .Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToList();
        Assert.True(losses[^1] < losses[0] / 4, $"the loss did not fall: {string.Join(", ", losses)}");
        var report = File.ReadAllText(Path.Combine(run, "report.html"));
        Assert.Contains("<svg", report);
        Assert.Contains("train.loss", report);
        Assert.True(File.Exists(Path.Combine(run, "checkpoints", "latest.safetensors")));
    }

    [Fact]
    public void Every_example_takes_the_shared_options()
    {
        var (exit, output) = Run("Quickstart", "--help");
        Assert.True(exit == 0, output);
        foreach (var option in new[] { "--epochs", "--batch-size", "--lr", "--seed", "--out", "--resume", "--quiet" }) Assert.Contains(option, output);

        var (badExit, badOutput) = Run("Quickstart", "--epochs 0");
        Assert.NotEqual(0, badExit);
        Assert.Contains("--epochs must be at least 1", badOutput);
        var (resumeExit, resumeOutput) = Run("Quickstart", "--resume");
        Assert.NotEqual(0, resumeExit);
        Assert.Contains("--resume needs --out", resumeOutput);
    }
}
