#!/usr/bin/env bash
# The issue's farm-scale figures for the whole `quante-tuner suggest` (history loaded, model fitted,
# batch chosen, journal written): Hartmann6 in d = 6 with a random history of N evaluations,
#   one point with P pending in the journal (an asynchronous farm of P + 1 GPUs), and
#   a synchronous batch of Q points with nothing pending.
# Prints wall seconds, CPU seconds (user + system: what the call cost where the machine is shared)
# and peak resident memory (GNU time) of each call.
#   bench/optimizer/farm_scale_suggest.sh BUILD_BIN [N=2000] [P=63] [Q=64]
# Example for the large-n target: farm_scale_suggest.sh build/bin 10000 0 4
set -euo pipefail
bin=${1:?usage: farm_scale_suggest.sh BUILD_BIN [N] [P] [Q]}
n=${2:-2000}
pending=${3:-63}
q=${4:-64}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$(dirname "$0")/../../examples/hartmann6.toml" "$work/study.toml"
python3 - "$work/history.jsonl" "$n" <<'PY'
import json, math, random, sys
A = [[10, 3, 17, 3.5, 1.7, 8], [0.05, 10, 17, 0.1, 8, 14], [3, 3.5, 1.7, 10, 17, 8], [17, 8, 0.05, 10, 0.1, 14]]
P = [[0.1312, 0.1696, 0.5569, 0.0124, 0.8283, 0.5886], [0.2329, 0.4135, 0.8307, 0.3736, 0.1004, 0.9991],
     [0.2348, 0.1451, 0.3522, 0.2883, 0.3047, 0.6650], [0.4047, 0.8828, 0.8732, 0.5743, 0.1091, 0.0381]]
alpha = [1.0, 1.2, 3.0, 3.2]
def hartmann6(x):
    return -sum(alpha[i] * math.exp(-sum(A[i][j] * (x[j] - P[i][j]) ** 2 for j in range(6))) for i in range(4))
random.seed(1)
with open(sys.argv[1], "w") as f:
    for i in range(int(sys.argv[2])):
        x = [random.random() for _ in range(6)]
        f.write(json.dumps({"index": i, "job": "J%d" % i, "params": {"x%d" % j: x[j] for j in range(6)},
                            "loss": hartmann6(x), "status": "ok", "worker": "bench", "proposed_at": 0.0,
                            "started_at": 0.0, "finished_at": 0.0}) + "\n")
PY
timed() {  # label, then the command
  local label=$1; shift
  /usr/bin/time -f "%e %U %S %M" -o "$work/time" "$@" > /dev/null 2> "$work/log" || { cat "$work/log"; exit 1; }
  read -r secs user sys kib < "$work/time"
  printf '%-40s %7.2f s wall %7.2f s cpu %6d MiB\n' "$label" "$secs" "$(awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }')" "$((kib / 1024))"
}
if [ "$pending" -gt 0 ]; then
  # The pending points: handed out by earlier calls and never told, as on a busy farm.
  "$bin/quante-tuner" suggest "$work/study.toml" --history "$work/history.jsonl" --q "$pending" --seed 3 > /dev/null 2>&1
  timed "n=$n, q=1 with $pending pending" "$bin/quante-tuner" suggest "$work/study.toml" --history "$work/history.jsonl" --q 1
  rm -f "$work/history.jsonl.journal"
fi
timed "n=$n, q=$q, nothing pending" "$bin/quante-tuner" suggest "$work/study.toml" --history "$work/history.jsonl" --q "$q"
