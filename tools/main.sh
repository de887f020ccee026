#!/usr/bin/env bash
# Builds lowmap and runs its main job: lowmap-info (what works on this
# machine) and, where the GL vendor libraries are built, lowmap-demo (every
# mapping entry point through the real libglvnd and Mesa).
set -euo pipefail
cd "$(dirname "$0")/.."

bash tools/deps.sh
cmake -S . -B build/main -DBUILD_TESTING=OFF >/dev/null
cmake --build build/main -j "$(nproc 2>/dev/null || echo 2)"

./build/main/tools/lowmap-info
if [ -x build/main/tools/lowmap-demo ]; then
  echo
  ./build/main/tools/lowmap-run ./build/main/tools/lowmap-demo
fi
