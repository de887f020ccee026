#!/usr/bin/env bash
# The DRM stage: boots Debian's own kernel under QEMU with vgem loaded, runs
# the DRM test program in the guest, then the same program built with a
# deliberately wrong fd re-mmap, and passes only when the first passes and
# the second fails.
#
# usage: run.sh WORK_DIR TEST BROKEN_TEST LOWMAP_INFO  (static programs)
#
# Installs qemu-system-x86 if missing; downloads (does not install) the
# kernel and busybox-static packages into WORK_DIR.
set -euo pipefail

work=$1 test_bin=$2 broken_bin=$3 info_bin=$4
timeout_s=${LOWMAP_DRM_TIMEOUT:-120}
mkdir -p "$work"
work=$(cd "$work" && pwd)

say() { echo "drm stage: $*"; }

if ! command -v qemu-system-x86_64 >/dev/null; then
  say "installing qemu-system-x86"
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=900 install -y -q \
    --no-install-recommends qemu-system-x86 >/dev/null
fi

# Debian's current kernel image package and busybox, unpacked.
fetch() { # package name into $work/debs, once
  ls "$work"/debs/"$1"_*.deb >/dev/null 2>&1 && return 0
  mkdir -p "$work/debs"
  (cd "$work/debs" && apt-get download "$1" >/dev/null 2>&1) ||
    { apt-get -o DPkg::Lock::Timeout=900 update -q >/dev/null && (cd "$work/debs" && apt-get download "$1" >/dev/null); }
}
kpkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
       sed -n 's/^ *Depends: \(linux-image-[0-9].*-amd64\)$/\1/p' | head -n1)
if [ -z "$kpkg" ]; then
  apt-get -o DPkg::Lock::Timeout=900 update -q >/dev/null
  kpkg=$(apt-cache depends linux-image-amd64 |
         sed -n 's/^ *Depends: \(linux-image-[0-9].*-amd64\)$/\1/p' | head -n1)
fi
[ -n "$kpkg" ] || { say "cannot find Debian's kernel package"; exit 1; }
fetch "$kpkg"
fetch busybox-static
root="$work/unpacked"
if [ ! -d "$root/boot" ]; then
  rm -rf "$root"
  mkdir -p "$root"
  for deb in "$work"/debs/*.deb; do dpkg-deb -x "$deb" "$root"; done
fi
kernel=$(ls "$root"/boot/vmlinuz-* | head -n1)
kver=${kernel##*/vmlinuz-}
mods="$root/lib/modules/$kver"

# vgem and what it depends on, dependencies first, read from each
# module's own .modinfo section.
find_module() { find "$mods" -name "$1.ko*" -print -quit; }
modinfo_deps() {
  local f=$1 tmp
  tmp=$(mktemp)
  case $f in
    *.xz) xz -dc "$f" >"$tmp" ;;
    *.zst) zstd -qdc "$f" >"$tmp" ;;
    *) cp "$f" "$tmp" ;;
  esac
  objcopy -O binary --only-section=.modinfo "$tmp" /dev/stdout |
    tr '\0' '\n' | sed -n 's/^depends=//p' | tr ',' ' '
  rm -f "$tmp"
}
order=()
add_module() {
  local name=${1//-/_} f dep
  for m in "${order[@]}"; do [ "$m" = "$name" ] && return 0; done
  f=$(find_module "$name")
  [ -n "$f" ] || f=$(find_module "${1//_/-}")
  [ -n "$f" ] || { say "module $1 not found in $kver"; exit 1; }
  for dep in $(modinfo_deps "$f"); do add_module "$dep"; done
  order+=("$name")
}
add_module vgem

# The initramfs: busybox, the modules (decompressed), the two programs.
initrd_dir="$work/initramfs"
rm -rf "$initrd_dir"
mkdir -p "$initrd_dir"/{bin,dev,proc,sys,tmp,modules}
cp "$root/bin/busybox" "$initrd_dir/bin/busybox"
for name in "${order[@]}"; do
  f=$(find_module "$name")
  [ -n "$f" ] || f=$(find_module "${name//_/-}")
  case $f in
    *.xz) xz -dc "$f" >"$initrd_dir/modules/$name.ko" ;;
    *.zst) zstd -qdc "$f" >"$initrd_dir/modules/$name.ko" ;;
    *) cp "$f" "$initrd_dir/modules/$name.ko" ;;
  esac
done
printf '%s\n' "${order[@]}" >"$initrd_dir/modules/order"
cp "$test_bin" "$initrd_dir/drm-test"
cp "$broken_bin" "$initrd_dir/drm-test-broken"
cp "$info_bin" "$initrd_dir/lowmap-info"
cat >"$initrd_dir/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
for m in $(cat /modules/order); do
  insmod /modules/$m.ko || echo "GUEST: insmod $m failed"
done
for _ in 1 2 3 4 5 6 7 8 9 10; do [ -e /dev/dri/card0 ] && break; sleep 0.2; done
echo "GUEST: begin"
/lowmap-info
echo "GUEST: info exit $?"
/drm-test
echo "GUEST: test exit $?"
echo "GUEST: broken begin"
/drm-test-broken
echo "GUEST: broken exit $?"
echo "GUEST: end"
poweroff -f
INIT
chmod +x "$initrd_dir/init"
(cd "$initrd_dir" && find . | "$root/bin/busybox" cpio -o -H newc 2>/dev/null | gzip -1) >"$work/initrd.gz"

say "booting $kver with ${order[*]}"
log="$work/console.log"
start=$(date +%s)
set +e
# Software emulation on purpose: nested KVM inside a virtual machine was
# seen to hang the guest, and TCG boots this guest in seconds.
timeout "$timeout_s" qemu-system-x86_64 -accel tcg -m 512 -smp 1 \
  -display none -monitor none -serial "file:$log" -no-reboot \
  -kernel "$kernel" -initrd "$work/initrd.gz" \
  -append "console=ttyS0 panic=-1 quiet loglevel=3" </dev/null
qemu_rc=$?
set -e
say "guest ran $(( $(date +%s) - start )) s (qemu exit $qemu_rc)"

# Everything the guest said between begin and end.
sed -n '/GUEST: begin/,/GUEST: end/p' "$log" | tr -d '\r'
fail=0
if grep -q "Kernel panic" "$log"; then
  say "kernel panic"; grep -A20 "Kernel panic" "$log"; fail=1
fi
if [ "$qemu_rc" = 124 ]; then say "guest timed out after $timeout_s s"; fail=1; fi
grep -q "GUEST: end" "$log" || { say "guest did not finish"; tail -n 40 "$log"; fail=1; }
summary=$(sed -n '/GUEST: begin/,/GUEST: test exit/p' "$log" | tr -d '\r' |
          grep -E '^drm: [0-9]+ passed, [0-9]+ failed$' || true)
if ! grep -q "GUEST: test exit 0" "$log"; then say "DRM tests failed"; fail=1; fi
case $summary in
  "drm: 0 passed"*|"") say "no DRM test ran"; fail=1 ;;
esac
if ! grep -q "^DRM /dev/dri/card0 .*vgem: buffer mappings get fd_remap" "$log"; then
  say "lowmap-info did not report fd_remap for vgem"; fail=1
fi
if ! grep -q "GUEST: broken exit 1" "$log"; then
  say "the broken fd re-mmap went unnoticed: the stage cannot fail"; fail=1
fi
[ "$fail" = 0 ] && say "ok: $summary; the broken build failed as it must"
exit "$fail"
