using BenchmarkDotNet.Running;

namespace Dsl.Benchmarks;

public static class Program
{
    /// <summary>
    /// <c>threads [rounds]</c> runs the thread-setting sweep (<see cref="ThreadSweep"/>); anything
    /// else goes to BenchmarkDotNet (e.g. <c>--filter '*CallOverhead*'</c>). benchmarks/run.sh picks.
    /// </summary>
    public static int Main(string[] args) => args switch
    {
        ["threads"] => ThreadSweep.Run(rounds: 5),
        ["threads", var rounds] => ThreadSweep.Run(int.Parse(rounds, System.Globalization.CultureInfo.InvariantCulture)),
        ["threads-child"] => ThreadSweep.Measure(),
        _ => Run(args),
    };

    private static int Run(string[] args)
    {
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return 0;
    }
}
