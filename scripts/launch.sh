#!/usr/bin/env bash
# Starts N local processes of one data-parallel job, as torchrun does: each gets MASTER_ADDR,
# MASTER_PORT, WORLD_SIZE, RANK and LOCAL_RANK, and ProcessGroup.FromEnvironment() joins them.
#
#   scripts/launch.sh --nproc 2 -- dotnet run -c Release --project examples/MyExperiment
#
# Several machines: run it on each with the same --nnodes, --master-addr (rank 0's machine) and
# --master-port, and its own --node-rank (0 on the master):
#
#   scripts/launch.sh --nproc 2 --nnodes 2 --node-rank 1 --master-addr 10.0.0.5 -- dotnet MyExperiment.dll
#
# Or set the five variables yourself (Slurm, Kubernetes). Each process gets cores / nproc threads
# (OMP_NUM_THREADS, OPENBLAS_NUM_THREADS) unless those are set. Output lines are prefixed with the
# rank. When one process fails, the others are stopped and the script exits with its status.
set -uo pipefail

nproc=1; nnodes=1; node_rank=0; master_addr=127.0.0.1; master_port=29500
usage() { sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit "${1:-2}"; }
while [ $# -gt 0 ]; do
  case "$1" in
    --nproc) nproc=$2; shift 2 ;;
    --nnodes) nnodes=$2; shift 2 ;;
    --node-rank) node_rank=$2; shift 2 ;;
    --master-addr) master_addr=$2; shift 2 ;;
    --master-port) master_port=$2; shift 2 ;;
    -h|--help) usage 0 ;;
    --) shift; break ;;
    *) echo "launch.sh: unknown option '$1' (the command goes after --)" >&2; usage ;;
  esac
done
[ $# -gt 0 ] || { echo "launch.sh: no command given after --" >&2; usage; }
for v in nproc nnodes node_rank master_port; do
  [[ "${!v}" =~ ^[0-9]+$ ]] || { echo "launch.sh: --${v//_/-} must be a number, not '${!v}'" >&2; exit 2; }
done
[ "$nproc" -ge 1 ] && [ "$node_rank" -lt "$nnodes" ] || { echo "launch.sh: need --nproc >= 1 and --node-rank below --nnodes" >&2; exit 2; }

threads=$(( $(nproc 2>/dev/null || echo 1) / nproc )); [ "$threads" -ge 1 ] || threads=1
export MASTER_ADDR=$master_addr MASTER_PORT=$master_port WORLD_SIZE=$((nnodes * nproc))
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-$threads} OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS:-$threads}

pids=()
stop_all() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; }
trap 'stop_all; exit 130' INT TERM
for ((local = 0; local < nproc; local++)); do
  rank=$((node_rank * nproc + local))
  ( export RANK=$rank LOCAL_RANK=$local
    exec "$@" ) > >(sed -u "s/^/[rank $rank] /") 2> >(sed -u "s/^/[rank $rank] /" >&2) &
  pids+=($!)
done

status=0
running=("${pids[@]}")
while [ ${#running[@]} -gt 0 ]; do
  wait -n -p done_pid "${running[@]}"; code=$?
  left=(); for p in "${running[@]}"; do [ "$p" != "$done_pid" ] && left+=("$p"); done; running=("${left[@]}")
  if [ "$code" -ne 0 ] && [ "$status" -eq 0 ]; then
    status=$code
    echo "launch.sh: process $done_pid exited with $code; stopping the others" >&2
    stop_all
  fi
done
exit "$status"
