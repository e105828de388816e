using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Dsl.Training;

namespace Dsl;

/// <summary>
/// The folder one training run writes to:
/// <code>
/// &lt;path&gt;/config.json                     the run's configuration (name → value), written once
/// &lt;path&gt;/metrics.csv                     every logged value: step,epoch,&lt;metric&gt;... one row per Log call
/// &lt;path&gt;/checkpoints/latest.safetensors  the checkpoint to resume from
/// &lt;path&gt;/checkpoints/best.safetensors    the checkpoint with the best monitored metric
/// &lt;path&gt;/report.html                     charts and tables, self-contained (WriteReport)
/// </code>
/// Each metrics row is flushed as it is logged, so a run that is killed keeps its log up to
/// its last step; config.json, report.html and a widened metrics.csv are written to a temporary
/// file first and then moved into place, so a reader never sees half a file.
/// <c>&lt;path&gt;/run.lock</c> (the process id of its owner) is held from Create or Open to Dispose:
/// a second run in the same folder is refused with an <see cref="InvalidOperationException"/>.
/// </summary>
public sealed class RunFolder : IDisposable
{
    private const string ConfigurationFile = "config.json";
    private const string MetricsFile = "metrics.csv";
    private const string ReportFile = "report.html";
    private const string CheckpointsFolder = "checkpoints";

    private readonly OrderedDictionary<string, string> _configuration;
    private readonly List<string> _columns;
    private readonly Dictionary<string, int> _columnIndex = new(StringComparer.Ordinal);
    private readonly List<MetricsCsv.Row> _rows;
    private readonly StringBuilder _line = new(256);
    private readonly RunLock? _lock;
    private StreamWriter? _metrics;
    private bool _disposed;

    private RunFolder(string path, OrderedDictionary<string, string> configuration, List<string> columns, List<MetricsCsv.Row> rows, RunLock? runLock)
    {
        _lock = runLock;
        Path = path;
        _configuration = configuration;
        _columns = columns;
        _rows = rows;
        for (var i = 0; i < columns.Count; i++) _columnIndex.Add(columns[i], i);
        foreach (var row in rows) AddToHistory(row);
    }

    /// <summary>The folder, as a full path.</summary>
    public string Path { get; }

    /// <summary>The run's configuration, in the order it was given.</summary>
    public IReadOnlyDictionary<string, string> Configuration => _configuration;

    /// <summary>Every value logged so far (for an opened run: those read back from metrics.csv too).</summary>
    public MetricHistory History { get; } = new();

    /// <summary><c>&lt;path&gt;/config.json</c>.</summary>
    public string ConfigurationPath => System.IO.Path.Combine(Path, ConfigurationFile);

    /// <summary><c>&lt;path&gt;/metrics.csv</c>.</summary>
    public string MetricsPath => System.IO.Path.Combine(Path, MetricsFile);

    /// <summary><c>&lt;path&gt;/report.html</c>.</summary>
    public string ReportPath => System.IO.Path.Combine(Path, ReportFile);

    /// <summary><c>&lt;path&gt;/checkpoints</c> (created with the folder).</summary>
    public string CheckpointsPath => System.IO.Path.Combine(Path, CheckpointsFolder);

    /// <summary><c>&lt;path&gt;/checkpoints/latest.safetensors</c>: the checkpoint a resumed run starts from.</summary>
    public string LatestCheckpoint => System.IO.Path.Combine(CheckpointsPath, "latest.safetensors");

    /// <summary><c>&lt;path&gt;/checkpoints/best.safetensors</c>: the checkpoint with the best monitored metric.</summary>
    public string BestCheckpoint => System.IO.Path.Combine(CheckpointsPath, "best.safetensors");

