#!/usr/bin/env bash
# SQLite in WAL mode under the runtime: several sqlite3 processes write and
# read one database on a regular file system at the same time (its -shm
# wal-index is a MAP_SHARED file mapping, so shared_files=1). Prints, per
# library given, the number of reports and the distinct report locations
# (SUMMARY lines), so that a change's effect shows side by side:
#   bench/runtime/sqlite_wal.sh build/lib/libshmcheck.so [baseline.so ...]
# Environment: WRITERS (default 4), ROWS per writer (default 30).
set -euo pipefail
writers=${WRITERS:-4}
rows=${ROWS:-30}
command -v sqlite3 >/dev/null || { echo "sqlite3 is not installed (scripts/deps.sh)"; exit 1; }
work=$(mktemp -d /tmp/shmcheck-sqlite-XXXXXX)
trap 'rm -rf "$work"' EXIT

run_with() {
  local library=$1 label=$2
  local db="$work/$label.db"
  rm -f "$db" "$db-wal" "$db-shm"
  sqlite3 "$db" "PRAGMA journal_mode=WAL; CREATE TABLE t(w INTEGER, i INTEGER, v TEXT);" >/dev/null
  local pids=()
  for w in $(seq 1 "$writers"); do
    {
      for i in $(seq 1 "$rows"); do
        echo "BEGIN IMMEDIATE; INSERT INTO t VALUES($w, $i, hex(randomblob(64))); COMMIT;"
        echo "SELECT count(*) FROM t;"
      done
    } > "$work/$label.$w.sql"
    LD_PRELOAD=$library SHMCHECK_OPTIONS="shared_files=1:session=sqlite-$label-$$" \
      sqlite3 -cmd ".timeout 10000" "$db" < "$work/$label.$w.sql" \
      >/dev/null 2> "$work/$label.$w.err" &
    pids+=($!)
  done
  local status=0
  for p in "${pids[@]}"; do wait "$p" || status=$?; done
  local total
  total=$(cat "$work/$label".*.err | grep -c "WARNING: shmcheck: data race" || true)
  echo "== $label ($library): $writers writers x $rows rows, last status $status, reports $total"
  cat "$work/$label".*.err | grep "^SUMMARY" | sed 's/^SUMMARY: shmcheck: data race //' \
    | sort | uniq -c | sort -rn
  echo "rows: $(sqlite3 "$db" 'SELECT count(*) FROM t;') (expected $((writers * rows)))"
}

n=0
for library in "$@"; do
  n=$((n + 1))
  run_with "$(realpath "$library")" "lib$n"
done
