#!/usr/bin/env bash
# PostgreSQL 15 under trap mode against the same server run natively:
# `pgbench -i -s $SCALE` (time) and `pgbench -T $SECONDS -c $CLIENTS`
# (transactions per second), side by side. The server runs with
# LD_PRELOAD=libshmcheck.so (the client does not share memory and runs
# plain); every variant gets a fresh cluster.
#
# PostgreSQL refuses to run as root: the server runs as the unprivileged
# user $PG_USER (default shmcheck-pg), created here when missing (a system
# user without a login shell). The library and this script's temporary
# directory must be readable by that user. Installs postgresql-15 with
# apt-get when it is missing (run as root).
#
# Usage: bench/runtime/pgbench.sh
# Environment: SHMCHECK_LIB (default build/lib/libshmcheck.so), PG_BIN
# (default /usr/lib/postgresql/15/bin), SCALE (1), DURATION (20 s), CLIENTS
# (2), VARIANTS (default "native trap nopatch": nopatch is trap mode with
# patch_sites=0), SHMCHECK_EXTRA (more runtime options for trap variants),
# LOGS (a directory that receives the server logs).
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
lib=$(realpath "${SHMCHECK_LIB:-$root/build/lib/libshmcheck.so}")
pg_bin=${PG_BIN:-/usr/lib/postgresql/15/bin}
user=${PG_USER:-shmcheck-pg}
scale=${SCALE:-1}
seconds=${DURATION:-20}
clients=${CLIENTS:-2}
variants=${VARIANTS:-native trap nopatch}
port=$((20000 + RANDOM % 20000))

"$root/scripts/deps.sh" >/dev/null
if [[ ! -x "$pg_bin/pgbench" ]]; then
  apt-get install -y -qq -o DPkg::Lock::Timeout=900 --no-install-recommends \
    postgresql-15 postgresql-contrib >/dev/null
fi
if ! id -u "$user" >/dev/null 2>&1; then
  useradd --system --no-create-home --shell /usr/sbin/nologin "$user"
fi
as_user() { runuser -u "$user" -- "$@"; }

work=$(mktemp -d /tmp/shmcheck-pgbench.XXXXXX)
chmod 755 "$work"
chown "$user" "$work"
server_pid=""
cleanup() {
  if [[ -n "${LOGS:-}" ]]; then
    mkdir -p "$LOGS" && cp "$work"/*.log "$LOGS"/ 2>/dev/null || true
  fi
  if [[ -n "$server_pid" ]]; then
    as_user "$pg_bin/pg_ctl" -D "$work/data" -m immediate stop >/dev/null 2>&1 || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

# start VARIANT: a fresh cluster and its server.
start() {
  local variant=$1 preload="" options="exitcode=0${SHMCHECK_EXTRA:+:$SHMCHECK_EXTRA}"
  rm -rf "$work/data"
  as_user "$pg_bin/initdb" -D "$work/data" -A trust -U postgres >/dev/null
  case $variant in
    trap) preload=$lib ;;
    nopatch) preload=$lib; options+=":patch_sites=0" ;;
  esac
  as_user env ${preload:+LD_PRELOAD=$preload} SHMCHECK_OPTIONS="$options" \
    "$pg_bin/pg_ctl" -D "$work/data" -l "$work/$variant.log" -w -t 300 \
    -o "-k $work -p $port -c listen_addresses=''" start >/dev/null
  server_pid=yes
}

stop() {
  as_user "$pg_bin/pg_ctl" -D "$work/data" -m fast -w -t 300 stop >/dev/null
  server_pid=""
}

declare -A init_s tps
for v in $variants; do
  start "$v"
  as_user "$pg_bin/createdb" -h "$work" -p "$port" -U postgres bench
  t0=$(date +%s%N)
  as_user "$pg_bin/pgbench" -h "$work" -p "$port" -U postgres -i -s "$scale" \
    -q bench >/dev/null 2>&1
  t1=$(date +%s%N)
  init_s[$v]=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.2f", (b - a) / 1e9}')
  tps[$v]=$(as_user "$pg_bin/pgbench" -h "$work" -p "$port" -U postgres \
    -c "$clients" -T "$seconds" -n bench 2>/dev/null |
    awk '/^tps/ {printf "%.1f", $3}')
  stop
  if [[ "$v" != native ]] && grep -q "data race" "$work/$v.log"; then
    # (an if, not a list: a list whose grep fails would end the script)
    echo "($v: the server log has race reports${LOGS:+: $LOGS/$v.log})" >&2
  fi
done

echo "PostgreSQL $("$pg_bin/postgres" --version | awk '{print $3}'), scale $scale," \
  "$clients clients, $seconds s; machine $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg)"
printf '%-9s %14s %9s %12s %9s\n' variant "init (s)" "x native" "tps" "1/x"
for v in $variants; do
  printf '%-9s %14s %9s %12s %9s\n' "$v" "${init_s[$v]}" \
    "$(awk -v a="${init_s[$v]}" -v b="${init_s[native]:-0}" 'BEGIN {if (b > 0) printf "%.1f", a / b; else print "-"}')" \
    "${tps[$v]:-0}" \
    "$(awk -v a="${tps[$v]:-0}" -v b="${tps[native]:-0}" 'BEGIN {if (a > 0 && b > 0) printf "%.1f", b / a; else print "-"}')"
done
