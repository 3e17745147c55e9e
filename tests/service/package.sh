#!/usr/bin/env bash
# Install and package: `cmake --install` into a scratch DESTDIR (default prefix and /usr) puts
# binaries, units and configs where they belong with matching paths inside the units; `cpack -G
# DEB` builds the .deb, which extracts (dpkg -x, a scratch root) with the files in place and
# carries the maintainer scripts that create the user and stop the services.
# Usage: package.sh SOURCE_DIR BUILD_DIR
set -euo pipefail
src=$1 build=$2
for tool in dpkg-deb cpack; do
  command -v "$tool" >/dev/null || { echo "SKIP: $tool is missing"; exit 77; }
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
status=0
need() {  # need FILE [GREP-PATTERN]
  if [ ! -e "$1" ]; then echo "FAIL: missing $1"; status=1; return; fi
  if [ $# -gt 1 ] && ! grep -q -- "$2" "$1"; then echo "FAIL: $1 lacks '$2'"; status=1; return; fi
  echo "ok: $1${2:+ has '$2'}"
}

# 1. cmake --install, prefix /usr/local: everything under it, units pointing into it.
DESTDIR="$work/local" cmake --install "$build" --prefix /usr/local >/dev/null
r="$work/local/usr/local"
for b in quante-broker quante-worker quante-tuner quante-keygen; do need "$r/bin/$b"; done
need "$r/lib/systemd/system/quante-broker.service" "ExecStart=/usr/local/bin/quante-broker --config /usr/local/etc/quante/broker.toml"
need "$r/lib/systemd/system/quante-worker@.service" "ExecStart=/usr/local/bin/quante-worker --config /usr/local/etc/quante/worker.toml --gpu %i"
need "$r/lib/systemd/system/quante-tuner@.service" "/usr/local/etc/quante/studies/%i.toml"
need "$r/etc/quante/broker.toml"
need "$r/etc/quante/worker.toml"
need "$r/etc/quante/tuner.toml"
[ "$(stat -c %a "$r/etc/quante/keys")" = 700 ] || { echo "FAIL: etc/quante/keys is not 0700"; status=1; }

# 2. cmake --install, prefix /usr: configs in /etc, units identical to systemd/.
DESTDIR="$work/usr" cmake --install "$build" --prefix /usr >/dev/null
for unit in quante-broker.service quante-worker@.service quante-tuner@.service; do
  if cmp -s "$src/systemd/$unit" "$work/usr/usr/lib/systemd/system/$unit"; then echo "ok: /usr/lib/systemd/system/$unit as in systemd/"
  else echo "FAIL: installed $unit differs from systemd/$unit"; status=1; fi
done
need "$work/usr/etc/quante/broker.toml"

# 3. The .deb, from the tree step 2 installed: the same install rules `cpack -G DEB` runs, without
#    its preinstall step (which builds every target of the tree again, tests included).
(cd "$work" && cpack -G DEB --config "$build/CPackConfig.cmake" -B "$work/pkg" -D CPACK_INSTALL_CMAKE_PROJECTS= \
   -D "CPACK_INSTALLED_DIRECTORIES=$work/usr;/" >"$work/cpack.log" 2>&1) ||
  { cat "$work/cpack.log"; echo "FAIL: cpack"; exit 1; }
deb=$(ls "$work"/pkg/*.deb)
echo "built $(basename "$deb")"
dpkg-deb --info "$deb" >"$work/info"
for script in postinst prerm postrm conffiles; do grep -q " $script" "$work/info" || { echo "FAIL: the .deb has no $script"; status=1; }; done
dpkg-deb --ctrl-tarfile "$deb" | tar -x -C "$work" ./postinst ./prerm ./conffiles
need "$work/postinst" "useradd --system\|adduser --system"
need "$work/prerm" "systemctl stop"
need "$work/conffiles" "/etc/quante/broker.toml"
mkdir "$work/root"
dpkg -x "$deb" "$work/root"
for b in quante-broker quante-worker quante-tuner quante-keygen; do need "$work/root/usr/bin/$b"; done
need "$work/root/usr/lib/systemd/system/quante-broker.service" "ExecStart=/usr/bin/quante-broker --config /etc/quante/broker.toml"
need "$work/root/usr/lib/systemd/system/quante-worker@.service" "ExecStart=/usr/bin/quante-worker --config /etc/quante/worker.toml --gpu %i"
need "$work/root/usr/lib/systemd/system/quante-tuner@.service" "ExecStart=/usr/bin/quante-tuner run /etc/quante/studies/%i.toml"
need "$work/root/etc/quante/broker.toml"
need "$work/root/etc/quante/worker.toml"
need "$work/root/etc/quante/tuner.toml"
need "$work/root/etc/quante/studies/branin-demo.toml.example"
need "$work/root/usr/share/doc/quante-carlo/README.md"
[ -d "$work/root/etc/quante/keys" ] || { echo "FAIL: no /etc/quante/keys"; status=1; }
# The extracted binaries run (their libraries resolve) and read the shipped config.
"$work/root/usr/bin/quante-broker" --config "$work/root/etc/quante/broker.toml" --help >/dev/null ||
  { echo "FAIL: the packaged broker does not start"; status=1; }
if dpkg-deb --field "$deb" Depends | grep -q libzmq5; then echo "ok: Depends names libzmq5"
else echo "FAIL: Depends lacks libzmq5: $(dpkg-deb --field "$deb" Depends)"; status=1; fi

# 4. The maintainer scripts against a scratch root: postinst makes the user (in a chroot-free
#    way: run it with a fake getent/useradd that record what they were asked).
mkdir -p "$work/fakebin"
printf '#!/bin/sh\nexit 2\n' >"$work/fakebin/getent"
printf '#!/bin/sh\necho "$0 $*" >>"%s/calls"\n' "$work" >"$work/fakebin/useradd"
cp "$work/fakebin/useradd" "$work/fakebin/adduser"
printf '#!/bin/sh\necho "$0 $*" >>"%s/calls"\n' "$work" >"$work/fakebin/chown"
cp "$work/fakebin/chown" "$work/fakebin/chmod"
cp "$work/fakebin/chown" "$work/fakebin/systemctl"  # never touch this host's systemd
chmod +x "$work"/fakebin/*
PATH="$work/fakebin:$PATH" sh "$work/postinst" configure
grep -q -- "--system" "$work/calls" && grep -q "quante" "$work/calls" && echo "ok: postinst creates the quante system user" ||
  { echo "FAIL: postinst did not create the user"; cat "$work/calls"; status=1; }
exit $status
