#!/usr/bin/env bash
# Installs the system packages Dsl needs when any is missing (Debian 12, run as root or with sudo):
#   libtorch-dev          libtorch 1.13 (ATen headers, CMake config, shared libraries)
#   libopenblas0-pthread  the BLAS libtorch's matrix products use (the reference BLAS is ~30x slower)
#   cmake, g++            to build the native shim (runtime/native)
#   libgloo-dev           Gloo's headers, which c10d's ProcessGroupGloo headers include (distributed training)
#   iproute2              `ip netns`, for the distributed test that trains across two network namespaces
#   python3-torch         PyTorch, the reference the tests compare gradients and ops against
#   chromium              headless browser the tests render the HTML run report (report.html) in
set -euo pipefail

packages=(libtorch-dev libopenblas0-pthread cmake g++ libgloo-dev iproute2 python3-torch chromium)
missing=()
for p in "${packages[@]}"; do
  if [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" != "install ok installed" ]; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing: ${missing[*]}"
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if ! command -v dotnet >/dev/null 2>&1; then
  echo "The .NET 10 SDK is required (dotnet was not found on PATH)." >&2
  exit 1
fi
