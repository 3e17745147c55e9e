#!/usr/bin/env bash
# The farm on a real Slurm: a private one-host cluster (tests/slurm/slurm_cluster.sh: munged,
# slurmctld, slurmd with 4 fake GPUs through gres), the broker and the tuner "on the login node"
# (this shell), and four workers submitted with `sbatch --array=0-3 deploy/slurm/quante-worker.sbatch`
# that connect over the host's network address with CURVE. Mid-study one array task is cancelled
# with scancel while it runs a job (and another is requeued with `scontrol requeue`); the study
# must still reach its budget with every trial recorded once and none failed, the cancelled
# task's job given back and run again elsewhere, each task on its own GPU and worker name.
# Needs root (daemons, munge user); installs Slurm and munge when missing; skips (exit 77) with
# the reason when they cannot run here.
# Usage: slurm_farm.sh SOURCE_DIR BUILD_DIR
set -euo pipefail
src=$(cd "$1" && pwd) build=$(cd "$2" && pwd)
bin="$build/bin"
here=$(cd "$(dirname "$0")" && pwd)
skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*"; exit 1; }
[ "$(id -u)" -eq 0 ] || skip "needs root to run slurmctld, slurmd and munged (as the munge user)"
bash "$here/install_slurm.sh" || exit $?
for b in quante-broker quante-worker quante-tuner quante-keygen; do
  [ -x "$bin/$b" ] || fail "$bin/$b is not built"
done
# shellcheck source-path=SCRIPTDIR source=slurm_cluster.sh
source "$here/slurm_cluster.sh"

