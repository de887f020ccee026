#!/bin/sh
# check-install.sh <build-dir>
#
# Installs the build into a staging directory (DESTDIR, as distribution
# packaging does) and checks the result from there, with nothing from the
# build or source tree in reach: the file layout, lowmap-run finding the
# installed vendors from its own location, lowmap-demo running real GL
# through them, GLX through libglvnd where an X server can be had, and
# programs built against the staged prefix with pkg-config and with
# CMake's find_package(lowmap).
#
# Environment (set by ctest): CMAKE, LOWMAP_PREFIX, LOWMAP_LIBDIR,
# LOWMAP_BINDIR, LOWMAP_INCLUDEDIR, LOWMAP_DATADIR, LOWMAP_VERSION.
#
# SPDX-License-Identifier: MIT
set -eu
build=$(cd "${1:?usage: check-install.sh <build-dir>}" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
CMAKE=${CMAKE:-cmake}
CC=${CC:-cc}

stage=$(mktemp -d "${TMPDIR:-/tmp}/lowmap-install.XXXXXX")
trap 'rm -rf "$stage"' EXIT
fail() { echo "check-install: $*" >&2; exit 1; }
step() { echo "check-install: $*"; }

DESTDIR="$stage/root" "$CMAKE" --install "$build" >"$stage/install.log" ||
  { cat "$stage/install.log"; fail "cmake --install failed"; }
root="$stage/root$LOWMAP_PREFIX"
lib="$root/$LOWMAP_LIBDIR"
bin="$root/$LOWMAP_BINDIR"
share="$root/$LOWMAP_DATADIR"

step "layout under $LOWMAP_PREFIX"
for f in "$lib/liblowmap.so.1" "$lib/liblowmap.so" \
         "$lib/libGLX_lowmap.so.0" "$lib/libEGL_lowmap.so.0" \
         "$root/$LOWMAP_INCLUDEDIR/lowmap.h" \
         "$lib/pkgconfig/lowmap.pc" \
         "$lib/cmake/lowmap/lowmapConfig.cmake" \
         "$lib/cmake/lowmap/lowmapConfigVersion.cmake" \
         "$lib/cmake/lowmap/lowmapTargets.cmake" \
         "$share/lowmap/egl_vendor.d/50_lowmap.json" \
         "$share/lowmap/lowmap-run.conf" \
         "$bin/lowmap-run" "$bin/lowmap-info" "$bin/lowmap-demo"; do
  [ -e "$f" ] || fail "${f#"$stage/root"} is not installed"
done
# libglvnd loads the GLX vendor by name (libGLX_<name>.so.0) from the
# library path; the EGL vendor file stays out of libglvnd's global
# directories, where libEGL would load the host vendor twice.
if find "$stage/root" -path '*glvnd/egl_vendor.d*' | grep -q .; then
  fail "a vendor file went into libglvnd's own egl_vendor.d"
fi
grep -q '"library_path" *: *"libEGL_lowmap.so.0"' \
  "$share/lowmap/egl_vendor.d/50_lowmap.json" ||
  fail "the installed vendor file does not name libEGL_lowmap.so.0"
# Nothing installed may point back into the trees it came from.
if grep -rlI -e "$build" -e "$src" "$stage/root" >"$stage/leaks"; then
  cat "$stage/leaks" >&2
  fail "installed files name the build or source directory"
fi
for f in "$lib"/*.so.* "$bin/lowmap-info" "$bin/lowmap-demo"; do
  if readelf -d "$f" | grep -E 'R(UN)?PATH' | grep -q -e "$build" -e "$src"; then
    fail "${f##*/} keeps a run path into the build tree"
  fi
done

step "lowmap-run from the staged prefix"
"$bin/lowmap-run" sh -c 'printf "%s\n%s\n%s\n" "${LD_LIBRARY_PATH%%:*}" \
    "$__EGL_VENDOR_LIBRARY_FILENAMES" "$__GLX_VENDOR_LIBRARY_NAME"' \
  >"$stage/env"
{ read -r run_lib; read -r run_json; read -r run_glx; } <"$stage/env"
[ "$(cd "$run_lib" && pwd)" = "$(cd "$lib" && pwd)" ] ||
  fail "lowmap-run puts $run_lib first on the library path, not $lib"
