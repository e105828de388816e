using System.Diagnostics;
using System.Text.Json;

namespace SideBySide;

/// <summary>
/// The PyTorch side (benchmarks/side_by_side.py) as a child process: one command per line on its
/// stdin, one JSON object per line back. It stays alive for the whole run, so its rounds alternate
/// with the C# ones while both processes are warm.
/// </summary>
internal sealed class PythonTwin : IDisposable
{
    private readonly Process _process;

    public PythonTwin(string python, string script)
    {
        if (!File.Exists(script)) throw new FileNotFoundException($"the PyTorch side {script} does not exist", script);
        var start = new ProcessStartInfo(python, [script])
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
        };
        try
        {
            _process = Process.Start(start) ?? throw new InvalidOperationException($"{python} did not start");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException($"could not start {python} (the python with torch 1.13; pass --python PATH): {e.Message}", e);
        }
        var hello = Read();
        Torch = hello.GetProperty("torch").GetString()!;
        Threads = hello.GetProperty("threads").GetInt32();
    }

    public string Torch { get; }

    public int Threads { get; private set; }

    public void SetThreads(int threads) => Threads = Send($"threads {threads}").GetProperty("threads").GetInt32();

    public void Load(string config, string path) => Send($"load {config} {path}");

    public double[] Check(int steps) => Numbers(Send($"check {steps}"), "losses");

    public double[] Steps(int count, double budgetMicroseconds = double.PositiveInfinity) =>
        Numbers(Send(double.IsFinite(budgetMicroseconds) ? $"steps {count} {budgetMicroseconds:F0}" : $"steps {count}"), "us");

    public double[] Rule(string name, string variant, int count, int size) => Numbers(Send($"rule {name} {variant} {count} {size}"), "us");

    /// <summary>The PyTorch side's <paramref name="steps"/> updates of the parameters in <paramref name="source"/> (then the gradient; raw float32), written to <paramref name="target"/>.</summary>
    public void RuleCheck(string name, string variant, int steps, string source, string target) =>
        Send($"rulecheck {name} {variant} {steps} {source} {target}");

    public long PeakRssKib() => Send("rss").GetProperty("peak_rss_kib").GetInt64();

    private static double[] Numbers(JsonElement reply, string name) =>
        reply.GetProperty(name).EnumerateArray().Select(e => e.GetDouble()).ToArray();

    private JsonElement Send(string command)
    {
        _process.StandardInput.WriteLine(command);
        _process.StandardInput.Flush();
        return Read();
    }

    private JsonElement Read()
    {
        var line = _process.StandardOutput.ReadLine()
            ?? throw new InvalidOperationException($"the PyTorch side exited (code {(_process.HasExited ? _process.ExitCode : -1)}); its error is above");
        var reply = JsonDocument.Parse(line).RootElement.Clone();
        if (reply.TryGetProperty("error", out var error)) throw new InvalidOperationException($"the PyTorch side failed: {error.GetString()}");
        return reply;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            try
            {
                _process.StandardInput.WriteLine("quit");
                _process.StandardInput.Flush();
            }
            catch (IOException)
            {
            }
            if (!_process.WaitForExit(5000)) _process.Kill();
        }
        _process.Dispose();
    }
}
