#!/bin/sh
# check-abi.sh <liblowmap.so.1 built with -g>
#
# Compares the library's ABI with the committed baseline liblowmap.abi.
# Fails on any change to what the baseline holds: removed or changed
# functions, changed types, moved or resized struct members.  Functions
# added to the library pass, with a reminder to regenerate the baseline
# before release.  Members appended to a growable struct (lowmap_stats,
# lowmap_caps, lowmap_va_ops: callers pass their size) are compatible too,
# but abidiff cannot tell an append from other changes reliably, so they
# fail until the baseline is regenerated on purpose with
# tests/abi/update-baseline.sh, in the same commit as the header change.
#
# The baseline keeps only what the public header declares: the structs
# behind opaque handles are declaration-only there, so the library's
# internals may change freely.
#
# SPDX-License-Identifier: MIT
set -eu
here=$(cd "$(dirname "$0")" && pwd)
lib=${1:?usage: check-abi.sh <liblowmap.so.1>}
ABIDIFF=${ABIDIFF:-abidiff}

report=$(mktemp)
trap 'rm -f "$report"' EXIT
set +e
"$ABIDIFF" --no-added-syms "$here/liblowmap.abi" "$lib" >"$report" 2>&1
rc=$?
set -e
cat "$report"
# abidiff's status is a bit field: 1 error, 2 usage, 4 ABI change,
# 8 incompatible change.
if [ $((rc & 3)) -ne 0 ]; then
  echo "check-abi: abidiff failed (status $rc)" >&2
  exit 1
fi
if [ $((rc & 12)) -ne 0 ]; then
  echo "check-abi: liblowmap.so.1 no longer matches tests/abi/liblowmap.abi." >&2
  echo "check-abi: programs built against the baseline would break," >&2
  echo "check-abi: unless this only appends members to a growable struct:" >&2
  echo "check-abi: then regenerate it with tests/abi/update-baseline.sh." >&2
  exit 1
fi
# Additions: compatible, but the baseline should learn them.
rc=0
"$ABIDIFF" "$here/liblowmap.abi" "$lib" >"$report" 2>&1 || rc=$?
if [ $((rc & 4)) -ne 0 ]; then
  cat "$report"
  echo "check-abi: compatible additions since the baseline; run" \
       "tests/abi/update-baseline.sh before release"
fi
echo "check-abi: liblowmap.so.1 is compatible with the baseline"
