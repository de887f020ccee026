#!/usr/bin/env bash
# Replays of real programs: records short apitrace traces of glmark2 (GLX)
# and glmark2-es2 (EGL, GLES 2) scenes that map buffers, natively, then
# replays each natively (twice) and through lowmap in three modes:
#
#   lowmap   default strategies
#   shadow   shadows only (LOWMAP_STRATEGIES=shadow LOWMAP_PLACED=off)
#   placed   placed storage for every buffer (LOWMAP_PLACED=all)
#
# Every frame's snapshot must be identical, byte for byte, to the native
# replay's (the same encoder writes the same PNG only from the same
# pixels), and no map pointer may reach the limit (LOWMAP_STATS=1,
# high_pointers).  If the two native replays differ, the trace is flaky
# natively and reported so instead of compared.
#
#   run.sh <lowmap-run> <work dir>
#
# Traces and a results file stay in <work dir>; differing frames are kept
# in <work dir>/differences/<trace>/<mode>/ next to the native ones.  Needs
# an X server ($DISPLAY): glmark2's GLX and EGL flavours draw into X11
# windows.  APITRACE_TRACES=<regex> replays a subset.  Exit 77 when
# apitrace or glmark2 is missing.
#
# SPDX-License-Identifier: MIT
set -uo pipefail

wrap=${1:?usage: run.sh <lowmap-run> <work dir>}
work=${2:?usage: run.sh <lowmap-run> <work dir>}
for tool in apitrace glretrace eglretrace glmark2 glmark2-es2; do
  if ! command -v "$tool" >/dev/null; then
    echo "apitrace: $tool is not installed, skipping" >&2
    exit 77
  fi
done
if [ -z "${DISPLAY:-}" ]; then
  echo "apitrace: no X server (DISPLAY unset), skipping" >&2
  exit 77
fi
export LIBGL_ALWAYS_SOFTWARE=1 GALLIUM_DRIVER=llvmpipe
rm -rf "$work"
mkdir -p "$work"

# name, API, program, glmark2 benchmark.  Fixed frame counts keep the
# traces short and the same from run to run.
traces=(
  "gl-buffer-map gl glmark2 buffer:update-method=map:nframes=6"
  "gl-buffer-map-partial gl glmark2 buffer:update-method=map:update-fraction=0.4:update-dispersion=0.6:interleave=true:buffer-usage=dynamic:nframes=6"
  "gl-buffer-subdata gl glmark2 buffer:update-method=subdata:buffer-usage=stream:nframes=6"
  "gl-build gl glmark2 build:use-vbo=true:nframes=6"
  "gl-texture gl glmark2 texture:nframes=6"
  "gl-terrain gl glmark2 terrain:nframes=2"
  "es2-buffer-map egl glmark2-es2 buffer:update-method=map:nframes=6"
  "es2-build egl glmark2-es2 build:use-vbo=true:nframes=6"
  "es2-texture egl glmark2-es2 texture:nframes=6"
)
# APITRACE_TRACES: an extended regular expression; only matching traces.
if [ -n "${APITRACE_TRACES:-}" ]; then
  mapfile -t traces < <(printf '%s\n' "${traces[@]}" |
                        grep -E -- "^(${APITRACE_TRACES}) ")
fi
if [ ${#traces[@]} -eq 0 ]; then
  echo "apitrace: no traces selected" >&2
  exit 1
fi
modes=(native native2 lowmap shadow placed)
jobs=${APITRACE_JOBS:-$(nproc)}

record() {
  local name=$1 api=$2 prog=$3 bench=$4
  apitrace trace --api "$api" -o "$work/$name.trace" \
    "$prog" -s 160x120 -b "$bench" >"$work/$name.record.log" 2>&1
  echo $? >"$work/$name.record.rc"
}

# replay <name> <api> <mode>: snapshots into $work/<name>/<mode>/
replay() {
  local name=$1 api=$2 mode=$3 retrace=glretrace
  local dir="$work/$name/$mode" log="$work/$name/$mode.log"
  [ "$api" = egl ] && retrace=eglretrace
  mkdir -p "$dir"
  case $mode in
    native*) timeout 300 "$retrace" -s "$dir/" "$work/$name.trace" ;;
    lowmap) timeout 300 "$wrap" \
              "$retrace" -s "$dir/" "$work/$name.trace" ;;
    shadow) LOWMAP_STRATEGIES=shadow LOWMAP_PLACED=off \
              timeout 300 "$wrap" "$retrace" -s "$dir/" "$work/$name.trace" ;;
    placed) LOWMAP_PLACED=all timeout 300 "$wrap" \
              "$retrace" -s "$dir/" "$work/$name.trace" ;;
  esac >"$log" 2>&1 </dev/null
  echo $? >"$work/$name/$mode.rc"
}
export -f record replay
# Statistics at exit (once lowmap's core has started), and the line that
# shows lowmap wrapped the host.
export LOWMAP_STATS=1 LOWMAP_DEBUG=info
export work wrap

