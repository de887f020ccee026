#!/usr/bin/env bash
# Builds lowmap with warnings as errors and runs every test: the whole
# suite through ctest, then the unit tests again under AddressSanitizer and
# UndefinedBehaviorSanitizer.  Installs missing Debian packages first.
set -euo pipefail
cd "$(dirname "$0")/.."

bash tools/deps.sh
jobs=$(nproc 2>/dev/null || echo 2)

# GLX tests need an X server; start a private Xvfb when there is none.
xvfb_pid=
cleanup() { [ -n "$xvfb_pid" ] && kill "$xvfb_pid" 2>/dev/null || true; }
trap cleanup EXIT
if [ -z "${DISPLAY:-}" ] && command -v Xvfb >/dev/null; then
  for n in $(seq 90 120); do
    [ -e "/tmp/.X$n-lock" ] && continue
    # -noreset: an X server resets when its last client leaves and drops
    # the connections being made meanwhile; parallel tests hit that.
    Xvfb ":$n" -screen 0 1024x768x24 -nolisten tcp -noreset >/dev/null 2>&1 &
    xvfb_pid=$!
    for _ in $(seq 50); do
      [ -e "/tmp/.X11-unix/X$n" ] && break
      sleep 0.1
    done
    if kill -0 "$xvfb_pid" 2>/dev/null; then export DISPLAY=":$n"; break; fi
    xvfb_pid=
  done
fi

# Totals over every stage, for the closing line.
passed=0 failed=0 status=0

# Runs ctest in $1, adds its counts to the totals, and fails when no test
# ran at all.
run_ctest() {
  local dir=$1 log summary total bad
  shift
  log=$(mktemp)
  ctest --test-dir "$dir" --output-on-failure -j "$jobs" "$@" 2>&1 | tee "$log" ||
    true
  summary=$(grep -E "tests passed, [0-9]+ tests? failed out of [0-9]+" "$log" | tail -n1 || true)
  rm -f "$log"
  if [ -z "$summary" ]; then
    echo "lowmap: no tests ran in $dir" >&2
    failed=$((failed + 1)) status=1
    return
  fi
  total=$(sed -E 's/.* out of ([0-9]+).*/\1/' <<<"$summary")
  bad=$(sed -E 's/.*passed, ([0-9]+) tests? failed.*/\1/' <<<"$summary")
  passed=$((passed + total - bad)) failed=$((failed + bad))
  [ "$bad" -eq 0 ] && [ "$total" -gt 0 ] || status=1
}

echo "== build (warnings are errors)"
cmake -S . -B build/ci -DBUILD_TESTING=ON -DLOWMAP_WERROR=ON >/dev/null
cmake --build build/ci -j "$jobs"
echo "== tests"
run_ctest build/ci

echo "== unit tests under ASan + UBSan"
cmake -S . -B build/asan -DBUILD_TESTING=ON -DLOWMAP_WERROR=ON \
  -DLOWMAP_SANITIZE=ON -DLOWMAP_BUILD_GL=OFF >/dev/null
cmake --build build/asan -j "$jobs"
# handle_segv=0: the tests that prove stale pointers fault must die of
# SIGSEGV, not of ASan's report of it.
ASAN_OPTIONS=detect_leaks=1:handle_segv=0 \
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  run_ctest build/asan

# Runs one stage that is not a ctest run; it counts as one test, or as
# skipped when it exits 77: its "skip: <reason>" line goes into the summary.
skipped=0 skips=()
run_stage() {
  local log rc
  log=$(mktemp)
  set +e
  "$@" 2>&1 | tee "$log"
  rc=${PIPESTATUS[0]}
  set -e
  if [ "$rc" -eq 0 ]; then
    passed=$((passed + 1))
  elif [ "$rc" -eq 77 ]; then
    skipped=$((skipped + 1))
    skips+=("$*: $(grep -m1 '^skip: ' "$log" | sed 's/^skip: //')")
  else
    failed=$((failed + 1)) status=1
  fi
  rm -f "$log"
}

echo "== GL suites under ASan + UBSan (llvmpipe)"
run_stage bash tests/gl-robust/sanitize.sh build/asan-gl

echo "== GL robustness under valgrind memcheck"
run_stage bash tests/gl-robust/valgrind.sh build/ci

# ---- fuzzing ------------------------------------------------------------
# libFuzzer (clang) on the /proc/self/maps parser and on the public API,
# about 50 s in all from the committed seeds; any crash fails the run.
echo "== fuzzing (libFuzzer)"
cmake -S . -B build/fuzz -DCMAKE_C_COMPILER=clang -DLOWMAP_FUZZ=ON \
  -DBUILD_TESTING=ON -DLOWMAP_BUILD_GL=OFF -DLOWMAP_WERROR=ON >/dev/null
cmake --build build/fuzz -j "$jobs" --target fuzz_maps_line fuzz_api
run_stage bash tests/fuzz/run.sh build/fuzz 25

# ---- real translators ---------------------------------------------------
# Debian's Wine runs Windows GL programs through lowmap (64-bit, and WoW64
# where the kernel runs 32-bit code); box64 with box32, built here from
# ../shared/third-party/box64, runs i386 GL programs through it.
echo "== Wine, 64-bit guest"
run_stage bash tests/wine/run.sh build/ci win64
echo "== Wine, WoW64 guest"
run_stage bash tests/wine/run.sh build/ci wow64
echo "== box64 (box32)"
run_stage bash tests/box64/run.sh build/ci

# ---- faults ---------------------------------------------------------------
# Every system call failing at random (libfiu fault points, fiu-run's POSIX
# preload), seccomp sandboxes and resource limits, each one stage; about
# four minutes, two LOWMAP_FAULTS=ON builds (plain and ASan) included.
echo "== faults survived: injection"
run_stage bash tests/faults/run.sh build/faults inject
echo "== faults survived: sandboxes"
run_stage bash tests/faults/run.sh build/faults sandbox
echo "== faults survived: resource limits"
run_stage bash tests/faults/run.sh build/faults limits

echo "== summary (ctest tests; the sanitizer, valgrind, fuzzing, translator and fault stages one each)"
for s in ${skips[@]+"${skips[@]}"}; do echo "lowmap: skipped: $s"; done
echo "lowmap: $passed passed, $failed failed, $skipped skipped"
exit "$status"
