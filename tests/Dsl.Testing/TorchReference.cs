using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Dsl.Testing;

/// <summary>One value computed by PyTorch: its elements (as float64) and its shape.</summary>
public sealed record TorchValue(double[] Values, long[] Shape);

/// <summary>
/// Runs Debian's python3 with python3-torch on inputs given from C#, so tests compare against
/// PyTorch itself instead of numbers copied from our own code. Inputs travel as round-trippable
/// decimal text and are rebuilt with their dtype; one process evaluates a whole batch of cases.
/// </summary>
public static class TorchReference
{
    private static readonly Lazy<string> s_python = new(FindPython);

    /// <summary>The first python3 on PATH (or in /usr/bin) that can import torch.</summary>
    public static string Python => s_python.Value;

    /// <summary>
    /// Evaluates each Python expression (which may name the inputs, <c>torch</c> and <c>F</c> for
    /// torch.nn.functional) and returns its value. An expression may also be a block of statements
    /// that assigns <c>result</c>. Results may be a tensor, a number, or a tuple/list of tensors
    /// (flattened into one list of values, in order).
    /// </summary>
    public static IReadOnlyList<TorchValue> Evaluate(IReadOnlyList<(string Expression, IReadOnlyDictionary<string, Tensor> Inputs)> cases)
    {
        var script = new StringBuilder();
        script.AppendLine("import json, sys, math");
        script.AppendLine("import torch");
        script.AppendLine("import torch.nn.functional as F");
        script.AppendLine("torch.set_grad_enabled(True)");
        script.AppendLine("def _flat(v):");
        script.AppendLine("    if isinstance(v, (tuple, list)):");
        script.AppendLine("        parts = [_flat(p) for p in v]");
        script.AppendLine("        return {'values': sum([p['values'] for p in parts], []), 'shape': [sum(len(p['values']) for p in parts)]}");
        script.AppendLine("    if not torch.is_tensor(v): v = torch.tensor(v, dtype=torch.float64)");
        script.AppendLine("    v = v.detach().to(torch.float64)");
        script.AppendLine("    return {'values': [float(x) for x in v.reshape(-1).tolist()], 'shape': list(v.shape)}");
        script.AppendLine("_out = []");
        foreach (var (expression, inputs) in cases)
        {
            script.AppendLine("def _case():");
            foreach (var (name, tensor) in inputs) script.Append("    ").Append(name).Append(" = ").AppendLine(Literal(tensor));
            if (expression.Contains("result =", StringComparison.Ordinal))
            {
                foreach (var line in expression.Split('\n')) script.Append("    ").AppendLine(line.TrimEnd());
                script.AppendLine("    return result");
            }
            else
            {
                script.Append("    return ").AppendLine(expression);
            }
            script.AppendLine("_out.append(_flat(_case()))");
        }
        script.AppendLine("json.dump(_out, sys.stdout)");

        var output = RunPython(script.ToString());
        using var document = JsonDocument.Parse(output);
        var results = new List<TorchValue>();
        foreach (var item in document.RootElement.EnumerateArray())
        {
            var values = item.GetProperty("values").EnumerateArray().Select(ReadDouble).ToArray();
            var shape = item.GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()).ToArray();
            results.Add(new TorchValue(values, shape));
        }
        return results;
    }

    /// <summary>Evaluates one expression.</summary>
    public static TorchValue Evaluate(string expression, IReadOnlyDictionary<string, Tensor> inputs) =>
        Evaluate([(expression, inputs)])[0];

    private static double ReadDouble(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Number => e.GetDouble(),
        _ => double.Parse(e.GetString()!, CultureInfo.InvariantCulture),
    };

    /// <summary>Python source that rebuilds <paramref name="tensor"/> exactly (values, shape, dtype).</summary>
    public static string Literal(Tensor tensor)
    {
        var dtype = tensor.DType;
        var shape = tensor.Shape;
        using var asDouble = tensor.To(DType.Float64);
        var values = asDouble.ToArray<double>();
        var text = new StringBuilder("torch.tensor([");
        for (var i = 0; i < values.Length; i++)
        {
            if (i > 0) text.Append(',');
            var v = values[i];
            text.Append(double.IsNaN(v) ? "math.nan" : double.IsPositiveInfinity(v) ? "math.inf" : double.IsNegativeInfinity(v) ? "-math.inf"
                : v.ToString("R", CultureInfo.InvariantCulture));
        }
        text.Append("], dtype=torch.float64).reshape([").Append(string.Join(",", shape.Dims.ToArray())).Append("]).to(torch.")
            .Append(TorchDType(dtype)).Append(')');
        return text.ToString();
    }

    public static string TorchDType(DType dtype) => dtype switch
    {
        DType.Float32 => "float32",
        DType.Float64 => "float64",
        DType.Int64 => "int64",
        DType.Int32 => "int32",
        DType.Bool => "bool",
        DType.UInt8 => "uint8",
        _ => throw new NotSupportedException(dtype.ToString()),
    };

    private static string RunPython(string script)
    {
        var path = Path.Combine(Path.GetTempPath(), $"dsl-torch-{Guid.NewGuid():N}.py");
        File.WriteAllText(path, script);
        try
        {
            var start = new ProcessStartInfo(Python, path)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            start.Environment["OMP_NUM_THREADS"] = "1";
            using var process = Process.Start(start)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            process.WaitForExit();
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException($"PyTorch reference failed (exit {process.ExitCode}):\n{stderr.Result}\nscript kept at {path}");
            }
            File.Delete(path);
            return stdout.Result;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException($"Could not start {Python}: {e.Message}", e);
        }
    }

    private static string FindPython()
    {
        var candidates = new List<string>();
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            candidates.Add(Path.Combine(dir, "python3"));
        }
        candidates.Add("/usr/bin/python3");
        foreach (var candidate in candidates.Distinct())
        {
            if (!File.Exists(candidate)) continue;
            try
            {
                var start = new ProcessStartInfo(candidate, "-c \"import torch\"")
                {
                    RedirectStandardError = true,
                    RedirectStandardOutput = true,
                    UseShellExecute = false,
                };
                using var process = Process.Start(start)!;
                process.WaitForExit();
                if (process.ExitCode == 0) return candidate;
            }
            catch (System.ComponentModel.Win32Exception)
            {
            }
        }
        throw new InvalidOperationException(
            "No python3 that can import torch was found; install Debian's python3-torch: apt-get install -y python3-torch");
    }
}
