#!/usr/bin/env bash
# glmark2's buffer scenes natively and through lowmap, under a private
# Xvfb; prints each scene's median FPS both ways and the ratios of the
# medians, with the machine they came from.  Each scene runs on its own,
# native and lowmap back to back (in turn first), so that the machine's
# drift falls on both alike.
#
#   bench/glmark2.sh [lowmap-run] [runs]      (default: build/main's, 3)
#
# GLMARK2_DURATION: seconds per scene (default 3).  GLMARK2_CPU=N runs
# every glmark2 on CPU N alone (llvmpipe's threads included): slower, but
# on a shared virtual machine far steadier.  Installs Debian's
# glmark2-x11, glmark2-es2-x11 and xvfb when missing (as root).  A
# benchmark, not a test: it fails only when a run fails.
#
# SPDX-License-Identifier: MIT
set -euo pipefail
cd "$(dirname "$0")/.."

wrap=${1:-build/main/tools/lowmap-run}
runs=${2:-3}
dur=${GLMARK2_DURATION:-3}
cpu=${GLMARK2_CPU:-}
[ -x "$wrap" ] || { echo "glmark2.sh: no $wrap; run tools/main.sh first" >&2; exit 2; }

need=()
for p in glmark2-x11 glmark2-es2-x11 xvfb mesa-utils; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
    need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
  [ "$(id -u)" -eq 0 ] || { echo "glmark2.sh: run as root to install ${need[*]}" >&2; exit 2; }
  apt-get -o DPkg::Lock::Timeout=900 update -q
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=900 install \
    -y -q --no-install-recommends "${need[@]}"
fi

out=$(mktemp -d)
xvfb=
trap '[ -n "$xvfb" ] && kill "$xvfb" 2>/dev/null; rm -rf "$out"' EXIT
for n in $(seq 140 170); do
  [ -e "/tmp/.X$n-lock" ] && continue
  Xvfb ":$n" -screen 0 1024x768x24 -nolisten tcp -noreset >/dev/null 2>&1 &
  xvfb=$!
  for _ in $(seq 50); do [ -e "/tmp/.X11-unix/X$n" ] && break; sleep 0.1; done
  if kill -0 "$xvfb" 2>/dev/null; then export DISPLAY=":$n"; break; fi
  xvfb=
done
[ -n "$xvfb" ] || { echo "glmark2.sh: no Xvfb" >&2; exit 1; }
export LIBGL_ALWAYS_SOFTWARE=1 GALLIUM_DRIVER=llvmpipe

# The buffer scenes: glmark2's default three, and two more that map a
# little or all of the buffer; glmark2-es2 runs the default three.
common="columns=200:duration=$dur"
glx_scenes=(
  "buffer:update-fraction=0.5:update-dispersion=0.9:update-method=map:interleave=false"
  "buffer:update-fraction=0.5:update-dispersion=0.9:update-method=subdata:interleave=false"
  "buffer:update-fraction=0.5:update-dispersion=0.9:update-method=map:interleave=true"
  "buffer:update-fraction=0.1:update-dispersion=0.0:update-method=map:interleave=false"
  "buffer:update-fraction=1.0:update-dispersion=0.0:update-method=map:interleave=false"
)
es2_scenes=("${glx_scenes[@]:0:3}")

# run_scene <prog> <mode> <round> <scene>: appends "<scene> <fps>" to
# $out/<prog>.<mode>.<round>
run_scene() {
  local prog=$1 mode=$2 round=$3 scene=$4
  local cmd=("$prog" --off-screen -s 400x300 -b "$scene:$common")
  [ "$mode" = lowmap ] && cmd=("$wrap" "${cmd[@]}")
  [ -n "$cpu" ] && cmd=(taskset -c "$cpu" "${cmd[@]}")
  if ! "${cmd[@]}" >"$out/log" 2>&1; then
    echo "glmark2.sh: $prog ($mode) failed:" >&2; tail -5 "$out/log" >&2
    exit 1
  fi
  local line
  line=$(sed -n 's/^\[buffer\] \(.*\): FPS: \([0-9]*\).*/\1 \2/p' "$out/log")
  [ -n "$line" ] || { cat "$out/log" >&2; exit 1; }
  echo "$line" >>"$out/$prog.$mode.$round"
}

renderer=$(glxinfo -B 2>/dev/null | sed -n 's/.*OpenGL renderer string: //p')
echo "machine: $(nproc) cores, Linux $(uname -r), $renderer"
echo "glmark2 buffer scenes, ${dur} s each, columns=200, 400x300 off-screen;"
echo "median of $runs runs each way, native and lowmap back to back per scene${cpu:+, on CPU $cpu alone}"
for r in $(seq "$runs"); do
  turn=$r   # each scene swaps which goes first from one run to the next
  for prog in glmark2 glmark2-es2; do
    scenes=("${glx_scenes[@]}"); [ "$prog" = glmark2-es2 ] && scenes=("${es2_scenes[@]}")
    for s in "${scenes[@]}"; do
      order="native lowmap"; [ $((turn % 2)) -eq 1 ] && order="lowmap native"
      turn=$((turn + 1))
      for mode in $order; do run_scene "$prog" "$mode" "$r" "$s"; done
    done
  done
done

median() { sort -n | awk '{v[NR]=$1} END {print (NR%2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2)}'; }
printf '\n%-11s %-84s %7s %7s %6s\n' program scene native lowmap ratio
sum_n=0 sum_l=0 worst=
for prog in glmark2 glmark2-es2; do
  while read -r scene; do
    n=$(cat "$out/$prog.native."* | awk -v s="$scene" '$1 == s {print $2}' | median)
    l=$(cat "$out/$prog.lowmap."* | awk -v s="$scene" '$1 == s {print $2}' | median)
    ratio=$(awk -v a="$l" -v b="$n" 'BEGIN {printf "%.3f", a / b}')
    printf '%-11s %-84s %7s %7s %6s\n' "$prog" "$scene" "$n" "$l" "$ratio"
    sum_n=$(awk -v a="$sum_n" -v b="$n" 'BEGIN {print a + b}')
    sum_l=$(awk -v a="$sum_l" -v b="$l" 'BEGIN {print a + b}')
    if [ -z "$worst" ] || awk -v a="$ratio" -v b="$worst" 'BEGIN {exit !(a < b)}'; then
      worst=$ratio
    fi
  done < <(awk '{print $1}' "$out/$prog.native.1")
done
echo
echo "glmark2.sh: lowmap/native, all scenes: $(awk -v a="$sum_l" -v b="$sum_n" 'BEGIN {printf "%.3f", a / b}') (sum of medians); worst scene $worst"
