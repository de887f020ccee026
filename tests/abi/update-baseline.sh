#!/bin/sh
# update-baseline.sh [build-dir]
#
# Regenerates tests/abi/liblowmap.abi, the ABI that tests/abi/check-abi.sh
# holds liblowmap.so.1 to, from the debug copy of the library the build
# makes for that check (tests/abi/lib/liblowmap.so.1 in the build tree).
#
# Run it deliberately, when the public API grows before a release (new
# functions, members appended to a growable struct), and commit the new
# baseline together with the header change.  Never run it to silence a
# failing check: that failure means programs built against liblowmap.so.1
# would break.
#
#   cmake -S . -B build -DBUILD_TESTING=ON && cmake --build build
#   tests/abi/update-baseline.sh build
#
# SPDX-License-Identifier: MIT
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
build=${1:-$top/build}
lib="$build/tests/abi/lib/liblowmap.so.1"
[ -f "$lib" ] || {
  echo "update-baseline: $lib missing; build with -DBUILD_TESTING=ON first" >&2
  exit 1
}
# No paths, locations or build ids: the baseline must not depend on the
# machine or the directory it was made in.
${ABIDW:-abidw} --headers-dir "$top/include" --drop-private-types \
  --exported-interfaces-only \
  --no-corpus-path --no-comp-dir-path --no-show-locs --no-elf-needed \
  --type-id-style hash --out-file "$here/liblowmap.abi" "$lib"
echo "update-baseline: wrote tests/abi/liblowmap.abi from $lib"