work=$(mktemp -d /tmp/quante-slurm.XXXXXX)
pids=()
cleanup() {
  local status=$?
  if [ $status -ne 0 ] && [ $status -ne 77 ]; then
    for log in "$work"/broker.log "$work"/tuner.log "$work"/logs/*.log; do
      [ -s "$log" ] && { echo "--- $log"; tail -25 "$log"; }
    done
  fi
  slurm_cluster_stop
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
  exit $status
}
trap cleanup EXIT
chmod 755 "$work"  # for munged, which runs as the munge user under it
# shellcheck disable=SC2034  # read by slurm_cluster_start
QC_SLURM_CPUS=8 QC_SLURM_GPUS=4
slurm_cluster_start "$work/cluster" || exit $?

# wait_for SECONDS FILE PATTERN [COUNT]: until FILE holds COUNT lines matching PATTERN.
wait_for() {
  local deadline=$((SECONDS + $1)) count=${4:-1}
  while [ "$SECONDS" -lt "$deadline" ]; do
    [ "$(grep -c -- "$3" "$2" 2>/dev/null || true)" -ge "$count" ] && return 0
    sleep 0.1
  done
  fail "no $count x '$3' in $2 within $1 s"
}

# The broker with CURVE (slurm_cluster.sh); workers reach it as compute nodes would: by the
# host's network address, not loopback (where plaintext would be allowed).
slurm_farm_broker "$bin" "$work" "heartbeat_ms = 200" || fail "no broker"
grep -q "CURVE on" "$work/broker.log" || fail "the broker does not use CURVE"
[ -n "$address" ] || skip "this host has no network address besides loopback"

slurm_farm_configs "$work" $'heartbeat_ms = 200\nreconnect_ms = 100' $'heartbeat_ms = 200\nprogress = "lines"'
budget=20
cat >"$work/study.toml" <<TOML
name = "slurm"
objective = "delay"
budget = $budget
batch = 4
initial = 8
seed = 5
[space]
x0 = { type = "float", low = -5.0, high = 10.0 }
x1 = { type = "float", low = 0.0, high = 15.0 }
duration_ms = { type = "int", low = 2000, high = 2001 }
TOML

# The script refuses to override Slurm's GPU choice, and a task with two GPUs (exit 2, said in
# the task's log) before any worker starts.
refused() {  # refused NAME MESSAGE SBATCH-AND-SCRIPT-ARGS...: the task fails with MESSAGE in its log
  local name=$1 message=$2 id; shift 2
  id=$(cd "$work" && QUANTE_WORKER="$bin/quante-worker" sbatch --parsable --cpus-per-task=1 \
         --output="$work/logs/$name.log" "$@")
  qc_wait 60 bash -c "[ -z \"\$(squeue -h -j $id -o %i 2>/dev/null)\" ]" || fail "$name: job $id did not end"
  grep -q -- "$message" "$work/logs/$name.log" || fail "$name: no '$message' in its log: $(cat "$work/logs/$name.log")"
  scontrol show job "$id" | grep -q "ExitCode=2:0" || fail "$name: job $id did not exit 2: $(scontrol show job "$id" | grep -o 'ExitCode=[^ ]*')"
  echo "ok: $name refused: $message"
}
refused gpu-option "leave --gpu/--gpus out" "$src/deploy/slurm/quante-worker.sbatch" --config "$work/worker.toml" --gpu 1
refused two-gpus "one worker uses one GPU" --gres=gpu:2 "$src/deploy/slurm/quante-worker.sbatch" --config "$work/worker.toml"

# The workers: what a user types, with this build's binary and a CPU each (the script asks 4).
job=$(cd "$work" && QUANTE_WORKER="$bin/quante-worker" sbatch --parsable --array=0-3 --cpus-per-task=1 \
        --output="$work/logs/worker-%A_%a.log" "$src/deploy/slurm/quante-worker.sbatch" --config "$work/worker.toml")
job=${job%%;*}
echo "submitted job array $job"
wait_for 60 "$work/broker.log" " ready (" 4
gpus=""
for task in 0 1 2 3; do
  log="$work/logs/worker-${job}_$task.log"
  grep -q "worker qcnode/job${job}_$task ready (" "$work/broker.log" || fail "task $task did not register as qcnode/job${job}_$task"
  gpu=$(sed -n 's/.*CUDA_VISIBLE_DEVICES=\([0-9]*\)$/\1/p' "$log" | head -1)
  [ -n "$gpu" ] || fail "task $task was given no GPU by Slurm: $(head -3 "$log")"
  # The worker, started without --gpu, reports the GPU it inherited from CUDA_VISIBLE_DEVICES.
  reported=$(sed -n "s/.*worker qcnode\/job${job}_$task ready (host [^,]*, gpu \(-\?[0-9]*\),.*/\1/p" "$work/broker.log" | head -1)
  [ "$reported" = "$gpu" ] || fail "task $task's worker reports GPU '$reported', Slurm gave it $gpu"
  gpus+="$gpu "
done
[ "$(tr ' ' '\n' <<<"$gpus" | sed '/^$/d' | sort -u | wc -l)" -eq 4 ] || fail "the tasks share GPUs: $gpus"
echo "ok: 4 array tasks registered over CURVE on $address:$backend_port, GPUs $gpus"

"$bin/quante-tuner" run "$work/study.toml" --config "$work/tuner.toml" --history "$work/history.jsonl" \
  >"$work/tuner.log" 2>&1 &
tuner=$!
pids+=("$tuner")

# Cancel task 2 just after it starts its second job (the job has 2 s to run: it is in flight).
victim="$work/logs/worker-${job}_2.log"
wait_for 60 "$victim" "job .* (study slurm, attempt" 2
scancel "${job}_2"
in_flight=$(grep -o "job [^ ]* (study slurm, attempt" "$victim" | tail -1 | awk '{print $2}')
qc_wait 30 bash -c "[ -z \"\$(squeue -h -j ${job}_2 -o %i 2>/dev/null)\" ]" || fail "task 2 still runs after scancel"
wait_for 10 "$victim" "stopped after"
grep -q "stopping: giving job $in_flight back to the broker" "$victim" || fail "task 2 did not give its job $in_flight back"
wait_for 10 "$work/broker.log" "worker qcnode/job${job}_2 disconnects: worker stopping"
echo "ok: scancel ${job}_2: the worker gave job $in_flight back and left"

# Requeue task 1: it stops the same way, and Slurm starts it again under the same name. Slurm
# holds a requeued job back for two minutes (BeginTime); StartTime=now lets it go at once.
scontrol requeue "${job}_1"
wait_for 60 "$work/broker.log" "worker qcnode/job${job}_1 disconnects: worker stopping"
qc_wait 30 bash -c "squeue -h -j ${job}_1 -o %T | grep -q PENDING" || fail "task 1 is not pending after requeue"
scontrol update JobId="${job}_1" StartTime=now
echo "ok: scontrol requeue ${job}_1: the worker left the farm"

wait "$tuner" || fail "the tuner did not finish (exit $?)"
python3 - "$work/history.jsonl" "$budget" "$in_flight" "qcnode/job${job}_2" <<'PY'
import json, sys
path, budget, given_back, cancelled = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
records = [json.loads(line) for line in open(path) if line.strip()]
problems = []
if len(records) != budget:
    problems.append(f"{len(records)} records for a budget of {budget}")
jobs = [r["job"] for r in records]
twice = sorted({j for j in jobs if jobs.count(j) > 1})
if twice:
    problems.append(f"jobs recorded more than once: {twice}")
indexes = sorted(r["index"] for r in records)
if indexes != list(range(len(records))):
    problems.append(f"indexes are not 0..{len(records) - 1}: {indexes}")
bad = [(r["job"], r["status"], r.get("error")) for r in records if r["status"] != "ok" or r["loss"] is None]
if bad:
    problems.append(f"records not ok: {bad}")
again = [r for r in records if r["job"] == given_back]
if len(again) != 1:
    problems.append(f"the given-back job {given_back} is recorded {len(again)} times")
elif again[0]["worker"] == cancelled:
    problems.append(f"job {given_back} is credited to the cancelled worker {cancelled}")
strangers = sorted({r["worker"] for r in records if not r["worker"].startswith("qcnode/job")})
if strangers:
    problems.append(f"workers not named by the sbatch script: {strangers}")
if problems:
    print("FAIL: " + "; ".join(problems))
    sys.exit(1)
print(f"ok: {len(records)} evaluations, each job once, none failed; {given_back} ran again on {again[0]['worker']}")
PY
# The requeued task came back: Slurm ran it again (restart 1) and it registered again.
requeued="$work/logs/worker-${job}_1.log"
deadline=$((SECONDS + 150))
until grep -q "restart 1," "$requeued" 2>/dev/null || [ "$SECONDS" -ge "$deadline" ]; do sleep 0.5; done
# Slurm's own scheduling of the requeued task is not ours to test: twice in about ten runs here it
# stayed pending past 150 s (the reason is printed); what the farm must do, lose nothing when the
# worker leaves, is checked above. When Slurm does start it again, it must register again.
if grep -q "restart 1," "$requeued"; then
  wait_for 60 "$work/broker.log" "worker qcnode/job${job}_1 ready (" 2
  echo "ok: the requeued task ${job}_1 came back and registered again"
else
  echo "note: Slurm did not start the requeued task ${job}_1 again within 150 s: squeue: $(squeue -h -j "${job}_1" -o '%T %r start=%S' 2>&1); sinfo: $(sinfo -h -N -o '%N %T %E' 2>&1)"
fi
