#!/usr/bin/env bash
# deps.sh win64|wow64 <dir>: installs what the Wine stage needs, only for
# that stage: Debian's Wine (wine64 and its wine launcher) and the
# mingw-w64 compiler for the guest.  For wow64 also the i686 compiler and
# the i386 PE DLLs of Wine, which Debian ships in libwine:i386: fetched
# with apt-get download (installing it would pull in the whole i386 Wine)
# and unpacked into <dir>/i386, which the stage hands Wine as WINEDLLPATH,
# with the 64-bit Wine's Unix libraries linked beside its PE DLLs.
# Prints nothing when everything is there already.
set -euo pipefail
mode=${1:?usage: deps.sh win64|wow64 <dir>}
dir=${2:?usage: deps.sh win64|wow64 <dir>}

packages=(wine64 wine gcc-mingw-w64-x86-64-win32)
[ "$mode" = wow64 ] && packages+=(gcc-mingw-w64-i686-win32)

apt_get() { apt-get -o DPkg::Lock::Timeout=900 "$@"; }
export DEBIAN_FRONTEND=noninteractive

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
    missing+=("$p")
done
updated=
if [ ${#missing[@]} -gt 0 ]; then
  echo "wine stage: installing ${missing[*]}" >&2
  [ "$(id -u)" -eq 0 ] || { echo "wine stage: run as root to install packages" >&2; exit 1; }
  apt_get update -q >/dev/null
  updated=1
  apt_get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
fi

[ "$mode" = wow64 ] || exit 0
dlls=$dir/i386/usr/lib/i386-linux-gnu/wine
# WoW64 loads a 32-bit PE DLL's Unix library from x86_64-unix beside the
# PE directory it came from: without the 64-bit Wine's there, opengl32
# fails to start ("Failed to load unixlib, status 0xc0000135").
unix64=/usr/lib/x86_64-linux-gnu/wine/x86_64-unix
link_unix64() {
  [ -d "$unix64" ] || { echo "wine stage: no $unix64 from wine64" >&2; exit 1; }
  ln -sfn "$unix64" "$dlls/x86_64-unix"
}
if [ -f "$dlls/i386-windows/ntdll.dll" ]; then
  link_unix64
  exit 0
fi
# The same version as the 64-bit Wine: the two halves talk through
# private interfaces.
version=$(dpkg-query -W -f='${Version}' wine64)
if ! dpkg --print-foreign-architectures | grep -qx i386; then
  dpkg --add-architecture i386
  updated=
fi
[ -n "$updated" ] || apt_get update -q >/dev/null
mkdir -p "$dir/deb"
# apt's sandbox user cannot write into a build tree owned by root.
(cd "$dir/deb" && apt_get download -q "libwine:i386=$version" 2>&1 |
   grep -v 'unsandboxed' >&2 || true)
deb=$(ls "$dir"/deb/libwine_*_i386.deb)
rm -rf "$dir/i386"
dpkg-deb -x "$deb" "$dir/i386"
rm -f "$deb"
[ -f "$dlls/i386-windows/ntdll.dll" ]
link_unix64
