using System.Globalization;
using Dsl;
using static Dsl.Ops;

// Modes (the group comes from MASTER_ADDR, MASTER_PORT, WORLD_SIZE, RANK, DSL_DIST_TIMEOUT):
//   train <out.safetensors> key=value...      Fit data-parallel; writes the final parameters
//   reference <out.safetensors> key=value...  one process, each step on every member's batches together
//   allreduce                                 all-reduce, broadcast and barrier; prints the results
// Options: steps, examples, batch, world (reference), tail=pad|drop, run=<folder>, resume=1,
// checkpoint=<every n steps>, delay=<ms per step>.
var mode = args[0];
var options = args.Skip(mode == "allreduce" ? 1 : 2).Select(a => a.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
string Get(string key, string fallback) => options.TryGetValue(key, out var v) ? v : fallback;
int Int(string key, int fallback) => int.Parse(Get(key, fallback.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);

try
{
    if (mode == "allreduce") return AllReduce();
    var examples = Int("examples", 96);
    var batch = Int("batch", 8);
    var steps = Int("steps", 50);
    var tail = Get("tail", "pad") == "drop" ? ShardTail.Drop : ShardTail.Pad;
    using var data = Blobs(examples);
    var experiment = new ProbeExperiment();
    if (mode == "reference") Reference(experiment, data, batch, steps, Int("world", 1), tail);
    else Train(experiment, data, batch, steps, tail);
    var tensors = experiment.Parameters.ToList();
    using var step = Tensor.FromArray(new long[] { experiment.StepCount }, 1);
    tensors.Add(("step", step));
    SafeTensors.Save(args[1], tensors);
    Console.WriteLine("done");
    return 0;
}
catch (Exception e)
{
    Console.Error.WriteLine($"{e.GetType().Name}: {e.Message}");
    return 3;
}

void Train(ProbeExperiment experiment, TensorDataset data, int batch, int steps, ShardTail tail)
{
    using var group = ProcessGroupOptions.InEnvironment ? ProcessGroup.FromEnvironment() : null;
    var delay = Int("delay", 0);
    var fit = new FitOptions
    {
        BatchSize = batch,
        Seed = 7,
        Epochs = 1000,
        Verbosity = FitVerbosity.Silent,
        RunFolder = options.GetValueOrDefault("run"),
        Resume = Get("resume", "0") == "1",
        CheckpointEverySteps = Int("checkpoint", 0),
        DataParallel = group is null ? null : new DataParallel(group) { Tail = tail },
        OnStep = context =>
        {
            Console.WriteLine($"step {context.Step}");
            if (context.Step >= steps) context.RequestStop("enough steps");
            if (delay > 0) Thread.Sleep(delay);
        },
    };
    experiment.Initialize(11);
    Trainer.Fit(experiment, data, fit);
}

// The reference: one process whose step k trains on batch k of every member together. The members'
// batches are recomputed here from DistributedSampler's definition and the epoch's order, which a
// whole-epoch loader reveals (its one batch lists the order), not from the sharding code.
void Reference(ProbeExperiment experiment, TensorDataset data, int batch, int steps, int world, ShardTail tail)
{
    experiment.Initialize(11);
    var n = (int)data.Count;
    var perMember = tail == ShardTail.Pad ? (n + world - 1) / world : n / world;
    var batches = (perMember + batch - 1) / batch;
    using var whole = new DataLoader(data, n, shuffle: true, seed: 7);
    var features = data.Columns[0];
    var done = 0;
    for (var epoch = 0; done < steps; epoch++)
    {
        var order = whole.Epoch(epoch).First().ExampleIndices.ToArray();
        var padded = Enumerable.Range(0, perMember * world).Select(i => order[i % n]).ToArray();
        for (var b = 0; b < batches && done < steps; b++, done++)
        {
            var indices = new List<long>();
            for (var member = 0; member < world; member++)
            {
                var shard = Enumerable.Range(0, perMember).Select(i => padded[i * world + member]).ToArray();
                indices.AddRange(shard.Skip(b * batch).Take(batch));
            }
            using var x = Tensor.Empty([indices.Count, 8]);
            using var y = Tensor.Empty([indices.Count], DType.Int64);
            data.Gather(indices.ToArray(), [x, y]);
            experiment.ComputeGradients(x, y);
            experiment.ApplyUpdate();
        }
    }
}

int AllReduce()
{
    using var group = ProcessGroup.FromEnvironment();
    var r = group.Rank + 1;
    using var t = Tensor.FromArray(new float[] { r, 10 * r, 100 * r, 0.5f * r }, 4);
    group.AllReduce(t, ReduceOp.Sum);
    Console.WriteLine("sum " + string.Join(" ", t.ToArray<float>().Select(v => v.ToString("R", CultureInfo.InvariantCulture))));
    using var b = Tensor.FromArray(new float[] { r, r }, 2);
    group.Broadcast(b, root: 1);
    Console.WriteLine("broadcast " + string.Join(" ", b.ToArray<float>().Select(v => v.ToString("R", CultureInfo.InvariantCulture))));
    group.Barrier();
    Console.WriteLine("barrier");
    return 0;
}

// Three noisy clusters in 8 dimensions, from a fixed seed: the same data in every member.
static TensorDataset Blobs(int count)
{
    var random = new Random(5);
    var x = new float[count * 8];
    var y = new long[count];
    for (var i = 0; i < count; i++)
    {
        y[i] = i % 3;
        for (var j = 0; j < 8; j++) x[i * 8 + j] = (float)((j % 3 == y[i] ? 1.5 : 0) + random.NextDouble() - 0.5);
    }
    return new TensorDataset(("x", Tensor.FromArray(x, count, 8)), ("y", Tensor.FromArray(y, count)));
}

[Model]
public partial class ProbeNet
{
    [Dim] public int Inputs, Hidden, Classes;

    [Param(nameof(Inputs), nameof(Hidden))] public Tensor W1;
    [Param(nameof(Hidden))] public Tensor B1;
    [Param(nameof(Hidden), nameof(Classes))] public Tensor W2;
    [Param(nameof(Classes))] public Tensor B2;

    public Tensor Forward([Shape("Batch", nameof(Inputs))] Tensor x) => MatMul(Tanh(MatMul(x, W1) + B1), W2) + B2;
}

[Experiment]
public partial class ProbeExperiment
{
    public ProbeNet Net = new() { Inputs = 8, Hidden = 16, Classes = 3 };
    public Sgd Optimizer = new() { LearningRate = 0.2 };

    [Loss]
    public Tensor Loss([Shape("Batch", 8)] Tensor x, [Shape("Batch")] Tensor y) => CrossEntropy(Net.Forward(x), y);
}
