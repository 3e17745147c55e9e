#!/usr/bin/env bash
# Several hosts: a broker in one network namespace, two workers each in its own namespace joined
# to the broker's by a veth pair, all over CURVE with config files and key files from
# quante-keygen, as the README's "More hosts" describes; a tuner next to the broker completes a
# study on both workers. Needs root (ip netns); skips (exit 77) with the reason otherwise.
# Usage: netns_farm.sh SOURCE_DIR BUILD_DIR
set -euo pipefail
src=$1 build=$2
bin="$build/bin"
skip() { echo "SKIP: $*"; exit 77; }
[ "$(id -u)" -eq 0 ] || skip "needs root to create network namespaces (ip netns, veth)"
if ! command -v ip >/dev/null; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends iproute2 >/dev/null || skip "iproute2 missing"
fi
tag="qc$$"
work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  for ns in b w1 w2; do ip netns del "$tag-$ns" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
ip netns add "$tag-b" 2>"$work/netns.err" || skip "ip netns add is not permitted here: $(cat "$work/netns.err")"
ip -n "$tag-b" link set lo up
for n in 1 2; do
  ip netns add "$tag-w$n"
  ip -n "$tag-w$n" link set lo up
  ip link add "$tag-b$n" type veth peer name "$tag-w$n" 2>"$work/veth.err" || skip "veth pairs are not permitted here: $(cat "$work/veth.err")"
  ip link set "$tag-b$n" netns "$tag-b"
  ip link set "$tag-w$n" netns "$tag-w$n"
  ip -n "$tag-b" addr add "10.231.$n.1/24" dev "$tag-b$n"
  ip -n "$tag-w$n" addr add "10.231.$n.2/24" dev "$tag-w$n"
  ip -n "$tag-b" link set "$tag-b$n" up
  ip -n "$tag-w$n" link set "$tag-w$n" up
done

# Keys: the broker's pair, one pair per worker host and one for the tuner.
mkdir -m 700 "$work/keys"
for name in broker host1 host2 tuner; do "$bin/quante-keygen" "$name" --dir "$work/keys" >/dev/null; done
cat "$work/keys/host1.pub" "$work/keys/host2.pub" >"$work/keys/workers.allow"
cp "$work/keys/tuner.pub" "$work/keys/tuners.allow"
cat >"$work/broker.toml" <<TOML
frontend = "tcp://127.0.0.1:5555"
backend = "tcp://*:5556"
heartbeat_ms = 200
[security]
secret_key_file = "$work/keys/broker.key"
tuner_keys_file = "$work/keys/tuners.allow"
worker_keys_file = "$work/keys/workers.allow"
TOML
for n in 1 2; do
  cat >"$work/worker$n.toml" <<TOML
broker = "tcp://10.231.$n.1:5556"
name = "host$n/gpu0"
heartbeat_ms = 200
reconnect_ms = 100
[security]
broker_public_key_file = "$work/keys/broker.pub"
secret_key_file = "$work/keys/host$n.key"
[objectives]
branin = "builtin:branin"
TOML
done
cat >"$work/tuner.toml" <<TOML
broker = "tcp://127.0.0.1:5555"
heartbeat_ms = 200
progress = "lines"
[security]
broker_public_key_file = "$work/keys/broker.pub"
secret_key_file = "$work/keys/tuner.key"
TOML
cat >"$work/study.toml" <<TOML
name = "netns"
objective = "branin"
budget = 10
batch = 2
initial = 4
seed = 11
[space]
x0 = { type = "float", low = -5.0, high = 10.0 }
x1 = { type = "float", low = 0.0, high = 15.0 }
TOML

wait_for() {  # wait_for SECONDS FILE PATTERN [COUNT]
  local deadline=$((SECONDS + $1)) count=${4:-1}
  while [ "$SECONDS" -lt "$deadline" ]; do
    [ "$(grep -c -- "$3" "$2" 2>/dev/null || true)" -ge "$count" ] && return 0
    sleep 0.1
  done
  echo "FAIL: no '$3' in $2 within $1 s"; cat "$2"; return 1
}

ip netns exec "$tag-b" "$bin/quante-broker" --config "$work/broker.toml" >"$work/broker.log" 2>&1 &
pids+=($!)
wait_for 20 "$work/broker.log" "CURVE on"
for n in 1 2; do
  ip netns exec "$tag-w$n" "$bin/quante-worker" --config "$work/worker$n.toml" >"$work/worker$n.log" 2>&1 &
  pids+=($!)
done
wait_for 30 "$work/broker.log" " ready (" 2
ip netns exec "$tag-b" timeout 120 "$bin/quante-tuner" run "$work/study.toml" --config "$work/tuner.toml" \
  --history "$work/history.jsonl" >"$work/tuner.log" 2>&1 || { echo "FAIL: the tuner did not finish"; cat "$work/tuner.log" "$work/broker.log"; exit 1; }
lines=$(wc -l <"$work/history.jsonl")
[ "$lines" -eq 10 ] || { echo "FAIL: $lines evaluations instead of 10"; exit 1; }
status=0
for n in 1 2; do
  if grep -q "\"worker\":\"host$n/gpu0\"" "$work/history.jsonl"; then echo "ok: host$n (namespace $tag-w$n, 10.231.$n.2) evaluated points"
  else echo "FAIL: host$n evaluated nothing"; status=1; fi
done
grep -q '"status":"failed"' "$work/history.jsonl" && { echo "FAIL: failed evaluations"; status=1; }
echo "ok: a study of 10 evaluations completed across 3 network namespaces over CURVE"
exit $status
