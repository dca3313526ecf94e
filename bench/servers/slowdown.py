#!/usr/bin/env python3
"""Real servers under the runtime against the same servers natively, from one
run of this script: PostgreSQL 15 (pgbench) and SQLite 3 in WAL mode
(concurrent sqlite3 writers). Prints wall times and the slowdown of each
way of checking over the native run:

  native   no runtime
  trap     the shmcheck launcher, default options (page traps)
  budget   the same with trap_budget=$BUDGET
  (SQLite also: trap+files / budget+files with shared_files=1, which is
  when its wal-index is watched at all)

Usage: bench/servers/slowdown.py   (as root: the servers run as an
unprivileged user, created when missing, like tests/servers)
Environment: SHMCHECK_BUILD_DIR (default build/), BUDGET (default 10),
PG_SCALE (1), PG_INIT_OPTIONS, PG_TRANSACTIONS (per client, 50),
SQLITE_ROWS (per writer, 100). One run per cell: on a busy machine, run it twice and compare."""
import os
import subprocess
import sys
import time

ROOT = os.path.realpath(os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.environ.get("SHMCHECK_BUILD_DIR", os.path.join(ROOT, "build"))
os.environ.setdefault("SHMCHECK_LAUNCHER", os.path.join(BUILD, "bin", "shmcheck"))
os.environ.setdefault("SHMCHECK_RUNTIME", os.path.join(BUILD, "lib", "libshmcheck.so"))
sys.path.insert(0, os.path.join(ROOT, "tests", "servers"))
import server_support as s  # noqa: E402

BUDGET = int(os.environ.get("BUDGET", "10"))
PG_SCALE = os.environ.get("PG_SCALE", "1")
PG_TRANSACTIONS = os.environ.get("PG_TRANSACTIONS", "50")
# As tests/servers/postgresql_test.py loads (PG_INIT_OPTIONS="" for pgbench's
# full initialization, with WAL and VACUUM).
PG_INIT_OPTIONS = os.environ.get("PG_INIT_OPTIONS", "-I dtgp --unlogged-tables").split()
SQLITE_ROWS = int(os.environ.get("SQLITE_ROWS", "100"))
SQLITE_WRITERS = 4
BINDIR = "/usr/lib/postgresql/15/bin"


def timed(cmd, scratch, env=None, timeout=7200):
    started = time.monotonic()
    out = subprocess.run(cmd, preexec_fn=s.as_user(scratch), env=s.user_env(env),
                         capture_output=True, text=True, timeout=timeout, cwd=scratch.path)
    if out.returncode not in (0, 66):
        raise SystemExit(f"{' '.join(cmd)} exited {out.returncode}:\n{out.stdout}{out.stderr}")
    return time.monotonic() - started


def postgres_run(mode_options, checked):
    scratch = s.Scratch("shmcheck-pgbench-")
    server = None
    try:
        data, sockets = scratch.sub("data"), scratch.sub("sockets")
        port = str(s.free_port())
        conn = ["-h", sockets, "-p", port, "-U", "postgres", "postgres"]
        timed([f"{BINDIR}/initdb", "-D", data, "-A", "trust", "-U", "postgres", "--no-sync"],
              scratch)
        cmd = [f"{BINDIR}/postgres", "-D", data, "-k", sockets, "-p", port, "-c",
               "listen_addresses=", "-c", "fsync=off", "-c", "autovacuum=off"]
        if checked:
            cmd = s.launcher_command(os.path.join(scratch.sub("out"), "run.json")) + cmd
        env = {"SHMCHECK_OPTIONS": mode_options} if mode_options else None
        server = subprocess.Popen(cmd, preexec_fn=s.as_user(scratch), env=s.user_env(env),
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                  cwd=scratch.path)
        s.wait_until(lambda: subprocess.run([f"{BINDIR}/pg_isready", "-q", *conn[:4]])
                     .returncode == 0, 900, "PostgreSQL to start")
        load = timed([f"{BINDIR}/pgbench", "-i", "-q", "-s", PG_SCALE, *PG_INIT_OPTIONS, *conn], scratch)
        run = timed([f"{BINDIR}/pgbench", "-n", "-c", "2", "-t", PG_TRANSACTIONS, *conn],
                    scratch)
        timed([f"{BINDIR}/pg_ctl", "stop", "-D", data, "-m", "fast", "-w", "-t", "900"],
              scratch)
        server.wait(timeout=900)
        return load, run
    finally:
        if server is not None:
            s.stop_group(server)
        s.remove_ipc(s.ipc_of_user(scratch.uid))
        scratch.remove()


def sqlite_run(mode_options, checked):
    scratch = s.Scratch("shmcheck-sqlite-bench-")
    try:
        db = os.path.join(scratch.path, "bench.db")
        subprocess.run(["sqlite3", db], input="pragma journal_mode=wal;\n"
                       "create table t(w integer, i integer, p blob);\n", text=True,
                       check=True, capture_output=True, preexec_fn=s.as_user(scratch))
        scripts = []
        for w in range(SQLITE_WRITERS):
            path = os.path.join(scratch.path, f"w{w}.sql")
            with open(path, "w") as f:
                f.write(".timeout 60000\n")
                for i in range(SQLITE_ROWS):
                    f.write(f"insert into t values({w},{i},randomblob(64));\n"
                            "select count(*) from t;\n")
            scripts.append(path)
        shell = " ".join(f"sqlite3 -batch {db} < {p} > /dev/null &" for p in scripts) + " wait"
        cmd = ["sh", "-c", shell]
        if checked:
            cmd = s.launcher_command(os.path.join(scratch.sub("out"), "run.json")) + cmd
        env = {"SHMCHECK_OPTIONS": mode_options} if mode_options else None
        return timed(cmd, scratch, env)
    finally:
        scratch.remove()


def main():
    s.enter_private_namespaces(__file__)
    budget = f"trap_budget={BUDGET}"
    pg_modes = [("native", None, False), ("trap", "", True), ("budget", budget, True)]
    sq_modes = pg_modes + [("trap+files", "shared_files=1", True),
                           ("budget+files", f"shared_files=1:{budget}", True)]
    results = {}
    if os.path.exists(f"{BINDIR}/postgres"):
        for name, options, checked in pg_modes:
            results[("pg", name)] = postgres_run(options, checked)
            print(f"postgres {name}: pgbench -i {results[('pg', name)][0]:.1f} s, "
                  f"transactions {results[('pg', name)][1]:.1f} s", flush=True)
    for name, options, checked in sq_modes:
        results[("sqlite", name)] = sqlite_run(options, checked)
        print(f"sqlite {name}: {results[('sqlite', name)]:.1f} s", flush=True)

    print(f"\nslowdown against native (one run each, wall time; budget = {budget})")
    if ("pg", "native") in results:
        load0, run0 = results[("pg", "native")]
        for name, _, _ in pg_modes[1:]:
            load, run = results[("pg", name)]
            print(f"  PostgreSQL pgbench -i -s {PG_SCALE}: {name:13} {load / load0:7.1f}x   "
                  f"2 clients x {PG_TRANSACTIONS} transactions: {run / run0:7.1f}x")
    base = results[("sqlite", "native")]
    for name, _, _ in sq_modes[1:]:
        print(f"  SQLite WAL {SQLITE_WRITERS} writers x {SQLITE_ROWS} rows: {name:13} "
              f"{results[('sqlite', name)] / base:7.1f}x")


if __name__ == "__main__":
    main()
