#!/usr/bin/env bash
# Configures and builds into build/ (the fixed paths build/bin and build/lib are
# what the docs and tests name). Extra arguments go to cmake's configure step.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

werror=OFF
[[ "${CI:-}" == "true" ]] && werror=ON

cmake -S . -B build -G Ninja -DSHMCHECK_WERROR="$werror" "$@" >/dev/null
cmake --build build
