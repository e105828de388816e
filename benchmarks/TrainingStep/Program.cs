// The quickstart's training step as generated (784-256-10 MLP, cross-entropy, Adam or plain SGD)
// and the runtime's fused Adam update on one 784x256 float32 parameter, each timed over 500 calls
// after 50 warm-up calls. The PyTorch side is pytorch_step.py (same shapes, torch.optim.Adam):
//
//   dotnet run -c Release --project benchmarks/TrainingStep
//   /usr/bin/python3 benchmarks/TrainingStep/pytorch_step.py 1      # the argument: threads
using System.Diagnostics;
using Dsl;
using static Dsl.Ops;

const int Calls = 500, WarmUp = 50;
using var generator = new Generator(1);
Console.WriteLine($"load {File.ReadAllText("/proc/loadavg").Trim()}");
foreach (var batch in new[] { 64, 128 })
{
    using var x = Tensor.Randn([batch, 784], generator);
    using var y = Tensor.RandInt(0, 10, [batch], generator);
    var adam = new WithAdam();
    var sgd = new WithSgd();
    adam.Initialize(0);
    sgd.Initialize(0);
    Console.WriteLine($"batch {batch}, Adam step:             {Time(() => adam.TrainStep(x, y)),6:F0} us");
    Console.WriteLine($"batch {batch}, SGD step:              {Time(() => sgd.TrainStep(x, y)),6:F0} us");
    Console.WriteLine($"batch {batch}, forward and backward:  {Time(() => adam.ComputeGradients(x, y)),6:F0} us");
}
var rule = new Adam();
using var parameter = Tensor.Zeros([784, 256]);
using var gradient = Tensor.Randn([784, 256], generator);
using var state = rule.CreateState(parameter);
long step = 0;
Console.WriteLine($"Adam update of 784x256 float32:  {Time(() => rule.Update(state, parameter, gradient, ++step)),6:F0} us");

static double Time(Action action)
{
    for (var i = 0; i < WarmUp; i++) action();
    var watch = Stopwatch.StartNew();
    for (var i = 0; i < Calls; i++) action();
    return watch.Elapsed.TotalMilliseconds * 1000 / Calls;
}

[Model]
public partial class Mlp
{
    [Dim] public int Inputs, Hidden, Classes;
    [Param(nameof(Inputs), nameof(Hidden))] public Tensor W1;
    [Param(nameof(Hidden))] public Tensor B1;
    [Param(nameof(Hidden), nameof(Classes))] public Tensor W2;
    [Param(nameof(Classes))] public Tensor B2;

    public Tensor Forward([Shape("Batch", nameof(Inputs))] Tensor x) => MatMul(Relu(MatMul(x, W1) + B1), W2) + B2;
}

[Experiment]
public partial class WithAdam
{
    public Mlp Net = new() { Inputs = 784, Hidden = 256, Classes = 10 };
    public Adam Optimizer = new() { LearningRate = 1e-3 };

    [Loss]
    public Tensor Loss([Shape("Batch", 784)] Tensor images, [Shape("Batch")] Tensor labels) => CrossEntropy(Net.Forward(images), labels);
}

[Experiment]
public partial class WithSgd
{
    public Mlp Net = new() { Inputs = 784, Hidden = 256, Classes = 10 };
    public double LearningRate = 0.01;

    [Loss]
    public Tensor Loss([Shape("Batch", 784)] Tensor images, [Shape("Batch")] Tensor labels) => CrossEntropy(Net.Forward(images), labels);
}
