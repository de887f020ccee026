#!/usr/bin/env bash
# Faults survived: lowmap under injected system-call failures, sandboxes
# and resource limits, with the figures reached.
#
#   tests/faults/run.sh [build-dir] [inject|sandbox|limits ...]
#
# inject:  fault_core and fault_gl (llvmpipe) with every lowmap fault point
#          failing at random (libfiu, LOWMAP_FAULTS=ON build), several
#          seeds, default and LOWMAP_STRICT=1 policies, under ASan+UBSan
#          (build-dir-asan); fault_core again under fiu-run's POSIX preload.
#          Failed MAP_FIXED-style calls leave foreign memory in the slot
#          (LOWMAP_FAULT_STEAL=1).
# sandbox: the GL program, GL suites of tests/gl and lowmap-info under
#          seccomp policies (sandbox.c).
# limits:  ulimit -v, a memory cgroup, RLIMIT_NOFILE with no fd left.
# SEEDS, CORE_ITERS, GL_ITERS, PROB override the sizes.
set -euo pipefail
cd "$(dirname "$0")/../.."
dir=${1:-build/faults}
shift || true
stages=${*:-inject sandbox limits}
jobs=$(nproc 2>/dev/null || echo 2)
SEEDS=${SEEDS:-1 2 3}
CORE_ITERS=${CORE_ITERS:-4000}
GL_ITERS=${GL_ITERS:-1500}
PROB=${PROB:-0.05}

cmake -S . -B "$dir" -DBUILD_TESTING=ON -DLOWMAP_WERROR=ON \
  -DLOWMAP_FAULTS=ON >/dev/null
cmake --build "$dir" -j "$jobs" --target fault_core fault_gl sandbox \
  lowmap-info lowmap_egl test_persistent test_kept test_lifecycle >/dev/null

bin=$dir/tests/faults
export __EGL_VENDOR_LIBRARY_FILENAMES=$PWD/$dir/glvnd-vendor/egl_vendor.d/50_lowmap.json
export LIBGL_ALWAYS_SOFTWARE=1 GALLIUM_DRIVER=llvmpipe
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
status=0 runs=0 skips=0

fail() { echo "faults: FAIL: $*" >&2; status=1; }

# run NAME CMD...: runs it, keeps stdout in $tmp/NAME.out and stderr in
# $tmp/NAME.err; fails on a non-zero exit, a missing figures line or any
# sanitizer / crash report.
run() {
  local name=$1 rc=0
  shift
  runs=$((runs + 1))
  "$@" >"$tmp/$name.out" 2>"$tmp/$name.err" || rc=$?
  if [ "$rc" -eq 77 ]; then
    skips=$((skips + 1))
    echo "SKIP $name: $(grep -m1 SKIP "$tmp/$name.out" || echo unavailable)"
    return 77
  fi
  if [ "$rc" -ne 0 ] || ! grep -q '^figures:' "$tmp/$name.out" ||
     grep -qE 'Sanitizer|runtime error|Segmentation|Aborted' "$tmp/$name.err"; then
    fail "$name (exit $rc)"
    tail -n 20 "$tmp/$name.out" "$tmp/$name.err" >&2
    return 1
  fi
  grep '^figures:' "$tmp/$name.out" | sed "s/^/$name: /"
}

