#!/usr/bin/env bash
# The GL robustness suites under valgrind memcheck, through lowmap and
# llvmpipe, bounded to a few minutes on two cores (fewer stress cycles,
# one Criterion worker at a time).
#
#   tests/gl-robust/valgrind.sh [build-dir]     (default build/ci, built)
#
# Criterion runs each test in a worker process it starts itself, so
# valgrind follows children and writes one log per process; the run fails
# when any log reports an error (invalid access, uninitialised use,
# definite leak).  valgrind.supp suppresses only code that is not ours,
# one commented entry each.
set -euo pipefail
cd "$(dirname "$0")/../.."
dir=${1:-build/ci}
bin=$dir/tests/gl-robust
command -v valgrind >/dev/null || { echo "valgrind.sh: no valgrind" >&2; exit 1; }
[ -x "$bin/robust_test_life" ] || { echo "valgrind.sh: build $dir first" >&2; exit 1; }

logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
json=$(sed -n 's/.*__EGL_VENDOR_LIBRARY_FILENAMES=\([^;"]*\).*/\1/p' \
         "$bin/CTestTestfile.cmake" | head -n 1)
native=$(sed -n 's/.*ROBUST_NATIVE_JSON=\([^;"]*\).*/\1/p' \
         "$bin/CTestTestfile.cmake" | head -n 1)
export __EGL_VENDOR_LIBRARY_FILENAMES=$json ROBUST_LOWMAP_JSON=$json
export ROBUST_NATIVE_JSON=$native
export LIBGL_ALWAYS_SOFTWARE=1 GALLIUM_DRIVER=llvmpipe
# llvmpipe's worker threads multiply the cost under valgrind.
export LP_NUM_THREADS=0
export ROBUST_CYCLES=${ROBUST_CYCLES:-2000}
export CRITERION_NO_EARLY_EXIT=1
# The bad-input cases run through lowmap only: the host's own transcript
# is compared in the ordinary ctest run.
export ROBUST_LOWMAP_ONLY=1

vg=(valgrind --tool=memcheck --trace-children=yes --track-origins=no
    --leak-check=full --show-leak-kinds=definite
    --errors-for-leak-kinds=definite --keep-debuginfo=yes
    --suppressions="$PWD/tests/gl-robust/valgrind.supp"
    --log-file="$logs/%p.log")

rc=0
for t in test_bad_input test_life test_exhaustion test_stress; do
  echo "== valgrind $t"
  start=$SECONDS
  if ! "${vg[@]}" "$bin/robust_$t" --jobs=1 >"$logs/$t.out" 2>&1; then
    tail -n 30 "$logs/$t.out"
    rc=1
  fi
  grep -h "Synthesis" "$logs/$t.out" || true
  echo "   $((SECONDS - start)) s"
done

# Logs of processes that found errors: the test workers and the bad_cases
# children (valgrind itself and exec'd shells report nothing).
bad=$(grep -l "ERROR SUMMARY: [1-9]" "$logs"/*.log || true)
for f in $bad; do
  echo "== $f"
  sed -n '/^==[0-9]*== [A-Z][a-z]/,$p' "$f" | head -n 80
  rc=1
done
n=$(ls "$logs"/*.log | wc -l)
echo "valgrind.sh: $n processes checked, $(echo "$bad" | grep -c . || true) with errors"
exit "$rc"
