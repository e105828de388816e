using System.Diagnostics;
using Xunit;

namespace Dsl.Runtime.Tests;

/// <summary>What a user sees when the native library is found, overridden, or missing.</summary>
public sealed class LoaderTests
{
    private static string ProbeFolder
    {
        get
        {
            // tests/Dsl.Runtime.Tests/bin/<Config>/net10.0 -> tests/Dsl.LoaderProbe/bin/<Config>/net10.0
            var here = AppContext.BaseDirectory.TrimEnd('/');
            var framework = Path.GetFileName(here);
            var configuration = Path.GetFileName(Path.GetDirectoryName(here)!);
            var tests = Path.GetFullPath(Path.Combine(here, "..", "..", "..", ".."));
            return Path.Combine(tests, "Dsl.LoaderProbe", "bin", configuration, framework);
        }
    }

    private static (int Exit, string Output) RunProbe(string folder, IDictionary<string, string?> environment)
    {
        var start = new ProcessStartInfo("dotnet", $"\"{Path.Combine(folder, "Dsl.LoaderProbe.dll")}\"")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var (key, value) in environment) start.Environment[key] = value;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        return (process.ExitCode, stdout.Result + stderr.Result);
    }

    [Fact]
    public void The_library_next_to_the_application_is_found()
    {
        var (exit, output) = RunProbe(ProbeFolder, new Dictionary<string, string?> { ["DSL_NATIVE_LIBRARY"] = null });
        Assert.True(exit == 0, output);
        Assert.Equal("2,4,6", output.Trim().Split('\n')[0].Trim());
    }

    [Fact]
    public void The_environment_variable_overrides_the_location()
    {
        var elsewhere = Directory.CreateTempSubdirectory("dsl-loader-");
        try
        {
            CopyProbe(elsewhere.FullName, withNative: false);
            var native = Path.Combine(ProbeFolder, "libdsl_native.so");
            var (exit, output) = RunProbe(elsewhere.FullName, new Dictionary<string, string?> { ["DSL_NATIVE_LIBRARY"] = native });
            Assert.True(exit == 0, output);
            Assert.Equal("2,4,6", output.Trim().Split('\n')[0].Trim());
            // The library chosen by the variable gets the same thread defaults as one found by the search.
            Assert.Contains("threads: defaults applied", output);
        }
        finally
        {
            elsewhere.Delete(recursive: true);
        }
    }

    [Fact]
    public void An_override_that_does_not_exist_is_reported_as_such()
    {
        var (exit, output) = RunProbe(ProbeFolder, new Dictionary<string, string?> { ["DSL_NATIVE_LIBRARY"] = "/nowhere/libdsl_native.so" });
        Assert.NotEqual(0, exit);
        Assert.Contains("DSL_NATIVE_LIBRARY is set to '/nowhere/libdsl_native.so'", output);
    }

    [Fact]
    public void A_missing_library_says_how_to_build_it()
    {
        var elsewhere = Directory.CreateTempSubdirectory("dsl-loader-");
        try
        {
            CopyProbe(elsewhere.FullName, withNative: false);
            var (exit, output) = RunProbe(elsewhere.FullName, new Dictionary<string, string?> { ["DSL_NATIVE_LIBRARY"] = null });
            Assert.NotEqual(0, exit);
            Assert.Contains("libdsl_native.so was not found", output);
            Assert.Contains("dotnet build runtime/Dsl.Runtime", output);
        }
        finally
        {
            elsewhere.Delete(recursive: true);
        }
    }

    private static void CopyProbe(string destination, bool withNative)
    {
        foreach (var file in Directory.GetFiles(ProbeFolder))
        {
            if (!withNative && Path.GetFileName(file) == "libdsl_native.so") continue;
            File.Copy(file, Path.Combine(destination, Path.GetFileName(file)));
        }
    }
}
