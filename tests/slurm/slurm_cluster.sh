# shellcheck shell=bash
# A private one-host Slurm cluster for tests and benchmarks, sourced by tests/slurm/slurm_farm.sh
# and bench/slurm/bench_slurm.sh. It starts its own munged (as the munge user, with its own key
# and socket), slurmctld and slurmd (as root, from a slurm.conf it writes under the given folder,
# on ports of their own), and stops exactly those processes again: their pids are recorded when
# they start, and every other command points at this cluster through SLURM_CONF.
#
# The cluster is one node, "qcnode", with QC_SLURM_CPUS CPUs (more than the host has; slurmd is
# told to trust the config) and QC_SLURM_GPUS fake GPUs through gres: File= entries are device files
# under the folder (links to /dev/null), enough for Slurm to hand out one per job and set
# CUDA_VISIBLE_DEVICES.
# ProctrackType=proctrack/linuxproc and TaskPlugin=task/none need no cgroups, so it runs in a
# container; what cannot run here makes slurm_cluster_start return 77 with the reason.
#
# Use: slurm_cluster_start DIR  (sets SLURM_CONF, exported)  ...  slurm_cluster_stop
# The farm's broker on it: slurm_farm_broker (below).

QC_SLURM_CPUS=${QC_SLURM_CPUS:-8}
QC_SLURM_GPUS=${QC_SLURM_GPUS:-4}
QC_SLURM_PORT=${QC_SLURM_PORT:-16817}   # slurmctld; slurmd takes the next one
qc_slurm_dir=""
qc_slurm_pids=()

qc_slurm_fail() {  # the reason, the logs that say why, then 77
  echo "SKIP: the Slurm cluster cannot run here: $*"
  for log in "$qc_slurm_dir"/log/*.log; do [ -s "$log" ] && { echo "--- $log"; tail -15 "$log"; }; done
  return 77
}

# qc_wait SECONDS COMMAND...: runs COMMAND every 0.1 s until it succeeds, or fails after SECONDS.
qc_wait() {
  local deadline=$((SECONDS + $1)); shift
  until "$@" >/dev/null 2>&1; do
    [ "$SECONDS" -lt "$deadline" ] || return 1
    sleep 0.1
  done
}

slurm_cluster_start() {
  qc_slurm_dir=$1
  local dir=$1 host
  host=$(hostname)
  # munged runs as the munge user: it must reach its folder through ours (callers make the
  # folders above DIR searchable).
  mkdir -p "$dir"
  chmod 755 "$dir"
  runuser -u munge -- test -x "$dir" || { qc_slurm_fail "the munge user cannot reach $dir"; return 77; }
  mkdir -p "$dir/munge" "$dir/state" "$dir/spool" "$dir/log" "$dir/gpu"
  chmod 755 "$dir/log"
  dd if=/dev/urandom of="$dir/munge/munge.key" bs=1024 count=1 status=none
  chown -R munge:munge "$dir/munge"
  chmod 700 "$dir/munge"
  chmod 400 "$dir/munge/munge.key"
  touch "$dir/log/munged.log" && chown munge:munge "$dir/log/munged.log"
  runuser -u munge -- /usr/sbin/munged --force --socket="$dir/munge/munge.socket" \
    --key-file="$dir/munge/munge.key" --pid-file="$dir/munge/munged.pid" \
    --seed-file="$dir/munge/munged.seed" --log-file="$dir/log/munged.log" \
    >"$dir/log/munged.start.log" 2>&1 || { qc_slurm_fail "munged did not start"; return 77; }
  qc_wait 10 test -s "$dir/munge/munged.pid" || { qc_slurm_fail "munged wrote no pid file"; return 77; }
  qc_slurm_pids+=("$(cat "$dir/munge/munged.pid")")

  local gpu_files=""
  # gres wants a character device per GPU: links to /dev/null pass its check, and nothing opens them.
  for ((i = 0; i < QC_SLURM_GPUS; i++)); do ln -s /dev/null "$dir/gpu/nvidia$i"; done
  [ "$QC_SLURM_GPUS" -gt 0 ] && gpu_files="Gres=gpu:$QC_SLURM_GPUS"
  cat >"$dir/slurm.conf" <<CONF
ClusterName=quantetest
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$QC_SLURM_PORT
SlurmdPort=$((QC_SLURM_PORT + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$dir/munge/munge.socket
CredType=cred/munge
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SwitchType=switch/none
MpiDefault=none
SchedulerType=sched/backfill
SchedulerParameters=sched_interval=2,bf_interval=2
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SlurmdParameters=config_overrides
ReturnToService=2
KillWait=10
InactiveLimit=0
MinJobAge=300
JobCompType=jobcomp/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
GresTypes=gpu
NodeName=qcnode NodeHostname=$host NodeAddr=127.0.0.1 CPUs=$QC_SLURM_CPUS RealMemory=1024 $gpu_files State=UNKNOWN
PartitionName=qc Nodes=qcnode Default=YES MaxTime=INFINITE State=UP
CONF
  : >"$dir/gres.conf"
  [ "$QC_SLURM_GPUS" -gt 0 ] && echo "NodeName=qcnode Name=gpu File=$dir/gpu/nvidia[0-$((QC_SLURM_GPUS - 1))]" >"$dir/gres.conf"
  export SLURM_CONF="$dir/slurm.conf"

  /usr/sbin/slurmctld -D -i -f "$SLURM_CONF" >"$dir/log/slurmctld.out" 2>&1 &
  qc_slurm_pids+=($!)
  qc_wait 30 scontrol ping || { qc_slurm_fail "slurmctld does not answer scontrol ping"; return 77; }
  /usr/sbin/slurmd -D -N qcnode -f "$SLURM_CONF" >"$dir/log/slurmd.out" 2>&1 &
  qc_slurm_pids+=($!)
  qc_wait 30 qc_node_idle || { qc_slurm_fail "node qcnode did not come up idle: $(sinfo -h -N -o '%N %T %E' 2>&1)"; return 77; }
}

# slurm_farm_broker BIN WORK [LINE...]: the farm's CURVE broker, as the farm test and the Slurm
# bench both start it. Writes key pairs broker, workers (one pair for all the Slurm workers) and
# tuner under WORK/keys, WORK/broker.toml (tuner port on loopback, worker port on every address,
# the LINEs as extra top-level keys), starts BIN/quante-broker in the background (its pid appended
# to the caller's `pids`, its log WORK/broker.log) and, once it listens, sets frontend_port,
# backend_port and address (the host's network address, which workers use as compute nodes
# would; empty when the host has none besides loopback). Returns 1, saying why, when the broker
# does not come up.
slurm_farm_broker() {
  local bin=$1 work=$2 name
  shift 2
  mkdir -m 700 "$work/keys" "$work/logs"
  for name in broker workers tuner; do "$bin/quante-keygen" "$name" --dir "$work/keys" >/dev/null; done
  {
    echo 'frontend = "tcp://127.0.0.1:*"'
    echo 'backend = "tcp://*:*"'
    [ $# -eq 0 ] || printf '%s\n' "$@"
    cat <<TOML
[security]
secret_key_file = "$work/keys/broker.key"
tuner_keys_file = "$work/keys/tuner.pub"
worker_keys_file = "$work/keys/workers.pub"
TOML
  } >"$work/broker.toml"
  "$bin/quante-broker" --config "$work/broker.toml" >"$work/broker.log" 2>&1 &
  pids+=($!)
  qc_wait 20 grep -q "workers on tcp://" "$work/broker.log" || { echo "the broker did not start listening"; return 1; }
  frontend_port=$(sed -n 's/.*tuners on tcp:\/\/[^ ]*:\([0-9]*\),.*/\1/p' "$work/broker.log" | head -1)
  backend_port=$(sed -n 's/.*workers on tcp:\/\/[^ ]*:\([0-9]*\)$/\1/p' "$work/broker.log" | head -1)
  { [ -n "$frontend_port" ] && [ -n "$backend_port" ]; } || { echo "no ports in the broker's log"; return 1; }
  # shellcheck disable=SC2034  # read by the caller
  address=$(hostname -I 2>/dev/null | awk '{print $1}')
}

