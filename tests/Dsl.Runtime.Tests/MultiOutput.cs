namespace Dsl.Runtime.Tests;

/// <summary>
/// Compares ops with several results against PyTorch, which flattens a returned tuple into one
/// list of values: our results are flattened the same way.
/// </summary>
internal static class MultiOutput
{
    /// <summary>The values of <paramref name="parts"/>, in order, as one 1-d Float64 tensor; disposes the parts.</summary>
    public static Tensor Flatten(params Tensor?[] parts)
    {
        var values = new List<double>();
        foreach (var part in parts)
        {
            if (part is null) continue;
            using (part)
            using (var asDouble = part.To(DType.Float64))
            {
                values.AddRange(asDouble.ToArray<double>());
            }
        }
        return Tensor.FromArray(values.ToArray());
    }

    /// <summary>Flattens <paramref name="parts"/> into the fixture's <paramref name="output"/> (see <see cref="Flatten"/>).</summary>
    public static void Into(Tensor output, params Tensor?[] parts)
    {
        using var flat = Flatten(parts);
        Kernels.Copy(flat, output);
    }

    /// <summary>
    /// Runs an allocation-free form with several outputs: <paramref name="kernel"/> gets poisoned
    /// buffers shaped like the eager results <paramref name="like"/> (null stays null: that output is
    /// skipped), and the buffers end up flattened into the fixture's <paramref name="output"/>.
    /// </summary>
    public static void Run(Tensor output, Tensor?[] like, Action<Tensor?[]> kernel)
    {
        var buffers = like.Select(t => t is null ? null : Poisoned(t)).ToArray();
        foreach (var t in like) t?.Dispose();
        kernel(buffers);
        Into(output, buffers);
    }

    /// <summary>A buffer shaped like <paramref name="like"/>, filled with a value no kernel result has (NaN or -7), so an unwritten buffer fails.</summary>
    public static Tensor Poisoned(Tensor like)
    {
        var buffer = Tensor.EmptyLike(like);
        Kernels.Fill(buffer, like.DType.IsFloatingPoint() ? double.NaN : -7);
        return buffer;
    }
}
