#!/usr/bin/env bash
# Builds the libFuzzer targets with clang++ (ASan + UBSan) and runs each for a short, fixed
# number of runs from its seed corpus and its regression inputs. ctest runs it (label "fuzz");
# tests/fuzz/README.md shows a longer run.
#
#   tests/fuzz/build_and_run.sh [OUT_DIR] [TARGET...]
#   env: FUZZ_RUNS (default 20000), FUZZ_JOBS (make -j, default 2), FUZZ_ARGS (extra libFuzzer flags),
#        FUZZ_CXX (default clang++-16)
#        FUZZ_REGENERATE_CORPUS=1 rewrites the committed protocol seeds (tests/fuzz/corpus/fuzz_protocol_*)
#
# Exit status: 0 when every target ran its runs without a crash; 1 on a crash (the input is saved
# as OUT_DIR/artifacts/TARGET-crash-*; make it a regression: tests/fuzz/README.md); 2 when clang or
# the fuzzer runtime is missing and cannot be installed.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
out="${1:-$root/build-fuzz/fuzz}"
shift || true
mkdir -p "$out"
out="$(cd "$out" && pwd)"
runs="${FUZZ_RUNS:-20000}"
jobs="${FUZZ_JOBS:-2}"
all_targets=(fuzz_protocol_worker fuzz_protocol_tuner fuzz_study fuzz_exec_answer fuzz_history
             fuzz_broker_config fuzz_worker_config fuzz_tuner_config)
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=("${all_targets[@]}")

# --- clang with the libFuzzer runtime: install it (Debian 12: clang-16, libclang-rt-16-dev) only if
# missing. Not Debian's default clang 14: it cannot capture structured bindings in lambdas (C++20),
# which the project's sources do.
cxx="${FUZZ_CXX:-clang++-16}"
can_fuzz() {
  command -v "$cxx" >/dev/null 2>&1 || return 1
  local probe="$out/probe"
  printf '#include <cstddef>\n#include <cstdint>\nextern "C" int LLVMFuzzerTestOneInput(const std::uint8_t*, std::size_t) { return 0; }\n' \
    > "$probe.cpp"
  "$cxx" -fsanitize=fuzzer,address,undefined "$probe.cpp" -o "$probe" >/dev/null 2>&1
}
if ! can_fuzz; then
  echo "build_and_run: $cxx with -fsanitize=fuzzer is missing; installing clang-16 and libclang-rt-16-dev"
  sudo_cmd=()
  [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1 && sudo_cmd=(sudo)
  if ! { "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
         "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
           clang-16 libclang-rt-16-dev; } || ! can_fuzz; then
    echo "build_and_run: FAILED: cannot get $cxx with the libFuzzer runtime (-fsanitize=fuzzer)." >&2
    echo "  Install it: apt-get install clang-16 libclang-rt-16-dev (or run scripts/install-deps as root)." >&2
    exit 2
  fi
fi

# --- build (incremental).
make -s -C "$here" -j"$jobs" OUT="$out" FUZZ_CXX="$cxx" \
  $(printf "$out/%s " "${targets[@]}") "$out/make_corpus"

if [ "${FUZZ_REGENERATE_CORPUS:-0}" = 1 ]; then
  "$out/make_corpus" "$here/corpus"
fi

# --- run.
max_len_of() {
  case "$1" in
    fuzz_study) echo 8192 ;;
    *) echo 4096 ;;
  esac
}
status=0
for target in "${targets[@]}"; do
  work="$out/corpus/$target"
  mkdir -p "$work" "$out/artifacts"
  log="$out/$target.log"
  # First every regression input, whole (a corpus folder would cut inputs longer than -max_len).
  regressions=()
  [ -d "$here/regressions/$target" ] && mapfile -t regressions < <(find "$here/regressions/$target" -type f | sort)
  if [ ${#regressions[@]} -gt 0 ]; then
    if ! (cd "$out" && TMPDIR="$out" "$out/$target" "${regressions[@]}") >"$log.regressions" 2>&1; then
      echo "!! $target FAILED on a regression input; the end of its log:" >&2
      tail -40 "$log.regressions" >&2
      status=1
      continue
    fi
  fi
  seeds=()
  [ -d "$here/corpus/$target" ] && seeds+=("$here/corpus/$target")
  echo "== $target: ${#regressions[@]} regression inputs, then $runs runs (log $log)"
  # Run in the output folder so that nothing (fuzz-*.log, crash files) lands in the tree.
  if (cd "$out" && TMPDIR="$out" UBSAN_OPTIONS=print_stacktrace=1 \
        "$out/$target" -runs="$runs" -max_len="$(max_len_of "$target")" -timeout=10 -rss_limit_mb=2048 \
        -seed=1 -print_final_stats=1 -artifact_prefix="$out/artifacts/$target-" ${FUZZ_ARGS:-} \
        "$work" "${seeds[@]}") >"$log" 2>&1; then
    grep -E '^(#[0-9]+\s+DONE|Done )' "$log" | tail -2 || true
  else
    echo "!! $target FAILED; the end of its log:" >&2
    tail -40 "$log" >&2
    status=1
  fi
done
exit $status
