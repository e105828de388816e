#!/usr/bin/env bash
# Checks that the native shim (runtime/native) compiles and links against a libtorch 2.x, outside
# the normal build (which uses Debian 12's libtorch 1.13 and is not changed by this script).
#
#   scripts/build-shim-torch2.sh [VERSION...]      default: 2.6 2.14
#
# The libtorch 2.x comes from Debian's own archive: libtorch-dev and libtorch<VERSION> of a newer
# Debian release (trixie has 2.6, sid 2.14), downloaded with apt-get into a scratch folder
# (nothing is installed: an apt configuration private to the scratch folder, dpkg -x to unpack).
# The shim is then configured with Torch_DIR pointing at that libtorch's CMake config, built, and
# its exported symbols checked. Those libraries need a newer glibc/libstdc++ than Debian 12 has,
# so the result cannot be loaded here: compile and link are the check.
#
# Environment: SCRATCH (default /tmp/dsl-torch2), the folder for downloads, unpacked packages and
# build trees; nothing is written inside the repository.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
scratch="${SCRATCH:-/tmp/dsl-torch2}"
versions=("$@")
[ ${#versions[@]} -gt 0 ] || versions=(2.6 2.14)

apt_dir="$scratch/apt"
mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" "$scratch/debs"
cat > "$apt_dir/sources.list" <<LIST
deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian trixie main
deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian sid main
LIST
apt_opts=(-o "Dir::Etc::SourceList=$apt_dir/sources.list" -o Dir::Etc::SourceParts=/dev/null
          -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir/cache" -o APT::Sandbox::User=root)
if [ -z "$(ls "$apt_dir/lists" 2>/dev/null | grep -v partial)" ]; then
  apt-get "${apt_opts[@]}" update -qq
fi

status=0
for v in "${versions[@]}"; do
  # The newest version of each package whose name carries this libtorch version.
  lib_version=$(apt-cache "${apt_opts[@]}" show "libtorch$v" 2>/dev/null | sed -n 's/^Version: //p' | head -1)
  if [ -z "$lib_version" ]; then echo "libtorch$v: not in the archive" >&2; status=1; continue; fi
  root="$scratch/libtorch-$v"
  if [ ! -d "$root/usr/include/ATen" ]; then
    (cd "$scratch/debs" && apt-get "${apt_opts[@]}" download -qq "libtorch$v=$lib_version" "libtorch-dev=$lib_version")
    mkdir -p "$root"
    for deb in "$scratch/debs/libtorch${v}_${lib_version}"*.deb "$scratch/debs/libtorch-dev_${lib_version}"*.deb; do
      dpkg -x "$deb" "$root"
    done
  fi
  torch_dir="$root/usr/lib/x86_64-linux-gnu/cmake/Torch"
  build="$scratch/build-$v"
  echo "== libtorch $lib_version: configure and build the shim (Torch_DIR=$torch_dir)"
  # CMAKE_PREFIX_PATH makes find_library take this libtorch's libraries before the system's 1.13.
  if cmake -S "$repo/runtime/native" -B "$build" -DCMAKE_BUILD_TYPE=Release \
       -DTorch_DIR="$torch_dir" -DCMAKE_PREFIX_PATH="$root/usr" > "$build.configure.log" 2>&1 \
     && cmake --build "$build" -j2 > "$build.build.log" 2>&1; then
    lib="$build/libdsl_native.so"
    exported=$(nm -D --defined-only "$lib" | grep -c ' T dsl_' || true)
    echo "   built $lib: $exported dsl_* functions exported"
    echo "   linked against: $(readelf -d "$lib" | sed -n 's/.*Shared library: \[\(lib\(torch\|c10\)[^]]*\)\].*/\1/p' | tr '\n' ' ')"
    grep -h "dsl_native: libtorch" "$build.configure.log" | sed "s/^/   /" || true
  else
    echo "   FAILED: see $build.configure.log and $build.build.log" >&2
    grep -h -m 20 -E "error|Error" "$build.configure.log" "$build.build.log" >&2 || true
    status=1
  fi
done
exit $status
