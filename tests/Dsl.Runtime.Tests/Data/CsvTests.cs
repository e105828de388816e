using Xunit;

namespace Dsl.Runtime.Tests.Data;

public sealed class CsvTests
{
    [Fact]
    public void Features_and_a_class_label_load_from_a_file_python_writes()
    {
        using var folder = new TempFolder();
        var expected = Python.Run("""
            import csv
            rng = np.random.default_rng(8)
            x = rng.standard_normal((20, 3)).astype(np.float32)
            y = rng.integers(0, 4, 20)
            with open('data.csv', 'w', newline='') as f:
                w = csv.writer(f)
                w.writerow(['a', 'label', 'b', 'c'])
                for row, label in zip(x, y):
                    w.writerow([repr(float(row[0])), int(label), repr(float(row[1])), repr(float(row[2]))])
            report('x', x); report('y', y)
            """, folder.Path);

        using var data = Csv.Load(folder.File("data.csv"), new CsvOptions { Label = "label" });

        Assert.Equal(new DatasetColumn("features", [3], DType.Float32), data.Columns[0]);
        Assert.Equal(new DatasetColumn("labels", Shape.Scalar, DType.Int64), data.Columns[1]);
        using var features = data["features"];
        using var labels = data["labels"];
        Values.Equal(expected["x"], features, "features");
        Values.Equal(expected["y"], labels, "labels");
    }

    [Fact]
    public void Float_targets_chosen_features_and_float64_read_as_asked()
    {
        using var folder = new TempFolder();
        var expected = Python.Run("""
            rng = np.random.default_rng(1)
            table = rng.standard_normal((15, 4))
            np.savetxt('table.csv', table, delimiter=',', header='w,x,y,z', comments='', fmt='%.17g')
            report('features', table[:, [2, 0]]); report('targets', table[:, 3:4].astype(np.float32))
            """, folder.Path);

        using var data = Csv.Load(folder.File("table.csv"), new CsvOptions
        {
            Features = ["y", "w"],
            Label = "z",
            LabelKind = CsvLabelKind.Float,
            FeatureDType = DType.Float64,
        });

        Assert.Equal(new DatasetColumn("features", [2], DType.Float64), data.Columns[0]);
        Assert.Equal(new DatasetColumn("targets", [1], DType.Float32), data.Columns[1]);
        using var features = data["features"];
        using var targets = data["targets"];
        Values.Equal(expected["features"], features, "features");
        Values.Equal(expected["targets"], targets, "targets");
    }

    [Fact]
    public void Class_names_quoted_fields_and_another_separator_are_read()
    {
        using var folder = new TempFolder();
        var path = folder.File("iris.csv");
        File.WriteAllText(path, """
            "sepal length";"petal width";species
            5.1;0.2;setosa
            "7.0";1.4;versicolor

            6.3;2.5;"virginica"
            """);

        using var data = Csv.Load(path, new CsvOptions
        {
            Label = "species",
            ClassNames = ["setosa", "versicolor", "virginica"],
            Delimiter = ';',
            FeaturesColumn = "measurements",
            LabelColumn = "species",
        });

        using var measurements = data["measurements"];
        using var species = data["species"];
        Assert.Equal(new float[] { 5.1f, 0.2f, 7.0f, 1.4f, 6.3f, 2.5f }, measurements.ToArray<float>());
        Assert.Equal(new long[] { 0, 1, 2 }, species.ToArray<long>());
    }

    [Fact]
    public void Float32_features_are_rounded_once_from_the_text()
    {
        // 1.000000059604644775390625 is exactly halfway between the floats 1 and 1 + 2^-23, and is a
        // double. The text lies just above it: parsed as a float it rounds up; parsed as a double it
        // becomes the midpoint itself, which then rounds to even (down, to 1).
        using var folder = new TempFolder();
        var path = folder.File("rounding.csv");
        File.WriteAllText(path, "x\n1.000000059604644775390625000001\n");
        var direct = float.Parse("1.000000059604644775390625000001", System.Globalization.CultureInfo.InvariantCulture);

        using var data = Csv.Load(path);
        using var x = data["features"];

        Assert.Equal(1.00000012f, direct);
        Assert.Equal(direct, x.ToArray<float>()[0]);
    }

