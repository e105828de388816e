// Memory of a tanh RNN's training step (inputs 8, hidden 64, batch 32, float32) against the sequence
// length, with the carried values saved every iteration and with checkpoints every k iterations.
// Each row runs in its own process and reports the bytes of the buffers that hold saved carried values
// (rows and segment, read from the step's fields) and how much the peak resident memory of the process
// grew over five steps (the step's buffers, the saved values and libtorch's workspace).
//
//   dotnet build -c Release benchmarks/LoopMemory
//   dotnet benchmarks/LoopMemory/bin/Release/net10.0/LoopMemory.dll
using System.Diagnostics;
using System.Reflection;
using Dsl;
using static Dsl.Ops;

if (args.Length == 2)
{
    Measure(int.Parse(args[0]), int.Parse(args[1]));
    return;
}
Console.WriteLine("| length | checkpoint interval | saved-value buffers (bytes) | peak resident memory of the steps (MB) |");
Console.WriteLine("|---:|---:|---:|---:|");
foreach (var interval in new[] { 1, 32 })
{
    foreach (var length in new[] { 10, 100, 1000 })
    {
        // One process per row, so one row's memory does not hide in another's.
        using var child = Process.Start(new ProcessStartInfo(Environment.ProcessPath!, [typeof(Rnn).Assembly.Location, length.ToString(), interval.ToString()])
        {
            RedirectStandardOutput = true,
        })!;
        Console.Write(child.StandardOutput.ReadToEnd());
        child.WaitForExit();
    }
}

static void Measure(int length, int interval)
{
    var experiment = new RnnRegression { LoopCheckpointInterval = interval };
    experiment.Initialize(1);
    using var generator = new Generator(2);
    using var x = Tensor.Randn([32, length, 8], generator);
    using var y = Tensor.Randn([32, 1], generator);
    // Peak resident memory (VmHWM) before the first step and after five: the growth is what the steps need.
    var before = PeakResident();
    for (var i = 0; i < 5; i++) experiment.TrainStep(x, y);
    var after = PeakResident();
    long saved = 0;
    foreach (var field in typeof(RnnRegression).GetFields(BindingFlags.NonPublic | BindingFlags.Instance))
    {
        if ((field.Name.EndsWith("_rows", StringComparison.Ordinal) || field.Name.EndsWith("_segment", StringComparison.Ordinal))
            && field.GetValue(experiment) is Tensor t)
        {
            saved += t.NumElements * 4;
        }
    }
    Console.WriteLine($"| {length:N0} | {interval} | {saved:N0} | {(after - before) / 1e6:F1} |");
}

static long PeakResident()
{
    foreach (var line in File.ReadLines("/proc/self/status"))
    {
        if (line.StartsWith("VmHWM:", StringComparison.Ordinal)) return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;
    }
    return 0;
}

[Model]
public partial class Rnn
{
    [Dim] public int Inputs = 8, Hidden = 64;

    [Param(nameof(Inputs), nameof(Hidden))] public Tensor U;
    [Param(nameof(Hidden), nameof(Hidden))] public Tensor W;
    [Param(nameof(Hidden))] public Tensor B;
    [Param(nameof(Hidden), 1)] public Tensor V;

    public Tensor Forward([Shape("Batch", "Time", nameof(Inputs))] Tensor x)
    {
        var h = Tanh(MatMul(Select(x, 1, 0), U) + B);
        for (var t = 1; t < x.Size(1); t++)
        {
            h = Tanh(MatMul(h, W) + MatMul(Select(x, 1, t), U) + B);
        }
        return MatMul(h, V);
    }
}

[Experiment]
public partial class RnnRegression
{
    public Rnn Net = new();
    public double LearningRate = 0.01;

    [Loss]
    public Tensor Loss([Shape("Batch", "Time", 8)] Tensor x, [Shape("Batch", 1)] Tensor y) => MseLoss(Net.Forward(x), y);
}
