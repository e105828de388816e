using System.Globalization;
using System.Text.Json;
using Xunit;

namespace Dsl.Runtime.Tests.Training;

/// <summary>A fresh folder under the system's temporary folder, deleted afterwards.</summary>
internal sealed class TemporaryFolder : IDisposable
{
    public TemporaryFolder() => Directory.CreateDirectory(Path);

    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "dsl-tests-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); }
        catch (IOException) { } // left for the OS to clean; never fails a test
    }
}

public sealed class RunFolderTests
{
    private static readonly Dictionary<string, string> Configuration = new()
    {
        ["experiment"] = "DigitClassifier",
        ["optimizer.learning_rate"] = "0.001",
        ["batch_size"] = "64",
    };

    /// <summary>The file as another process would read it while the run still has it open.</summary>
    private static string ReadShared(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        return new StreamReader(stream).ReadToEnd();
    }

    [Fact]
    public void Create_makes_the_folder_and_writes_the_configuration_in_order()
    {
        using var temp = new TemporaryFolder();
        var path = Path.Combine(temp.Path, "runs", "first");
        using var run = RunFolder.Create(path, Configuration);

        Assert.True(Directory.Exists(Path.Combine(path, "checkpoints")));
        Assert.Equal(Path.Combine(path, "checkpoints", "latest.safetensors"), run.LatestCheckpoint);
        Assert.Equal(Path.Combine(path, "checkpoints", "best.safetensors"), run.BestCheckpoint);
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(path, "config.json")));
        Assert.Equal(
            [("experiment", "DigitClassifier"), ("optimizer.learning_rate", "0.001"), ("batch_size", "64")],
            json.RootElement.EnumerateObject().Select(p => (p.Name, p.Value.GetString())));
    }

    [Fact]
    public void Log_writes_a_header_and_one_flushed_row_per_call()
    {
        using var temp = new TemporaryFolder();
        using var run = RunFolder.Create(temp.Path, Configuration);
        run.Log(1, 1, new Dictionary<string, double> { ["train.loss"] = 0.5 });
        run.Log(2, 1, new Dictionary<string, double> { ["train.loss"] = 0.25 });

        // Still open: the rows must already be in the file, as a killed run would leave it.
        Assert.Equal("step,epoch,train.loss\n1,1,0.5\n2,1,0.25\n", ReadShared(run.MetricsPath));
    }

    [Fact]
    public void A_new_metric_widens_the_header_and_earlier_rows_get_empty_cells()
    {
        using var temp = new TemporaryFolder();
        using var run = RunFolder.Create(temp.Path, Configuration);
        run.Log(1, 1, new Dictionary<string, double> { ["train.loss"] = 0.5 });
        run.Log(2, 1, new Dictionary<string, double> { ["train.loss"] = 0.25 });
        run.Log(2, 1, new Dictionary<string, double> { ["valid.loss"] = 0.75, ["valid.accuracy"] = 0.5 });
        run.Log(3, 2, new Dictionary<string, double> { ["train.loss"] = 0.125 });

        Assert.Equal(
            "step,epoch,train.loss,valid.loss,valid.accuracy\n" +
            "1,1,0.5,,\n" +
            "2,1,0.25,,\n" +
            "2,1,,0.75,0.5\n" +
            "3,2,0.125,,\n",
            ReadShared(run.MetricsPath));
        Assert.False(File.Exists(run.MetricsPath + ".tmp"));
    }

    [Fact]
    public void Values_round_trip_exactly_with_the_invariant_culture_whatever_the_current_culture()
    {
        double[] values = [0.1, 1.0 / 3, 1e-300, double.Epsilon, -0.0, 123456789.125, double.MaxValue, double.NaN, double.PositiveInfinity, double.NegativeInfinity];
        using var temp = new TemporaryFolder();
        var saved = CultureInfo.CurrentCulture;
        try
        {
            CultureInfo.CurrentCulture = CultureInfo.GetCultureInfo("de-DE"); // decimal comma
            using (var run = RunFolder.Create(temp.Path, Configuration))
                for (var i = 0; i < values.Length; i++)
                    run.Log(i + 1, 1, new Dictionary<string, double> { ["x"] = values[i] });

            var lines = File.ReadAllLines(Path.Combine(temp.Path, "metrics.csv"));
            Assert.Equal("1,1,0.1", lines[1]);
            Assert.Equal("6,1,123456789.125", lines[6]);
            Assert.Equal(["8,1,NaN", "9,1,Infinity", "10,1,-Infinity"], lines[8..]);

            using var opened = RunFolder.Open(temp.Path);
            var read = opened.History.Series("x").Select(p => p.Value).ToArray();
            Assert.Equal(values.Select(BitConverter.DoubleToInt64Bits), read.Select(BitConverter.DoubleToInt64Bits));
        }
        finally
        {
            CultureInfo.CurrentCulture = saved;
        }
    }

    [Fact]
    public void Open_reads_back_the_configuration_and_every_logged_value_then_appends()
    {
        using var temp = new TemporaryFolder();
        using (var run = RunFolder.Create(temp.Path, Configuration))
        {
            run.Log(10, 1, new Dictionary<string, double> { ["train.loss"] = 2.0 });
            run.Log(20, 1, new Dictionary<string, double> { ["train.loss"] = 1.5, ["valid.loss"] = 1.75 });
            run.Log(30, 2, new Dictionary<string, double> { ["train.loss"] = 1.0 });
        }

        using var opened = RunFolder.Open(temp.Path);
        Assert.Equal(Configuration.ToList(), opened.Configuration.ToList());
        Assert.Equal(["train.loss", "valid.loss"], opened.History.Names);
        Assert.Equal([new MetricPoint(10, 1, 2.0), new MetricPoint(20, 1, 1.5), new MetricPoint(30, 2, 1.0)], opened.History.Series("train.loss"));
        Assert.Equal([new MetricPoint(20, 1, 1.75)], opened.History.Series("valid.loss"));

        opened.Log(40, 2, new Dictionary<string, double> { ["valid.loss"] = 1.25 });
        Assert.Equal("step,epoch,train.loss,valid.loss\n10,1,2,\n20,1,1.5,1.75\n30,2,1,\n40,2,,1.25\n", ReadShared(opened.MetricsPath));
    }

    [Fact]
    public void Metric_names_with_commas_and_quotes_are_quoted_and_read_back()
    {
        using var temp = new TemporaryFolder();
        using (var run = RunFolder.Create(temp.Path, Configuration))
            run.Log(1, 1, new Dictionary<string, double> { ["f1,macro"] = 0.5, ["say \"hi\""] = 1 });

        Assert.Equal("step,epoch,\"f1,macro\",\"say \"\"hi\"\"\"", File.ReadAllLines(Path.Combine(temp.Path, "metrics.csv"))[0]);
        using var opened = RunFolder.Open(temp.Path);
        Assert.Equal(["f1,macro", "say \"hi\""], opened.History.Names);
    }

    [Fact]
    public void DiscardAfter_drops_the_rows_a_resumed_run_will_log_again()
    {
        using var temp = new TemporaryFolder();
        using (var run = RunFolder.Create(temp.Path, Configuration))
            for (var step = 1; step <= 5; step++)
                run.Log(step, 1, new Dictionary<string, double> { ["train.loss"] = 1.0 / step });

        using var opened = RunFolder.Open(temp.Path);
        Assert.Equal(2, opened.DiscardAfter(3));
        Assert.Equal([1L, 2L, 3L], opened.History.Series("train.loss").Select(p => p.Step));
        opened.Log(4, 1, new Dictionary<string, double> { ["train.loss"] = 0.2 });
        Assert.Equal("step,epoch,train.loss\n1,1,1\n2,1,0.5\n3,1,0.3333333333333333\n4,1,0.2\n", ReadShared(opened.MetricsPath));
    }

    [Fact]
    public void Create_refuses_a_folder_that_holds_a_run_and_overwrites_nothing()
    {
        using var temp = new TemporaryFolder();
        using (var run = RunFolder.Create(temp.Path, Configuration))
            run.Log(1, 1, new Dictionary<string, double> { ["train.loss"] = 0.5 });
        var metricsBefore = File.ReadAllText(Path.Combine(temp.Path, "metrics.csv"));
        var configBefore = File.ReadAllText(Path.Combine(temp.Path, "config.json"));

        var changed = new Dictionary<string, string>(Configuration) { ["optimizer.learning_rate"] = "0.01" };
        var e = Assert.Throws<InvalidOperationException>(() => RunFolder.Create(temp.Path, changed));
        Assert.Contains("already holds a different run", e.Message);
        Assert.Contains("optimizer.learning_rate: 0.001 -> 0.01", e.Message);
        Assert.Contains("RunFolder.Open", e.Message);

        var same = Assert.Throws<InvalidOperationException>(() => RunFolder.Create(temp.Path, Configuration));
        Assert.Contains("already holds a run with the same configuration", same.Message);

        Assert.Equal(metricsBefore, File.ReadAllText(Path.Combine(temp.Path, "metrics.csv")));
        Assert.Equal(configBefore, File.ReadAllText(Path.Combine(temp.Path, "config.json")));
    }

    [Fact]
    public void Open_says_what_is_wrong_with_a_folder_that_is_not_a_run()
    {
        using var temp = new TemporaryFolder();
        var missing = Assert.Throws<DirectoryNotFoundException>(() => RunFolder.Open(Path.Combine(temp.Path, "nope")));
        Assert.Contains("no such folder", missing.Message);
        var notRun = Assert.Throws<FileNotFoundException>(() => RunFolder.Open(temp.Path));
        Assert.Contains("is not a run folder: it has no config.json", notRun.Message);

        File.WriteAllText(Path.Combine(temp.Path, "config.json"), "{\"epochs\": 10}");
        var badConfig = Assert.Throws<FormatException>(() => RunFolder.Open(temp.Path));
        Assert.Contains("the value of 'epochs' should be a string, found a Number (10)", badConfig.Message);
    }

    [Fact]
    public void A_damaged_metrics_file_is_reported_by_file_line_and_column()
    {
        using var temp = new TemporaryFolder();
        RunFolder.Create(temp.Path, Configuration).Dispose();
        var metrics = Path.Combine(temp.Path, "metrics.csv");

        File.WriteAllText(metrics, "step,epoch,train.loss\n1,1,0.5\n2,1,zero\n");
        var bad = Assert.Throws<FormatException>(() => RunFolder.Open(temp.Path));
        Assert.Contains($"{metrics} line 3, column 'train.loss': 'zero' is not a number", bad.Message);

        File.WriteAllText(metrics, "step,epoch,train.loss\n1,1,0.5\n2,1\n");
        var short_ = Assert.Throws<FormatException>(() => RunFolder.Open(temp.Path));
        Assert.Contains("line 3: expected 3 fields (step,epoch,train.loss) but found 2", short_.Message);

        File.WriteAllText(metrics, "epoch,step,loss\n");
        var header = Assert.Throws<FormatException>(() => RunFolder.Open(temp.Path));
        Assert.Contains("line 1: expected a header starting with 'step,epoch'", header.Message);
    }

    [Fact]
    public void Reserved_or_malformed_metric_names_are_refused_and_change_nothing()
    {
        using var temp = new TemporaryFolder();
        using var run = RunFolder.Create(temp.Path, Configuration);
        run.Log(1, 1, new Dictionary<string, double> { ["train.loss"] = 0.5 });

        var reserved = Assert.Throws<ArgumentException>(() => run.Log(2, 1, new Dictionary<string, double> { ["valid.loss"] = 1, ["Step"] = 2 }));
        Assert.Contains("'Step' cannot be a metric name", reserved.Message);
        var control = Assert.Throws<ArgumentException>(() => run.Log(2, 1, new Dictionary<string, double> { ["a\nb"] = 1 }));
        Assert.Contains("control character (U+000A)", control.Message);

        Assert.Equal(["train.loss"], run.History.Names);
        Assert.Equal("step,epoch,train.loss\n1,1,0.5\n", ReadShared(run.MetricsPath));
    }

    [Fact]
    public void WriteReport_writes_a_report_that_names_the_run()
    {
        using var temp = new TemporaryFolder();
        using var run = RunFolder.Create(Path.Combine(temp.Path, "mnist-adam"), Configuration);
        run.Log(1, 1, new Dictionary<string, double> { ["train.loss"] = 0.5 });
        var path = run.WriteReport();
        Assert.Equal(Path.Combine(temp.Path, "mnist-adam", "report.html"), path);
        var html = File.ReadAllText(path);
        Assert.Contains("<title>mnist-adam</title>", html);
        Assert.Contains("DigitClassifier", html);
    }
}