    [Fact]
    public void A_value_that_is_not_a_number_names_the_file_line_and_column()
    {
        using var folder = new TempFolder();
        var path = folder.File("bad.csv");
        File.WriteAllText(path, "a,b,label\n1,2,0\n3,four,1\n");

        var error = Assert.Throws<InvalidDataException>(() => Csv.Load(path, new CsvOptions { Label = "label" }));

        Assert.Equal($"{path} line 3, column 'b': 'four' is not a number.", error.Message);
    }

    [Fact]
    public void A_missing_column_lists_the_header()
    {
        using var folder = new TempFolder();
        var path = folder.File("data.csv");
        File.WriteAllText(path, "a,b,label\n1,2,0\n");

        var error = Assert.Throws<InvalidDataException>(() => Csv.Load(path, new CsvOptions { Label = "class" }));

        Assert.Equal($"{path}: there is no column 'class'; the header has 'a', 'b', 'label'.", error.Message);
    }

    [Fact]
    public void A_ragged_row_names_the_line_and_both_field_counts()
    {
        using var folder = new TempFolder();
        var path = folder.File("ragged.csv");
        File.WriteAllText(path, "a,b,c\n1,2,3\n4,5,6\n7,8\n");

        var error = Assert.Throws<InvalidDataException>(() => Csv.Load(path));

        Assert.Equal($"{path} line 4: the row has 2 fields but the header has 3.", error.Message);
    }

    [Fact]
    public void Bad_class_labels_nan_and_empty_files_are_errors()
    {
        using var folder = new TempFolder();
        var fraction = folder.File("fraction.csv");
        File.WriteAllText(fraction, "x,y\n1,0\n2,1.5\n");
        var unknownName = folder.File("names.csv");
        File.WriteAllText(unknownName, "x,y\n1,cat\n2,cow\n");
        var nan = folder.File("nan.csv");
        File.WriteAllText(nan, "x,y\n1,0\nNaN,1\n");
        var headerOnly = folder.File("header.csv");
        File.WriteAllText(headerOnly, "x,y\n");
        var empty = folder.File("empty.csv");
        File.WriteAllText(empty, "");

        Assert.Contains("line 3, column 'y': '1.5' is not a class index",
            Assert.Throws<InvalidDataException>(() => Csv.Load(fraction, new CsvOptions { Label = "y" })).Message);
        Assert.Contains("line 3, column 'y': 'cow' is not one of the class names 'cat', 'dog'",
            Assert.Throws<InvalidDataException>(() => Csv.Load(unknownName, new CsvOptions { Label = "y", ClassNames = ["cat", "dog"] })).Message);
        Assert.Contains("line 3, column 'x': NaN is not a finite Single",
            Assert.Throws<InvalidDataException>(() => Csv.Load(nan, new CsvOptions { Label = "y" })).Message);
        Assert.Contains("no data rows", Assert.Throws<InvalidDataException>(() => Csv.Load(headerOnly)).Message);
        Assert.Contains("header row is needed", Assert.Throws<InvalidDataException>(() => Csv.Load(empty)).Message);
        Assert.Throws<FileNotFoundException>(() => Csv.Load(folder.File("missing.csv")));
    }

    [Fact]
    public void Non_finite_values_load_when_allowed()
    {
        using var folder = new TempFolder();
        var path = folder.File("nan.csv");
        File.WriteAllText(path, "x\nNaN\nInfinity\n-1\n");

        using var data = Csv.Load(path, new CsvOptions { AllowNonFinite = true });
        using var x = data["features"];

        Assert.Equal(new[] { float.NaN, float.PositiveInfinity, -1f }, x.ToArray<float>());
    }
}