# Every slot stolen by the fault layer still holds its mark; what stays in
# use at the end is exactly the slots lowmap said it lost (taken by another
# mapping, or not reserved again after a failed call).
check_slots() {
  local name=$1 stolen found lost=0 used x
  stolen=$(awk '$1 == "stolen-slots" {s += $3} END {print s + 0}' "$tmp/$name.rep")
  found=$(sed -n 's/.*foreign slots intact \([0-9]*\).*/\1/p' "$tmp/$name.out")
  [ "$stolen" = "$found" ] ||
    fail "$name: $stolen slots stolen, $found found intact"
  used=$(sed -n 's/.*arena used at end \([0-9]*\).*/\1/p' "$tmp/$name.out")
  if [ -n "$used" ]; then
    for x in $(grep -oE 'slot 0x[0-9a-f]*\+0x[0-9a-f]* (was taken|could not)' \
                 "$tmp/$name.err" | sort -u | sed 's/.*+0x\([0-9a-f]*\) .*/\1/'); do
      lost=$((lost + 16#$x))
    done
    [ "$used" = "$lost" ] ||
      fail "$name: $used bytes in use at the end, $lost lost to foreign slots"
  fi
}

if [[ " $stages " == *" inject "* ]]; then
  echo "== faults: injection (seeds $SEEDS, p=$PROB)"
  # The same under AddressSanitizer + UBSan, set up as in
  # tests/gl-robust/sanitize.sh (the sandbox and limit stages cannot:
  # ASan reads /proc at start and reserves terabytes of address space).
  asan=$dir-asan
  cmake -S . -B "$asan" -DBUILD_TESTING=ON -DLOWMAP_WERROR=ON \
    -DLOWMAP_FAULTS=ON -DLOWMAP_SANITIZE=ON >/dev/null
  cmake --build "$asan" -j "$jobs" --target fault_core fault_gl lowmap_egl \
    keep_loaded >/dev/null
  sanitized() {
    __EGL_VENDOR_LIBRARY_FILENAMES=$PWD/$asan/glvnd-vendor/egl_vendor.d/50_lowmap.json \
    LD_PRELOAD=$PWD/$asan/tests/gl-robust/keep_loaded.so \
    ASAN_OPTIONS=detect_leaks=1:handle_segv=0:verify_asan_link_order=0 \
    LSAN_OPTIONS="suppressions=$PWD/tests/gl-robust/lsan.supp:print_suppressions=0" \
    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 "$@"
  }
  for s in $SEEDS; do
    for mode in core gl gl-strict; do
      name=$mode.$s
      case $mode in
        core) cmd=("$asan/tests/faults/fault_core" "$s" "$CORE_ITERS" "$PROB") ;;
        *) cmd=("$asan/tests/faults/fault_gl" "$s" "$GL_ITERS" "$PROB") ;;
      esac
      strict=0; [ "$mode" = gl-strict ] && strict=1
      LOWMAP_STRICT=$strict LOWMAP_DEBUG=warn LOWMAP_FAULT_STEAL=1 \
      LOWMAP_FAULT_REPORT=$tmp/$name.rep run "$name" sanitized "${cmd[@]}" &&
        check_slots "$name" || true
    done
    # libfiu's POSIX preload on the calls it covers (mmap, munmap,
    # madvise, mprotect, open, read, ftruncate, fdopendir, readdir).
    run posix.$s fiu-run -x "$bin/fault_core" "$s" "$CORE_ITERS" "$PROB" posix || true
  done
  # Each point alone, failing every time, the kernel probes at start-up
  # included: nothing low may be served then, but nothing may break, and
  # once the point stops failing the process maps normally again.
  for p in $(grep -oh 'FAULT[A-Z_]*("[a-z_/]*"' platform/linux/*.c |
             sed 's/.*"\(.*\)"/\1/' | sort -u); do
    name=one.${p//\//_}
    FAULT_POINTS=lowmap/$p LOWMAP_DEBUG=warn LOWMAP_FAULT_STEAL=1 \
    LOWMAP_FAULT_REPORT=$tmp/$name.rep run "$name" sanitized \
      "$asan/tests/faults/fault_core" 7 300 1 >/dev/null &&
      check_slots "$name" || true
  done
  echo "-- faults injected per call site (all runs)"
  cat "$tmp"/*.rep 2>/dev/null | awk '$1 != "stolen-slots" {c[$1 " " $2] += $3}
    END {for (k in c) printf "  %-40s %6d\n", k, c[k]}' | sort
  cat "$tmp"/posix.*.out 2>/dev/null | awk '/^posix: fired/ {c[$3] += $4}
    END {for (k in c) printf "  %-40s %6d (fiu-run -x)\n", k, c[k]}' | sort
  cat "$tmp"/*.out | awk '/^figures:/ {
      for (i = 1; i <= NF; i++) {
        if ($i == "faults") f += $(i + 1)
        if ($i == "attempted") a += $(i + 1)
        if ($i == "served" || $i == "verified") v += $(i + 1)
        if ($i == "checked") b += $(i + 1)
      }
    } END {printf "-- totals: faults %d, maps attempted %d, served low and verified %d, bytes checked %d\n", f, a, v, b}'
  awk '$1 == "stolen-slots" {s += $3} END {printf "-- slots stolen by foreign mappings: %d, all found intact\n", s}' "$tmp"/*.rep
  # Call sites that never failed, if any: named, not hidden.
  grep -n 'FAULT[A-Z_]*("' platform/linux/*.c | cut -d: -f1,2 |
    while read -r site; do
      grep -q "^$site " <(cat "$tmp"/*.rep) || echo "  never failed: $site"
    done
fi

if [[ " $stages " == *" sandbox "* ]]; then
  echo "== faults: seccomp sandboxes"
  declare -A expect=([uffd]="userfaultfd" [memfd]="memfd_create"
    [mremap]="mremap duplication" [procmap]="PROCMAP_QUERY"
    [maps]="/proc/self/maps" [all]="/proc/self/maps.*memfd_create.*mremap.*userfaultfd")
  for p in uffd memfd mremap procmap maps all; do
    for strict in 0 1; do
      name=sandbox.$p.$strict
      LOWMAP_STRICT=$strict LOWMAP_DEBUG=info \
        run "$name" "$bin/sandbox" "$p" "$bin/fault_gl" 1 "$GL_ITERS" 0 || continue
      grep -qE "missing here:.*${expect[$p]}" "$tmp/$name.err" ||
        fail "$name: no log line naming ${expect[$p]}"
    done
    rc=0
    LOWMAP_DEBUG=info "$bin/sandbox" "$p" "$dir/tools/lowmap-info" \
      >"$tmp/info.$p.out" 2>&1 || rc=$?
    [ "$rc" -eq 77 ] && continue
    if [ "$rc" -ne 0 ] ||
       ! grep -qE "missing here:.*${expect[$p]}" "$tmp/info.$p.out"; then
      fail "lowmap-info under $p (exit $rc)"
    else
      echo "lowmap-info under $p: $(grep -o 'missing here:.*' "$tmp/info.$p.out")"
    fi
  done
  # Without membarrier the share-group locks stay plain mutexes.
  name=sandbox.membarrier
  if LOWMAP_DEBUG=info run "$name" "$bin/sandbox" membarrier \
       "$bin/fault_gl" 1 "$GL_ITERS" 0; then
    grep -q "share-group locks are plain mutexes" "$tmp/$name.err" ||
      fail "$name: no log line saying the locks are plain mutexes"
  fi
  # The Criterion GL suites too; Criterion itself needs /proc, so the
  # policies that hide it are covered by the GL program above only.
  for p in uffd memfd mremap procmap membarrier \
           uffd,memfd,mremap,procmap,membarrier; do
    for t in test_persistent test_kept test_lifecycle; do
      runs=$((runs + 1))
      "$bin/sandbox" "$p" "$dir/tests/gl/$t" --jobs=2 >"$tmp/crit.out" 2>&1 || true
      syn=$(grep -o 'Tested: [0-9]* | Passing: [0-9]* | Failing: [0-9]* | Crashing: [0-9]*' \
            "$tmp/crit.out" | tail -n1)
      if [[ "$syn" =~ Tested:\ ([1-9][0-9]*)\ \|\ Passing:\ ([0-9]+) ]] &&
         [ "${BASH_REMATCH[1]}" = "${BASH_REMATCH[2]}" ]; then
        echo "gl/$t under $p: ${BASH_REMATCH[1]} tests passed"
      else
        fail "gl/$t under $p: ${syn:-no tests ran}"
        tail -n 30 "$tmp/crit.out" >&2
      fi
    done
  done
  echo "gl suites under maps and all: not run (Criterion needs /proc)"
fi

if [[ " $stages " == *" limits "* ]]; then
  echo "== faults: resource limits"
  run limits.free "$bin/fault_gl" 2 "$GL_ITERS" 0 || true
  peak=$(awk '/peak: VmPeak/ {print $3}' "$tmp/limits.free.out")
  hwm=$(awk '/peak: VmHWM/ {print $3}' "$tmp/limits.free.out")
  if [ -n "$peak" ]; then
    # A little above what the run needed: lowmap's 64 MiB arena chunks
    # (address space, no memory) may no longer fit, so maps fall back.
    for strict in 0 1; do
      LOWMAP_STRICT=$strict run limits.as.$strict \
        bash -c "ulimit -v $((peak + 16384)) && exec \"\$@\"" sh \
        "$bin/fault_gl" 2 "$GL_ITERS" 0 || true
    done
    echo "  (ulimit -v $((peak + 16384)) KiB; unlimited peak $peak KiB)"
    # 40 MiB below that peak: the arena cannot grow at all, so maps fall
    # back (host pointer, or GL_OUT_OF_MEMORY under LOWMAP_STRICT=1).
    for strict in 0 1; do
      FAULT_LIMITED=1 LOWMAP_STRICT=$strict run limits.as-tight.$strict \
        bash -c "ulimit -v $((peak - 40960)) && exec \"\$@\"" sh \
        "$bin/fault_gl" 2 "$GL_ITERS" 0 || true
    done
    echo "  (ulimit -v $((peak - 40960)) KiB)"
    # A memory cgroup of the same size, v2 or v1, where we may make one.
    cg=
    if grep -qw memory /sys/fs/cgroup/cgroup.controllers 2>/dev/null; then
      cg=/sys/fs/cgroup/lowmap-faults.$$
      echo +memory >/sys/fs/cgroup/cgroup.subtree_control 2>/dev/null || true
      if mkdir "$cg" 2>/dev/null &&
         echo $(((hwm + 65536) * 1024)) >"$cg/memory.max" 2>/dev/null; then :
      else rmdir "$cg" 2>/dev/null || true; cg=; fi
    elif [ -d /sys/fs/cgroup/memory ]; then
      own=$(awk -F: '$2 == "memory" {print $3}' /proc/self/cgroup)
      cg=/sys/fs/cgroup/memory$own/lowmap-faults.$$
      if mkdir "$cg" 2>/dev/null &&
         echo $(((hwm + 65536) * 1024)) >"$cg/memory.limit_in_bytes" 2>/dev/null; then :
      else rmdir "$cg" 2>/dev/null || true; cg=; fi
    fi
    if [ -n "$cg" ]; then
      run limits.cgroup bash -c "echo \$\$ 2>/dev/null > $cg/cgroup.procs ||
        { echo 'SKIP: cannot join the memory cgroup'; exit 77; }
        exec \"\$@\"" sh "$bin/fault_gl" 2 "$GL_ITERS" 0 || true
      echo "  (memory cgroup $cg: $((hwm + 65536)) KiB)"
      rmdir "$cg" 2>/dev/null || true
    else
      skips=$((skips + 1))
      echo "SKIP limits.cgroup: no memory cgroup can be made here"
    fi
  fi
  # No fd left once the buffers exist: fd re-mmap cannot open /proc/self/fd,
  # and the VMA queries cannot open /proc/self/maps.
  FAULT_NOFILE=1 LOWMAP_STRATEGIES=fd_remap,shadow,placed,passthrough \
    run limits.nofile "$bin/fault_core" 4 "$CORE_ITERS" 0 || true
  FAULT_NOFILE=1 run limits.nofile-gl "$bin/fault_gl" 4 "$GL_ITERS" 0 || true
  grep -h '^RLIMIT_NOFILE' "$tmp"/limits.nofile*.out || true
fi

echo "faults: $runs runs, $skips skipped, $([ $status -eq 0 ] && echo all passed || echo FAILED)"
exit "$status"
