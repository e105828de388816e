using System.Runtime.CompilerServices;
using System.Text;
using DiffPlex.DiffBuilder;
using DiffPlex.DiffBuilder.Model;
using Xunit.Sdk;

namespace Dsl.Generators.Tests.Infrastructure;

/// <summary>
/// Compares generated files with <c>Snapshots/{Class}.{Test}#{Hint}.verified.cs</c>. On a mismatch
/// it writes <c>.received.cs</c> beside it and fails with a unified diff. With the environment
/// variable DSL_ACCEPT_SNAPSHOTS=1 it writes the verified file instead (review it like code).
/// </summary>
internal static class Snapshot
{
    public static void Verify(GeneratorRun run, string testClass, [CallerMemberName] string test = "", [CallerFilePath] string callerFile = "")
    {
        Assert.NotEmpty(run.Sources);
        var directory = Path.Combine(Path.GetDirectoryName(callerFile)!, "Snapshots");
        Directory.CreateDirectory(directory);
        var accept = Environment.GetEnvironmentVariable("DSL_ACCEPT_SNAPSHOTS") == "1";
        var failures = new StringBuilder();
        foreach (var (hint, text) in run.Sources)
        {
            var stem = Path.Combine(directory, testClass + "." + test + "#" + Path.GetFileNameWithoutExtension(hint));
            var verified = stem + ".verified.cs";
            var received = stem + ".received.cs";
            if (accept)
            {
                File.WriteAllText(verified, text);
                File.Delete(received);
                continue;
            }
            if (!File.Exists(verified))
            {
                File.WriteAllText(received, text);
                failures.AppendLine("No snapshot " + Path.GetFileName(verified) + " yet; wrote " + Path.GetFileName(received) +
                    ". Review it, then run with DSL_ACCEPT_SNAPSHOTS=1.");
                continue;
            }
            var expected = File.ReadAllText(verified).Replace("\r\n", "\n");
            if (expected == text)
            {
                File.Delete(received);
                continue;
            }
            File.WriteAllText(received, text);
            failures.AppendLine("Snapshot " + Path.GetFileName(verified) + " differs (wrote " + Path.GetFileName(received) + "):");
            failures.AppendLine(UnifiedDiff(expected, text));
        }
        if (failures.Length > 0) throw new XunitException(failures.ToString());
    }

    /// <summary>The changed lines with three lines of context, <c>-</c> for verified and <c>+</c> for received.</summary>
    public static string UnifiedDiff(string expected, string actual)
    {
        var lines = new InlineDiffBuilder(new DiffPlex.Differ()).BuildDiffModel(expected, actual).Lines;
        var text = new StringBuilder();
        var lastPrinted = -1;
        for (var i = 0; i < lines.Count; i++)
        {
            if (lines[i].Type == ChangeType.Unchanged) continue;
            var from = Math.Max(lastPrinted + 1, i - 3);
            if (from > lastPrinted + 1) text.AppendLine("@@ line " + (from + 1) + " @@");
            for (var j = from; j < i; j++) text.AppendLine("  " + lines[j].Text);
            var end = i;
            while (end < lines.Count && lines[end].Type != ChangeType.Unchanged) end++;
            for (var j = i; j < end; j++) text.AppendLine((lines[j].Type == ChangeType.Deleted ? "- " : "+ ") + lines[j].Text);
            var after = Math.Min(lines.Count, end + 3);
            for (var j = end; j < after; j++)
            {
                if (lines[j].Type != ChangeType.Unchanged) break;
                text.AppendLine("  " + lines[j].Text);
                lastPrinted = j;
            }
            lastPrinted = Math.Max(lastPrinted, end - 1);
            i = lastPrinted;
        }
        return text.ToString();
    }
}
