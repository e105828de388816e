namespace Dsl;

/// <summary>
/// Seeded synthetic data sets for experiments and tests. The numbers come from the runtime's own
/// generator (SplitMix64, Box–Muller normals), so a seed gives the same data on every machine and
/// libtorch version. Classes are assigned round-robin (example <c>i</c> has class
/// <c>i % classes</c>), so every class has the same number of examples to within one; shuffle
/// with a <see cref="DataLoader"/> or <see cref="DatasetExtensions.Split"/>.
/// </summary>
public static unsafe class Synthetic
{
    // Each generator draws from its own stream of the seed, so equal seeds do not correlate data sets.
    private const ulong BlobsStream = 1, SpiralsStream = 2, RegressionStream = 3, DigitsStream = 4;
    // The digit prototypes come from a fixed seed, so every seed samples the same ten classes.
    private const ulong DigitPrototypeSeed = 0x4449_4749_5453; // "DIGITS"

    /// <summary>The image size of <see cref="Digits"/>: 784 pixels (28 × 28, flattened).</summary>
    public const int DigitPixels = 784;

    /// <summary>The number of classes of <see cref="Digits"/>.</summary>
    public const int DigitClasses = 10;

    /// <summary>
    /// Gaussian blobs: <paramref name="classes"/> centres drawn uniformly in [-10, 10) per feature,
    /// each example its class's centre plus normal noise of standard deviation
    /// <paramref name="spread"/>. Columns <c>features</c> <c>[features]</c> Float32 and
    /// <c>labels</c> <c>[]</c> Int64.
    /// </summary>
    public static TensorDataset Blobs(int count, int classes, int features, ulong seed = 0, double spread = 1.0)
    {
        CheckCount(count);
        ArgumentOutOfRangeException.ThrowIfLessThan(classes, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(features, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(spread);
        var random = SplitMix64.ForStream(seed, BlobsStream);
        var centres = new double[classes * features];
        for (var i = 0; i < centres.Length; i++) centres[i] = -10 + 20 * random.NextDouble();
        return Build(count, features, "features", (x, labels) =>
        {
            for (var i = 0; i < count; i++)
            {
                var label = i % classes;
                labels[i] = label;
                for (var f = 0; f < features; f++) x[i * features + f] = (float)(centres[label * features + f] + spread * random.NextNormal());
            }
        });
    }

    /// <summary>
    /// Interleaved spirals in the plane: for an example of class <c>k</c>, <c>t</c> uniform in
    /// [0, 1), radius <c>t</c> and angle <c>2π(turns·t + k/classes)</c> plus normal noise of standard
    /// deviation <paramref name="noise"/> (radians). Columns <c>features</c> <c>[2]</c> Float32 and
    /// <c>labels</c> <c>[]</c> Int64.
    /// </summary>
    public static TensorDataset Spirals(int count, int classes = 2, ulong seed = 0, double noise = 0.2, double turns = 1.0)
    {
        CheckCount(count);
        ArgumentOutOfRangeException.ThrowIfLessThan(classes, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(noise);
        var random = SplitMix64.ForStream(seed, SpiralsStream);
        return Build(count, 2, "features", (x, labels) =>
        {
            for (var i = 0; i < count; i++)
            {
                var label = i % classes;
                labels[i] = label;
                var t = random.NextDouble();
                var angle = 2 * Math.PI * (turns * t + (double)label / classes) + noise * random.NextNormal();
                x[2 * i] = (float)(t * Math.Cos(angle));
                x[2 * i + 1] = (float)(t * Math.Sin(angle));
            }
        });
    }

    /// <summary>
    /// A linear regression problem: weights and bias drawn standard normal, features standard
    /// normal, target <c>x·w + b</c> plus normal noise of standard deviation <paramref name="noise"/>.
    /// Columns <c>features</c> <c>[features]</c> Float32 and <c>targets</c> <c>[1]</c> Float32 (one
    /// value per example, like a regression model's <c>[Batch, 1]</c> output).
    /// </summary>
    public static TensorDataset LinearRegression(int count, int features, double noise = 0.1, ulong seed = 0) =>
        LinearRegression(count, features, noise, seed, out _, out _);

    /// <summary>The data set of <see cref="LinearRegression(int, int, double, ulong)"/>, and the true coefficients it was drawn from.</summary>
    /// <param name="count">The number of examples.</param>
    /// <param name="features">The number of features.</param>
    /// <param name="noise">The standard deviation of the noise added to each target.</param>
    /// <param name="seed">The seed; the same seed gives the same data.</param>
    /// <param name="weights">The true weights, one per feature.</param>
    /// <param name="bias">The true bias.</param>
    public static TensorDataset LinearRegression(int count, int features, double noise, ulong seed, out float[] weights, out float bias)
    {
        CheckCount(count);
        ArgumentOutOfRangeException.ThrowIfLessThan(features, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(noise);
        var random = SplitMix64.ForStream(seed, RegressionStream);
        var w = new float[features];
        for (var f = 0; f < features; f++) w[f] = (float)random.NextNormal();
        var b = (float)random.NextNormal();
        (weights, bias) = (w, b);
        var x = Tensor.Empty([count, features]);
        var y = Tensor.Empty([count, 1]);
        try
        {
            var xs = new Span<float>((float*)x.DataPointer, checked(count * features));
            var ys = new Span<float>((float*)y.DataPointer, count);
            for (var i = 0; i < count; i++)
            {
                double target = b;
                for (var f = 0; f < features; f++)
                {
                    var value = (float)random.NextNormal();
                    xs[i * features + f] = value;
                    target += (double)value * w[f];
                }
                ys[i] = (float)(target + noise * random.NextNormal());
            }
            GC.KeepAlive(x);
            GC.KeepAlive(y);
        }
        catch
        {
            x.Dispose();
            y.Dispose();
            throw;
        }
        return TensorDataset.Owning(("features", x), ("targets", y));
    }

    /// <summary>
    /// A 784-pixel, 10-class stand-in for MNIST: each class has a fixed prototype image (pixels
    /// uniform in [0, 1), the same for every seed), and an example is its class's prototype plus
    /// normal noise of standard deviation <paramref name="noise"/> per pixel. Data sets drawn with
    /// different seeds are independent samples of the same problem (a training and a test set).
    /// Columns <c>images</c> <c>[784]</c> Float32 and <c>labels</c> <c>[]</c> Int64.
    /// </summary>
    /// <remarks>
    /// The default noise makes the problem learnable in seconds but not trivially: the nearest
    /// prototype is the right class for about 98% of examples, and a 784-256-10 MLP trained on 5,000
    /// examples reaches about 94% on fresh ones within a few epochs. With noise 1 it is all but
    /// separable.
    /// </remarks>
    public static TensorDataset Digits(int count, ulong seed = 0, double noise = 2.0)
    {
        CheckCount(count);
        ArgumentOutOfRangeException.ThrowIfNegative(noise);
        var prototypes = DigitPrototypes();
        var random = SplitMix64.ForStream(seed, DigitsStream);
        return Build(count, DigitPixels, "images", (x, labels) =>
        {
            for (var i = 0; i < count; i++)
            {
                var label = i % DigitClasses;
                labels[i] = label;
                var prototype = prototypes.AsSpan(label * DigitPixels, DigitPixels);
                var image = x.Slice(i * DigitPixels, DigitPixels);
                for (var p = 0; p < DigitPixels; p++) image[p] = (float)(prototype[p] + noise * random.NextNormal());
            }
        });
    }

    /// <summary>The ten prototype images of <see cref="Digits"/>, <c>[10, 784]</c>, row <c>k</c> for class <c>k</c>.</summary>
    public static Tensor DigitPrototypeImages() => Tensor.FromArray(DigitPrototypes(), DigitClasses, DigitPixels);

    private static float[] DigitPrototypes()
    {
        var random = new SplitMix64(DigitPrototypeSeed);
        var prototypes = new float[DigitClasses * DigitPixels];
        for (var i = 0; i < prototypes.Length; i++) prototypes[i] = (float)random.NextDouble();
        return prototypes;
    }

    private delegate void Fill(Span<float> features, Span<long> labels);

    /// <summary>A features/labels data set of <paramref name="count"/> examples, filled in place (no managed copy of the data).</summary>
    private static TensorDataset Build(int count, int width, string featuresName, Fill fill)
    {
        var x = Tensor.Empty([count, width]);
        var labels = Tensor.Empty([count], DType.Int64);
        try
        {
            fill(new Span<float>((float*)x.DataPointer, checked(count * width)), new Span<long>((long*)labels.DataPointer, count));
            GC.KeepAlive(x);
            GC.KeepAlive(labels);
        }
        catch
        {
            x.Dispose();
            labels.Dispose();
            throw;
        }
        return TensorDataset.Owning((featuresName, x), ("labels", labels));
    }

    private static void CheckCount(int count) => ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
}
