using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Dsl.Testing;
using Xunit.Sdk;

namespace Dsl.Runtime.Tests.Data;

/// <summary>A temporary folder for the files a test writes, deleted with it.</summary>
internal sealed class TempFolder : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("dsl-data-");

    public string Path => _directory.FullName;

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose() => _directory.Delete(recursive: true);
}

/// <summary>An array as Python reported it: its dtype name, shape and values (as float64, exact for every tested dtype).</summary>
internal sealed record PythonArray(string DType, long[] Shape, double[] Values);

/// <summary>
/// Runs scripts in Debian's python3 (the one with numpy and torch) to write files for the loaders
/// to read, and to read the files the runtime writes, so neither side is checked against itself.
/// </summary>
internal static class Python
{
    /// <summary>
    /// Python source for a helper <c>report(name, array)</c> that records an array, and
    /// <c>dump()</c> that prints everything recorded as JSON.
    /// </summary>
    private const string Prelude = """
        import json, sys, struct, gzip, os
        import numpy as np
        _reported = {}
        def report(name, a):
            a = np.asarray(a)
            _reported[name] = {'dtype': a.dtype.name, 'shape': list(a.shape), 'values': [float(v) for v in a.astype(np.float64).reshape(-1)]}
        def dump():
            json.dump(_reported, sys.stdout)
        """;

    /// <summary>Runs <paramref name="script"/> (after the prelude) in <paramref name="folder"/> and returns the arrays it reported.</summary>
    public static IReadOnlyDictionary<string, PythonArray> Run(string script, string folder)
    {
        var output = RunRaw(Prelude + "\n" + script + "\ndump()\n", folder);
        using var document = JsonDocument.Parse(output);
        var arrays = new Dictionary<string, PythonArray>();
        foreach (var property in document.RootElement.EnumerateObject())
        {
            var value = property.Value;
            arrays[property.Name] = new PythonArray(
                value.GetProperty("dtype").GetString()!,
                value.GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()).ToArray(),
                value.GetProperty("values").EnumerateArray().Select(ReadDouble).ToArray());
        }
        return arrays;
    }

    private static double ReadDouble(JsonElement e) => e.ValueKind == JsonValueKind.Number
        ? e.GetDouble()
        : double.Parse(e.GetString()!, CultureInfo.InvariantCulture);

    private static string RunRaw(string script, string folder)
    {
        var path = System.IO.Path.Combine(folder, "script.py");
        File.WriteAllText(path, script);
        var start = new ProcessStartInfo(TorchReference.Python, path)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = folder,
        };
        start.Environment["OMP_NUM_THREADS"] = "1";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        if (process.ExitCode != 0) throw new XunitException($"python failed (exit {process.ExitCode}):\n{stderr.Result}\n--- script ---\n{script}");
        return stdout.Result;
    }
}

internal static class Values
{
    /// <summary>The elements of <paramref name="tensor"/> as float64, row-major.</summary>
    public static double[] Of(Tensor tensor)
    {
        using var asDouble = tensor.To(DType.Float64);
        return asDouble.ToArray<double>();
    }

    /// <summary>Asserts that <paramref name="tensor"/> has the array's shape and exactly its values.</summary>
    public static void Equal(PythonArray expected, Tensor tensor, string what)
    {
        Xunit.Assert.True(expected.Shape.SequenceEqual(tensor.Shape.Dims.ToArray()),
            $"{what}: shape {tensor.Shape}, expected [{string.Join(", ", expected.Shape)}]");
        var actual = Of(tensor);
        for (var i = 0; i < actual.Length; i++)
        {
            if (!(actual[i].Equals(expected.Values[i])))
            {
                throw new XunitException($"{what}: element {i} is {actual[i]:R}, expected {expected.Values[i]:R}");
            }
        }
    }
}
