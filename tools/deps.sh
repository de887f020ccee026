#!/usr/bin/env bash
# Installs the Debian 12 packages lowmap needs to build and test, only when
# some are missing (so a machine that has them needs no network).
set -euo pipefail

PACKAGES=(
  build-essential cmake pkg-config
  libdrm-dev uthash-dev libcriterion-dev libepoxy-dev
  libglvnd-dev libegl-dev libgl-dev libgles-dev libx11-dev libxcb1-dev
  libegl-mesa0 libglx-mesa0 libgl1-mesa-dri
  libvulkan-dev mesa-vulkan-drivers
  xvfb xauth mesa-utils piglit
  apitrace glmark2-x11 glmark2-es2-x11
  clang libclang-rt-14-dev
  abigail-tools valgrind
  fiu-utils libfiu-dev libseccomp-dev
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
    missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "lowmap: installing ${missing[*]}" >&2
[ "$(id -u)" -eq 0 ] || { echo "lowmap: run as root to install packages" >&2; exit 1; }
export DEBIAN_FRONTEND=noninteractive
apt-get -o DPkg::Lock::Timeout=900 update -q
apt-get -o DPkg::Lock::Timeout=900 install -y -q --no-install-recommends "${missing[@]}"
