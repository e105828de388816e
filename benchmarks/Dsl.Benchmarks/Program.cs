using BenchmarkDotNet.Running;

namespace Dsl.Benchmarks;

public static class Program
{
    // Pass BenchmarkDotNet's own options, e.g. --filter '*CallOverhead*'; benchmarks/run.sh picks the suites.
    public static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
}
