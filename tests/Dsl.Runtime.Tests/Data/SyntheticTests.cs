using Xunit;

namespace Dsl.Runtime.Tests.Data;

public sealed class SyntheticTests
{
    private static double[] Column(TensorDataset data, string name)
    {
        using var values = data[name];
        return Values.Of(values);
    }

    public static TheoryData<string> Generators => ["blobs", "spirals", "regression", "digits"];

    private static TensorDataset Make(string generator, ulong seed) => generator switch
    {
        "blobs" => Synthetic.Blobs(200, classes: 3, features: 4, seed: seed, spread: 0.5),
        "spirals" => Synthetic.Spirals(200, classes: 3, seed: seed),
        "regression" => Synthetic.LinearRegression(200, features: 5, noise: 0.1, seed: seed),
        "digits" => Synthetic.Digits(50, seed: seed),
        _ => throw new ArgumentOutOfRangeException(nameof(generator)),
    };

    [Theory]
    [MemberData(nameof(Generators))]
    public void The_same_seed_gives_identical_data_and_another_seed_different_data(string generator)
    {
        using var first = Make(generator, 17);
        using var again = Make(generator, 17);
        using var other = Make(generator, 18);

        foreach (var column in first.Columns)
        {
            Assert.Equal(Column(first, column.Name), Column(again, column.Name));
        }
        var features = first.Columns[0].Name;
        Assert.NotEqual(Column(first, features), Column(other, features));
    }

