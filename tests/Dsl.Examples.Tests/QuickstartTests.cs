using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Xunit;

namespace Dsl.Examples.Tests;

/// <summary>Each example runs as a user would run it and meets the claim its README makes.</summary>
public sealed class QuickstartTests
{
    private static string ExampleFolder(string name)
    {
        var here = AppContext.BaseDirectory.TrimEnd('/');
        var framework = Path.GetFileName(here);
        var configuration = Path.GetFileName(Path.GetDirectoryName(here)!);
        var root = Path.GetFullPath(Path.Combine(here, "..", "..", "..", "..", ".."));
        return Path.Combine(root, "examples", name, "bin", configuration, framework);
    }

    [Fact]
    public void Quickstart_loss_falls_and_accuracy_beats_80_percent()
    {
        var start = new ProcessStartInfo("dotnet", $"\"{Path.Combine(ExampleFolder("Quickstart"), "Quickstart.dll")}\"")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, output);

        var losses = Regex.Matches(output, @"loss (\d+\.\d+)").Select(m => double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)).ToList();
        Assert.True(losses.Count >= 2, output);
        Assert.True(losses[^1] < losses[0] * 0.5, $"the loss did not halve: {string.Join(", ", losses)}");

        var accuracy = Regex.Match(output, @"accuracy on \d+ new samples: (\d+\.\d+)");
        Assert.True(accuracy.Success, output);
        Assert.True(double.Parse(accuracy.Groups[1].Value, CultureInfo.InvariantCulture) > 80, output);
    }
}
