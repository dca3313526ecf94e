#!/usr/bin/env bash
# Sets everything up and runs the whole test suite (the README's test command).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

./scripts/deps.sh
./scripts/build.sh
cd build
ctest --output-on-failure --timeout 600 -j "$(nproc)"
