#!/usr/bin/env bash
# Installs Debian's Slurm (slurmctld, slurmd, the client commands) and munge when any of them is
# missing, for tests/slurm/slurm_farm.sh and bench/slurm/bench_slurm.sh; plain builds never pull
# Slurm. The packages' own services are kept from starting (a temporary policy-rc.d, removed
# afterwards): the tests start private daemons with their own config, ports and key.
# Exits 0 when everything is there, 77 (skip) with the reason when it cannot install.
set -euo pipefail
need=()
for pair in slurmctld:slurmctld slurmd:slurmd sbatch:slurm-client munged:munge; do
  command -v "${pair%%:*}" >/dev/null || [ -x "/usr/sbin/${pair%%:*}" ] || need+=("${pair#*:}")
done
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then echo "SKIP: ${need[*]} missing and not root to install them"; exit 77; fi
command -v apt-get >/dev/null || { echo "SKIP: ${need[*]} missing and no apt-get to install them"; exit 77; }
policy=/usr/sbin/policy-rc.d
made_policy=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 755 "$policy" && made_policy=1
fi
trap '[ $made_policy -eq 0 ] || rm -f "$policy"' EXIT
log=$(mktemp)
if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >"$log" 2>&1; then
  DEBIAN_FRONTEND=noninteractive apt-get update -qq >>"$log" 2>&1 || true
  if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >>"$log" 2>&1; then
    echo "SKIP: could not install ${need[*]}:"; tail -5 "$log"; rm -f "$log"; exit 77
  fi
fi
rm -f "$log"
