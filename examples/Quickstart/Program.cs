// Quickstart: a two-layer classifier trained on synthetic data with the eager runtime.
//
// The forward pass, the gradients and the update are written out by hand here, step by step, in
// the same shape the source generator will emit them from a declaration: each line names the math.
using Dsl;
using static Dsl.Ops;

const int Features = 20, Hidden = 64, Classes = 10, Batch = 128, Steps = 300;
const double LearningRate = 0.5;

using var g = new Generator(seed: 0);

// Ten Gaussian blobs: a sample is its class's center plus noise.
using var centers = Tensor.Randn([Classes, Features], g) * 0.6;
(Tensor X, Tensor Y) Sample()
{
    var y = Tensor.RandInt(0, Classes, [Batch], g);
    using var center = IndexSelect(centers, 0, y);
    using var noise = Tensor.Randn([Batch, Features], g);
    return (center + noise, y);
}

// Parameters, initialized like torch.nn.Linear: uniform in ±1/√fan_in.
using var w1 = Tensor.Empty([Features, Hidden]).UniformInPlace(-1 / Math.Sqrt(Features), 1 / Math.Sqrt(Features), g);
using var b1 = Tensor.Zeros([Hidden]);
using var w2 = Tensor.Empty([Hidden, Classes]).UniformInPlace(-1 / Math.Sqrt(Hidden), 1 / Math.Sqrt(Hidden), g);
using var b2 = Tensor.Zeros([Classes]);

Console.WriteLine($"Training a {Features}-{Hidden}-{Classes} classifier, batch {Batch}, {Steps} steps of SGD (lr {LearningRate}).");
var started = System.Diagnostics.Stopwatch.StartNew();
for (var step = 1; step <= Steps; step++)
{
    var (x, y) = Sample();
    using (x)
    using (y)
    {
        // forward: h = relu(x·W1 + b1); logits = h·W2 + b2; loss = CrossEntropy(logits, y)
        using var xw1 = MatMul(x, w1);
        using var pre = xw1 + b1;
        using var h = Relu(pre);
        using var hw2 = MatMul(h, w2);
        using var logits = hw2 + b2;
        using var loss = CrossEntropy(logits, y);

        // backward: dLogits = (softmax(logits) − onehot(y)) / Batch
        using var probabilities = Softmax(logits, dim: 1);
        using var target = OneHot(y, Classes, DType.Float32);
        using var error = probabilities - target;
        using var dLogits = error / Batch;
        using var dW2 = Mm(h, dLogits, transposeA: true);       // dW2 = hᵀ · dLogits
        using var dB2 = Sum(dLogits, dim: 0);                    // dB2 = Σ_batch dLogits
        using var dH = Mm(dLogits, w2, transposeB: true);       // dH = dLogits · W2ᵀ
        using var dPre = ReluBackward(dH, pre);                  // dPre = dH ⊙ [pre > 0]
        using var dW1 = Mm(x, dPre, transposeA: true);          // dW1 = xᵀ · dPre
        using var dB1 = Sum(dPre, dim: 0);

        // update, in place: θ -= lr · dθ
        Kernels.SubInPlace(w1, dW1, LearningRate);
        Kernels.SubInPlace(b1, dB1, LearningRate);
        Kernels.SubInPlace(w2, dW2, LearningRate);
        Kernels.SubInPlace(b2, dB2, LearningRate);

        if (step == 1 || step % 50 == 0) Console.WriteLine($"step {step,4}  loss {loss.Item():F4}");
    }
}

// Accuracy on fresh samples.
var (testX, testY) = Sample();
using (testX)
using (testY)
{
    using var h = Relu(MatMul(testX, w1) + b1);
    using var logits = MatMul(h, w2) + b2;
    using var predicted = Argmax(logits, dim: 1);
    using var correct = Eq(predicted, testY);
    using var asFloat = correct.To(DType.Float32);
    using var accuracy = Mean(asFloat);
    Console.WriteLine($"accuracy on {Batch} new samples: {accuracy.Item():P1}  ({started.Elapsed.TotalMilliseconds:F0} ms)");
}
