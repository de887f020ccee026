#!/bin/sh
# with-xvfb.sh <command...>: runs the command against $DISPLAY, or against a
# private Xvfb on a free display number when DISPLAY is unset.  Exits 77
# (ctest's "skipped") when there is no X server to be had.
#
# SPDX-License-Identifier: MIT
if [ -n "$DISPLAY" ]; then
    exec "$@"
fi
if ! command -v Xvfb >/dev/null 2>&1; then
    echo "with-xvfb: DISPLAY is unset and Xvfb is not installed: skipping" >&2
    exit 77
fi

dir=$(mktemp -d) || exit 1
mkfifo "$dir/displayfd"
# -displayfd makes Xvfb pick a free display and print it once it is ready;
# -noreset keeps it from resetting, and dropping connections being made,
# each time its last client leaves.
Xvfb -displayfd 3 -nolisten tcp -noreset -screen 0 640x480x24 \
    3>"$dir/displayfd" >"$dir/log" 2>&1 &
xvfb=$!
trap 'kill $xvfb 2>/dev/null; wait $xvfb 2>/dev/null; rm -rf "$dir"' EXIT
read -r n <"$dir/displayfd"
if [ -z "$n" ]; then
    echo "with-xvfb: Xvfb did not start: skipping" >&2
    cat "$dir/log" >&2
    exit 77
fi
DISPLAY=":$n" "$@"
