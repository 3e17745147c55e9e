#!/usr/bin/env bash
# The units in systemd/: `systemd-analyze verify` (templates through instances) with nothing on
# stderr (it exits 0 on unknown keys, so the exit code alone proves nothing), and
# `systemd-analyze security --offline=yes --threshold=N` so hardening cannot regress.
# The ExecStart= binaries are pointed at this build (verify checks that they exist).
# Usage: systemd_units.sh SOURCE_DIR BUILD_DIR
set -euo pipefail
src=$1 build=$2

if ! command -v systemd-analyze >/dev/null; then
  if [ "$(id -u)" -ne 0 ]; then echo "SKIP: systemd-analyze missing and not root to install systemd"; exit 77; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends systemd >/dev/null
fi
for b in quante-broker quante-worker quante-tuner; do
  [ -x "$build/bin/$b" ] || { echo "FAIL: $build/bin/$b is not built"; exit 1; }
done

# Exposure thresholds in tenths (--threshold=12 fails above 1.2; 0 = best, 100 = worst): what
# each unit scores today, so that hardening cannot regress unnoticed.
declare -A threshold=([quante-broker.service]=12 [quante-worker@0.service]=16 [quante-tuner@demo.service]=12)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for unit in "$src"/systemd/*.service; do
  sed "s|/usr/bin/|$build/bin/|g" "$unit" >"$work/$(basename "$unit")"
done
cd "$work"
status=0
for unit in quante-broker.service quante-worker@0.service quante-tuner@demo.service; do
  if ! systemd-analyze verify "$work/$unit" 2>"$work/verify.err" >"$work/verify.out"; then
    echo "FAIL: systemd-analyze verify $unit exited non-zero"; status=1
  fi
  if [ -s "$work/verify.err" ]; then
    echo "FAIL: systemd-analyze verify $unit wrote to stderr:"; cat "$work/verify.err"; status=1
  else
    echo "ok: verify $unit"
  fi
  score=$(systemd-analyze security --offline=yes --no-pager "$work/$unit" 2>/dev/null |
          sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
  if systemd-analyze security --offline=yes --no-pager --threshold="${threshold[$unit]}" "$work/$unit" >/dev/null 2>&1; then
    echo "ok: security $unit exposure $score (threshold ${threshold[$unit]} tenths)"
  else
    echo "FAIL: security $unit exposure $score is over the threshold of ${threshold[$unit]} tenths"; status=1
  fi
done
# The service contract every unit keeps (restart with back-off, notify + watchdog, own user).
for unit in "$src"/systemd/*.service; do
  for line in Type=notify WatchdogSec=30s Restart=on-failure RestartSec=5s StartLimitIntervalSec=600 \
              StartLimitBurst=10 TimeoutStopSec=30s KillMode=mixed User=quante NoNewPrivileges=yes \
              ProtectSystem=strict ProtectHome=yes PrivateTmp=yes; do
    grep -qx "$line" "$unit" || { echo "FAIL: $(basename "$unit") lacks $line"; status=1; }
  done
  grep -q '^StateDirectory=quante' "$unit" || { echo "FAIL: $(basename "$unit") lacks StateDirectory=quante"; status=1; }
done
# A unit that is hardened only on paper: the worker keeps /dev/nvidia* (no PrivateDevices).
grep -q '^PrivateDevices=' "$src/systemd/quante-worker@.service" && { echo "FAIL: the worker unit hides /dev/nvidia*"; status=1; }
grep -q '^DeviceAllow=/dev/nvidia%i rw' "$src/systemd/quante-worker@.service" || { echo "FAIL: the worker unit does not allow its GPU"; status=1; }
exit $status
