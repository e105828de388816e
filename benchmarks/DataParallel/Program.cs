// mlp-m (784-256-256-10, ReLU, cross-entropy, SGD), batch 128 per process, trained with Trainer.Fit
// for 40 warm-up and 200 timed steps; then the gradients' all-reduce alone (one bucket of 269,322
// float32 plus the two counters the trainer adds), 200 calls. Rank 0 prints.
//
//   dotnet build -c Release benchmarks/DataParallel
//   dotnet benchmarks/DataParallel/bin/Release/net10.0/DataParallel.dll                        # one process
//   scripts/launch.sh --nproc 2 -- dotnet benchmarks/DataParallel/bin/Release/net10.0/DataParallel.dll
using System.Diagnostics;
using Dsl;
using static Dsl.Ops;

const int WarmUp = 40, Timed = 200, Batch = 128;
using var group = ProcessGroupOptions.InEnvironment ? ProcessGroup.FromEnvironment() : null;
var world = group?.WorldSize ?? 1;
var rank = group?.Rank ?? 0;
using var generator = new Generator(1);
var examples = Batch * world * 50;
using var x = Tensor.Randn([examples, 784], generator);
using var y = Tensor.RandInt(0, 10, [examples], generator);
using var data = new TensorDataset(("x", x), ("y", y));

var experiment = new MlpM();
var watch = new Stopwatch();
Trainer.Fit(experiment, data, new FitOptions
{
    BatchSize = Batch,
    Epochs = 100,
    Verbosity = FitVerbosity.Silent,
    DataParallel = group is null ? null : new DataParallel(group),
    OnStep = context =>
    {
        if (context.Step == WarmUp) watch.Start();
        if (context.Step == WarmUp + Timed)
        {
            watch.Stop();
            context.RequestStop("timed");
        }
    },
});
var step = watch.Elapsed.TotalMilliseconds * 1000 / Timed;

double reduce = 0;
if (group is not null)
{
    var elements = experiment.Parameters.Sum(p => p.Value.NumElements) + 2;
    using var bucket = Tensor.Zeros([elements]);
    for (var i = 0; i < WarmUp; i++) group.AllReduce(bucket);
    group.Barrier();
    var clock = Stopwatch.StartNew();
    for (var i = 0; i < Timed; i++) group.AllReduce(bucket);
    reduce = clock.Elapsed.TotalMilliseconds * 1000 / Timed;
}
if (rank == 0)
{
    Console.WriteLine($"load {File.ReadAllText("/proc/loadavg").Trim()}; threads per process: OPENBLAS_NUM_THREADS={Environment.GetEnvironmentVariable("OPENBLAS_NUM_THREADS") ?? "(unset)"}");
    Console.WriteLine($"{world} process(es): {step:F0} us per step, {Batch * world * 1e6 / step:F0} examples/s; all-reduce of the gradients alone: {reduce:F0} us");
}

[Model]
public partial class Mlp3
{
    [Dim] public int Inputs, Hidden, Classes;

    [Param(nameof(Inputs), nameof(Hidden))] public Tensor W1;
    [Param(nameof(Hidden))] public Tensor B1;
    [Param(nameof(Hidden), nameof(Hidden))] public Tensor W2;
    [Param(nameof(Hidden))] public Tensor B2;
    [Param(nameof(Hidden), nameof(Classes))] public Tensor W3;
    [Param(nameof(Classes))] public Tensor B3;

    public Tensor Forward([Shape("Batch", nameof(Inputs))] Tensor x) => MatMul(Relu(MatMul(Relu(MatMul(x, W1) + B1), W2) + B2), W3) + B3;
}

[Experiment]
public partial class MlpM
{
    public Mlp3 Net = new() { Inputs = 784, Hidden = 256, Classes = 10 };
    public Sgd Optimizer = new() { LearningRate = 0.01 };

    [Loss]
    public Tensor Loss([Shape("Batch", 784)] Tensor x, [Shape("Batch")] Tensor y) => CrossEntropy(Net.Forward(x), y);
}
