using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;

namespace Dsl.Packaging.Tests.Infrastructure;

/// <summary>What one finished child process printed (stdout and stderr, interleaved) and returned.</summary>
internal sealed record ProcessResult(string CommandLine, string WorkingDirectory, int ExitCode, string Output, TimeSpan Elapsed)
{
    /// <summary>The whole story for a failure message: the command, where it ran, how it ended, everything it printed.</summary>
    public string Describe() => string.Create(CultureInfo.InvariantCulture,
        $"`{CommandLine}` in {WorkingDirectory} exited with {ExitCode} after {Elapsed.TotalSeconds:F1} s. Output:\n{Output}");
}

/// <summary>
/// Runs the dotnet CLI the way a user's shell would: the same dotnet on PATH, a bounded time, no
/// state carried over from the test host (MSBuild variables, DSL_NATIVE_LIBRARY) and no build
/// servers left running afterwards.
/// </summary>
internal static class Dotnet
{
    /// <summary>
    /// Runs <c>dotnet</c> with <paramref name="arguments"/> in <paramref name="workingDirectory"/>.
    /// <paramref name="environment"/> adds variables, or removes those given a null value.
    /// A run that outlives <paramref name="timeout"/> is killed with its children and reported with its output so far.
    /// </summary>
    public static ProcessResult Run(IEnumerable<string> arguments, string workingDirectory, TimeSpan timeout,
        IReadOnlyDictionary<string, string?>? environment = null)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);

        // The test host runs under `dotnet test`, whose MSBuild variables would steer a child build
        // to the parent's SDK and settings; an override of the native library would test the wrong file.
        foreach (var name in start.Environment.Keys.ToList())
        {
            if (name.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase) || name == "DSL_NATIVE_LIBRARY") start.Environment.Remove(name);
        }
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1";
        // A build server outliving the build would hold this process's output pipes open.
        start.Environment["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0";
        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null) start.Environment.Remove(name);
            else start.Environment[name] = value;
        }

        var commandLine = "dotnet " + string.Join(' ', start.ArgumentList);
        var lines = new ConcurrentQueue<string>();
        var outputClosed = new TaskCompletionSource();
        var errorClosed = new TaskCompletionSource();
        var clock = Stopwatch.StartNew();
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => { if (e.Data is null) outputClosed.TrySetResult(); else lines.Enqueue(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is null) errorClosed.TrySetResult(); else lines.Enqueue(e.Data); };
        process.Start();
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit(TimeSpan.FromSeconds(10));
            throw new TimeoutException(string.Create(CultureInfo.InvariantCulture,
                $"`{commandLine}` in {workingDirectory} did not finish within {timeout.TotalSeconds:F0} s and was killed. Output so far:\n{string.Join('\n', lines)}"));
        }
        // The last lines may still be in flight after the exit; a grandchild holding the pipes must not hang the test.
        Task.WhenAll(outputClosed.Task, errorClosed.Task).Wait(TimeSpan.FromSeconds(10));
        return new ProcessResult(commandLine, workingDirectory, process.ExitCode, string.Join('\n', lines), clock.Elapsed);
    }
}
