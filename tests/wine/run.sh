#!/usr/bin/env bash
# run.sh <build-dir> win64|wow64: the Wine stage.  Debian's Wine runs a
# Windows GL program (wgl_maps.c, built here with mingw-w64) on a fresh
# prefix under X, through lowmap-run and without it, and compares the two.
#
#   win64  the x86_64 program as a 64-bit Wine process: must pass with and
#          without lowmap, with LOWMAP_STATS showing high_pointers 0.
#   wow64  the i686 program in Wine's WoW64 mode (64-bit Wine, 32-bit PE
#          DLLs from libwine:i386): must pass through lowmap; without it,
#          Wine's own copy path runs and what happens is recorded, pass or
#          fail.  Exits 77 with the reason where the kernel runs no 32-bit
#          code, before installing anything for it, and where Wine's own
#          unmap fails every check on plain Wine (below).
#
# Both print the time per map/unmap cycle, with and without lowmap, runs
# alternated, medians, and the bytes copied per cycle: lowmap's from
# LOWMAP_STATS, Wine's from its own trace of its copy path.
#
# SPDX-License-Identifier: MIT
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
build=$(cd "${1:?usage: run.sh <build-dir> win64|wow64}" && pwd)
mode=${2:?usage: run.sh <build-dir> win64|wow64}
run=$build/tools/lowmap-run
dir=$build/wine
mkdir -p "$dir"

if [ "$mode" = wow64 ]; then
  [ -x "$build/tests/integration/ia32_probe" ] ||
    { echo "run.sh: $build has no tests/integration/ia32_probe" >&2; exit 1; }
  if ! why=$("$build/tests/integration/ia32_probe"); then
    echo "skip: Wine WoW64: this kernel runs no 32-bit code: $why"
    exit 77
  fi
fi

# GLX needs an X server; tools/test.sh has one, alone we start our own.
if [ -z "${DISPLAY:-}" ]; then
  exec sh "$repo/tests/glvnd/with-xvfb.sh" bash "$0" "$@"
fi

bash "$here/deps.sh" "$mode" "$dir"

case $mode in
  win64) cc=x86_64-w64-mingw32-gcc exe=$dir/wgl_maps64.exe limit=80000000 ;;
  wow64) cc=i686-w64-mingw32-gcc exe=$dir/wgl_maps32.exe limit=80000000
         export WINEDLLPATH=$dir/i386/usr/lib/i386-linux-gnu/wine ;;
  *) echo "run.sh: unknown mode $mode" >&2; exit 2 ;;
esac
"$cc" -std=gnu11 -O2 -Wall -Wextra -Werror -Wno-unused-parameter \
  -Wno-cast-function-type -I"$repo/tests/guest" -o "$exe" \
  "$here/wgl_maps.c" "$repo/tests/guest/map_checks.c" -lopengl32 -lgdi32

# A fresh prefix per run: nothing from an earlier Wine configuration.
# mscoree and mshtml off: no prompts for Mono and Gecko.
export WINEPREFIX=$dir/prefix-$mode WINEDLLOVERRIDES="mscoree,mshtml="
export WINEDEBUG=-all LIBGL_ALWAYS_SOFTWARE=1 GALLIUM_DRIVER=llvmpipe
rm -rf "$WINEPREFIX"
start=$(date +%s)
timeout 300 wine wineboot -i >/dev/null 2>&1
timeout 60 wineserver -w
echo "wine stage: $(wine --version 2>/dev/null), prefix made in $(( $(date +%s) - start )) s"

out=$(mktemp -d)
trap 'rm -rf "$out"; wineserver -k 2>/dev/null || true' EXIT
status=0

# check <name> <limit> [lowmap]: the checks, with or without lowmap-run.
check() {
  local name=$1 lim=$2 wrap=() rc=0
  [ "${3:-}" = lowmap ] && wrap=("$run")
  LOWMAP_STATS=1 timeout 300 "${wrap[@]}" wine "$exe" check "$lim" \
    >"$out/$name" 2>&1 || rc=$?
  grep -E '^(ok|FAIL|note|skip|lowmap: stats)' "$out/$name" | sed "s/^/  /" || true
  return $rc
}

# only_unmap_false <file>: the guest failed checks, every one of them
# because the unmap returned GL_FALSE (Wine's console ends lines in CR).
only_unmap_false() {
  grep -q '^FAIL' "$1" &&
    ! grep '^FAIL' "$1" | tr -d '\r' | grep -qv 'unmap returned GL_FALSE$'
}

echo "== $mode guest through lowmap: lowmap-run wine $(basename "$exe")"
lowmap_rc=0
check lowmap "$limit" lowmap || lowmap_rc=$?
lowmap_low=yes
if ! grep -q '^lowmap: stats:.* high_pointers 0 ' "$out/lowmap"; then
  echo "FAIL: $mode: lowmap did not load, or pointers went out above the limit"
  lowmap_low=no status=1
fi

echo "== $mode guest on plain Wine: wine $(basename "$exe")"
if [ "$mode" = win64 ]; then
  check plain 0 || { echo "FAIL: 64-bit guest on plain Wine"; status=1; }