[ "$(readlink -f "$run_json")" = "$(readlink -f \
  "$share/lowmap/egl_vendor.d/50_lowmap.json")" ] ||
  fail "lowmap-run selects $run_json"
[ "$run_glx" = lowmap ] || fail "lowmap-run selects GLX vendor '$run_glx'"

step "lowmap-info and lowmap-demo through the installed vendors"
"$bin/lowmap-run" "$bin/lowmap-info" >"$stage/info" 2>&1 ||
  { cat "$stage/info"; fail "lowmap-info failed"; }
# The loader's log shows which files were loaded.
LD_DEBUG=libs LD_DEBUG_OUTPUT="$stage/ld" LIBGL_ALWAYS_SOFTWARE=1 \
  "$bin/lowmap-run" "$bin/lowmap-demo" >"$stage/demo" 2>&1 ||
  { cat "$stage/demo"; fail "lowmap-demo failed"; }
cat "$stage/demo"
for so in liblowmap.so.1 libEGL_lowmap.so.0; do
  grep -hq "calling init: $lib/$so" "$stage"/ld.* ||
    fail "lowmap-demo did not load the staged $so"
done
grep -q "vendor file $share/lowmap/egl_vendor.d/50_lowmap.json" \
  "$stage/demo" || fail "lowmap-demo used another vendor file"

if command -v glxinfo >/dev/null 2>&1; then
  step "GLX: glxinfo through libglvnd and the staged GLX vendor"
  set +e
  LD_DEBUG=libs LD_DEBUG_OUTPUT="$stage/glx" LIBGL_ALWAYS_SOFTWARE=1 \
    "$src/tests/glvnd/with-xvfb.sh" "$bin/lowmap-run" glxinfo -B \
    >"$stage/glxinfo" 2>&1
  rc=$?
  set -e
  if [ $rc -eq 77 ]; then
    step "no X server here: GLX check skipped"
  elif [ $rc -ne 0 ]; then
    cat "$stage/glxinfo"
    fail "glxinfo failed under lowmap-run"
  else
    grep "OpenGL renderer" "$stage/glxinfo"
    grep -hq "calling init: $lib/libGLX_lowmap.so.0" "$stage"/glx.* ||
      fail "libglvnd did not load the staged libGLX_lowmap.so.0"
  fi
fi

step "pkg-config against the staged prefix"
pc() {
  PKG_CONFIG_SYSROOT_DIR="$stage/root" PKG_CONFIG_LIBDIR="$lib/pkgconfig" \
    pkg-config "$@" lowmap
}
[ "$(pc --modversion)" = "$LOWMAP_VERSION" ] ||
  fail "pkg-config says version $(pc --modversion)"
# shellcheck disable=SC2046
"$CC" -std=c11 -Wall -Werror -o "$stage/consumer-pc" \
  "$here/consumer/consumer.c" $(pc --cflags --libs)
LD_LIBRARY_PATH="$lib" "$stage/consumer-pc"

step "find_package(lowmap) from a consumer project"
"$CMAKE" -S "$here/consumer" -B "$stage/consumer" \
  -DCMAKE_PREFIX_PATH="$root" -DCMAKE_C_COMPILER="$CC" \
  >"$stage/consumer.log" 2>&1 ||
  { cat "$stage/consumer.log"; fail "configuring the consumer failed"; }
grep "lowmap $LOWMAP_VERSION" "$stage/consumer.log"
"$CMAKE" --build "$stage/consumer" >"$stage/consumer.log" 2>&1 ||
  { cat "$stage/consumer.log"; fail "building the consumer failed"; }
LD_LIBRARY_PATH="$lib" "$stage/consumer/consumer"
echo "check-install: ok"
