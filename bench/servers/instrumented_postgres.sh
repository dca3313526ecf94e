#!/usr/bin/env bash
# PostgreSQL 15 from Debian's source package, built twice with clang-19 --
# natively and in instrumented mode (-fsanitize=thread
# -fno-sanitize-link-runtime, linked with libshmcheck.so) -- then the same
# pgbench on each. Prints the slowdown of the instrumented server over the
# native one and where its race reports point.
#
# libpq's build refuses a library that references any symbol with "exit"
# in its name (`nm -u libpq.so | grep exit`, so that libpq never calls
# exit()); instrumented code references __tsan_func_exit. Without editing
# PostgreSQL's sources, the build runs with an `nm` first on PATH that
# leaves __tsan_* symbols out of its listing (docs/runtime.md).
#
# Usage: bench/servers/instrumented_postgres.sh   (as root: adds a deb-src
# entry, runs apt-get source/build-dep; the server runs as an unprivileged
# user, created when missing)
# Environment: SHMCHECK_BUILD_DIR (default build/), WORK (default
# /var/tmp/shmcheck-bench/postgresql: sources and both builds, kept between
# runs), JOBS (make -j, default 2), PG_SCALE (1), PG_TRANSACTIONS (per
# client, 200). The two builds take long on a small machine: once built,
# later runs only run pgbench.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
build=${SHMCHECK_BUILD_DIR:-$root/build}
lib="$build/lib"
# Outside any private directory: the server runs as another user and must
# reach the binaries and libshmcheck.so.
work=${WORK:-/var/tmp/shmcheck-bench/postgresql}
jobs=${JOBS:-2}
scale=${PG_SCALE:-1}
transactions=${PG_TRANSACTIONS:-200}
user=${SHMCHECK_SERVER_USER:-shmcheck-srv}

[[ -f "$lib/libshmcheck.so" ]] || { echo "build libshmcheck.so first (scripts/build.sh)" >&2; exit 1; }
"$root/scripts/deps.sh"

# --- sources ------------------------------------------------------------------
if ! grep -rqs '^Types:.*deb-src\|^deb-src' /etc/apt/sources.list /etc/apt/sources.list.d/; then
  cat > /etc/apt/sources.list.d/shmcheck-deb-src.sources <<'SRC'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
  apt-get update -qq
fi
mkdir -p "$work"
src=$(find "$work" -maxdepth 1 -type d -name 'postgresql-15-*' | head -n1)
if [[ -z "$src" ]]; then
  apt-get install -y -qq -o DPkg::Lock::Timeout=900 dpkg-dev >/dev/null
  apt-get build-dep -y -qq -o DPkg::Lock::Timeout=900 postgresql-15 >/dev/null
  (cd "$work" && apt-get source -qq postgresql-15)
  src=$(find "$work" -maxdepth 1 -type d -name 'postgresql-15-*' | head -n1)
fi

# --- the nm that libpq's exit check sees ----------------------------------------
shims="$work/shims"
mkdir -p "$shims"
cat > "$shims/nm" <<'NM'
#!/bin/sh
# nm without the runtime's entry points: instrumented code references
# __tsan_func_exit, which libpq's "no exit() in a library" check would take
# for a call to exit.
/usr/bin/nm "$@" | grep -v ' __tsan_'
NM
chmod +x "$shims/nm"

