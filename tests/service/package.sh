#!/usr/bin/env bash
# The Debian package, built the way the README says (`cmake -S . -B build && cmake --build build
# -j && (cd build && cpack -G DEB)`, no extra flags), then: lintian with no E: line; the files
# where Debian wants them (/usr/bin, /etc/quante as conffiles, the systemd unit folder, the
# copyright and changelog, the Python helper on python3's path, man pages); and dpkg -i of it into
# a throwaway copy of this system (an overlay of / in a private mount namespace, so the host is
# never touched) where the user is made, the conffiles registered, `import quante_objective`
# works, and dpkg --purge takes it away again. Also `cmake --install` for the prefixes /usr/local
# and /usr.
#
# Which build folder: the README's configure step is run into BUILD_DIR/package-readme; when its
# cache equals BUILD_DIR's (same options and paths found; only the build folder and the compiler
# launcher may differ), BUILD_DIR is already a README build, so it is built (up to date after
# scripts/build) and packaged in place, as README's `(cd build && cpack -G DEB)`. Otherwise (a
# build configured with other options, such as -DCMAKE_BUILD_TYPE=Release) the package is built
# in package-readme: a second full build, through ccache when it is installed. The build step
# uses -j "$(nproc)" rather than README's bare -j, which asks make for no limit at all; the
# number of jobs does not change what is built.
# Usage: package.sh SOURCE_DIR BUILD_DIR
set -euo pipefail
src=$(cd "$1" && pwd) build=$(cd "$2" && pwd)
for tool in dpkg-deb cpack dpkg-shlibdeps python3; do
  command -v "$tool" >/dev/null || { echo "SKIP: $tool is missing"; exit 77; }
