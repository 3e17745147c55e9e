#!/usr/bin/env bash
# The rung decision's round trip on loopback: worker -> broker -> tuner -> broker -> worker, with
# W workers (default 8) running builtin:curve:hartmann6 under ASHA (rungs 1, 3, 9, 27 of 81
# steps). Each worker logs its decisions' p50 and p99 when it stops; this prints those lines.
#   bench/fidelity/decision_latency.sh [WORKERS] [TRIALS]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
bin="$root/build/bin"
workers=${1:-8}
trials=${2:-200}
dir=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$dir"' EXIT
"$bin/quante-broker" --frontend "ipc://$dir/f" --backend "ipc://$dir/b" >"$dir/broker.log" 2>&1 &
for i in $(seq 1 "$workers"); do
  "$bin/quante-worker" --broker "ipc://$dir/b" --name "w$i" --objective curve=builtin:curve:hartmann6 >"$dir/w$i.log" 2>&1 &
done
space=""
for i in 0 1 2 3 4 5; do space+="x$i = { type = \"float\", low = 0.0, high = 1.0 }"$'\n'; done
cat >"$dir/study.toml" <<TOML
name = "latency"
objective = "curve"
budget = $trials
batch = $workers
initial = 12
seed = 1
[model]
acquisition = "random"
[fidelity]
step_max = 81
eta = 3
scheduler = "asha"
[space]
$space
TOML
"$bin/quante-tuner" run "$dir/study.toml" --broker "ipc://$dir/f" --history "$dir/h.jsonl" >"$dir/tuner.log" 2>&1
kill -TERM $(jobs -p) 2>/dev/null || true
wait || true
grep -h "rung decisions" "$dir"/w*.log | sed 's/^.*\] //'
