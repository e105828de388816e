#!/usr/bin/env bash
# A real `dotnet build` of a small library of N DSL declarations (the GeneratorTiming console's
# files), compiled with and without the Dsl generator as an analyzer, restored, each build forced
# to recompile by touching one file. Prints the median wall time of each and the generator time
# the compiler itself reports (-p:ReportAnalyzer=true).
#
#   benchmarks/GeneratorTiming/build-cost.sh [N=10] [REPEATS=5]
#   SHARED=false benchmarks/GeneratorTiming/build-cost.sh ...   a fresh csc per build (no compiler server)
#
# With the compiler server (SHARED=true, the SDK's default) the generator stays loaded and JIT-compiled
# between builds; without it every build pays its start-up.
set -euo pipefail
n="${1:-10}"
shared="${SHARED:-true}"
repeats="${2:-5}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
dotnet build -c Release "$here" -v q -nologo > /dev/null
generator="$root/generators/Dsl.Generators/bin/Release/netstandard2.0/Dsl.Generators.dll"
runtime="$root/runtime/Dsl.Runtime/bin/Release/net10.0/Dsl.Runtime.dll"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
project="$work/BuildCost"
dotnet "$here/bin/Release/net10.0/GeneratorTiming.dll" --write-sources "$project" "$n"
# Outside the repository, so none of its Directory.Build files apply.
cat > "$project/BuildCost.csproj" <<XML
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <TargetFramework>net10.0</TargetFramework>
    <Nullable>enable</Nullable>
    <ImplicitUsings>enable</ImplicitUsings>
    <NoWarn>\$(NoWarn);CS8618;CS0649</NoWarn>
  </PropertyGroup>
  <ItemGroup>
    <Reference Include="Dsl.Runtime" HintPath="$runtime" />
    <Analyzer Include="$generator" Condition="'\$(WithGenerator)' == 'true'" />
  </ItemGroup>
</Project>
XML
cd "$project"
dotnet restore -v q > /dev/null

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
build() { # $1: true|false; prints the wall time in ms
  touch Model0.cs
  local start end
  start=$(date +%s%N)
  dotnet build --no-restore -nologo -v q -p:WithGenerator="$1" -p:UseSharedCompilation="$shared" > "$work/build.log" 2>&1 || { cat "$work/build.log"; exit 1; }
  end=$(date +%s%N)
  echo $(( (end - start) / 1000000 ))
}

echo "models: $n, repeats: $repeats, compiler server: $shared, load before: $(cut -d' ' -f1-3 /proc/loadavg)"
build false > /dev/null; build true > /dev/null   # warm the build server and the generator's JIT
for mode in false true; do
  times=()
  for _ in $(seq "$repeats"); do times+=("$(build $mode)"); done
  echo "generator=$mode: median $(printf '%s\n' "${times[@]}" | median) ms  (all: ${times[*]})"
done
echo "compiler's own report (-p:ReportAnalyzer=true), three builds with the generator:"
for _ in 1 2 3; do
  touch Model0.cs
  dotnet build --no-restore -nologo -v d -p:WithGenerator=true -p:UseSharedCompilation="$shared" -p:ReportAnalyzer=true > "$work/report.log" 2>&1
  grep -E "Total generator execution time|^ *[0-9.<]+ +[0-9]+ +Dsl\.Generators\.DslGenerator" "$work/report.log" | sed 's/^ */  /' | sort -u
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
