#!/usr/bin/env bash
# Builds everything (the native shim included) and runs the quickstart example.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet build DSL.sln -c Release -nologo -v q
dotnet run --project examples/Quickstart -c Release --no-build -- "$@"
