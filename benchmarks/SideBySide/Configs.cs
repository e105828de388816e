using Dsl;

namespace SideBySide;

/// <summary>One MLP configuration: the generated experiment, its data, and the exact GEMM shapes of its step.</summary>
internal sealed class MlpConfig : IDisposable
{
    public const int Inputs = 784, Classes = 10, BatchCount = 4;
    public const ulong Seed = 7;

    private readonly Tensor[][] _batches;
    private int _next;

    public MlpConfig(string name, int hidden, int batch, Func<IExperiment> create)
    {
        Name = name;
        Hidden = hidden;
        Batch = batch;
        Create = create;
        using var generator = new Generator(Seed);
        _batches = new Tensor[BatchCount][];
        for (var i = 0; i < BatchCount; i++)
        {
            _batches[i] = [Tensor.Randn([batch, Inputs], generator), Tensor.RandInt(0, Classes, [batch], generator)];
        }
        Experiment = create();
        Experiment.Initialize(Seed);
    }

    public string Name { get; }
    public int Hidden { get; }
    public int Batch { get; }
    public Func<IExperiment> Create { get; }
    public IExperiment Experiment { get; private set; }

    /// <summary>(in, out) of each layer.</summary>
    public (int In, int Out)[] Layers => [(Inputs, Hidden), (Hidden, Hidden), (Hidden, Classes)];

    public long ParameterCount => Layers.Sum(l => (long)l.In * l.Out + l.Out);

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

    /// <summary>Initial parameters (as the generated Initialize made them) and the batches, for the PyTorch side.</summary>
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

    public static IEnumerable<(string Name, int Hidden, int Batch, Func<IExperiment> Create)> All =>
    [
        ("mlp-s", 64, 32, () => new MlpS()),
        ("mlp-m", 256, 128, () => new MlpM()),
        ("mlp-l", 1024, 512, () => new MlpL()),
    ];
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

    public GemmFloor(MlpConfig config)
    {
        using var generator = new Generator(1);
        var first = true;
        foreach (var (inputs, outputs) in config.Layers)
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
