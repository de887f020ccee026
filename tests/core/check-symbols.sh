#!/bin/sh
# The ABI of liblowmap.so.1: the defined dynamic symbols are exactly the
# checked-in list, each carries version LOWMAP_1.0, and the list is what
# the public header declares.
#
# usage: check-symbols.sh LIBRARY LIST HEADER
# SPDX-License-Identifier: MIT
set -eu

lib=$1 list=$2 header=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
status=0

# "ADDR TYPE NAME@@VERSION"; the version node itself is an absolute symbol.
nm -D --defined-only "$lib" | awk '$2 != "A" { print $3 }' >"$tmp/raw"
sed 's/@.*//' "$tmp/raw" | sort >"$tmp/exported"
sort "$list" >"$tmp/expected"
if ! diff -u "$tmp/expected" "$tmp/exported"; then
    echo "exported symbols differ from $list (- expected, + exported)"
    status=1
fi

if grep -Ev '@@LOWMAP_1\.[0-9]+$' "$tmp/raw" >"$tmp/unversioned"; then
    echo "symbols without a default version LOWMAP_1.x:"
    cat "$tmp/unversioned"
    status=1
fi
if ! nm -D --defined-only "$lib" | awk '$2 == "A" { print $3 }' |
        grep -qx 'LOWMAP_1\.0'; then
    echo "no version node LOWMAP_1.0"
    status=1
fi

# Every function the header marks LOWMAP_API, and nothing more.
grep -v '^#' "$header" | tr '\n' ' ' | grep -o 'LOWMAP_API [^(;]*(' |
    sed 's/($//; s/.*[ *]//' | sort >"$tmp/declared"
if ! diff -u "$tmp/expected" "$tmp/declared"; then
    echo "$list differs from the functions $header declares"
    status=1
fi

[ "$status" = 0 ] && echo "$(wc -l <"$tmp/exported") symbols, all LOWMAP_1.0"
exit "$status"
