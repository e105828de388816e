namespace Dsl;

/// <summary>How <see cref="Mnist.Load"/> shapes each image.</summary>
public enum MnistImageShape
{
    /// <summary><c>[784]</c>: a vector per image, for fully connected models.</summary>
    Flat,
    /// <summary><c>[28, 28]</c>: rows and columns.</summary>
    Rows,
    /// <summary><c>[1, 28, 28]</c>: one channel, for convolutions.</summary>
    Channels,
}

/// <summary>Options of <see cref="Mnist.Load"/>.</summary>
public sealed record MnistOptions
{
    /// <summary>The shape of one image (default <see cref="MnistImageShape.Flat"/>, <c>[784]</c>).</summary>
    public MnistImageShape ImageShape { get; init; } = MnistImageShape.Flat;

    /// <summary>Float32 pixels in [0, 1] (value / 255) when true (the default); the stored UInt8 values when false.</summary>
    public bool ScaleToUnit { get; init; } = true;
}

/// <summary>The MNIST training and test sets, each with columns <c>images</c> and <c>labels</c> (Int64, 0 to 9).</summary>
public sealed record MnistData(TensorDataset Train, TensorDataset Test) : IDisposable
{
    public void Dispose()
    {
        Train.Dispose();
        Test.Dispose();
    }
}

/// <summary>
/// Reads MNIST from a folder holding its four standard IDX files (each may be gzip-compressed,
/// with <c>.gz</c> appended). Nothing is downloaded.
/// </summary>
/// <example>
/// <code>
/// using var mnist = Mnist.Load("data/mnist");     // train: 60000 examples, test: 10000
/// using var loader = new DataLoader(mnist.Train, batchSize: 128, seed: 1);
/// </code>
/// </example>
public static class Mnist
{
    /// <summary>The standard file names, as published with the data set.</summary>
    public static IReadOnlyList<string> FileNames { get; } =
        ["train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"];

    /// <summary>Reads the training and test sets from <paramref name="folder"/>.</summary>
    /// <exception cref="FileNotFoundException">Some of the four files are missing (the message lists them).</exception>
    /// <exception cref="InvalidDataException">A file is corrupt, or images and labels disagree.</exception>
    public static MnistData Load(string folder, MnistOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(folder);
        options ??= new MnistOptions();
        var paths = FileNames.Select(name => Find(folder, name)).ToArray();
        var missing = FileNames.Where((_, i) => paths[i] is null).ToArray();
        if (missing.Length > 0)
        {
            throw new FileNotFoundException(
                $"{folder}: MNIST needs {string.Join(", ", FileNames)} (each optionally gzip-compressed as .gz) but " +
                $"{string.Join(", ", missing)} {(missing.Length == 1 ? "is" : "are")} missing (looked for each name with and without .gz). " +
                "There is no download: copy the files into the folder.",
                Path.Combine(folder, missing[0]));
        }
        var train = LoadSplit(paths[0]!, paths[1]!, options);
        try
        {
            return new MnistData(train, LoadSplit(paths[2]!, paths[3]!, options));
        }
        catch
        {
            train.Dispose();
            throw;
        }
    }

    private static string? Find(string folder, string name)
    {
        var plain = Path.Combine(folder, name);
        if (File.Exists(plain)) return plain;
        return File.Exists(plain + ".gz") ? plain + ".gz" : null;
    }

    private static TensorDataset LoadSplit(string imagesPath, string labelsPath, MnistOptions options)
    {
        var images = Idx.LoadImages(imagesPath, options.ScaleToUnit);
        Tensor? labels = null;
        try
        {
            if (images.Rank != 3)
            {
                throw new InvalidDataException($"{imagesPath}: expected images of shape [Count, Rows, Columns] but found {images.Shape}.");
            }
            labels = Idx.LoadLabels(labelsPath);
            if (labels.Size(0) != images.Size(0))
            {
                throw new InvalidDataException(
                    $"{imagesPath} holds {images.Size(0)} images but {labelsPath} holds {labels.Size(0)} labels; they must agree.");
            }
            var values = labels.ToArray<long>();
            var outOfRange = Array.FindIndex(values, v => v is < 0 or > 9);
            if (outOfRange >= 0)
            {
                throw new InvalidDataException($"{labelsPath}: MNIST labels are digits 0 to 9 but label {outOfRange} is {values[outOfRange]}.");
            }
            var (count, rows, columns) = (images.Size(0), images.Size(1), images.Size(2));
            Shape shape = options.ImageShape switch
            {
                MnistImageShape.Flat => [count, rows * columns],
                MnistImageShape.Rows => [count, rows, columns],
                MnistImageShape.Channels => [count, 1, rows, columns],
                _ => throw new ArgumentOutOfRangeException(nameof(options), options.ImageShape, "unknown image shape"),
            };
            var shaped = images.Reshape(shape);
            images.Dispose();
            images = shaped;
            return TensorDataset.Owning(("images", images), ("labels", labels));
        }
        catch
        {
            images.Dispose();
            labels?.Dispose();
            throw;
        }
    }
}
