using Xunit;

namespace Dsl.Testing;

/// <summary>
/// One operation checked against PyTorch: inputs made from a seeded generator, our eager call,
/// optionally our allocation-free call (writing into an output of the expected shape), and the
/// PyTorch expression over the same inputs.
/// </summary>
public sealed record OpCase(
    string Name,
    string Torch,
    Func<Generator, Dictionary<string, Tensor>> Inputs,
    Func<IReadOnlyDictionary<string, Tensor>, Tensor> Eager,
    Action<IReadOnlyDictionary<string, Tensor>, Tensor>? Into = null,
    double Rtol = 1e-5,
    double Atol = 1e-6)
{
    public override string ToString() => Name;

    /// <summary>Inputs for this case: the same on every run (the generator is seeded by the name).</summary>
    public Dictionary<string, Tensor> MakeInputs()
    {
        ulong seed = 1469598103934665603UL;
        foreach (var c in Name) seed = (seed ^ c) * 1099511628211UL;
        using var generator = new Generator(seed);
        return Inputs(generator);
    }
}

/// <summary>A named list of cases; each test class of ops owns one.</summary>
public abstract class OpCatalog
{
    public abstract IEnumerable<OpCase> Cases { get; }
}

/// <summary>Evaluates a catalog's PyTorch expressions in one python process, once per test class.</summary>
public sealed class TorchCaseFixture<TCatalog> where TCatalog : OpCatalog, new()
{
    private readonly Lazy<Dictionary<string, TorchValue>> _expected;

    public TorchCaseFixture()
    {
        Cases = new TCatalog().Cases.ToDictionary(c => c.Name);
        _expected = new Lazy<Dictionary<string, TorchValue>>(() =>
        {
            var list = Cases.Values.ToList();
            var inputs = list.Select(c => c.MakeInputs()).ToList();
            try
            {
                var values = TorchReference.Evaluate(list.Select((c, i) => (c.Torch, (IReadOnlyDictionary<string, Tensor>)inputs[i])).ToList());
                return list.Select((c, i) => (c.Name, values[i])).ToDictionary(p => p.Name, p => p.Item2);
            }
            finally
            {
                foreach (var set in inputs) foreach (var t in set.Values) t.Dispose();
            }
        });
    }

    public Dictionary<string, OpCase> Cases { get; }

    public TorchValue Expected(string name) => _expected.Value[name];

    /// <summary>Runs the case's eager and (if any) allocation-free forms and compares both with PyTorch.</summary>
    public void Check(string name)
    {
        var opCase = Cases[name];
        var expected = Expected(name);
        var inputs = opCase.MakeInputs();
        try
        {
            using (var actual = opCase.Eager(inputs))
            {
                TensorAssert.Close(expected, actual, opCase.Rtol, opCase.Atol, $"{name} (eager)");
                if (opCase.Into is not null)
                {
                    using var output = Tensor.EmptyLike(actual);
                    opCase.Into(inputs, output);
                    TensorAssert.Close(expected, output, opCase.Rtol, opCase.Atol, $"{name} (into output)");
                }
            }
        }
        finally
        {
            foreach (var t in inputs.Values) t.Dispose();
        }
    }

    public static TheoryData<string> Names()
    {
        var data = new TheoryData<string>();
        foreach (var c in new TCatalog().Cases) data.Add(c.Name);
        return data;
    }
}
