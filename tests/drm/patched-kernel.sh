#!/usr/bin/env bash
# The DRM stage on a kernel that lets mremap duplicate driver (PFNMAP /
# DONTEXPAND) mappings: Debian's linux-source with mremap-dup-pfnmap.patch,
# a small configuration with vgem built in.  lowmap must pick mremap for
# DRM buffers there by itself, where Debian's kernel makes it use fd
# re-mmap.  Not part of CI (the kernel build takes minutes); the result of
# the last run is kept in patched-kernel.result.
#
# usage: patched-kernel.sh WORK_DIR TEST_BINARY   (the static lowmap-drm-test)
set -euo pipefail

work=$1 test_bin=$2
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$work"
work=$(cd "$work" && pwd)
say() { echo "patched kernel: $*"; }

need=()
for p in build-essential flex bison bc libelf-dev qemu-system-x86; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
    need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=900 install -y -q \
    --no-install-recommends "${need[@]}" >/dev/null
fi

src="$work/linux"
if [ ! -f "$src/Makefile" ]; then
  pkg=$(apt-cache depends linux-source | sed -n 's/^ *Depends: \(linux-source-[0-9.]*\)$/\1/p' | head -n1)
  [ -n "$pkg" ] || { apt-get -o DPkg::Lock::Timeout=900 update -q >/dev/null; pkg=$(apt-cache depends linux-source | sed -n 's/^ *Depends: \(linux-source-[0-9.]*\)$/\1/p' | head -n1); }
  (cd "$work" && apt-get download "$pkg" >/dev/null)
  dpkg-deb -x "$work/${pkg}"_*.deb "$work/deb"
  mkdir -p "$src"
  tar -xaf "$work"/deb/usr/src/"$pkg".tar.* -C "$src" --strip-components=1
  patch -d "$src" -p1 <"$here/mremap-dup-pfnmap.patch"
fi

if [ ! -f "$src/arch/x86/boot/bzImage" ]; then
  say "building (a few minutes)"
  make -C "$src" -s tinyconfig
  "$src/scripts/config" --file "$src/.config" \
    -e 64BIT -e PRINTK -e TTY -e SERIAL_8250 -e SERIAL_8250_CONSOLE \
    -e BLK_DEV_INITRD -e RD_GZIP -e BINFMT_ELF -e BINFMT_SCRIPT \
    -e PROC_FS -e PROC_PAGE_MONITOR -e SYSFS -e DEVTMPFS -e TMPFS -e SHMEM \
    -e MEMFD_CREATE -e FUTEX -e ADVISE_SYSCALLS -e MULTIUSER \
    -e DRM -e DRM_VGEM
  make -C "$src" -s olddefconfig
  make -C "$src" -s -j"$(nproc)" bzImage
fi

# The vgem stage's guest, without modules: vgem is built in.
busybox=$(ls "$work"/busybox/bin/busybox 2>/dev/null || true)
if [ -z "$busybox" ]; then
  (cd "$work" && apt-get download busybox-static >/dev/null)
  dpkg-deb -x "$work"/busybox-static_*.deb "$work/busybox"
  busybox="$work/busybox/bin/busybox"
fi
root="$work/initramfs"
rm -rf "$root"
mkdir -p "$root"/{bin,dev,proc,sys,tmp}
cp "$busybox" "$root/bin/busybox"
cp "$test_bin" "$root/drm-test"
cat >"$root/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
echo "GUEST: begin"
/drm-test --pfnmap-dup
echo "GUEST: test exit $?"
echo "GUEST: end"
reboot -f
INIT
chmod +x "$root/init"
(cd "$root" && find . | "$busybox" cpio -o -H newc 2>/dev/null | gzip -1) >"$work/initrd.gz"

log="$work/console.log"
timeout 120 qemu-system-x86_64 -accel tcg -m 256 -smp 1 -display none \
  -monitor none -serial "file:$log" -no-reboot \
  -kernel "$src/arch/x86/boot/bzImage" -initrd "$work/initrd.gz" \
  -append "console=ttyS0 panic=-1 quiet" </dev/null || true
sed -n '/GUEST: begin/,/GUEST: end/p' "$log" | tr -d '\r'
grep -q "GUEST: test exit 0" "$log" &&
  tr -d '\r' <"$log" | grep -qE '^drm: [1-9][0-9]* passed, 0 failed$'