    /// <summary>
    /// Creates the folder for a new run (parent folders too) and writes config.json.
    /// </summary>
    /// <exception cref="InvalidOperationException">The folder already holds a run (a config.json,
    /// metrics.csv or checkpoint): nothing is overwritten; open it with <see cref="Open"/> to
    /// resume, or choose another folder.</exception>
    public static RunFolder Create(string path, IReadOnlyDictionary<string, string> configuration)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(configuration);
        var fullPath = System.IO.Path.GetFullPath(path);
        var ordered = new OrderedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in configuration)
        {
            ArgumentNullException.ThrowIfNull(value, $"configuration[\"{key}\"]");
            ordered.Add(key, value);
        }

        ThrowIfHoldsRun(fullPath, ordered);
        Directory.CreateDirectory(fullPath);
        // The lock decides which of two runs starting together gets the folder; the other is refused.
        var runLock = RunLock.Acquire(fullPath, skipIfNotWritable: false);
        try
        {
            ThrowIfHoldsRun(fullPath, ordered); // again, under the lock: a run may have finished creating it meanwhile
            Directory.CreateDirectory(System.IO.Path.Combine(fullPath, CheckpointsFolder));
            WriteAtomically(System.IO.Path.Combine(fullPath, ConfigurationFile), ConfigurationJson(ordered));
            return new RunFolder(fullPath, ordered, [], [], runLock);
        }
        catch
        {
            runLock?.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Opens an existing run to resume it: reads config.json and metrics.csv back (into
    /// <see cref="Configuration"/> and <see cref="History"/>); later <see cref="Log"/> calls append.
    /// </summary>
    /// <exception cref="DirectoryNotFoundException">There is no such folder.</exception>
    /// <exception cref="FileNotFoundException">The folder has no config.json (it is not a run folder).</exception>
    /// <exception cref="FormatException">config.json or metrics.csv is damaged; the message names the file, line and column.</exception>
    public static RunFolder Open(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var fullPath = System.IO.Path.GetFullPath(path);
        if (!Directory.Exists(fullPath))
            throw new DirectoryNotFoundException($"Cannot resume from '{fullPath}': there is no such folder.");
        var configurationPath = System.IO.Path.Combine(fullPath, ConfigurationFile);
        if (!File.Exists(configurationPath))
            throw new FileNotFoundException($"'{fullPath}' is not a run folder: it has no {ConfigurationFile}.", configurationPath);

        var runLock = RunLock.Acquire(fullPath, skipIfNotWritable: true);
        try
        {
            var configuration = ReadConfiguration(configurationPath);
            var metricsPath = System.IO.Path.Combine(fullPath, MetricsFile);
            var (columns, rows) = File.Exists(metricsPath) ? MetricsCsv.Read(metricsPath) : ([], []);
            Directory.CreateDirectory(System.IO.Path.Combine(fullPath, CheckpointsFolder));
            return new RunFolder(fullPath, configuration, columns, rows, runLock);
        }
        catch
        {
            runLock?.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Logs the values taken at one step: appends them to <see cref="History"/> and a row to
    /// metrics.csv (flushed at once). A metric name not seen before widens the header, and the
    /// file is rewritten with the new column (earlier rows get an empty cell).
    /// </summary>
    /// <exception cref="ArgumentException">A metric name is empty, has a control character, or is "step" or "epoch".</exception>
    public void Log(long step, int epoch, IReadOnlyDictionary<string, double> metrics)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (step < 0) throw new ArgumentOutOfRangeException(nameof(step), step, "A step count cannot be negative.");
        if (epoch < 0) throw new ArgumentOutOfRangeException(nameof(epoch), epoch, "An epoch number cannot be negative (0 is for values taken before training).");
        if (metrics.Count == 0) return;

        // Check every new name before taking any, so a bad one leaves the folder as it was.
        List<string>? newNames = null;
        foreach (var name in metrics.Keys)
        {
            if (_columnIndex.ContainsKey(name)) continue;
            MetricHistory.ValidateName(name);
            if (name.Equals(MetricsCsv.StepColumn, StringComparison.OrdinalIgnoreCase) || name.Equals(MetricsCsv.EpochColumn, StringComparison.OrdinalIgnoreCase))
                throw new ArgumentException($"'{name}' cannot be a metric name: metrics.csv uses it for its own column.", nameof(metrics));
            (newNames ??= []).Add(name);
        }
        foreach (var name in newNames ?? [])
        {
            _columnIndex.Add(name, _columns.Count);
            _columns.Add(name);
        }

        var values = new double?[_columns.Count];
        foreach (var (name, value) in metrics) values[_columnIndex[name]] = value;
        var row = new MetricsCsv.Row(step, epoch, values);
        _rows.Add(row);
        AddToHistory(row);

        if (newNames is not null) RewriteMetrics();
        else AppendMetricsRow(row);
    }

    /// <summary>
    /// Forgets every row logged after <paramref name="step"/> (in <see cref="History"/> and
    /// metrics.csv). A resumed run calls it with its checkpoint's step, so the steps it trains
    /// again are not logged twice.
    /// </summary>
    /// <returns>How many rows were removed.</returns>
    public int DiscardAfter(long step)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var removed = _rows.RemoveAll(row => row.Step > step);
        if (removed == 0) return 0;
        History.Clear();
        foreach (var row in _rows) AddToHistory(row);
        RewriteMetrics();
        return removed;
    }

    /// <summary>Writes report.html (see <see cref="HtmlReport"/>) and returns its path.</summary>
    /// <param name="title">The report's title; the folder's name by default.</param>
    /// <param name="notes">Free text shown under the tables (what was tried, why it stopped).</param>
    public string WriteReport(string? title = null, string? notes = null)
    {
        var html = HtmlReport.Render(title ?? System.IO.Path.GetFileName(Path), Configuration, History, notes);
        if (!HoldsText(ReportPath, html)) WriteAtomically(ReportPath, html); // unchanged (a finished run resumed, maybe read-only): nothing to write
        return ReportPath;
    }

    private static bool HoldsText(string path, string text)
    {
        var info = new FileInfo(path);
        if (!info.Exists || info.Length != Encoding.UTF8.GetByteCount(text)) return false;
        try { return File.ReadAllText(path, Encoding.UTF8) == text; }
        catch (IOException) { return false; }
    }

    /// <summary>Closes metrics.csv.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _metrics?.Dispose();
        _metrics = null;
        _lock?.Dispose();
    }

    private void AddToHistory(MetricsCsv.Row row)
    {
        for (var i = 0; i < row.Values.Length; i++)
            if (row.Values[i] is { } value)
                History.Add(_columns[i], row.Step, row.Epoch, value);
    }

    private void AppendMetricsRow(MetricsCsv.Row row)
    {
        _metrics ??= OpenForAppend(MetricsPath);
        _line.Clear();
        MetricsCsv.AppendRow(_line, row, _columns.Count);
        _metrics.Write(_line);
        _metrics.Write('\n');
        _metrics.Flush();
    }

    private void RewriteMetrics()
    {
        _metrics?.Dispose();
        _metrics = null;
        var text = new StringBuilder();
        MetricsCsv.AppendHeader(text, _columns);
        text.Append('\n');
        foreach (var row in _rows)
        {
            MetricsCsv.AppendRow(text, row, _columns.Count);
            text.Append('\n');
        }
        WriteAtomically(MetricsPath, text.ToString());
        _metrics = OpenForAppend(MetricsPath);
    }

    private static StreamWriter OpenForAppend(string path)
    {
        // A file someone edited may lack its final newline; the next row must not join its last line.
        var needsNewline = false;
        if (File.Exists(path))
        {
            using var read = File.OpenRead(path);
            if (read.Length > 0)
            {
                read.Seek(-1, SeekOrigin.End);
                needsNewline = read.ReadByte() != '\n';
            }
        }
        var writer = new StreamWriter(path, append: true, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
        if (needsNewline) writer.Write('\n');
        return writer;
    }

    private static void ThrowIfHoldsRun(string path, OrderedDictionary<string, string> configuration)
    {
        if (!Directory.Exists(path)) return;
        var configurationPath = System.IO.Path.Combine(path, ConfigurationFile);
        var checkpoints = System.IO.Path.Combine(path, CheckpointsFolder);
        var found = new List<string>();
        if (File.Exists(configurationPath)) found.Add(ConfigurationFile);
        if (File.Exists(System.IO.Path.Combine(path, MetricsFile))) found.Add(MetricsFile);
        if (Directory.Exists(checkpoints) && Directory.EnumerateFileSystemEntries(checkpoints).Any()) found.Add(CheckpointsFolder + "/");
        if (found.Count == 0) return;

        var what = "a run";
        if (File.Exists(configurationPath))
        {
            try
            {
                var existing = ReadConfiguration(configurationPath);
                var differences = existing.Keys.Union(configuration.Keys)
                    .Where(key => existing.GetValueOrDefault(key) != configuration.GetValueOrDefault(key))
                    .Select(key => $"{key}: {existing.GetValueOrDefault(key) ?? "(absent)"} -> {configuration.GetValueOrDefault(key) ?? "(absent)"}")
                    .ToList();
                what = differences.Count == 0
                    ? "a run with the same configuration"
                    : $"a different run (configuration differs: {string.Join("; ", differences.Take(5))}{(differences.Count > 5 ? "; ..." : "")})";
            }
            catch (FormatException)
            {
                what = "a run whose config.json cannot be read";
            }
        }
        throw new InvalidOperationException(
            $"The run folder '{path}' already holds {what} ({string.Join(", ", found)}). Nothing was overwritten. " +
            "To continue that run, resume it (RunFolder.Open); to start a new one, choose another folder or delete this one.");
    }

    private static string ConfigurationJson(OrderedDictionary<string, string> configuration)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            foreach (var (key, value) in configuration) json.WriteString(key, value);
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }

    private static OrderedDictionary<string, string> ReadConfiguration(string path)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(File.ReadAllText(path, Encoding.UTF8));
        }
        catch (JsonException e)
        {
            throw new FormatException($"{path}: not valid JSON ({e.Message}).", e);
        }
        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
                throw new FormatException($"{path}: expected a JSON object of name/value strings, found a {document.RootElement.ValueKind}.");
            var configuration = new OrderedDictionary<string, string>(StringComparer.Ordinal);
            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (property.Value.ValueKind != JsonValueKind.String)
                    throw new FormatException($"{path}: the value of '{property.Name}' should be a string, found a {property.Value.ValueKind} ({property.Value.GetRawText()}).");
                if (!configuration.TryAdd(property.Name, property.Value.GetString()!))
                    throw new FormatException($"{path}: the name '{property.Name}' appears more than once.");
            }
            return configuration;
        }
    }

    private static void WriteAtomically(string path, string text)
    {
        var temporary = path + ".tmp";
        File.WriteAllText(temporary, text, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
        File.Move(temporary, path, overwrite: true);
    }
}