# --- two builds -------------------------------------------------------------------
build_one() { # name cflags ldflags
  local name=$1 cflags=$2 ldflags=$3 dir="$work/build-$1" prefix="$work/install-$1"
  [[ -x "$prefix/bin/postgres" ]] && return 0
  echo "building PostgreSQL ($name) in $dir" >&2
  rm -rf "$dir" && mkdir -p "$dir"
  if ! (cd "$dir" && export PATH="$shims:$PATH" &&
        "$src/configure" --prefix="$prefix" --without-icu --without-readline \
          --without-llvm CC=clang-19 CFLAGS="$cflags" LDFLAGS="$ldflags" >configure.log 2>&1 &&
        make -s -j"$jobs" >make.log 2>&1 &&
        make -s install >install.log 2>&1); then
    echo "the $name build failed: see $dir/*.log" >&2
    exit 1
  fi
}
build_one native "-O2 -g" ""
# Instrumented: every binary (server and tools) is linked with the runtime,
# found at run time through the rpath. configure's test programs run with it
# too, which they survive (no segment is shared).
build_one instrumented "-O2 -g -fsanitize=thread -fno-sanitize-link-runtime" \
  "-L$lib -lshmcheck -Wl,-rpath,$lib"

# --- runs -------------------------------------------------------------------------
id "$user" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$user"
run_one() { # name -> prints "load_seconds run_seconds"
  local name=$1 bin="$work/install-$1/bin" dir
  dir=$(mktemp -d /tmp/shmcheck-pgbench-XXXXXX)
  chown "$user" "$dir"
  # run_one runs in its own subshell: whatever fails, no server (and none
  # of its System V segments) outlives it.
  # shellcheck disable=SC2064  # expanded now: the locals are gone by then
  trap "runuser -u '$user' -- '$bin/pg_ctl' stop -D '$dir/data' -m fast -w -t 300 \
          >/dev/null 2>&1; rm -rf '$dir'" EXIT
  local port=$((20000 + RANDOM % 20000)) log="$dir/server.log"
  local conn=(-h "$dir" -p "$port" -U postgres postgres)
  # Every instrumented binary is checked: the top of a process tree that
  # took part in a race ends with the runtime's status 66 (pg_ctl included).
  as() { runuser -u "$user" -- "$@" || [[ $? -eq 66 ]]; }
  as "$bin/initdb" -D "$dir/data" -A trust -U postgres --no-sync >/dev/null
  as env SHMCHECK_OPTIONS="log_path=$dir/report" "$bin/pg_ctl" start -D "$dir/data" -w -t 900 \
    -l "$log" -o "-k $dir -p $port -c listen_addresses= -c fsync=off -c autovacuum=off" >/dev/null
  local t0 t1 t2
  t0=$(date +%s.%N)
  as "$bin/pgbench" -i -q -s "$scale" "${conn[@]}" >/dev/null 2>&1
  t1=$(date +%s.%N)
  as "$bin/pgbench" -n -c 2 -t "$transactions" "${conn[@]}" >/dev/null 2>&1
  t2=$(date +%s.%N)
  as "$bin/pg_ctl" stop -D "$dir/data" -m fast -w -t 900 >/dev/null
  cp "$log" "$work/$name-server.log"
  cat "$dir"/report.* >"$work/$name-reports.txt" 2>/dev/null || : >"$work/$name-reports.txt"
  echo "$(echo "$t1 - $t0" | bc) $(echo "$t2 - $t1" | bc)"
}
read -r native_load native_run < <(run_one native)
read -r instr_load instr_run < <(run_one instrumented)
ratio() { echo "scale=1; $1 / $2" | bc; }
echo "PostgreSQL 15 (clang-19 -O2), pgbench -s $scale, 2 clients x $transactions transactions"
printf '  native:        pgbench -i %6.1f s   transactions %6.1f s\n' "$native_load" "$native_run"
printf '  instrumented:  pgbench -i %6.1f s   transactions %6.1f s\n' "$instr_load" "$instr_run"
echo "  slowdown: pgbench -i $(ratio "$instr_load" "$native_load")x, transactions $(ratio "$instr_run" "$native_run")x"
echo "race reports: $(grep -c '^WARNING: shmcheck' "$work/instrumented-reports.txt" || true), at:"
grep '^SUMMARY' "$work/instrumented-reports.txt" | sed 's/^SUMMARY: shmcheck: data race /  /' |
  sort | uniq -c | sort -rn | head -20