start=$(date +%s)
printf '%s\n' "${traces[@]}" | xargs -P "$jobs" -L 1 bash -c 'record "$@"' _
for t in "${traces[@]}"; do
  read -r name api _ <<<"$t"
  if [ "$(cat "$work/$name.record.rc")" != 0 ] || [ ! -s "$work/$name.trace" ]; then
    echo "apitrace: recording $name failed:" >&2
    tail -n 20 "$work/$name.record.log" >&2
    exit 1
  fi
  for mode in "${modes[@]}"; do echo "$name $api $mode"; done
done | xargs -P "$jobs" -L 1 bash -c 'replay "$@"' _
recorded=$(( $(date +%s) - start ))

status=0 flaky=0
results="$work/results.txt"
: >"$results"
for t in "${traces[@]}"; do
  read -r name api _ <<<"$t"
  maps=$(apitrace dump "$work/$name.trace" 2>/dev/null |
         grep -cE '^[0-9]+ gl(Map|Unmap)[A-Za-z]*\(' || true)
  native=$(cd "$work/$name/native" && ls)
  frames=$(wc -w <<<"$native")
  line="$name: $frames frames, $maps map/unmap calls:" same=1
  if [ "$(cat "$work/$name/native.rc")" != 0 ] || [ "$frames" -eq 0 ]; then
    echo "apitrace: native replay of $name failed:"
    tail -n 10 "$work/$name/native.log"
    status=1
    echo "$line native replay failed" >>"$results"
    continue
  fi
  if ! diff -rq "$work/$name/native" "$work/$name/native2" >/dev/null; then
    flaky=$((flaky + 1))
    echo "$line FLAKY natively (two native replays differ), not compared" |
      tee -a "$results"
    continue
  fi
  for mode in lowmap shadow placed; do
    dir="$work/$name/$mode" bad=()
    [ "$(cat "$work/$name/$mode.rc")" != 0 ] && bad+=("exit $(cat "$work/$name/$mode.rc")")
    if [ "$(cd "$dir" && ls)" != "$native" ]; then
      bad+=("frames $(cd "$dir" && ls | wc -l) instead of $frames")
    fi
    differ=()
    for f in $native; do
      cmp -s "$work/$name/native/$f" "$dir/$f" || differ+=("$f")
    done
    if [ ${#differ[@]} -gt 0 ]; then
      bad+=("${#differ[@]} frames differ")
      keep="$work/differences/$name"
      mkdir -p "$keep/native" "$keep/$mode"
      for f in "${differ[@]}"; do
        cp "$work/$name/native/$f" "$keep/native/"
        [ -f "$dir/$f" ] && cp "$dir/$f" "$keep/$mode/"
      done
    fi
    grep -q "lowmap: info: .*wrapping host vendor" "$work/$name/$mode.log" ||
      bad+=("lowmap not loaded")
    # No statistics line: the core never started, nothing was mapped.
    stats=$(grep "lowmap: stats" "$work/$name/$mode.log" | tail -n1)
    high=$(sed -n 's/.*high_pointers \([0-9]*\).*/\1/p' <<<"$stats")
    [ "${high:-0}" -ne 0 ] && bad+=("$high map pointers at or above the limit")
    views=$(sed -E 's/.*placed ([0-9]+) mremap ([0-9]+) fd_remap ([0-9]+) shadow ([0-9]+).*/placed \1 shadow \4/' <<<"$stats")
    views=${views:-no views}
    if [ ${#bad[@]} -gt 0 ]; then
      status=1 same=0
      line+=" $mode DIFFERENT (${bad[*]})"
      tail -n 5 "$work/$name/$mode.log"
    else
      line+=" $mode same ($views)"
    fi
  done
  echo "$line" | tee -a "$results"
  # Passing snapshots are not worth keeping.
  [ $same = 1 ] && rm -rf "${work:?}/$name"
done

echo "apitrace: ${#traces[@]} traces recorded and replayed in 5 ways in" \
     "${recorded} s with $jobs jobs; $flaky flaky natively (not compared)"
if [ $status = 0 ]; then
  echo "apitrace: every frame identical to the native replay, no high pointers"
else
  echo "apitrace: replays differ; differing frames kept in $work/differences"
fi
exit $status
