using Dsl;

namespace SideBySide;

/// <summary>
/// One configuration of the side-by-side benchmark: its name (as the tables and the PyTorch side know it),
/// a short description, the batch size, the generated experiment, how one batch of its inputs is drawn, and,
/// for the MLPs, the (in, out) of each layer (what the GEMM-only floor times; null where the step is not
/// only matrix products).
/// </summary>
internal sealed record ConfigSpec(string Name, string Description, int Batch, Func<IExperiment> Create,
    Func<Generator, int, Tensor[]> DrawBatch, (int In, int Out)[]? MlpLayers = null);

/// <summary>A configuration made ready: the generated experiment initialized with seed 7 and 4 fixed batches.</summary>
internal sealed class StepConfig : IDisposable
{
    public const int Inputs = 784, Classes = 10, BatchCount = 4;
    public const ulong Seed = 7;

    private readonly Tensor[][] _batches;
    private int _next;

    public StepConfig(ConfigSpec spec)
    {
        Spec = spec;
        using var generator = new Generator(Seed);
        _batches = new Tensor[BatchCount][];
        for (var i = 0; i < BatchCount; i++) _batches[i] = spec.DrawBatch(generator, spec.Batch);
        Experiment = spec.Create();
        Experiment.Initialize(Seed);
    }

    public ConfigSpec Spec { get; }
    public string Name => Spec.Name;
    public int Batch => Spec.Batch;
    public IExperiment Experiment { get; }

    /// <summary>
    /// The parameters the update rule updates: those with a gradient (frozen ones, as batch normalization's
    /// running statistics, have none). Read it after a step: the gradients exist from the first.
    /// </summary>
    public long ParameterCount => Experiment.Gradients.Sum(g => g.Value.NumElements);

    /// <summary>One training step on the next of the fixed batches (cycled, the same order on both sides).</summary>
    public float Step()
    {
        var batch = _batches[_next];
        _next = (_next + 1) % BatchCount;
        return Experiment.TrainStep(batch);
    }

    /// <summary>Forward and backward only, on the next batch (for the profile); pair with <see cref="Update"/>.</summary>
    public float Gradients()
    {
        var batch = _batches[_next];
        _next = (_next + 1) % BatchCount;
        return Experiment.ComputeGradients(batch);
    }

    public void Update() => Experiment.ApplyUpdate();

    /// <summary>Initial parameters (as the generated Initialize made them) and the batches (x0, y0, ...), for the PyTorch side.</summary>
    public void Save(string path)
    {
        var tensors = new List<(string, Tensor)>(Experiment.Parameters);
        for (var i = 0; i < BatchCount; i++)
        {
            tensors.Add(($"x{i}", _batches[i][0]));
            tensors.Add(($"y{i}", _batches[i][1]));
        }
        SafeTensors.Save(path, tensors);
    }

    public void Dispose()
    {
        foreach (var batch in _batches)
        {
            foreach (var tensor in batch) tensor.Dispose();
        }
    }

    /// <summary>Every configuration, in table order; <paramref name="only"/> (when not empty) keeps the named ones.</summary>
    public static IEnumerable<ConfigSpec> Select(IEnumerable<string> only) => All.Where(c => !only.Any() || only.Contains(c.Name));

    public static IReadOnlyList<string> Names => All.Select(c => c.Name).ToArray();

    public static IReadOnlyList<ConfigSpec> All { get; } =
    [
        Mlp("mlp-s", 64, 32, () => new MlpS()),
        Mlp("mlp-m", 256, 128, () => new MlpM()),
        Mlp("mlp-l", 1024, 512, () => new MlpL()),
        new("cnn-s", "conv 1-8 3x3, pool 2, conv 8-16 3x3, pool 2, linear 400-10", 32, () => new CnnS(),
            (g, batch) => [Tensor.Randn([batch, 1, 28, 28], g), Tensor.RandInt(0, Classes, [batch], g)]),
        new("cnn-lenet", "examples/Cnn: LeNet-5 with batch norm, 784 → 6@5x5 → 16@5x5 → 120-84-10", 64, () => new DigitCnn(),
            (g, batch) => [Tensor.Randn([batch, Inputs], g), Tensor.RandInt(0, Classes, [batch], g)]),
        new("transformer", "examples/Transformer: 2 pre-norm blocks, 64 features, 4 heads, T 16, vocabulary 11", 64, () => new Sorting(),
            (g, batch) => [Tensor.RandInt(0, 11, [batch, 16], g), Tensor.RandInt(0, 10, [batch, 8, 1], g)]),
    ];

    private static ConfigSpec Mlp(string name, int hidden, int batch, Func<IExperiment> create) =>
        new(name, $"784-{hidden}-{hidden}-10", batch, create,
            (g, b) => [Tensor.Randn([b, Inputs], g), Tensor.RandInt(0, Classes, [b], g)],
            [(Inputs, hidden), (hidden, hidden), (hidden, Classes)]);
}

/// <summary>
/// The GEMM-only floor of an MLP step: each layer's forward product x·W, input-gradient product
/// dY·Wᵀ (not for the first layer: neither side computes the input's gradient) and weight-gradient
/// product xᵀ·dY, on the exact shapes, through the runtime's Kernels.Mm (the same libtorch and
/// OpenBLAS) into preallocated outputs.
/// </summary>
internal sealed class GemmFloor : IDisposable
{
    private readonly List<Tensor> _tensors = [];
    private readonly List<(Tensor A, Tensor B, Tensor Output, bool TransposeA, bool TransposeB)> _products = [];

    public GemmFloor(StepConfig config)
    {
        using var generator = new Generator(1);
        var first = true;
        foreach (var (inputs, outputs) in config.Spec.MlpLayers ?? throw new ArgumentException($"{config.Name} is not an MLP: no GEMM floor"))
        {
            var x = Keep(Tensor.Randn([config.Batch, inputs], generator));
            var w = Keep(Tensor.Randn([inputs, outputs], generator));
            var dy = Keep(Tensor.Randn([config.Batch, outputs], generator));
            _products.Add((x, w, Keep(Tensor.Empty([config.Batch, outputs])), false, false));
            if (!first) _products.Add((dy, w, Keep(Tensor.Empty([config.Batch, inputs])), false, true));
            _products.Add((x, dy, Keep(Tensor.Empty([inputs, outputs])), true, false));
            first = false;
        }
    }

    public int Count => _products.Count;

    public void Run()
    {
        foreach (var (a, b, output, transposeA, transposeB) in _products) Kernels.Mm(a, b, output, transposeA, transposeB);
    }

    private Tensor Keep(Tensor tensor)
    {
        _tensors.Add(tensor);
        return tensor;
    }

    public void Dispose()
    {
        foreach (var tensor in _tensors) tensor.Dispose();
    }
}
