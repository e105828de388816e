#!/usr/bin/env bash
# Where a configuration's generated training step goes (benchmarks/run.sh profile [CONFIG]):
#  1. phases: the generated ComputeGradients and ApplyUpdate timed apart, against the GEMM floor;
#  2. the native calls the generated step makes (counted in the generated source);
#  3. if perf is installed (Debian: linux-perf), a sampling profile of TrainStep alone, by library
#     and by symbol (JIT-compiled C#, e.g. the fused update loop, is named through .NET's perf map).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
config="${1:-mlp-s}"
# The generated experiment of each configuration, and the project whose obj/ holds its generated source.
case "$config" in mlp-s) class=MlpS ;; mlp-m) class=MlpM ;; mlp-l) class=MlpL ;; cnn-s) class=CnnS ;;
  cnn-lenet) class=DigitCnn ;; transformer) class=Sorting ;;
  *) echo "usage: $0 [mlp-s|mlp-m|mlp-l|cnn-s|cnn-lenet|transformer]" >&2; exit 2 ;; esac
dotnet build -c Release -nologo -v q "$here" > /dev/null
dll="$here/bin/Release/net10.0/SideBySide.dll"

dotnet "$dll" profile "$config"

generated="$(find "$here/obj/Release" "$here/../../examples/Cnn/obj/Release" "$here/../../examples/Transformer/obj/Release" \
  -name "*$class.g.cs" 2> /dev/null | head -1)"
echo "## Native calls per step in the generated $class (from $(basename "$generated"))"
echo
# Between the method's signature and the next "public" member.
section() { awk -v start="$1" 'index($0, start) { on = 1; next } on && /^    public / { exit } on' "$generated"; }
gradients="$(section 'public float ComputeGradients(')"
update="$(section 'public void ApplyUpdate(')"
echo "ComputeGradients: $(grep -c 'Dsl.Kernels\.' <<< "$gradients") kernel calls, of which $(grep -c 'Dsl.Kernels.\(Addmm\|Mm\)(' <<< "$gradients") GEMMs (Mm and Addmm); by kernel:"
grep -o 'Dsl.Kernels\.[A-Za-z]*' <<< "$gradients" | sort | uniq -c | sort -rn | sed 's/Dsl.Kernels./    /'
echo "ApplyUpdate: $(grep -c '\.Update(' <<< "$update") fused update loops (one per parameter; managed code over the tensors' memory)"
echo

if ! command -v perf > /dev/null; then echo "(perf not installed: apt-get install linux-perf for the per-symbol profile)"; exit 0; fi
data="$(mktemp /tmp/side-by-side-perf.XXXXXX)"
log="$(mktemp /tmp/side-by-side-loop.XXXXXX)"
trap 'rm -f "$data" "$log"' EXIT
# The loop runs 12 s; perf attaches after its warm-up (the start marker) for 6 s, so start-up (libtorch's
# static registration, the JIT) stays out. W^X off so JIT-compiled code is where .NET's perf map says.
DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0 dotnet "$dll" loop "$config" --seconds 12 > "$log" 2>&1 &
pid=$!
until grep -q 'start marker' "$log"; do sleep 0.2; kill -0 "$pid" 2> /dev/null || { cat "$log"; exit 1; }; done
perf record -q -F 2999 -p "$pid" -o "$data" -- sleep 6 2> /dev/null
wait "$pid"
cat "$log"
echo
echo "## perf: samples by thread (6 s of TrainStep; the main thread runs the step, the others are OpenBLAS's and OpenMP's)"
echo
perf report -i "$data" --stdio --sort pid 2> /dev/null | grep -v '^#' | grep -v '^$' | head -8
echo
echo "## perf: the main thread by library"
echo
perf report -i "$data" --stdio --tid "$pid" --sort dso 2> /dev/null | grep -v '^#' | grep -v '^$' | head -12
echo
echo "## perf: the main thread's top symbols"
echo
perf report -i "$data" --stdio --tid "$pid" --sort dso,sym 2> /dev/null | grep -v '^#' | grep -v '^$' | head -45
