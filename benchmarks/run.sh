#!/usr/bin/env bash
# Runs Dsl's benchmarks in Release and prints their summary tables.
#
#   benchmarks/run.sh                   call overhead (Ops/Kernels on 8x8) and the 1024³ matmul (~2 min)
#   benchmarks/run.sh threads [ROUNDS]  the four (intra-op, BLAS) thread settings, interleaved over
#                                       ROUNDS rounds (default 5), a fresh process each (~2 min)
#   benchmarks/run.sh -- ARGS           BenchmarkDotNet's own arguments, e.g. -- --filter '*Mm*'
#   benchmarks/run.sh side-by-side [ARGS]
#                                       the generated trainer against PyTorch eager, interleaved, with
#                                       GEMM floors, update rules, thread settings idle/busy (~5 min;
#                                       --quick ~1 min; ARGS: see benchmarks/SideBySide/Program.cs)
#   benchmarks/run.sh profile [CONFIG]  where CONFIG's (default mlp-s) generated step goes: phases,
#                                       native calls in the generated code, perf's per-symbol shares
#
# Full logs and reports go to benchmarks/BenchmarkDotNet.Artifacts. Other work on the machine
# skews the numbers: the load average is printed before and after.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
artifacts="$here/BenchmarkDotNet.Artifacts"

case "${1:-default}" in
  default) args=(--filter '*CallOverheadBenchmarks*' '*MatMulBenchmarks*') ;;
  threads)
    dotnet build -c Release "$here/Dsl.Benchmarks" > /dev/null
    exec dotnet "$here/Dsl.Benchmarks/bin/Release/net10.0/Dsl.Benchmarks.dll" threads ${2:-5} ;;
  side-by-side)
    shift
    dotnet build -c Release -nologo -v q "$here/SideBySide" > /dev/null
    exec dotnet "$here/SideBySide/bin/Release/net10.0/SideBySide.dll" "$@" ;;
  profile)
    exec "$here/SideBySide/profile.sh" "${2:-mlp-s}" ;;
  --)      shift; args=("$@") ;;
  *)       echo "usage: $0 [default|threads [ROUNDS]|side-by-side [ARGS]|profile [CONFIG]|-- BenchmarkDotNet args]" >&2; exit 2 ;;
esac

echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
rm -rf "$artifacts/results"
mkdir -p "$artifacts"
dotnet run -c Release --project "$here/Dsl.Benchmarks" -- "${args[@]}" --artifacts "$artifacts" \
  > "$artifacts/run.log" 2>&1 || { tail -50 "$artifacts/run.log"; exit 1; }
echo "load after:  $(cut -d' ' -f1-3 /proc/loadavg)"

# The environment block (CPU, OS, .NET) once, then each suite's table.
first=1
for report in "$artifacts"/results/*-report-github.md; do
  echo
  if [ $first = 1 ]; then cat "$report"; first=0; else sed -n '/^|/,$p' "$report"; fi
done
