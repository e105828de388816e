namespace Dsl.Benchmarks;

/// <summary>
/// One SGD step of a 784-256-256-10 ReLU MLP on a batch of 128, written against Kernels with
/// every buffer preallocated, the way generated code runs it: 3 addmm forward, 5 mm backward
/// (weight and input gradients), ReLU and its mask, elementwise updates. Bias gradients are left
/// out (they need a reduction); the loss gradient is logits − target.
/// </summary>
internal sealed class MlpStep : IDisposable
{
    private const int Batch = 128, In = 784, Hidden = 256, Out = 10;
    private const double LearningRate = 1e-3;

    private readonly Tensor _x, _target, _w1, _b1, _w2, _b2, _w3, _b3;
    private readonly Tensor _h1, _a1, _h2, _a2, _logits, _dLogits, _dW3, _dA2, _mask2, _dH2, _dW2, _dA1, _mask1, _dH1, _dW1;
    private readonly List<Tensor> _all = [];

    public MlpStep(Generator generator)
    {
        Tensor Randn(params long[] shape)
        {
            using var unit = Tensor.Randn(shape, generator);
            return Keep(unit * 0.05);
        }
        Tensor Buffer(params long[] shape) => Keep(Tensor.Zeros(shape));

        _x = Randn(Batch, In);
        _target = Randn(Batch, Out);
        (_w1, _b1) = (Randn(Hidden, In), Randn(Hidden));
        (_w2, _b2) = (Randn(Hidden, Hidden), Randn(Hidden));
        (_w3, _b3) = (Randn(Out, Hidden), Randn(Out));
        (_h1, _a1, _mask1, _dA1, _dH1) = (Buffer(Batch, Hidden), Buffer(Batch, Hidden), Buffer(Batch, Hidden), Buffer(Batch, Hidden), Buffer(Batch, Hidden));
        (_h2, _a2, _mask2, _dA2, _dH2) = (Buffer(Batch, Hidden), Buffer(Batch, Hidden), Buffer(Batch, Hidden), Buffer(Batch, Hidden), Buffer(Batch, Hidden));
        (_logits, _dLogits) = (Buffer(Batch, Out), Buffer(Batch, Out));
        (_dW1, _dW2, _dW3) = (Buffer(Hidden, In), Buffer(Hidden, Hidden), Buffer(Out, Hidden));
    }

    private Tensor Keep(Tensor t)
    {
        _all.Add(t);
        return t;
    }

    public void Run()
    {
        // h1 = x·W1ᵀ + b1; a1 = relu(h1); h2 = a1·W2ᵀ + b2; a2 = relu(h2); logits = a2·W3ᵀ + b3
        Kernels.Addmm(_b1, _x, _w1, _h1, transposeB: true);
        Kernels.Relu(_h1, _a1);
        Kernels.Addmm(_b2, _a1, _w2, _h2, transposeB: true);
        Kernels.Relu(_h2, _a2);
        Kernels.Addmm(_b3, _a2, _w3, _logits, transposeB: true);

        // dLogits = logits − target; dW3 = dLogitsᵀ·a2; dA2 = dLogits·W3
        Kernels.Sub(_logits, _target, _dLogits);
        Kernels.Mm(_dLogits, _a2, _dW3, transposeA: true);
        Kernels.Mm(_dLogits, _w3, _dA2);
        // dH2 = dA2 ⊙ [h2 > 0]; dW2 = dH2ᵀ·a1; dA1 = dH2·W2
        Kernels.Gt(_h2, 0.0, _mask2);
        Kernels.Mul(_dA2, _mask2, _dH2);
        Kernels.Mm(_dH2, _a1, _dW2, transposeA: true);
        Kernels.Mm(_dH2, _w2, _dA1);
        // dH1 = dA1 ⊙ [h1 > 0]; dW1 = dH1ᵀ·x
        Kernels.Gt(_h1, 0.0, _mask1);
        Kernels.Mul(_dA1, _mask1, _dH1);
        Kernels.Mm(_dH1, _x, _dW1, transposeA: true);

        // W -= lr·dW
        Kernels.SubInPlace(_w1, _dW1, LearningRate);
        Kernels.SubInPlace(_w2, _dW2, LearningRate);
        Kernels.SubInPlace(_w3, _dW3, LearningRate);
    }

    public void Dispose()
    {
        foreach (var t in _all) t.Dispose();
    }
}
