namespace Dsl;

/// <summary>How a loss combines its per-element values. The values are ATen's reduction codes.</summary>
public enum Reduction
{
    /// <summary>No reduction: one loss per element (or per row, for class-index losses).</summary>
    None = 0,

    /// <summary>The mean (for weighted nll_loss, the sum divided by the total weight).</summary>
    Mean = 1,

    /// <summary>The sum.</summary>
    Sum = 2,
}
