#!/usr/bin/env bash
# The browser tests' setup (a ctest fixture): installs Debian's chromium when it is missing, so
# that plain builds never pull it (it is large). Always exits 0: when chromium cannot be had
# (not root and no password-less sudo, no apt), the tests themselves report SKIPPED with why.
set -uo pipefail
if command -v chromium >/dev/null 2>&1; then
  echo "ensure-chromium: $(chromium --version 2>/dev/null || echo chromium) is installed"
  exit 0
fi
sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
  if sudo -n true 2>/dev/null; then sudo_cmd=(sudo -n); else
    echo "ensure-chromium: chromium is missing and this user cannot install packages (not root, no sudo -n)"
    exit 0
  fi
fi
export DEBIAN_FRONTEND=noninteractive
echo "ensure-chromium: installing chromium with apt-get"
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends chromium ||
  { "${sudo_cmd[@]}" apt-get update -qq && "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends chromium; } ||
  echo "ensure-chromium: apt-get could not install chromium"
exit 0
