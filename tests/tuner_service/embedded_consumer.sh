#!/usr/bin/env bash
# The embedding API as another project sees it: `cmake --install BUILD --component dev` into a
# temporary prefix, then a project of its own (find_package(quante-carlo), quante::carlo, the
# source examples/embedded.cpp copied beside it) configured and built against that prefix alone,
# with one more file that includes every installed header (each must compile from the install
# tree). The example runs twice: both runs must print the same `best ... at ...` line (same seed,
# same result) and it must reach the stated optimum 0 at x = 1, y = -2, mode = b within 0.05.
# Usage: embedded_consumer.sh SOURCE_DIR BUILD_DIR
set -euo pipefail
src=$(cd "$1" && pwd) build=$(cd "$2" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
status=0
fail() { echo "FAIL: $*"; status=1; }
cache_value() { sed -n "s/^$1:[A-Z]*=//p" "$build/CMakeCache.txt"; }

# 1. Install the library part only (the programs need not be built for it).
prefix="$work/prefix"
cmake --install "$build" --prefix "$prefix" --component dev >"$work/install.log" ||
  { cat "$work/install.log"; echo "FAIL: cmake --install --component dev"; exit 1; }
for f in include/quante/local_run.hpp include/quante/space.hpp include/quante/params.hpp \
         include/quante/history.hpp lib/libquante_tuner.a lib/cmake/quante-carlo/quante-carloConfig.cmake \
         lib/cmake/quante-carlo/quante-carloConfigVersion.cmake; do
  [ -e "$prefix/$f" ] && echo "ok: installed $f" || fail "not installed: $f"
done
[ "$status" -eq 0 ] || exit 1

# 2. A consumer project: the example, and a file including every installed header.
app="$work/app"
mkdir "$app"
cp "$src/examples/embedded.cpp" "$app/"
(cd "$prefix/include" && find quante -name '*.hpp' | sort | sed 's/.*/#include <&>/') >"$app/all_headers.cpp"
echo "int quante_all_headers_compile = 0;" >>"$app/all_headers.cpp"
cat >"$app/CMakeLists.txt" <<'CMAKE'
cmake_minimum_required(VERSION 3.25)
project(quante_consumer LANGUAGES CXX)
set(CMAKE_CXX_STANDARD 20)
find_package(quante-carlo 0.1 REQUIRED)
add_executable(app embedded.cpp)
target_link_libraries(app PRIVATE quante::carlo)
add_library(all_headers OBJECT all_headers.cpp)
target_link_libraries(all_headers PRIVATE quante::carlo)
CMAKE
launcher=$(cache_value CMAKE_CXX_COMPILER_LAUNCHER)
cmake -S "$app" -B "$app/build" -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$prefix" \
  -DCMAKE_CXX_COMPILER="$(cache_value CMAKE_CXX_COMPILER)" ${launcher:+-DCMAKE_CXX_COMPILER_LAUNCHER="$launcher"} \
  >"$work/configure.log" 2>&1 || { cat "$work/configure.log"; echo "FAIL: consumer configure"; exit 1; }
echo "ok: find_package(quante-carlo) from $prefix"
cmake --build "$app/build" -j 2 >"$work/build.log" 2>&1 ||
  { tail -40 "$work/build.log"; echo "FAIL: consumer build"; exit 1; }
echo "ok: the consumer builds (embedded.cpp and all $(grep -c '^#include' "$app/all_headers.cpp") installed headers)"
# Its include path must be the install tree, never this source tree.
if grep -rq -- "$src" "$app/build/CMakeFiles/app.dir/flags.make"; then fail "the consumer compiles with $src on its paths"; fi

# 3. Run it twice.
runs=()
for i in 1 2; do
  out=$("$app/build/app") || fail "run $i exits $?"
  echo "run $i: $out"
  runs+=("$(grep '^best ' <<<"$out" || true)")
done
[ -n "${runs[0]}" ] || { fail "no 'best ...' line"; exit 1; }
[ "${runs[0]}" = "${runs[1]}" ] && echo "ok: both runs print '${runs[0]}'" || fail "runs differ: '${runs[0]}' vs '${runs[1]}'"
# best V at x=X, y=Y, mode=M
read -r best x y mode < <(sed -E 's/^best ([^ ]+) at x=([^,]+), y=([^,]+), mode=(.+)$/\1 \2 \3 \4/' <<<"${runs[0]}")
if awk -v b="$best" -v x="$x" -v y="$y" 'BEGIN { exit !(b >= 0 && b <= 0.05 && (x-1)^2 + (y+2)^2 <= 0.05) }' &&
   [ "$mode" = b ]; then
  echo "ok: best $best at x=$x, y=$y, mode=$mode is within 0.05 of 0 at x=1, y=-2, mode=b"
else
  fail "best $best at x=$x, y=$y, mode=$mode is not within 0.05 of 0 at x=1, y=-2, mode=b"
fi
exit $status
