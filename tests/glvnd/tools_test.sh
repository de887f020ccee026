#!/bin/sh
# tools_test.sh <lowmap-run> <gl-layer-real: 0|1>: third-party programs
# through lowmap-run under X: glxinfo must show llvmpipe and eglinfo Mesa's
# software driver behind lowmap, and once the GL layer is real glxinfo must list
# GL_MESA_map_buffer_client_pointer.  Run through with-xvfb.sh.
#
# SPDX-License-Identifier: MIT
run=$1
gl_real=$2
fail=0
out=$(mktemp)
trap 'rm -f "$out"' EXIT

check() { # <what> <pattern>
    if grep -q -- "$2" "$out"; then
        echo "ok: $1"
    else
        echo "FAIL: $1 (no '$2')"
        fail=1
    fi
}

if command -v glxinfo >/dev/null 2>&1; then
    LOWMAP_DEBUG=trace "$run" glxinfo -B >"$out" 2>&1 || fail=1
    check "host named by the X server" "GLX: the X server names vendors 'mesa'"
    check "glxinfo -B through lowmap" "lowmap: info: GLX: wrapping host vendor mesa"
    check "glxinfo -B renderer" "OpenGL renderer string: llvmpipe"
    # Named as its own host, lowmap refuses and libGLX falls back to Mesa.
    LOWMAP_HOST=lowmap LOWMAP_DEBUG=error "$run" glxinfo -B >"$out" 2>&1 ||
        fail=1
    check "refusing to wrap itself" "GLX: refusing to wrap ourselves"
    check "glxinfo -B without lowmap" "OpenGL renderer string: llvmpipe"
    if [ "$gl_real" = 1 ]; then
        "$run" glxinfo >"$out" 2>&1 || fail=1
        check "glxinfo extension list" "GL_MESA_map_buffer_client_pointer"
    fi
else
    echo "skip: glxinfo is not installed (mesa-utils)"
fi

if command -v eglinfo >/dev/null 2>&1; then
    # eglinfo's exit status reflects platforms absent here (GBM, Wayland).
    LOWMAP_DEBUG=info "$run" eglinfo >"$out" 2>&1
    check "eglinfo through lowmap" "lowmap: info: EGL: wrapping host vendor"
    check "eglinfo surfaceless platform" "Surfaceless platform"
    # This eglinfo names no GL renderer; swrast is the driver behind
    # llvmpipe.
    check "eglinfo driver" "EGL driver name: swrast"
else
    echo "skip: eglinfo is not installed (mesa-utils)"
fi

[ $fail -eq 0 ] || cat "$out"
exit $fail
