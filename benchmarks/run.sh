#!/usr/bin/env bash
# Runs Dsl's benchmarks in Release and prints their summary tables.
#
#   benchmarks/run.sh                   call overhead (Ops/Kernels on 8x8) and the 1024³ matmul (~2 min)
#   benchmarks/run.sh threads [ROUNDS]  the four (intra-op, BLAS) thread settings, interleaved over
#                                       ROUNDS rounds (default 5), a fresh process each (~2 min)
#   benchmarks/run.sh -- ARGS           BenchmarkDotNet's own arguments, e.g. -- --filter '*Mm*'
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
  --)      shift; args=("$@") ;;
  *)       echo "usage: $0 [default|threads [ROUNDS]|-- BenchmarkDotNet args]" >&2; exit 2 ;;
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
