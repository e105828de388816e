namespace Dsl;

// Eager metrics for [Metric] methods (evaluation is not on the training step's hot path).
public static partial class Ops
{
    /// <summary>The fraction of rows of <paramref name="logits"/> ([N, C]) whose largest entry is at the index in <paramref name="labels"/> ([N], Int64), as a scalar Float32 tensor.</summary>
    public static Tensor Accuracy(Tensor logits, Tensor labels)
    {
        using var predicted = Argmax(logits, 1);
        using var correct = Eq(predicted, labels);
        using var asFloat = correct.To(DType.Float32);
        return Mean(asFloat);
    }
}
