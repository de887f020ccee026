#!/usr/bin/env bash
# Runs piglit's buffer-mapping tests (buffer-tests.txt) natively, through
# lowmap-run, and through lowmap-run with shadows only
# (LOWMAP_STRATEGIES=shadow, LOWMAP_PLACED=off), and fails unless every
# test gives the same result (pass/fail/skip/crash) in all three.
#
#   run.sh <lowmap-run> [piglit bin dir]
#
# Platform: PIGLIT_PLATFORM (default surfaceless_egl: no X server needed;
# glx works under Xvfb).  Exit 77 when piglit is not installed.
#
# SPDX-License-Identifier: MIT
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
wrap=${1:?usage: run.sh <lowmap-run> [piglit bin dir]}
bin=${2:-}
if [ -z "$bin" ]; then
  for d in /usr/lib/x86_64-linux-gnu/piglit/bin /usr/lib/piglit/bin \
           /usr/lib/*/piglit/bin; do
    [ -x "$d/map_buffer_range_test" ] && { bin=$d; break; }
  done
fi
if [ -z "$bin" ] || [ ! -d "$bin" ]; then
  echo "piglit: not installed, skipping" >&2
  exit 77
fi
export PIGLIT_PLATFORM=${PIGLIT_PLATFORM:-surfaceless_egl}
export LIBGL_ALWAYS_SOFTWARE=1 GALLIUM_DRIVER=llvmpipe
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

# One result word for one run of one test.
result() {
  local log=$1 rc=$2 r
  r=$(sed -n 's/.*PIGLIT: {"result": "\([a-z]*\)".*/\1/p' "$log" | tail -n1)
  if [ -n "$r" ]; then echo "$r"
  elif [ "$rc" -ge 124 ]; then echo "crash($rc)"
  else echo "none($rc)"; fi
}

# run_one <index> <mode> <command...>: result into $out/<index>.<mode>
run_one() {
  local i=$1 mode=$2; shift 2
  local prog=$1; shift
  local log="$out/$i.$mode.log" rc
  case $mode in
    native) timeout 60 "$bin/$prog" "$@" -auto -fbo >"$log" 2>&1 ;;
    lowmap) timeout 60 "$wrap" "$bin/$prog" "$@" -auto -fbo >"$log" 2>&1 ;;
    shadow) LOWMAP_STRATEGIES=shadow LOWMAP_PLACED=off \
              timeout 60 "$wrap" "$bin/$prog" "$@" -auto -fbo >"$log" 2>&1 ;;
  esac
  rc=$?
  result "$log" "$rc" >"$out/$i.$mode"
}
export -f run_one result
export bin wrap out

# Proof that the wrapper is in the path: lowmap prints its statistics.
if ! LOWMAP_STATS=1 "$wrap" "$bin/map_buffer_range_test" -auto -fbo 2>&1 |
     grep -q "lowmap: stats"; then
  echo "piglit: lowmap did not load under $wrap" >&2
  exit 1
fi

mapfile -t tests < <(grep -v '^#' "$here/buffer-tests.txt" | grep -v '^$')
for i in "${!tests[@]}"; do
  for mode in native lowmap shadow; do
    printf '%s\0' "run_one $i $mode ${tests[$i]}"
  done
done | xargs -0 -P "$(nproc)" -I{} bash -c '{}'

status=0
for i in "${!tests[@]}"; do
  n=$(cat "$out/$i.native") l=$(cat "$out/$i.lowmap") s=$(cat "$out/$i.shadow")
  mark=same
  if [ "$n" != "$l" ] || [ "$n" != "$s" ]; then
    mark=DIFFERENT
    status=1
    for mode in lowmap shadow; do
      echo "---- ${tests[$i]} ($mode):"; tail -n 5 "$out/$i.$mode.log"
    done
  fi
  printf '%-9s native=%-6s lowmap=%-6s shadow=%-6s %s\n' "$mark" "$n" "$l" \
    "$s" "${tests[$i]}"
done
echo "piglit: ${#tests[@]} tests, $([ $status = 0 ] && echo 'identical results' || echo 'results differ')"
exit $status
