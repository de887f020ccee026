#!/bin/sh
# lowmap-bench --quick, one round, four configurations: the host alone,
# Wine's copy path, lowmap's defaults and shadows forced.  On llvmpipe
# lowmap places every buffer of a desktop context, so each case of the
# lowmap configuration must be served by placed storage and each of the
# shadow configuration by a shadow; the host's own configurations by the
# host.
#
# SPDX-License-Identifier: MIT
set -eu
bench=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "runs.sh: $*" >&2; cat "$tmp/out" >&2; exit 1; }

if "$bench" --rounds 0 >"$tmp/out" 2>&1; then fail "--rounds 0 accepted"; fi
grep -q "takes 1 to 99" "$tmp/out" || fail "no message for --rounds 0"

"$bench" --quick --rounds 1 --json "$tmp/b.json" \
  --only native,wine,lowmap,shadow >"$tmp/out" 2>"$tmp/err" ||
  { cat "$tmp/err" >&2; fail "lowmap-bench failed"; }
grep -q "^machine: .* cores, Linux " "$tmp/out" || fail "no machine line"
grep -q "^targets, from the ratios above:" "$tmp/out" || fail "no targets"
grep -q "zero-copy rows <= 1.5x native: worst" "$tmp/out" ||
  fail "no zero-copy target"
grep -q "shadow rows <= 1.1x Wine's copy path: worst" "$tmp/out" ||
  fail "no shadow target"
grep -q '"rounds_ns": {' "$tmp/b.json" || fail "no rounds' times in the JSON"

# The JSON's "served" object: one line per case.
sed -n '/"served": {/,/^  }/p' "$tmp/b.json" | grep '^    "' >"$tmp/served" ||
  fail "no served cases in the JSON"
cases=$(wc -l <"$tmp/served")
[ "$cases" -ge 20 ] || fail "only $cases cases"
# check <what> <lines>: <what> in each of <lines>
check() {
  n=$(grep -c -- "$1" "$2" || true)
  all=$(wc -l <"$2")
  [ "$n" -eq "$all" ] || { cat "$2" >&2; fail "$1 in $n of $all cases"; }
}
for want in '"native": "host"' '"lowmap": "placed"' '"shadow": "shadow"'; do
  check "$want" "$tmp/served"
done
# Wine has no copy path for persistent maps, and the bench none for it.
grep -v persistent "$tmp/served" >"$tmp/copied"
check '"wine": "host"' "$tmp/copied"
echo "runs.sh: $cases cases; each served as its configuration says"
