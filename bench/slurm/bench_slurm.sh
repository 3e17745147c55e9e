#!/usr/bin/env bash
# Workers through Slurm against workers started directly, on the private one-host cluster of
# tests/slurm/slurm_cluster.sh (root; installs Slurm and munge when missing):
#  1. latency: from `sbatch --array=0-(W-1) deploy/slurm/quante-worker.sbatch` to the broker's
#     log of the first (and the last) worker ready, R times (the first on a freshly started
#     cluster, reported apart);
#  2. throughput: one study of BUDGET evaluations of builtin:delay:branin, each sleeping
#     DURATION_MS, on W workers submitted as an array, then on W workers started directly, with
#     the same broker (CURVE over the host's address), config and names; evaluations per second
#     from the history's first start to its last finish, and the tuner's wall time.
# Usage: bench_slurm.sh BUILD_DIR [--workers W] [--repeats R] [--budget B] [--duration-ms D] [--rounds N]
set -euo pipefail
build=$(cd "$1" && pwd); shift
workers=4 repeats=5 budget=40 duration=500 rounds=3
while [ $# -gt 0 ]; do
  case $1 in
    --workers) workers=$2; shift 2 ;;
    --repeats) repeats=$2; shift 2 ;;
    --budget) budget=$2; shift 2 ;;
    --duration-ms) duration=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    *) echo "bench_slurm.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
bin="$build/bin"
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
[ "$(id -u)" -eq 0 ] || { echo "bench_slurm.sh: needs root (it runs its own Slurm cluster)" >&2; exit 2; }
bash "$src/tests/slurm/install_slurm.sh"
# shellcheck source-path=SCRIPTDIR source=../../tests/slurm/slurm_cluster.sh
source "$src/tests/slurm/slurm_cluster.sh"

work=$(mktemp -d /tmp/quante-slurm-bench.XXXXXX)
pids=()
cleanup() {
  slurm_cluster_stop
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
chmod 755 "$work"  # for munged, which runs as the munge user under it
# shellcheck disable=SC2034  # read by slurm_cluster_start
QC_SLURM_CPUS=$((workers * 2)) QC_SLURM_GPUS=$workers
slurm_cluster_start "$work/cluster"

slurm_farm_broker "$bin" "$work"
slurm_farm_configs "$work"
cat >"$work/study.toml" <<TOML
name = "bench"
objective = "delay"
budget = $budget
batch = $workers
initial = $((2 * workers))
seed = 3
[space]
x0 = { type = "float", low = -5.0, high = 10.0 }
x1 = { type = "float", low = 0.0, high = 15.0 }
duration_ms = { type = "int", low = $duration, high = $((duration + 1)) }
TOML

# Seconds from T0 (epoch seconds) to the Nth broker line matching PATTERN after line SKIP.
seconds_to() {
  python3 - "$work/broker.log" "$1" "$2" "$3" "$4" <<'PY'
import sys, datetime
path, t0, pattern, n, skip = sys.argv[1], float(sys.argv[2]), sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
hits = [l for l in open(path).readlines()[skip:] if pattern in l]
stamp = datetime.datetime.strptime(hits[n - 1][:23], "%Y-%m-%d %H:%M:%S.%f").timestamp()
print(f"{stamp - t0:.2f}")
PY
}
ready_count() { grep -c " ready (" "$work/broker.log" || true; }
submit() {  # submit LOGNAME: an array of $workers worker tasks; prints the job id
  (cd "$work" && QUANTE_WORKER="$bin/quante-worker" sbatch --parsable --array=0-$((workers - 1)) --cpus-per-task=1 \
     --output="$work/logs/$1-%A_%a.log" "$src/deploy/slurm/quante-worker.sbatch" --config "$work/worker.toml")
}
no_tasks() { [ -z "$(squeue -h -j "$1" -o %i 2>/dev/null)" ]; }

echo "sbatch -> worker ready ($workers array tasks; seconds to the first, to the last):"
for ((r = 0; r < repeats; r++)); do
  skip=$(wc -l <"$work/broker.log") before=$(ready_count)
  t0=$(date +%s.%N)
  job=$(submit latency)
  qc_wait 120 bash -c "[ \$(grep -c ' ready (' '$work/broker.log') -ge $((before + workers)) ]"
  first=$(seconds_to "$t0" " ready (" 1 "$skip") last=$(seconds_to "$t0" " ready (" "$workers" "$skip")
  echo "  run $r$([ $r -eq 0 ] && echo ' (fresh cluster)'): $first s, $last s"
  scancel "$job"
  qc_wait 60 no_tasks "$job"
done

run_study() {  # run_study LABEL: prints evaluations/s and the tuner's wall time
  local start end
  rm -f "$work/history.jsonl"
  start=$(date +%s.%N)
  "$bin/quante-tuner" run "$work/study.toml" --config "$work/tuner.toml" --history "$work/history.jsonl" >"$work/tuner-$1.log" 2>&1
  end=$(date +%s.%N)
  python3 - "$work/history.jsonl" "$1" "$start" "$end" "$workers" "$duration" <<'PY'
import json, sys
path, label, start, end, workers, duration = sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
rows = [json.loads(l) for l in open(path) if l.strip()]
assert all(r["status"] == "ok" for r in rows) and len({r["job"] for r in rows}) == len(rows)
span = max(r["finished_at"] for r in rows) - min(r["started_at"] for r in rows)
ideal = len(rows) * duration / 1000 / workers
by_worker = {}
for r in rows:
    by_worker.setdefault(r["worker"], []).append(r)
gaps = sorted(b["started_at"] - a["finished_at"] for runs in by_worker.values()
              for a, b in zip(sorted(runs, key=lambda r: r["started_at"]), sorted(runs, key=lambda r: r["started_at"])[1:]))
median_gap = gaps[len(gaps) // 2] * 1000 if gaps else float("nan")
print(f"  {label}: {len(rows)} evaluations, {len(rows) / span:.2f}/s over {span:.2f} s (ideal {ideal:.2f} s: "
      f"{100 * ideal / span:.1f} % busy), median idle between a worker's jobs {median_gap:.0f} ms; "
      f"tuner wall {end - start:.2f} s")
PY
}

echo "throughput ($budget x ${duration} ms on $workers workers, $rounds rounds, Slurm then direct):"
for ((round = 0; round < rounds; round++)); do
  before=$(ready_count)
  job=$(submit study)
  qc_wait 120 bash -c "[ \$(grep -c ' ready (' '$work/broker.log') -ge $((before + workers)) ]"
  run_study slurm
  scancel "$job"
  qc_wait 60 no_tasks "$job"
  before=$(ready_count)
  direct=()
  for ((i = 0; i < workers; i++)); do
    "$bin/quante-worker" --config "$work/worker.toml" --name "direct/$i" >"$work/logs/direct-$i.log" 2>&1 &
    pids+=($!) direct+=($!)
  done
  qc_wait 60 bash -c "[ \$(grep -c ' ready (' '$work/broker.log') -ge $((before + workers)) ]"
  run_study direct
  kill -TERM "${direct[@]}"
  wait "${direct[@]}" 2>/dev/null || true
done