# slurm_farm_configs WORK [WORKER_LINES [TUNER_LINES]]: after slurm_farm_broker, WORK/worker.toml
# (the broker at the host's address; objective "delay" = builtin:delay:branin) and WORK/tuner.toml
# (the broker on loopback), with their CURVE keys and the given extra top-level lines.
slurm_farm_configs() {
  local work=$1 worker_lines=${2:-} tuner_lines=${3:-}
  {
    echo "broker = \"tcp://$address:$backend_port\""
    [ -z "$worker_lines" ] || echo "$worker_lines"
    cat <<TOML
[security]
broker_public_key_file = "$work/keys/broker.pub"
secret_key_file = "$work/keys/workers.key"
[objectives]
delay = "builtin:delay:branin"
TOML
  } >"$work/worker.toml"
  {
    echo "broker = \"tcp://127.0.0.1:$frontend_port\""
    [ -z "$tuner_lines" ] || echo "$tuner_lines"
    cat <<TOML
[security]
broker_public_key_file = "$work/keys/broker.pub"
secret_key_file = "$work/keys/tuner.key"
TOML
  } >"$work/tuner.toml"
}

qc_node_idle() { [ "$(sinfo -h -n qcnode -o %T 2>/dev/null)" = idle ]; }
qc_no_jobs() { [ -z "$(squeue -h -o %i 2>/dev/null)" ]; }

# Cancels every job of this cluster, waits for them to end, then stops the daemons it started.
slurm_cluster_stop() {
  if [ -n "${SLURM_CONF:-}" ] && [ "${#qc_slurm_pids[@]}" -ge 3 ]; then
    scancel --full --quiet --user=root 2>/dev/null || true
    qc_wait 30 qc_no_jobs || echo "warning: jobs still listed after scancel: $(squeue -h 2>&1)"
  fi
  local pid i
  for ((i = ${#qc_slurm_pids[@]} - 1; i >= 0; i--)); do
    pid=${qc_slurm_pids[i]}
    kill -TERM "$pid" 2>/dev/null || continue
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  qc_slurm_pids=()
}