    [Fact]
    public void Blobs_have_balanced_classes_and_the_requested_spread_around_distinct_centres()
    {
        const int Count = 6000, Classes = 3, Features = 2;
        const double Spread = 0.5;
        using var data = Synthetic.Blobs(Count, Classes, Features, seed: 4, spread: Spread);
        var x = Column(data, "features");
        var y = Column(data, "labels");

        Assert.Equal(new DatasetColumn("features", [Features], DType.Float32), data.Columns[0]);
        Assert.Equal(Enumerable.Range(0, Count).Select(i => (double)(i % Classes)), y);
        var centres = new double[Classes, Features];
        for (var k = 0; k < Classes; k++)
        {
            for (var f = 0; f < Features; f++)
            {
                var values = Enumerable.Range(0, Count).Where(i => y[i] == k).Select(i => x[i * Features + f]).ToArray();
                var mean = values.Average();
                var std = Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (values.Length - 1));
                Assert.InRange(std, Spread * 0.95, Spread * 1.05); // 2000 samples: the estimate's error is about 1.6%
                Assert.InRange(mean, -10.1, 10.1);
                centres[k, f] = mean;
            }
        }
        for (var a = 0; a < Classes; a++)
        for (var b = a + 1; b < Classes; b++)
        {
            Assert.True(Math.Abs(centres[a, 0] - centres[b, 0]) + Math.Abs(centres[a, 1] - centres[b, 1]) > 0.1, "two blobs share a centre");
        }
    }

    [Fact]
    public void Spirals_without_noise_lie_exactly_on_their_arms()
    {
        const int Classes = 3;
        const double Turns = 1.25;
        using var data = Synthetic.Spirals(300, Classes, seed: 2, noise: 0, turns: Turns);
        var x = Column(data, "features");
        var y = Column(data, "labels");

        for (var i = 0; i < 300; i++)
        {
            double px = x[2 * i], py = x[2 * i + 1];
            var radius = Math.Sqrt(px * px + py * py);
            Assert.InRange(radius, 0, 1);
            if (radius < 1e-3) continue; // the angle of a point at the centre is not defined
            // On arm k, the angle is 2π(turns·r + k/classes), modulo a full turn.
            var expected = 2 * Math.PI * (Turns * radius + y[i] / Classes);
            var difference = Math.IEEERemainder(Math.Atan2(py, px) - expected, 2 * Math.PI);
            Assert.True(Math.Abs(difference) < 1e-4, $"example {i} is {difference} rad off its arm");
        }
    }

    [Fact]
    public void Linear_regression_data_fits_its_weights_by_least_squares_in_numpy()
    {
        using var folder = new TempFolder();
        using var data = Synthetic.LinearRegression(2000, features: 3, noise: 0.05, seed: 6, out var weights, out var bias);
        using (var features = data["features"]) Npy.Save(folder.File("x.npy"), features);
        using (var targets = data["targets"]) Npy.Save(folder.File("y.npy"), targets);

        var fit = Python.Run("""
            x = np.load('x.npy').astype(np.float64); y = np.load('y.npy').astype(np.float64)
            design = np.hstack([x, np.ones((len(x), 1))])
            coefficients, *_ = np.linalg.lstsq(design, y, rcond=None)
            report('coefficients', coefficients.reshape(-1))
            report('residual_std', np.std(y - design @ coefficients))
            """, folder.Path);

        Assert.Equal(new DatasetColumn("targets", [1], DType.Float32), data.Columns[1]);
        var coefficients = fit["coefficients"].Values;
        for (var f = 0; f < 3; f++) Assert.InRange(coefficients[f], weights[f] - 0.01, weights[f] + 0.01);
        Assert.InRange(coefficients[3], bias - 0.01, bias + 0.01);
        Assert.InRange(fit["residual_std"].Values[0], 0.045, 0.055);
    }

    [Fact]
    public void Digits_from_different_seeds_are_samples_of_one_problem_a_nearest_centroid_rule_solves()
    {
        using var train = Synthetic.Digits(2000, seed: 1);
        using var test = Synthetic.Digits(1000, seed: 2);
        Assert.Equal(new DatasetColumn("images", [784], DType.Float32), train.Columns[0]);
        Assert.Equal(new DatasetColumn("labels", Shape.Scalar, DType.Int64), train.Columns[1]);
        var x = Column(train, "images");
        var y = Column(train, "labels");

        // Class means of the training sample estimate the prototypes.
        var centroids = new double[10, 784];
        var counts = new int[10];
        for (var i = 0; i < 2000; i++)
        {
            var k = (int)y[i];
            counts[k]++;
            for (var p = 0; p < 784; p++) centroids[k, p] += x[i * 784 + p];
        }
        for (var k = 0; k < 10; k++) for (var p = 0; p < 784; p++) centroids[k, p] /= counts[k];
        using var prototypes = Synthetic.DigitPrototypeImages();
        var prototype = prototypes.ToArray<float>();
        for (var k = 0; k < 10; k++)
        for (var p = 0; p < 784; p++)
        {
            // 200 samples of noise 2 per class: the mean's standard error is 0.14; 6 of them bound all 7840.
            Assert.InRange(centroids[k, p], prototype[k * 784 + p] - 0.85, prototype[k * 784 + p] + 0.85);
        }

        var testX = Column(test, "images");
        var testY = Column(test, "labels");
        int Nearest(int i, Func<int, int, double> centre)
        {
            var best = -1;
            var bestDistance = double.MaxValue;
            for (var k = 0; k < 10; k++)
            {
                double distance = 0;
                for (var p = 0; p < 784; p++) distance += Math.Pow(testX[i * 784 + p] - centre(k, p), 2);
                if (distance < bestDistance) (best, bestDistance) = (k, distance);
            }
            return best;
        }
        var byCentroid = Enumerable.Range(0, 1000).Count(i => Nearest(i, (k, p) => centroids[k, p]) == (int)testY[i]);
        var byPrototype = Enumerable.Range(0, 1000).Count(i => Nearest(i, (k, p) => prototype[k * 784 + p]) == (int)testY[i]);

        // Learnable from a sample of another seed, and (with the default noise) not trivially separable.
        Assert.True(byCentroid >= 930, $"nearest centroid classified {byCentroid} of 1000 test digits correctly");
        Assert.InRange(byPrototype, 950, 995);
    }

    [Fact]
    public void Invalid_sizes_are_errors()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Synthetic.Blobs(0, 2, 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => Synthetic.Blobs(10, 0, 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => Synthetic.Spirals(10, 2, noise: -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => Synthetic.LinearRegression(10, 0));
    }
}
