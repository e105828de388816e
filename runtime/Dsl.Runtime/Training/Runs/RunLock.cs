using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Dsl.Training;

/// <summary>
/// <c>&lt;folder&gt;/run.lock</c>: one run at a time in a run folder. The file is created with
/// O_EXCL semantics (<see cref="FileMode.CreateNew"/>), so of two runs starting together exactly one
/// gets it; it holds the owner's process id, stays open for the run's life and is deleted when the
/// run is disposed. A lock is stale, and is taken over, when the process it names is not running
/// (a killed run), or when it names no process and is older than <see cref="UnreadableGrace"/> (a
/// run killed between creating the file and writing its id). A lock naming a live process, this
/// one included, is refused: the folder is in use.
/// </summary>
internal sealed class RunLock : IDisposable
{
    public const string FileName = "run.lock";

    /// <summary>How long a lock file without a readable process id counts as being written.</summary>
    public static readonly TimeSpan UnreadableGrace = TimeSpan.FromSeconds(10);

    private readonly string _path;
    private FileStream? _stream;

    private RunLock(string path, FileStream stream)
    {
        _path = path;
        _stream = stream;
    }

    /// <summary>Takes the folder's lock.</summary>
    /// <param name="folder">The run folder (it exists).</param>
    /// <param name="skipIfNotWritable">Return null instead of failing when the folder cannot be
    /// written to (a finished run resumed read-only: it can write nothing, so it needs no lock).</param>
    /// <exception cref="InvalidOperationException">Another run (in this process or a live one) holds the folder.</exception>
    public static RunLock? Acquire(string folder, bool skipIfNotWritable)
    {
        var path = Path.Combine(folder, FileName);
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.Read | FileShare.Delete);
                var id = Encoding.ASCII.GetBytes(Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + "\n");
                stream.Write(id);
                stream.Flush();
                return new RunLock(path, stream);
            }
            catch (UnauthorizedAccessException) when (skipIfNotWritable)
            {
                return null;
            }
            catch (IOException) when (!File.Exists(path))
            {
                if (skipIfNotWritable) return null; // a read-only file system
                throw;
            }
            catch (IOException) when (attempt == 0 && IsStale(path, out _))
            {
                try { File.Delete(path); } catch (IOException) { } // another run took it over first: the next attempt sees its lock
            }
            catch (IOException e)
            {
                IsStale(path, out var owner);
                var who = owner is { } pid ? $"process {pid}{(pid == Environment.ProcessId ? " (this process: another RunFolder or Fit is using it)" : "")}" : "a run that is starting";
                throw new InvalidOperationException(
                    $"The run folder '{folder}' is in use by {who}: its lock file '{path}' exists. Two runs cannot write one folder at once; " +
                    "wait for that run to end, or choose another folder. If no run is using it (the process id was reused), delete the lock file.", e);
            }
        }
    }

    /// <summary>Whether the lock at <paramref name="path"/> belongs to no running process.</summary>
    private static bool IsStale(string path, out int? owner)
    {
        owner = null;
        string text;
        DateTime written;
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            text = new StreamReader(stream, Encoding.ASCII).ReadToEnd();
            written = File.GetLastWriteTimeUtc(path);
        }
        catch (FileNotFoundException) { return true; }
        catch (IOException) { return false; }
        catch (UnauthorizedAccessException) { return false; }
        if (!int.TryParse(text.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) || pid <= 0)
            return DateTime.UtcNow - written > UnreadableGrace;
        owner = pid;
        return !IsRunning(pid);
    }

    private static bool IsRunning(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException) { return false; }     // no such process
        catch (InvalidOperationException) { return false; }
        catch (System.ComponentModel.Win32Exception) { return true; } // exists, but not ours to inspect
    }

    /// <summary>Closes and deletes the lock file.</summary>
    public void Dispose()
    {
        if (_stream is null) return;
        _stream.Dispose();
        _stream = null;
        try { File.Delete(_path); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