else
  # Wine's WoW64 copy path: recorded, not judged.
  rc=0
  check plain 100000000 || rc=$?
  if [ "$rc" -eq 0 ]; then
    echo "  recorded: the 32-bit guest passed every check on Wine's copy path"
  elif grep -q '^wgl_maps: ' "$out/plain"; then
    echo "  recorded: on Wine's copy path $(grep -c '^FAIL' "$out/plain") checks failed (listed above)"
  else
    echo "  recorded: on plain Wine the 32-bit guest did not run to its end (exit status $rc):"
    tail -n 5 "$out/plain" | sed "s/^/  | /"
  fi
fi

# Debian's Wine 8.0 returns GL_FALSE from every unmap a 32-bit guest makes,
# with or without lowmap: its Unix side of the call fails with an access
# violation (WINEDEBUG=warn+opengl: "glUnmapBuffer returned 0xc0000005").
# Where plain Wine fails every check that way and lowmap's run fails only
# that way, with its pointers low, what follows an unmap cannot be judged:
# the stage skips, saying so.
wine_unmaps=yes
if [ "$mode" = wow64 ] && [ "$lowmap_rc" -ne 0 ] && [ "$lowmap_low" = yes ] &&
   only_unmap_false "$out/plain" && only_unmap_false "$out/lowmap" &&
   ! grep -q '^ok map' "$out/plain"; then
  wine_unmaps=no
  echo "skip: Wine WoW64: this Wine's opengl32 returns GL_FALSE from every 32-bit unmap, on plain Wine too ($(grep -c '^FAIL' "$out/plain") checks failed so there, $(grep -c '^FAIL' "$out/lowmap") through lowmap, with high_pointers 0); what follows an unmap cannot be judged"
elif [ "$lowmap_rc" -ne 0 ]; then
  echo "FAIL: $mode guest through lowmap"; status=1
  tail -n 5 "$out/lowmap" | sed "s/^/  | /"
fi

# ---- comparison -------------------------------------------------------
rounds=3 cycles=50
cases="write/65536 read/65536 readwrite/65536 write/1048576 read/1048576 readwrite/1048576"
for r in $(seq "$rounds"); do
  timeout 300 wine "$exe" bench "$cycles" >"$out/bench.plain.$r" 2>/dev/null || true
  timeout 300 "$run" wine "$exe" bench "$cycles" >"$out/bench.lowmap.$r" 2>/dev/null || true
done
# Bytes copied per cycle, one case per process: lowmap's own counters, and
# Wine's trace lines of its copy path ("Copying <size> from ...").
copies() {
  local c=$1 n=5 lm wine=none sum=0 h
  lm=$(LOWMAP_STATS=1 timeout 120 "$run" wine "$exe" bench "$n" "$c" 2>&1 |
    sed -n 's/.*copied_in \([0-9]*\) copied_out \([0-9]*\).*/\1 \2/p' |
    awk -v n="$n" '{ v = ($1 + $2) / (n + 1) } END { if (NR) printf "%d", v; else printf "-" }' ||
    true)
  # 64-bit Wine hands the driver's pointer through: "none".
  if [ "$mode" = wow64 ]; then
    while read -r h; do sum=$((sum + 16#$h)); done < <(
      WINEDEBUG=trace+opengl timeout 120 wine "$exe" bench "$n" "$c" 2>&1 |
        sed -n 's/.*Copying 0x\([0-9a-f]*\) .*/\1/p' || true)
    wine=$((sum / (n + 1)))
  fi
  echo "${lm:--} $wine"
}
median() {
  sort -n | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)]; else print "-" }'
}
ns() {  # ns <column> <case> <size>
  cat "$out"/bench."$1".* 2>/dev/null | awk -v c="$2" -v s="$3" '$1 == "bench" && $2 == c && $3 == s { print $5 }' | median
}
fmt_us() { awk -v v="$1" 'BEGIN { if (v == "-") print "failed"; else printf "%.1f µs", v / 1000 }'; }

renderer=$(sed -n 's/^note renderer: \(.*\); version.*/\1/p' "$out/lowmap" | head -n1)
echo "== comparison, $mode guest: time per map + touch + unmap cycle (median of $rounds runs each, alternated, $cycles cycles a run)"
echo "   machine: $(nproc) cores, Linux $(uname -r), $renderer, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "| case | size | plain Wine | through lowmap | copied per cycle: Wine | copied per cycle: lowmap |"
echo "|---|---|---|---|---|---|"
for c in $cases; do
  name=${c%/*} size=${c#*/}
  lm=- wine_copied=-
  read -r lm wine_copied < <(copies "$c") || true
  echo "| $name | $((size / 1024)) KiB | $(fmt_us "$(ns plain "$name" "$size")") | $(fmt_us "$(ns lowmap "$name" "$size")") | $wine_copied | $lm |"
done
if [ "$(ns lowmap write 65536)" = "-" ] && [ "$wine_unmaps" = yes ]; then
  echo "FAIL: $mode: the benchmark failed through lowmap"; status=1
fi
[ "$status" -eq 0 ] && [ "$wine_unmaps" = no ] && exit 77
exit "$status"
