#!/usr/bin/env bash
# Sets everything up and shows both halves on the seed race (the README's demo):
#  1. shm-tidy reads examples/ and points at the unguarded increment;
#  2. the seed program runs as two live processes under libshmcheck.so, which
#     reports the race between them.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

./scripts/deps.sh
./scripts/build.sh

echo
echo "== shm-tidy on examples/ ================================================"
# The examples' own compilation database: in whole-program mode shm-tidy
# first summarises every file of the database it is given, and the build's
# holds the whole project.
mkdir -p build/examples-db
python3 - build/compile_commands.json build/examples-db/compile_commands.json <<'PY'
import json, os, sys
entries = json.load(open(sys.argv[1]))
examples = os.path.join(os.getcwd(), "examples") + os.sep
kept = [e for e in entries
        if os.path.join(e["directory"], e["file"]).startswith(examples)]
json.dump(kept, open(sys.argv[2], "w"), indent=1)
PY
# Findings are the point of the demo, so a non-zero status is not an error.
build/bin/shm-tidy -p build/examples-db examples/*.c || true

echo
echo "== examples/counter_race under libshmcheck.so ==========================="
set +e
LD_PRELOAD="$root/build/lib/libshmcheck.so" build/examples/counter_race 2000
status=$?
set -e
echo "(exit status $status: 66 means shmcheck reported a race)"
