using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Dsl.Runtime.Tests.Distributed;

/// <summary>
/// Members of one distributed job, each a Dsl.DistributedProbe process (or any command), with
/// their output collected. Every wait is bounded; disposing kills whatever still runs.
/// </summary>
internal sealed class ProbeJob : IDisposable
{
    /// <summary>A bound on any wait of these tests, so a broken build fails instead of hanging CI.</summary>
    public static readonly TimeSpan Bound = TimeSpan.FromMinutes(3);

    private readonly List<Member> _members = new();

    public static string ProbePath
    {
        get
        {
            // tests/Dsl.Runtime.Tests/bin/<Config>/net10.0 -> tests/Dsl.DistributedProbe/bin/<Config>/net10.0
            var here = AppContext.BaseDirectory.TrimEnd('/');
            var framework = Path.GetFileName(here);
            var configuration = Path.GetFileName(Path.GetDirectoryName(here)!);
            var tests = Path.GetFullPath(Path.Combine(here, "..", "..", "..", ".."));
            return Path.Combine(tests, "Dsl.DistributedProbe", "bin", configuration, framework, "Dsl.DistributedProbe.dll");
        }
    }

    /// <summary>A TCP port nobody listens on now (bound to port 0, then released).</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Starts the probe as rank <paramref name="rank"/> of <paramref name="world"/> (world 0: no group variables).</summary>
    public Member StartProbe(int rank, int world, int port, string arguments, string master = "127.0.0.1", string? prefix = null, int timeoutSeconds = 20)
    {
        var (file, args) = prefix is null ? ("dotnet", $"\"{ProbePath}\" {arguments}") : (prefix.Split(' ')[0], $"{prefix.Substring(prefix.IndexOf(' ') + 1)} dotnet \"{ProbePath}\" {arguments}");
        var environment = new Dictionary<string, string> { ["OMP_NUM_THREADS"] = "1", ["OPENBLAS_NUM_THREADS"] = "1" };
        if (world > 0)
        {
            environment["MASTER_ADDR"] = master;
            environment["MASTER_PORT"] = port.ToString();
            environment["WORLD_SIZE"] = world.ToString();
            environment["RANK"] = rank.ToString();
            environment["LOCAL_RANK"] = rank.ToString();
            environment["DSL_DIST_TIMEOUT"] = timeoutSeconds.ToString();
        }
        return Start(file, args, environment, $"rank {rank}");
    }

    public Member Start(string file, string arguments, IReadOnlyDictionary<string, string> environment, string name)
    {
        var info = new ProcessStartInfo(file, arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var (key, value) in environment) info.Environment[key] = value;
        // Variables of an outer job must not leak into a member that should not have them.
        foreach (var key in new[] { "MASTER_ADDR", "MASTER_PORT", "WORLD_SIZE", "RANK", "LOCAL_RANK" })
        {
            if (!environment.ContainsKey(key)) info.Environment.Remove(key);
        }
        var member = new Member(name, Process.Start(info)!);
        _members.Add(member);
        return member;
    }

    /// <summary>Waits for every member to exit (bounded); returns their transcripts on failure.</summary>
    public void WaitAll(TimeSpan? bound = null)
    {
        var deadline = DateTime.UtcNow + (bound ?? Bound);
        foreach (var member in _members)
        {
            var left = deadline - DateTime.UtcNow;
            if (!member.Process.WaitForExit(left > TimeSpan.Zero ? left : TimeSpan.Zero))
            {
                throw new Xunit.Sdk.XunitException($"{member.Name} did not exit within the bound; transcripts:\n{Transcripts()}");
            }
            member.Process.WaitForExit(); // drains the output
        }
    }

    public string Transcripts() => string.Join("\n", _members.Select(m => m.Transcript()));

    public void Dispose()
    {
        foreach (var member in _members)
        {
            try
            {
                if (!member.Process.HasExited) member.Process.Kill(entireProcessTree: true);
                member.Process.WaitForExit(10_000);
            }
            catch (InvalidOperationException)
            {
            }
            member.Process.Dispose();
        }
    }

    internal sealed class Member
    {
        private readonly StringBuilder _output = new();
        private readonly StringBuilder _errors = new();
        private long _step;

        public Member(string name, Process process)
        {
            Name = name;
            Process = process;
            process.OutputDataReceived += (_, e) =>
            {
                if (e.Data is not { } line) return;
                lock (_output) _output.AppendLine(line);
                if (line.StartsWith("step ", StringComparison.Ordinal)) Interlocked.Exchange(ref _step, long.Parse(line.AsSpan(5)));
            };
            process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (_errors) _errors.AppendLine(e.Data); };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
        }

        public string Name { get; }

        public Process Process { get; }

        public long Step => Interlocked.Read(ref _step);

        public string Output { get { lock (_output) return _output.ToString(); } }

        public string Errors { get { lock (_errors) return _errors.ToString(); } }

        public int ExitCode => Process.ExitCode;

        /// <summary>Waits (bounded) until the member has reported step <paramref name="step"/>.</summary>
        public void WaitForStep(long step)
        {
            var deadline = DateTime.UtcNow + Bound;
            while (Step < step)
            {
                if (Process.HasExited || DateTime.UtcNow > deadline)
                {
                    throw new Xunit.Sdk.XunitException($"{Name} never reached step {step} (it reported {Step}); {Transcript()}");
                }
                Thread.Sleep(20);
            }
        }

        /// <summary>SIGKILL: no handler runs, sockets close as after a crash.</summary>
        public void Kill() => Process.Kill();

        public string Transcript() => $"--- {Name} (exit {(Process.HasExited ? Process.ExitCode.ToString() : "running")})\n{Output}{Errors}";
    }
}
