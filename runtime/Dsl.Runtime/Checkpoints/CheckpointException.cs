namespace Dsl;

/// <summary>
/// A checkpoint file that cannot be read or does not fit the tensors it is loaded into: a corrupt
/// or truncated file, a header that lies about sizes, a missing tensor, a wrong dtype or shape.
/// The message names the file, the tensor and what was expected and found; nothing was changed.
/// </summary>
public sealed class CheckpointException : Exception
{
    /// <summary>Describes one problem with the checkpoint at <paramref name="path"/>.</summary>
    /// <param name="path">The checkpoint file.</param>
    /// <param name="problem">What is wrong, as a sentence fragment ("the shape differs").</param>
    /// <param name="tensorName">The tensor concerned, if one is.</param>
    /// <param name="expected">What was expected (a shape, a dtype, a size), if that applies.</param>
    /// <param name="found">What was found instead.</param>
    /// <param name="inner">The underlying error (an I/O or JSON error), if any.</param>
    public CheckpointException(string path, string problem, string? tensorName = null, string? expected = null, string? found = null,
        Exception? inner = null)
        : this(path, problem, tensorName, expected, found, inner, more: null)
    {
    }

    /// <summary>The same, with <paramref name="more"/> (further problems, one a line) after the first.</summary>
    internal CheckpointException(string path, string problem, string? tensorName, string? expected, string? found, Exception? inner, string? more)
        : base(Describe(path, problem, tensorName, expected, found) + more, inner)
    {
        FilePath = path;
        TensorName = tensorName;
        Expected = expected;
        Found = found;
    }

    /// <summary>The checkpoint file.</summary>
    public string FilePath { get; }

    /// <summary>The tensor concerned (the first one, when several are wrong), or null for a problem with the whole file.</summary>
    public string? TensorName { get; }

    /// <summary>What was expected, such as <c>[784, 256] Float32</c>.</summary>
    public string? Expected { get; }

    /// <summary>What was found instead.</summary>
    public string? Found { get; }

    private static string Describe(string path, string problem, string? tensorName, string? expected, string? found)
    {
        var text = $"Checkpoint '{path}'";
        if (tensorName is not null) text += $", tensor '{tensorName}'";
        text += ": " + problem;
        if (expected is not null || found is not null) text += $" (expected {expected ?? "?"}, found {found ?? "?"})";
        return text;
    }
}
