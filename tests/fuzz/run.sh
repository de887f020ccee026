#!/usr/bin/env bash
# Runs each fuzzer for $2 seconds (default 25) from the committed seeds,
# writing what it finds to a temporary directory, never to the repository.
# Fails on the first crash, leak or broken invariant; prints each
# fuzzer's closing lines (executions, exec/s, corpus size).
#   tests/fuzz/run.sh BUILD_DIR [SECONDS]
set -euo pipefail
build=$1
secs=${2:-25}
seeds=$(cd "$(dirname "$0")" && pwd)/corpus
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# fuzz_api runs in two modes: donation is process-wide, so it is a mode.
runs=("fuzz_maps_line:" "fuzz_api:" "fuzz_api:FUZZ_API_DONATE=1")
rc=0
for run in "${runs[@]}"; do
  target=${run%%:*}
  mode=${run#*:}
  t=$secs
  [ "$target" = fuzz_api ] && t=$((secs / 2 > 0 ? secs / 2 : 1))
  mkdir -p "$work/$target.new" "$work/artifacts"
  log="$work/$target.log"
  echo "-- $target ${mode:-} (${t} s)"
  if ! env $mode "$build/tests/fuzz/$target" -max_total_time="$t" \
      -print_final_stats=1 -artifact_prefix="$work/artifacts/" \
      "$work/$target.new" "$seeds/$target" >"$log" 2>&1; then
    tail -n 80 "$log"
    for f in "$work"/artifacts/*; do
      [ -e "$f" ] && echo "crash input $(basename "$f"): $(base64 -w0 "$f")"
    done
    rc=1
    continue
  fi
  grep -E "^#[0-9]+[[:space:]]+DONE|^Done |^stat::(number_of_executed_units|average_exec_per_sec|new_units_added)" "$log"
done
exit $rc
