#!/usr/bin/env bash
# PostgreSQL 15 under the runtime (trap mode, LD_PRELOAD): how many distinct
# places it reports, and how many of those are its own synchronisation
# (spinlocks, LWLocks, atomics) rather than data.
#
# The cluster is made natively (initdb is single-process bootstrap work and
# slow under traps); the server then starts under the runtime, runs a few
# statements from psql (a client without the runtime: it shares no memory)
# and stops. PostgreSQL refuses to run as root: as root the script runs it
# as the unprivileged user `shmcheck-pg`, which it creates when missing.
#
# Usage: bench/runtime/postgres_reports.sh [LIBSHMCHECK] [EXTRA_OPTIONS]
#   LIBSHMCHECK defaults to build/lib/libshmcheck.so; EXTRA_OPTIONS are
#   appended to SHMCHECK_OPTIONS (e.g. sync_words=0 to compare).
# Prints: reports, distinct locations (pairs of top frames), those where one
# access is atomic (on a word used with locked instructions: a spinlock or
# an atomic), and those made holding a spinlock. SHOW=1 lists the SUMMARY
# lines, KEEP_REPORTS=FILE keeps the reports.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
lib=$(realpath "${1:-$root/build/lib/libshmcheck.so}")
extra=${2:-}
pgbin=/usr/lib/postgresql/15/bin
user=shmcheck-pg

run_as=()
if [[ $(id -u) -eq 0 ]]; then
  id "$user" >/dev/null 2>&1 || useradd -r -M -s /usr/sbin/nologin "$user"
  run_as=(runuser -u "$user" --)
fi

work=$(mktemp -d /tmp/shmcheck-pg.XXXXXX)
chmod 755 "$work"
[[ ${#run_as[@]} -gt 0 ]] && chown "$user" "$work"
cleanup() {
  "${run_as[@]}" "$pgbin/pg_ctl" -D "$work/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

"${run_as[@]}" "$pgbin/initdb" -D "$work/data" -A trust --no-sync >/dev/null
mkdir "$work/reports"
[[ ${#run_as[@]} -gt 0 ]] && chown "$user" "$work/reports"

options="exitcode=0:log_path=$work/reports/r:session=pg$$${extra:+:$extra}"
start=$(date +%s)
"${run_as[@]}" env LD_PRELOAD="$lib" SHMCHECK_OPTIONS="$options" \
  "$pgbin/pg_ctl" -D "$work/data" -l "$work/server.log" -w -t 900 \
  -o "-k $work -c listen_addresses='' -c shared_buffers=16MB -c max_connections=8" \
  start >/dev/null
"${run_as[@]}" "$pgbin/psql" -h "$work" -d postgres -q -v ON_ERROR_STOP=1 <<'SQL' >/dev/null
CREATE TABLE t (id int PRIMARY KEY, v text);
INSERT INTO t SELECT g, md5(g::text) FROM generate_series(1, 2000) g;
UPDATE t SET v = upper(v) WHERE id % 3 = 0;
SELECT count(*), max(v) FROM t;
CHECKPOINT;
SQL
"${run_as[@]}" "$pgbin/pg_ctl" -D "$work/data" -m fast -w -t 900 stop >/dev/null
end=$(date +%s)

cat "$work"/reports/r.* 2>/dev/null > "$work/all" || true
echo "library: $lib${extra:+ ($extra)}; run: $((end - start)) s"
# A location is the pair of the two accesses' top frames (module+offset:
# the Debian binaries are stripped, so most frames have no source line).
python3 - "$work/all" <<'PY'
import re, sys
text = open(sys.argv[1], errors="replace").read()
blocks = [b for b in text.split("==================") if "WARNING: shmcheck: data race" in b]
frame = re.compile(r"#0 .*?\(([^()]+\+0x[0-9a-f]+)\)")
locations, on_sync, spin = set(), set(), set()
for b in blocks:
    tops = tuple(sorted(frame.findall(b)[:2]))
    locations.add(tops)
    if re.search(r"(?i)atomic (read|write|update) of size", b):
        on_sync.add(tops)  # one access is a locked instruction or a sync word
    if "(locks: spin " in b:
        spin.add(tops)
print(f"reports {len(blocks)}; distinct locations {len(locations)}; "
      f"on a word used with locked instructions {len(on_sync)}; "
      f"with a spinlock held {len(spin)}")
PY
if [[ -n "${SHOW:-}" ]]; then
  grep '^SUMMARY: shmcheck: data race' "$work/all" | sort | uniq -c | sort -rn
fi
if [[ -n "${KEEP_REPORTS:-}" ]]; then
  cp "$work/all" "$KEEP_REPORTS"
fi
