#!/usr/bin/env bash
# Runs piglit's buffer-storage and mapping tests in five modes and fails
# unless every test gives the same result (pass/fail/skip/crash) in each:
#
#   native   the host vendor alone
#   lowmap   through lowmap-run, default strategies
#   shadow   shadows only (LOWMAP_STRATEGIES=shadow LOWMAP_PLACED=off)
#   placed   placed storage for every buffer (LOWMAP_PLACED=all)
#   memobj   persistent storage from exportable Vulkan memory
#            (LOWMAP_PLACED_BACKEND=memory_object; lavapipe for llvmpipe,
#            without it the backend is off and persistent maps are shadows)
#            for the tests whose names say they make buffer storage
#            (PIGLIT_MEMOBJ_TESTS, default bufferstorage|buffer_storage|
#            persistent|coherent|named-buffers: about 20 tests).  Only
#            persistent storage differs from the lowmap mode, so the others
#            are not run again there and show "-"
#
# The tests: every test of piglit's "gpu" profile in the groups that
# list-tests.py names (generated from the installed piglit at run time),
# and our own picks in buffer-tests.txt not already among them.  In the
# lowmap modes no map pointer may reach the limit (LOWMAP_STATS=1,
# high_pointers).
#
# A test whose results differ is run again: twice natively and once more
# in each mode that differed.  If the native runs disagree among
# themselves the test is flaky natively: it is reported as such and not
# held against lowmap.  Otherwise a difference seen twice fails the run; one
# seen once and not again is reported as unstable, with its log.  The
# differences listed in known-differences.txt are reported as known.
#
#   run.sh <lowmap-run> [piglit dir]
#
# Platform: PIGLIT_PLATFORM (default surfaceless_egl: no X server needed;
# glx works under Xvfb).  PIGLIT_JOBS: parallel runs (default: cores).
# PIGLIT_TESTS: an extended regular expression; only matching test names
# run.  Exit 77 when piglit is not installed.
#
# SPDX-License-Identifier: MIT
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
wrap=${1:?usage: run.sh <lowmap-run> [piglit dir]}
root=${2:-}
if [ -z "$root" ]; then
  for d in /usr/lib/x86_64-linux-gnu/piglit /usr/lib/piglit \
           /usr/lib/*/piglit; do
    [ -f "$d/tests/gpu.meta.xml" ] && [ -d "$d/bin" ] && { root=$d; break; }
  done
fi
if [ -z "$root" ] || [ ! -f "$root/tests/gpu.meta.xml" ]; then
  echo "piglit: not installed, skipping" >&2
  exit 77
fi
bin=$root/bin
export PIGLIT_PLATFORM=${PIGLIT_PLATFORM:-surfaceless_egl}
export LIBGL_ALWAYS_SOFTWARE=1 GALLIUM_DRIVER=llvmpipe
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
modes=(native lowmap shadow placed memobj)

# The list: name, then the command's words, tab-separated.
if ! python3 "$here/list-tests.py" "$root" >"$out/list"; then
  echo "piglit: cannot read piglit's test profile in $root" >&2
  exit 1
fi
# Our picks, unless piglit lists the same command (-auto/-fbo aside).
cut -f2- "$out/list" | sed -E 's/\t-auto(\t-fbo)?$//' >"$out/commands"
grep -v '^#' "$here/buffer-tests.txt" | grep -v '^$' | while read -r line; do
  words=$(tr ' ' '\t' <<<"$line")
  grep -qxF "$words" "$out/commands" ||
    printf 'ours@%s\t%s\t-auto\t-fbo\n' "$line" "$words"
done >>"$out/list"
# Without a window system every test must draw into an FBO; piglit's
# runner leaves -fbo off the tests it runs one at a time.
if [ "$PIGLIT_PLATFORM" = surfaceless_egl ]; then
  sed -i 's/\t-auto$/\t-auto\t-fbo/' "$out/list"
fi
if [ -n "${PIGLIT_TESTS:-}" ]; then
  grep -E -- "^[^	]*(${PIGLIT_TESTS})" "$out/list" >"$out/list.f" || true
  mv "$out/list.f" "$out/list"
fi
mapfile -t tests <"$out/list"
generated=$(grep -vc '^ours@' "$out/list")
if [ ${#tests[@]} -eq 0 ]; then
  echo "piglit: no tests selected" >&2
  exit 1
fi

# One result word for one run of one test.
result() {
  local log=$1 rc=$2 r
  r=$(sed -n 's/.*PIGLIT: {"result": "\([a-z]*\)".*/\1/p' "$log" | tail -n1)
  if [ -n "$r" ]; then echo "$r"
  elif [ "$rc" -ge 124 ]; then echo "crash($rc)"
  else echo "none($rc)"; fi
}

# run_one <index> <mode> <tag>: result into $out/<index>.<mode><tag>
run_one() {
  local i=$1 mode=$2 tag=$3 line words rc
  local log="$out/$i.$mode$tag.log"
  line=$(sed -n "$((i + 1))p" "$out/list")
  IFS=$'\t' read -r -a words <<<"$line"
  local cmd=("$bin/${words[1]}" "${words[@]:2}")
  case $mode in
    native) timeout 120 "${cmd[@]}" ;;
    lowmap) LOWMAP_STATS=1 timeout 120 "$wrap" "${cmd[@]}" ;;
    shadow) LOWMAP_STATS=1 LOWMAP_STRATEGIES=shadow LOWMAP_PLACED=off \
              timeout 120 "$wrap" "${cmd[@]}" ;;
    placed) LOWMAP_STATS=1 LOWMAP_PLACED=all \
              timeout 120 "$wrap" "${cmd[@]}" ;;
    memobj) LOWMAP_STATS=1 LOWMAP_PLACED_BACKEND=memory_object \
              timeout 120 "$wrap" "${cmd[@]}" ;;
  esac >"$log" 2>&1 </dev/null
  rc=$?
  result "$log" "$rc" >"$out/$i.$mode$tag"
}
export -f run_one result
export bin wrap out

