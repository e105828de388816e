using Xunit;
using static Dsl.Ops;

namespace Dsl.Runtime.Tests.Data;

/// <summary>The data path end to end: Synthetic.Digits through a DataLoader trains a 784-256-10 MLP.</summary>
public sealed class DigitsTrainingTests
{
    [Fact]
    public void A_784_256_10_mlp_learns_synthetic_digits_from_loader_batches()
    {
        const int Pixels = 784, Hidden = 256, Classes = 10;
        const double LearningRate = 0.1;
        using var train = Synthetic.Digits(5000, seed: 1);
        using var test = Synthetic.Digits(1000, seed: 2);
        using var g = new Generator(0);
        using var w1 = Tensor.Empty([Pixels, Hidden]).UniformInPlace(-1 / Math.Sqrt(Pixels), 1 / Math.Sqrt(Pixels), g);
        using var b1 = Tensor.Zeros([Hidden]);
        using var w2 = Tensor.Empty([Hidden, Classes]).UniformInPlace(-1 / Math.Sqrt(Hidden), 1 / Math.Sqrt(Hidden), g);
        using var b2 = Tensor.Zeros([Classes]);
        using var loader = new DataLoader(train, batchSize: 128, seed: 3);

        double Accuracy()
        {
            using var x = test["images"];
            using var y = test["labels"];
            using var h = Relu(MatMul(x, w1) + b1);
            using var logits = MatMul(h, w2) + b2;
            using var predicted = Argmax(logits, dim: 1);
            using var correct = Eq(predicted, y);
            using var asFloat = correct.To(DType.Float32);
            using var mean = Mean(asFloat);
            return mean.Item();
        }

        var before = Accuracy();
        for (var epoch = 0; epoch < 3; epoch++)
        {
            foreach (var batch in loader.Epoch(epoch))
            {
                // forward: h = relu(x·W1 + b1); logits = h·W2 + b2; backward of the mean cross-entropy, by hand
                var (x, y) = (batch[0], batch[1]);
                using var xw1 = MatMul(x, w1);
                using var pre = xw1 + b1;
                using var h = Relu(pre);
                using var hw2 = MatMul(h, w2);
                using var logits = hw2 + b2;
                using var probabilities = Softmax(logits, dim: 1);
                using var target = OneHot(y, Classes, DType.Float32);
                using var error = probabilities - target;
                using var dLogits = error / batch.Size;
                using var dW2 = Mm(h, dLogits, transposeA: true);
                using var dB2 = Sum(dLogits, dim: 0);
                using var dH = Mm(dLogits, w2, transposeB: true);
                using var dPre = ReluBackward(dH, pre);
                using var dW1 = Mm(x, dPre, transposeA: true);
                using var dB1 = Sum(dPre, dim: 0);
                Kernels.SubInPlace(w1, dW1, LearningRate);
                Kernels.SubInPlace(b1, dB1, LearningRate);
                Kernels.SubInPlace(w2, dW2, LearningRate);
                Kernels.SubInPlace(b2, dB2, LearningRate);
            }
        }
        var after = Accuracy();

        Assert.InRange(before, 0, 0.3); // chance is 0.1
        Assert.True(after >= 0.88, $"test accuracy after 3 epochs is {after:P1}");
    }
}