public sealed class MetricHistoryTests
{
    [Fact]
    public void Series_keep_logging_order_and_names_keep_first_use_order()
    {
        var history = new MetricHistory();
        history.Add("valid.loss", 10, 1, 0.9);
        history.Add("train.loss", 5, 1, 1.2);
        history.Add("valid.loss", 20, 2, 0.7);
        Assert.Equal(["valid.loss", "train.loss"], history.Names);
        Assert.Equal([new MetricPoint(10, 1, 0.9), new MetricPoint(20, 2, 0.7)], history.Series("valid.loss"));
        Assert.Equal(new MetricPoint(20, 2, 0.7), history.Last("valid.loss"));
    }

    [Fact]
    public void Best_skips_NaN_and_infinities_and_takes_the_earliest_of_equals()
    {
        var history = new MetricHistory();
        double[] losses = [0.9, double.NaN, 0.4, double.NegativeInfinity, 0.4, 0.6];
        for (var i = 0; i < losses.Length; i++) history.Add("valid.loss", i + 1, i + 1, losses[i]);
        Assert.Equal(new MetricPoint(3, 3, 0.4), history.Best("valid.loss", lowerIsBetter: true));
        Assert.Equal(new MetricPoint(1, 1, 0.9), history.Best("valid.loss", lowerIsBetter: false));

        history.Add("diverged", 1, 1, double.NaN);
        Assert.Null(history.Best("diverged", lowerIsBetter: true));
    }

    [Fact]
    public void Best_by_name_guesses_the_direction()
    {
        var history = new MetricHistory();
        history.Add("valid.accuracy", 1, 1, 0.8);
        history.Add("valid.accuracy", 2, 2, 0.9);
        history.Add("valid.loss", 1, 1, 0.3);
        history.Add("valid.loss", 2, 2, 0.5);
        Assert.Equal(0.9, history.Best("valid.accuracy")!.Value.Value);
        Assert.Equal(0.3, history.Best("valid.loss")!.Value.Value);
        Assert.True(MetricHistory.LowerIsBetter("train.loss"));
        Assert.True(MetricHistory.LowerIsBetter("valid.perplexity"));
        Assert.False(MetricHistory.LowerIsBetter("valid.top5_accuracy"));
        Assert.False(MetricHistory.LowerIsBetter("f1"));
    }

    [Fact]
    public void An_unknown_name_lists_the_names_there_are()
    {
        var history = new MetricHistory();
        history.Add("train.loss", 1, 1, 1);
        var e = Assert.Throws<KeyNotFoundException>(() => history.Series("valid.loss"));
        Assert.Contains("No metric named 'valid.loss' was logged; the history has: train.loss.", e.Message);
    }
}
