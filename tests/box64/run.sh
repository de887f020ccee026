#!/usr/bin/env bash
# run.sh <build-dir>: the box64 stage.  box64 built with box32 from
# ../shared/third-party/box64 (once per build directory) runs an i386 GL
# program (gl_maps.c, gcc -m32, libEGL/libGL opened with dlopen) whose GL
# calls box64 forwards to the native libglvnd and through it to lowmap:
#
#   - the guest map checks through lowmap's EGL vendor (surfaceless) and
#     GLX vendor (X), with lowmap's default limit and with LOWMAP_LIMIT=4G
#     as box32 would set it; LOWMAP_STATS must show high_pointers 0;
#   - box32's 4 GiB filling up, with LOWMAP_STRICT=1: the map that finds no
#     low room fails with GL_OUT_OF_MEMORY;
#   - box64 alone, for reference: recorded, not judged.
#
# SPDX-License-Identifier: MIT
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
build=$(cd "${1:?usage: run.sh <build-dir>}" && pwd)
run=$build/tools/lowmap-run
dir=$build/box64
shared=$repo/../shared/third-party/box64

if [ ! -f "$shared/build.sh" ]; then
  echo "skip: box64: no box64 sources at $shared (the shared folder beside the repository)"
  exit 77
fi

# GLX needs an X server; tools/test.sh has one, alone we start our own.
if [ -z "${DISPLAY:-}" ]; then
  exec sh "$repo/tests/glvnd/with-xvfb.sh" bash "$0" "$@"
fi

# gcc -m32 and the i386 libc to link against; box32 itself runs the guest
# with the native libc.
if ! dpkg-query -W -f='${Status}' gcc-multilib 2>/dev/null | grep -q "ok installed"; then
  echo "box64 stage: installing gcc-multilib" >&2
  [ "$(id -u)" -eq 0 ] || { echo "box64 stage: run as root to install packages" >&2; exit 1; }
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=900 \
    install -y -q --no-install-recommends gcc-multilib >/dev/null
fi

start=$(date +%s)
box64=$(bash "$shared/build.sh" "$dir" | tail -n1)
echo "box64 stage: $box64 ready in $(( $(date +%s) - start )) s"

guest=$dir/gl_maps32
gcc -m32 -std=gnu11 -O2 -Wall -Wextra -Werror -Wno-unused-parameter \
  -I"$repo/tests/guest" -o "$guest" "$here/gl_maps.c" \
  "$repo/tests/guest/map_checks.c" -ldl

export LIBGL_ALWAYS_SOFTWARE=1 GALLIUM_DRIVER=llvmpipe
export BOX64_LOG=0 BOX64_NOBANNER=1
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
status=0

# one <name> [env...] -- <command...>: runs it, keeps the output, shows
# the result lines; returns the command's status.
one() {
  local name=$1 rc=0
  shift
  local envs=()
  while [ "$1" != -- ]; do envs+=("$1"); shift; done
  shift
  echo "== $name: ${envs[*]+${envs[*]} }$*" | sed "s|$build/||g; s|$dir/||g"
  env ${envs[@]+"${envs[@]}"} LOWMAP_STATS=1 timeout 600 "$@" >"$out/$name" 2>&1 || rc=$?
  grep -E '^(ok|FAIL|note|skip|lowmap: stats)' "$out/$name" | sed "s/^/  /" || true
  [ "$rc" -eq 0 ] || tail -n 5 "$out/$name" | sed "s/^/  | /"
  return "$rc"
}

# judged <name> [env...] -- <command...>: must pass with high_pointers 0.
judged() {
  local name=$1
  if ! one "$@"; then
    echo "FAIL: $name"; status=1
  elif ! grep -q '^lowmap: stats:.* high_pointers 0 ' "$out/$name"; then
    echo "FAIL: $name: lowmap did not load, or a pointer went out above the limit"
    status=1
  fi
}

if one box64-alone -- "$box64" "$guest" egl check; then
  echo "  recorded: box64 alone passed every check"
else
  echo "  recorded: box64 alone failed (above)"
fi
judged egl LOWMAP_DEBUG=warn -- "$run" "$box64" "$guest" egl check 80000000
judged glx LOWMAP_DEBUG=warn -- "$run" "$box64" "$guest" glx check 80000000
judged egl-4g LOWMAP_LIMIT=4G -- "$run" "$box64" "$guest" egl check 100000000
judged exhaustion LOWMAP_STRICT=1 -- "$run" "$box64" "$guest" egl exhaust 80000000
exit "$status"
