#!/usr/bin/env bash
# Several trials per GPU (issue 16): trials per hour of the shipped mlp on data/digits.csv with
# K = 1, 2, 4 ... workers sharing one device slot (quante-worker --gpus 0 --per-gpu K), each K
# against K = 1. On a host without GPUs the slot is a fake one (QUANTE_FAKE_GPUS=1) and the mlp
# runs on the CPU; on a GPU host it runs on GPU 0 with CUDA. Not a test: it prints a table.
#   bench/farm/per_gpu_packing.sh [BIN_DIR] [K ...]       (defaults: build/bin, 1 2 4)
# Environment: TRIALS (per K, default 24), EPOCHS (default 8), DEVICE (auto|cpu|cuda, default auto),
# DATA (a CSV with a 'label' column, default data/digits.csv; REPEAT=N stacks it N times, for a GPU
# whose epochs on the 1,797 digits are too short to measure anything but overheads).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
bin=${1:-$root/build/bin}
shift || true
ks=("$@")
[ ${#ks[@]} -gt 0 ] || ks=(1 2 4)
trials=${TRIALS:-24}
epochs=${EPOCHS:-8}
device=${DEVICE:-auto}
data=${DATA:-$root/data/digits.csv}
work=$(mktemp -d /tmp/quante-packing.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
if [ ! -e /proc/driver/nvidia/gpus ] || [ -z "$(ls /proc/driver/nvidia/gpus 2>/dev/null)" ]; then
  export QUANTE_FAKE_GPUS=1
  where="a fake GPU slot, mlp on the CPU ($(nproc) cores)"
else
  where="GPU 0: $(nvidia-smi --query-gpu=name --format=csv,noheader -i 0 2>/dev/null || echo '?')"
fi
if [ "${REPEAT:-1}" -gt 1 ]; then
  head -n1 "$data" >"$work/data.csv"
  for _ in $(seq "$REPEAT"); do tail -n +2 "$data"; done >>"$work/data.csv"
  data=$work/data.csv
fi
rows=$(( $(wc -l <"$data") - 1 ))
cat >"$work/study.toml" <<TOML
name = "packing"
objective = "digits"
budget = $trials
batch = 8
initial = 8
seed = 11
[space]
lr = { type = "float", low = 0.0003, high = 0.03, log = true }
width = { type = "int", low = 32, high = 256 }
layers = { type = "int", low = 1, high = 3 }
batch_size = { type = "int", low = 32, high = 128 }
TOML
echo "per-GPU packing: $trials trials of $epochs epochs each, $rows rows, on $where"
printf '%-4s %10s %14s %10s\n' K seconds trials/hour speed-up
base=""
for k in "${ks[@]}"; do
  rm -f "$work/history.jsonl" "$work"/*.sock
  "$bin/quante-broker" --frontend "ipc://$work/f.sock" --backend "ipc://$work/b.sock" --log-level warn 2>"$work/broker.log" &
  broker=$!
  pids=("$broker")
  "$bin/quante-worker" --broker "ipc://$work/b.sock" --gpus 0 --per-gpu "$k" --log-level warn \
    --objective "digits=builtin:mlp?data=$data&label=label&epochs=$epochs&device=$device" 2>"$work/worker.log" &
  worker=$!
  pids+=("$worker")
  start=$(date +%s.%N)
  "$bin/quante-tuner" run "$work/study.toml" --broker "ipc://$work/f.sock" --history "$work/history.jsonl" \
    >/dev/null 2>"$work/tuner.log" || { cat "$work/tuner.log" "$work/worker.log" >&2; exit 1; }
  end=$(date +%s.%N)
  kill "$worker" "$broker" 2>/dev/null || true
  wait "$worker" "$broker" 2>/dev/null || true
  seconds=$(awk "BEGIN { print $end - $start }")
  rate=$(awk "BEGIN { print $trials * 3600 / $seconds }")
  [ -n "$base" ] || base=$rate
  printf '%-4s %10.1f %14.0f %9.2fx\n' "$k" "$seconds" "$rate" "$(awk "BEGIN { print $rate / $base }")"
done
