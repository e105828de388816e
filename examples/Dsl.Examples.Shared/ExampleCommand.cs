using System.CommandLine;
using System.Globalization;

namespace Dsl.Examples;

/// <summary>An example's defaults for the shared options.</summary>
public sealed record ExampleDefaults(int Epochs, int BatchSize, double LearningRate, ulong Seed = 0);

/// <summary>The shared options as parsed: what every example trains with.</summary>
public sealed record ExampleSettings(int Epochs, int BatchSize, double LearningRate, ulong Seed, string RunFolder, bool Resume, bool Quiet, long CheckpointEvery)
{
    /// <summary>FitOptions from the settings: epochs, batch size, seed, the run folder, resume, quiet, checkpoint cadence.</summary>
    public FitOptions FitOptions(IReadOnlyDictionary<string, string>? configuration = null) => new()
    {
        Epochs = Epochs,
        BatchSize = BatchSize,
        Seed = Seed,
        RunFolder = RunFolder,
        Resume = Resume,
        Verbosity = Quiet ? FitVerbosity.Epochs : FitVerbosity.Steps,
        CheckpointEverySteps = CheckpointEvery,
        Configuration = new Dictionary<string, string>(configuration ?? new Dictionary<string, string>())
        {
            ["learning rate"] = LearningRate.ToString("G6", CultureInfo.InvariantCulture),
        },
    };
}

/// <summary>
/// The command line every example accepts: <c>--epochs</c>, <c>--batch-size</c>, <c>--lr</c>,
/// <c>--seed</c>, <c>--out</c>, <c>--resume</c>, <c>--quiet</c> (and <c>--checkpoint-every</c>), with
/// <c>--help</c> from System.CommandLine.
/// </summary>
public static class ExampleCommand
{
    /// <summary>Parses <paramref name="args"/> and runs <paramref name="body"/> with the settings; returns the exit code.</summary>
    public static int Run(string[] args, string name, string description, ExampleDefaults defaults, Func<ExampleSettings, int> body)
    {
        var epochs = new Option<int>("--epochs") { Description = "Passes over the training data", DefaultValueFactory = _ => defaults.Epochs };
        var batchSize = new Option<int>("--batch-size") { Description = "Examples per step", DefaultValueFactory = _ => defaults.BatchSize };
        var learningRate = new Option<double>("--lr") { Description = "Learning rate of the update rule", DefaultValueFactory = _ => defaults.LearningRate };
        var seed = new Option<ulong>("--seed") { Description = "Seeds the data, the initialization and the shuffling", DefaultValueFactory = _ => defaults.Seed };
        var output = new Option<string?>("--out") { Description = "Run folder (config.json, metrics.csv, checkpoints, report.html); default runs/" + name + "-<time>" };
        var resume = new Option<bool>("--resume") { Description = "Continue the run in --out from its latest checkpoint" };
        var quiet = new Option<bool>("--quiet") { Description = "Only epoch lines and the summary" };
        var checkpointEvery = new Option<long>("--checkpoint-every") { Description = "Also write the latest checkpoint every N steps (0: at epoch ends)" };
        epochs.Validators.Add(r => { if (r.GetValueOrDefault<int>() < 1) r.AddError("--epochs must be at least 1"); });
        batchSize.Validators.Add(r => { if (r.GetValueOrDefault<int>() < 1) r.AddError("--batch-size must be at least 1"); });
        learningRate.Validators.Add(r => { if (!(r.GetValueOrDefault<double>() > 0)) r.AddError("--lr must be positive"); });

        var command = new RootCommand(description) { epochs, batchSize, learningRate, seed, output, resume, quiet, checkpointEvery };
        command.Validators.Add(r =>
        {
            if (r.GetValue(resume) && r.GetValue(output) is null) r.AddError("--resume needs --out (the run folder to continue)");
        });
        command.SetAction(parse =>
        {
            var folder = parse.GetValue(output)
                ?? Path.Combine("runs", name + "-" + DateTime.Now.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture));
            var settings = new ExampleSettings(parse.GetValue(epochs), parse.GetValue(batchSize), parse.GetValue(learningRate), parse.GetValue(seed),
                folder, parse.GetValue(resume), parse.GetValue(quiet), parse.GetValue(checkpointEvery));
            return body(settings);
        });
        return command.Parse(args).Invoke();
    }
}