done
if ! command -v lintian >/dev/null; then
  if [ "$(id -u)" -ne 0 ]; then echo "SKIP: lintian missing and not root to install it"; exit 77; fi
  echo "installing lintian"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq --no-install-recommends lintian >/dev/null ||
    { apt-get update -qq && apt-get install -y -qq --no-install-recommends lintian >/dev/null; }
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
status=0
fail() { echo "FAIL: $*"; status=1; }
need() {  # need FILE [GREP-PATTERN]
  if [ ! -e "$1" ]; then fail "missing $1"; return; fi
  if [ $# -gt 1 ] && ! grep -q -- "$2" "$1"; then fail "$1 lacks '$2'"; return; fi
  echo "ok: $1${2:+ has '$2'}"
}
cache_value() { sed -n "s/^$2:[A-Z]*=//p" "$1/CMakeCache.txt"; }
unit_dir=$(cache_value "$build" QUANTE_SYSTEMD_UNIT_DIR)

# 1. cmake --install, prefix /usr/local: everything under it, units pointing into it.
DESTDIR="$work/local" cmake --install "$build" --prefix /usr/local >/dev/null
r="$work/local/usr/local"
for b in quante-broker quante-worker quante-tuner quante-keygen; do need "$r/bin/$b"; done
need "$r/lib/systemd/system/quante-broker.service" "ExecStart=/usr/local/bin/quante-broker --config /usr/local/etc/quante/broker.toml"
need "$r/lib/systemd/system/quante-worker@.service" "ExecStart=/usr/local/bin/quante-worker --config /usr/local/etc/quante/worker.toml --gpus %i"
need "$r/lib/systemd/system/quante-tuner@.service" "/usr/local/etc/quante/studies/%i.toml"
need "$r/etc/quante/broker.toml"
need "$r/etc/quante/worker.toml"
need "$r/etc/quante/tuner.toml"
need "$r/lib/python3/dist-packages/quante_objective.py"
[ "$(stat -c %a "$r/etc/quante/keys")" = 700 ] || fail "etc/quante/keys is not 0700"

# 2. cmake --install, prefix /usr: configs in /etc, units (in systemd's folder) identical to systemd/.
DESTDIR="$work/usr" cmake --install "$build" --prefix /usr >/dev/null
for unit in quante-broker.service quante-worker@.service quante-tuner@.service; do
  if cmp -s "$src/systemd/$unit" "$work/usr$unit_dir/$unit"; then echo "ok: $unit_dir/$unit as in systemd/"
  else fail "installed $unit_dir/$unit differs from systemd/$unit"; fi
done
need "$work/usr/etc/quante/broker.toml"

# 3. The README's recipe.
readme="$build/package-readme"
if command -v ccache >/dev/null && [ -z "${CMAKE_CXX_COMPILER_LAUNCHER:-}" ]; then
  export CMAKE_CXX_COMPILER_LAUNCHER=ccache
fi
(cd "$src" && cmake -S . -B "$readme" >"$work/configure.log" 2>&1) || { cat "$work/configure.log"; fail "configure"; exit 1; }
cache_view() {  # the cache entries a user or a find_* set, with the build folder's own path masked
  grep -E '^[A-Za-z0-9_.+-]+:(BOOL|STRING|PATH|FILEPATH|UNINITIALIZED)=' "$1/CMakeCache.txt" |
    grep -v '_COMPILER_LAUNCHER:' | sed "s|$1|BUILD|g" | sort
}
if diff <(cache_view "$build") <(cache_view "$readme") >"$work/cache.diff"; then
  dir=$build
  echo "ok: $build is configured as README's 'cmake -S . -B build' configures: packaging it in place"
else
  dir=$readme
  echo "note: $build is configured differently from README's recipe, building $readme:"
  sed 's/^/  /' "$work/cache.diff"
fi
cmake --build "$dir" -j "$(nproc)" >"$work/build.log" 2>&1 || { tail -50 "$work/build.log"; fail "build"; exit 1; }
rm -f "$dir"/quante-carlo_*.deb
(cd "$dir" && cpack -G DEB >"$work/cpack.log" 2>&1) || { cat "$work/cpack.log"; fail "cpack"; exit 1; }
deb=$(ls "$dir"/quante-carlo_*.deb)
version=$(dpkg-deb --field "$deb" Version)
echo "built $deb (version $version)"

# 4. lintian: errors fail the test; warnings are listed.
lintian --tag-display-limit 0 "$deb" >"$work/lintian.log" 2>&1 || true
sed 's/^/  lintian: /' "$work/lintian.log"
errors=$(grep -c '^E: ' "$work/lintian.log" || true)
warnings=$(grep -c '^W: ' "$work/lintian.log" || true)
echo "lintian: $errors E:, $warnings W:"
[ "$errors" -eq 0 ] || fail "lintian reports $errors errors"

# 5. What is inside.
dpkg-deb --contents "$deb" >"$work/contents"
if grep -q '\./usr/local' "$work/contents"; then fail "files under /usr/local:"; grep '\./usr/local' "$work/contents"; fi
mkdir "$work/ctrl" "$work/root"
dpkg-deb --control "$deb" "$work/ctrl"
dpkg-deb -x "$deb" "$work/root"
for script in postinst prerm postrm conffiles; do need "$work/ctrl/$script"; done
need "$work/ctrl/postinst" "useradd --system\|adduser --system"
need "$work/ctrl/prerm" "deb-systemd-invoke stop"
# Conffiles: every file under /etc, and nothing else.
(cd "$work/root" && find etc -type f | sed 's|^|/|' | sort) >"$work/etc-files"
sort "$work/ctrl/conffiles" >"$work/conffiles"
if cmp -s "$work/etc-files" "$work/conffiles"; then echo "ok: conffiles are the $(wc -l <"$work/conffiles") files under /etc"
else fail "conffiles differ from the files under /etc:"; diff "$work/conffiles" "$work/etc-files" || true; fi
grep -qx /etc/quante/broker.toml "$work/conffiles" || fail "/etc/quante/broker.toml is not a conffile"
for b in quante-broker quante-worker quante-tuner quante-keygen; do
  need "$work/root/usr/bin/$b"
  [ "$(stat -c %a "$work/root/usr/bin/$b")" = 755 ] || fail "/usr/bin/$b is not 0755"
done
[ "$(stat -c %a "$work/root/etc/quante/keys")" = 700 ] || fail "/etc/quante/keys is not 0700"
need "$work/root$unit_dir/quante-broker.service" "ExecStart=/usr/bin/quante-broker --config /etc/quante/broker.toml"
need "$work/root$unit_dir/quante-worker@.service" "ExecStart=/usr/bin/quante-worker --config /etc/quante/worker.toml --gpus %i"
need "$work/root$unit_dir/quante-tuner@.service" "ExecStart=/usr/bin/quante-tuner run /etc/quante/studies/%i.toml"
for f in broker.toml worker.toml tuner.toml studies/branin-demo.toml.example; do need "$work/root/etc/quante/$f"; done
doc="$work/root/usr/share/doc/quante-carlo"
need "$doc/README.md"
need "$doc/copyright" "^Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/"
need "$doc/changelog.Debian.gz"
top=$(gzip -dc "$doc/changelog.Debian.gz" | head -1)
[[ "$top" == "quante-carlo ($version) "* ]] && echo "ok: changelog.Debian.gz starts at $version" ||
  fail "changelog.Debian.gz starts with '$top', not version $version"
if [ -n "$(cache_value "$dir" QUANTE_HELP2MAN | grep -v NOTFOUND)" ]; then
  for b in quante-broker quante-worker quante-tuner quante-keygen; do need "$work/root/usr/share/man/man1/$b.1.gz"; done
fi
need "$work/root/usr/lib/python3/dist-packages/quante_objective.py"
(cd "$work" && PYTHONPATH="$work/root/usr/lib/python3/dist-packages" python3 -c \
  'import quante_objective, sys; sys.exit(not quante_objective.__file__.startswith(sys.argv[1]))' "$work/root") &&
  echo "ok: python3 imports quante_objective from the extracted package" || fail "python3 cannot import quante_objective from the package"
"$work/root/usr/bin/quante-broker" --config "$work/root/etc/quante/broker.toml" --help >/dev/null ||
  fail "the packaged broker does not start"
depends=$(dpkg-deb --field "$deb" Depends)
[[ "$depends" == *libzmq5* ]] && echo "ok: Depends: $depends" || fail "Depends lacks libzmq5: $depends"

# 6. dpkg -i, for real, into a copy-on-write copy of this system: an overlay of / whose changes
#    live in a tmpfs of a private mount namespace and vanish with it.
sandbox_ok() {
  [ "$(id -u)" -eq 0 ] && command -v unshare >/dev/null &&
    unshare --mount --fork sh -c "mount -t tmpfs tmpfs '$work/probe' 2>/dev/null" 2>/dev/null
}
mkdir "$work/probe" "$work/sandbox"
if sandbox_ok; then
  cp "$deb" "$work/sandbox/quante-carlo.deb"
  cat >"$work/sandbox/inside.sh" <<'EOF'
set -u
status=0
fail() { echo "FAIL: $*"; status=1; }
if dpkg -s quante-carlo >/dev/null 2>&1; then dpkg --purge quante-carlo >/dev/null; fi  # a copy of one installed here
dpkg -i /pkg/quante-carlo.deb >/pkg/dpkg.log 2>&1 || { cat /pkg/dpkg.log; fail "dpkg -i"; exit 1; }
echo "ok: dpkg -i"
conffiles=$(dpkg-query -W -f='${Conffiles}\n' quante-carlo)
for f in broker worker tuner; do
  echo "$conffiles" | grep -q "^ /etc/quante/$f.toml [0-9a-f]\{32\}$" && echo "ok: dpkg lists /etc/quante/$f.toml as a conffile" ||
    fail "dpkg does not list /etc/quante/$f.toml as a conffile"
done
getent passwd quante >/dev/null && echo "ok: postinst made the quante user" || fail "no quante user"
[ "$(stat -c '%U %a' /etc/quante/keys)" = "root 700" ] || fail "/etc/quante/keys is not root's 0700"
(cd / && python3 -c 'import quante_objective; print("ok: import quante_objective:", quante_objective.__file__)') ||
  fail "python3 -c 'import quante_objective' fails"
/usr/bin/quante-broker --version || fail "quante-broker --version"
man -w quante-tuner >/dev/null 2>&1 && echo "ok: man quante-tuner" || echo "note: no man page for quante-tuner"
dpkg --purge quante-carlo >/pkg/purge.log 2>&1 || { cat /pkg/purge.log; fail "dpkg --purge"; }
[ ! -e /usr/bin/quante-broker ] && [ ! -e /etc/quante/broker.toml ] && echo "ok: dpkg --purge removed it" ||
  fail "files left after dpkg --purge"
exit $status
EOF
  unshare --mount --fork bash -c '
    set -e
    w=$1
    mount --make-rprivate /
    mount -t tmpfs tmpfs "$w/probe"
    mkdir "$w/probe/upper" "$w/probe/work" "$w/probe/root"
    mount -t overlay overlay -o "lowerdir=/,upperdir=$w/probe/upper,workdir=$w/probe/work" "$w/probe/root"
    for m in proc dev sys; do mount --rbind "/$m" "$w/probe/root/$m"; done
    mkdir -p "$w/probe/root/pkg" && mount --bind "$w/sandbox" "$w/probe/root/pkg"
    exec chroot "$w/probe/root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 bash /pkg/inside.sh' _ "$work" ||
    status=1
else
  echo "note: not root or no mount namespaces here: no dpkg -i; postinst checked with stand-in tools instead"
  mkdir -p "$work/fakebin"
  printf '#!/bin/sh\nexit 2\n' >"$work/fakebin/getent"
  for tool in useradd adduser chown chmod systemctl; do  # never touch this host's users or systemd
    printf '#!/bin/sh\necho "$0 $*" >>"%s/calls"\n' "$work" >"$work/fakebin/$tool"
  done
  chmod +x "$work"/fakebin/*
  PATH="$work/fakebin:$PATH" sh "$work/ctrl/postinst" configure
  grep -q -- "--system" "$work/calls" && grep -q "quante" "$work/calls" && echo "ok: postinst creates the quante system user" ||
    { fail "postinst did not create the user"; cat "$work/calls"; }
fi
exit $status
