#!/usr/bin/env bash
# The GL suites (tests/gl and tests/gl-robust, ctest label "gl") under
# AddressSanitizer + UndefinedBehaviorSanitizer, llvmpipe included.
# (The unit tests run under the sanitizers in tools/test.sh already.)
#
#   tests/gl-robust/sanitize.sh [build-dir]      (default build/asan-gl)
#
# lowmap's vendor libraries and the test programs are instrumented (each
# test executable loads the ASan runtime first, so the dlopen'ed EGL
# vendor finds it); libglvnd, Mesa and LLVM are not.  keep_loaded.so keeps
# the libraries they unload mapped for the leak report (see keep_loaded.c).
# Leaks in code that is not ours are suppressed in lsan.supp, one commented
# entry each.  An uninstrumented program loading the vendor (glxinfo)
# would need the runtime in LD_PRELOAD too; none runs here.
set -euo pipefail
cd "$(dirname "$0")/../.."
dir=${1:-build/asan-gl}
jobs=$(nproc 2>/dev/null || echo 2)

cmake -S . -B "$dir" -DBUILD_TESTING=ON -DLOWMAP_WERROR=ON \
  -DLOWMAP_SANITIZE=ON >/dev/null
cmake --build "$dir" -j "$jobs"

# keep_loaded.so comes before the runtime, so its dlclose takes the calls;
# verify_asan_link_order=0 allows that order.  Uninstrumented programs
# (ctest, the shell) get only the harmless dlclose.
export LD_PRELOAD="$PWD/$dir/tests/gl-robust/keep_loaded.so"
# handle_segv=0: tests that prove stale pointers fault must die of SIGSEGV.
export ASAN_OPTIONS=detect_leaks=1:handle_segv=0:verify_asan_link_order=0
export LSAN_OPTIONS="suppressions=$PWD/tests/gl-robust/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
# Instrumented copies cost more: a quarter of the stress cycles.
export ROBUST_CYCLES=${ROBUST_CYCLES:-50000}

# Not here: programs that are not instrumented but would load the
# instrumented vendor (gl_test_map_glx's shell and Xvfb, piglit through
# lowmap-run, apitrace's recorder and replayer), and the integration
# harnesses, whose address-space layout checks do not hold with ASan's
# shadow in place.
log=$(mktemp)
set +e
ctest --test-dir "$dir" -L '^gl$' -LE '^(piglit|apitrace)$' \
  -E '^(gl_test_map_glx|integration_.*)$' -j "$jobs" \
  --output-on-failure 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
set -e
grep -q "tests passed" "$log" || { echo "sanitize.sh: no tests ran" >&2; rc=1; }
rm -f "$log"
exit "$rc"