# Proof that the wrapper is in the path: lowmap prints its statistics.
proof=$(LOWMAP_STATS=1 "$wrap" "$bin/map_buffer_range_test" -auto -fbo 2>&1)
if ! grep -q "lowmap: stats" <<<"$proof"; then
  echo "piglit: lowmap did not load under $wrap" >&2
  exit 1
fi

jobs=${PIGLIT_JOBS:-$(nproc)}
start=$(date +%s)
memobj_tests=${PIGLIT_MEMOBJ_TESTS:-bufferstorage|buffer_storage|persistent|coherent|named-buffers}
# Test-major order: the modes of one test run side by side.
for i in "${!tests[@]}"; do
  for mode in "${modes[@]}"; do
    if [ "$mode" = memobj ] &&
       ! grep -qE -- "^[^	]*(${memobj_tests})" <<<"${tests[$i]}"; then
      echo - >"$out/$i.memobj"
      continue
    fi
    printf '%s %s _\n' "$i" "$mode"
  done
done | xargs -P "$jobs" -L 1 bash -c 'run_one "$0" "$1" ""'

# Which modes differ from the native result of test $1 (run tag $2).
differing() {
  local i=$1 tag=$2 n m
  n=$(cat "$out/$i.native")
  for m in "${modes[@]:1}"; do
    [ "$(cat "$out/$i.$m")" = - ] && continue # not run in this mode
    [ "$(cat "$out/$i.$m$tag")" != "$n" ] && printf '%s ' "$m"
  done
}

# Second round for the tests that differ.
declare -A first
for i in "${!tests[@]}"; do
  d=$(differing "$i" "")
  [ -n "$d" ] && first[$i]=$d
done
for i in "${!first[@]}"; do
  printf '%s native .n2\n%s native .n3\n' "$i" "$i"
  for m in ${first[$i]}; do printf '%s %s .again\n' "$i" "$m"; done
done | xargs -P "$jobs" -L 1 bash -c 'run_one "$0" "$1" "$2"'

# Known differences: "<mode> <name pattern>" lines of
# known-differences.txt, patterns as in the shell's case.
mapfile -t known < <(grep -v '^#' "$here/known-differences.txt" |
                     grep -v '^$')
is_known() {
  local m=$1 name=$2 k
  for k in "${known[@]}"; do
    # shellcheck disable=SC2053  # the pattern is meant to match
    [ "${k%% *}" = "$m" ] && [[ $name == ${k#* } ]] && return 0
  done
  return 1
}

status=0 flaky=0 unstable=0 differ=0 high=0 nknown=0
declare -A count
for i in "${!tests[@]}"; do
  name=${tests[$i]%%	*}
  n=$(cat "$out/$i.native")
  count[$n]=$(( ${count[$n]:-0} + 1 ))
  mark=same
  if [ -n "${first[$i]:-}" ]; then
    n2=$(cat "$out/$i.native.n2") n3=$(cat "$out/$i.native.n3")
    if [ "$n" != "$n2" ] || [ "$n" != "$n3" ]; then
      mark=FLAKY-NATIVE flaky=$((flaky + 1))
      echo "---- $name: native runs gave $n, $n2, $n3"
    else
      mark=UNSTABLE all_known=1
      for m in ${first[$i]}; do
        if [ "$(cat "$out/$i.$m.again")" != "$n" ]; then mark=DIFFERENT; fi
        is_known "$m" "$name" || all_known=0
        echo "---- $name ($m: $(cat "$out/$i.$m"), again" \
             "$(cat "$out/$i.$m.again"); native $n three times):"
        tail -n 5 "$out/$i.$m.log"
      done
      if [ $all_known = 1 ]; then mark=KNOWN nknown=$((nknown + 1))
      elif [ $mark = DIFFERENT ]; then differ=$((differ + 1)) status=1
      else unstable=$((unstable + 1)); fi
    fi
  fi
  # A map pointer at or above the limit in any lowmap mode fails.
  for m in "${modes[@]:1}"; do
    [ -f "$out/$i.$m.log" ] || continue
    h=$(sed -n 's/.*high_pointers \([0-9]*\).*/\1/p' "$out/$i.$m.log" |
        awk '{s += $1} END {print s + 0}')
    if [ "$h" -gt 0 ]; then
      echo "---- $name ($m): $h map pointers at or above the limit"
      high=$((high + 1)) status=1 mark=HIGH
    fi
  done
  printf '%-12s native=%-6s lowmap=%-6s shadow=%-6s placed=%-6s memobj=%-6s %s\n' \
    "$mark" "$n" "$(cat "$out/$i.lowmap")" "$(cat "$out/$i.shadow")" \
    "$(cat "$out/$i.placed")" "$(cat "$out/$i.memobj")" "$name"
done

summary=
for r in "${!count[@]}"; do summary+="$r ${count[$r]}, "; done
echo "piglit: ${#tests[@]} tests ($generated from piglit's profile," \
     "$(( ${#tests[@]} - generated )) of our own), ${#modes[@]} modes," \
     "$(( $(date +%s) - start )) s with $jobs jobs; native: ${summary%, }"
echo "piglit: $differ differ, $high with high pointers, $flaky flaky" \
     "natively (not counted), $unstable differed once only (not counted)," \
     "$nknown known differences (known-differences.txt, not counted)"
if [ $status != 0 ]; then echo "piglit: results differ"
elif [ $nknown != 0 ]; then echo "piglit: identical results but for $nknown known differences"
else echo "piglit: identical results"; fi
exit $status
