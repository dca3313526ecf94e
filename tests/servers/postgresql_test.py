#!/usr/bin/env python3
"""PostgreSQL 15 under the shmcheck launcher with default options.

initdb as the unprivileged server user; pgbench -i -s 1 (natively, unless
SHMCHECK_PG_CHECKED_LOAD=1); the postmaster runs under the launcher; a
fixed number of pgbench transactions from 2 clients
(pgbench itself runs natively: it shares no memory with the server);
balances must agree; the server stops cleanly; the launcher's JSON must list
the races with PostgreSQL's own functions at the top of their summaries and
nothing of the runtime may be left in /dev/shm.

Environment: SHMCHECK_LAUNCHER, SHMCHECK_RUNTIME (from ctest), optionally
PG_BINDIR (default /usr/lib/postgresql/15/bin) and SHMCHECK_PG_TRANSACTIONS
(per client, default 20)."""
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
import server_support as s  # noqa: E402

BINDIR = os.environ.get("PG_BINDIR", "/usr/lib/postgresql/15/bin")
TRANSACTIONS = int(os.environ.get("SHMCHECK_PG_TRANSACTIONS", "20"))
# pgbench -i -s 1 loads 100,000 rows, and in trap mode every store into a
# shared buffer or the WAL buffers traps: checked, the load alone takes many
# minutes (bench/servers/slowdown.py measures it). By default the tables are
# loaded by the same server started natively first, and the checked server
# runs the transactions; SHMCHECK_PG_CHECKED_LOAD=1 loads under the runtime
# too (with SHMCHECK_PG_INIT_OPTIONS, default: no VACUUM, unlogged tables).
CHECKED_LOAD = os.environ.get("SHMCHECK_PG_CHECKED_LOAD", "0") == "1"
INIT_OPTIONS = os.environ.get("SHMCHECK_PG_INIT_OPTIONS", "-I dtgp --unlogged-tables").split()
SERVER_SETTINGS = ["-c", "listen_addresses=", "-c", "fsync=off", "-c", "shared_buffers=16MB",
                   "-c", "max_connections=10", "-c", "autovacuum=off"]
CLIENTS = 2
# The server's own log lines: "2026-12-07 23:23:23.127 UTC [21388] LOG:  ...".
POSTGRES_LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+ \w+ \[\d+\] ")


def pg(tool):
    return os.path.join(BINDIR, tool)


def run_as_user(scratch, cmd, timeout, env=None):
    result = subprocess.run(cmd, preexec_fn=s.as_user(scratch), env=s.user_env(env),
                            capture_output=True, text=True, timeout=timeout,
                            cwd=scratch.path)
    if result.returncode != 0:
        s.fail(f"{' '.join(cmd)} exited {result.returncode}:\n{result.stdout}{result.stderr}")
    return result.stdout


def scalar(scratch, conn, sql):
    out = run_as_user(scratch, [pg("psql"), *conn, "-At", "-c", sql], 120)
    return out.strip()


def start_native(scratch, data, sockets, port):
    options = " ".join(["-k", sockets, "-p", port] + SERVER_SETTINGS)
    run_as_user(scratch, [pg("pg_ctl"), "start", "-D", data, "-w", "-t", "120",
                          "-l", os.path.join(scratch.path, "native.log"),
                          "-o", options.replace("listen_addresses=", "listen_addresses=''")],
                150)


def main():
    s.enter_private_namespaces(__file__)
    s.skip_unless(os.path.exists(pg("postgres")), f"PostgreSQL 15 is not installed in {BINDIR}")
    scratch = s.Scratch("shmcheck-pg-")
    uid = scratch.uid
    server = None
    try:
        data = scratch.sub("data")
        sockets = scratch.sub("sockets")
        json_path = os.path.join(scratch.sub("out"), "run.json")
        log_path = os.path.join(scratch.path, "server.log")
        port = str(s.free_port())
        conn = ["-h", sockets, "-p", port, "-U", "postgres", "postgres"]

        run_as_user(scratch, [pg("initdb"), "-D", data, "-A", "trust", "-U", "postgres",
                              "--no-sync", "--no-instructions"], 300)
        if not CHECKED_LOAD:
            start_native(scratch, data, sockets, port)
            run_as_user(scratch, [pg("pgbench"), "-i", "-s", "1", "-q", *conn], 600)
            run_as_user(scratch, [pg("pg_ctl"), "stop", "-D", data, "-m", "fast", "-w"], 150)
        started = time.monotonic()
        log = open(log_path, "w")
        server = subprocess.Popen(
            s.launcher_command(json_path) +
            [pg("postgres"), "-D", data, "-k", sockets, "-p", port, *SERVER_SETTINGS],
            preexec_fn=s.as_user(scratch), env=s.user_env(), stdout=log,
            stderr=subprocess.STDOUT, cwd=scratch.path)
        s.wait_until(lambda: subprocess.run(
            [pg("pg_isready"), "-q", *conn[:4]], capture_output=True).returncode == 0
            or server.poll() is not None, 180, "the server to accept connections")
        if server.poll() is not None:
            s.fail(f"the server ended at start (status {server.returncode}):\n"
                   + open(log_path).read())
        ready = time.monotonic()
        if CHECKED_LOAD:
            run_as_user(scratch, [pg("pgbench"), "-i", "-s", "1", "-q", *INIT_OPTIONS, *conn],
                        3600)
        loaded = time.monotonic()
        run_as_user(scratch, [pg("pgbench"), "-n", "-c", str(CLIENTS), "-t", str(TRANSACTIONS),
                              *conn], 600)
        ran = time.monotonic()
        print(f"start {ready - started:.1f} s, pgbench -i -s 1 "
              f"{'checked' if CHECKED_LOAD else 'before, natively'} {loaded - ready:.1f} s, "
              f"{CLIENTS}x{TRANSACTIONS} transactions {ran - loaded:.1f} s", flush=True)

        run_as_user(scratch, [pg("pg_ctl"), "stop", "-D", data, "-m", "fast", "-w",
                              "-t", "300"], 330)
        status = server.wait(timeout=300)
        server_log = open(log_path).read()
        print(server_log[-4000:], flush=True)
        # (A fast stop ends the logical replication launcher with status 1:
        # that is PostgreSQL's own way.)
        # PostgreSQL's own lines only: the race reports in the same log name
        # functions (pgstat_get_crashed_backend_activity) that would match.
        own_lines = "\n".join(line for line in server_log.splitlines()
                              if POSTGRES_LINE.match(line))
        for bad in ("exit code 66", "terminated by signal", "reinitializing",
                    "crash", "shutting down because"):
            if bad in own_lines:
                s.fail(f"the server log says '{bad}'")
        if "database system is shut down" not in server_log:
            s.fail("the server did not shut down cleanly")
        run = s.read_json(json_path)
        races = run["races"]
        expected = 66 if races else 0
        if status != expected or run["exit_status"] != expected:
            s.fail(f"launcher exited {status} (JSON: {run['exit_status']}), expected {expected}")
        # The postmaster is the top of the checked tree: 66 after a race.
        if run["program_status"] != expected:
            s.fail(f"the postmaster exited {run['program_status']}, expected {expected}")
        if len(run["processes"]) < 5:
            s.fail(f"only {len(run['processes'])} processes were checked")
        if not races:
            s.fail("no race reported (PostgreSQL's spinlock releases are plain stores)")
        # Debian's postgres is stripped of its static functions' names: a
        # summary may name one only by its place in the binary.
        not_program = ("libc.so", "ld-linux", "libshmcheck")
        # A stack can still be missing (the text report says why); every
        # race with one must be summarised at PostgreSQL's code.
        located = [r for r in races if r["current"].get("stack")]
        if len(located) < len(races) * 0.9:
            s.fail(f"{len(races) - len(located)} of {len(races)} races have no stack")
        for race in located:
            summary = race["summary"]
            if any(word in summary for word in not_program) or (
                    "(postgres+" not in summary and ".c:" not in summary):
                s.fail(f"a race's summary does not name PostgreSQL's code: {summary}")
        print(f"{len(races)} races, e.g. {races[0]['summary']}", flush=True)
        left = s.runtime_leftovers()
        if left:
            s.fail(f"runtime state left in /dev/shm: {left}")
        # The balances, read by the same cluster started natively: a full scan
        # of pgbench_accounts under page traps alone would take minutes, and
        # this also shows that what the checked server wrote survived its
        # clean stop.
        start_native(scratch, data, sockets, port)
        history = int(scalar(scratch, conn, "select count(*) from pgbench_history"))
        if history != CLIENTS * TRANSACTIONS:
            s.fail(f"{history} history rows, expected {CLIENTS * TRANSACTIONS}")
        sums = scalar(scratch, conn,
                      "select (select coalesce(sum(delta),0) from pgbench_history) || ' ' || "
                      "(select sum(abalance) from pgbench_accounts) || ' ' || "
                      "(select sum(bbalance) from pgbench_branches) || ' ' || "
                      "(select sum(tbalance) from pgbench_tellers)").split()
        if len(set(sums)) != 1:
            s.fail(f"inconsistent balances (history, accounts, branches, tellers): {sums}")
        print(f"balances agree: {sums[0]}", flush=True)

        run_as_user(scratch, [pg("pg_ctl"), "stop", "-D", data, "-m", "fast", "-w"], 150)

        ipc = s.ipc_of_user(uid)
        if ipc:
            s.remove_ipc(ipc)
            s.fail(f"System V objects left: {ipc}")
        print("PASS", flush=True)
    finally:
        if server is not None:
            s.stop_group(server)
        s.remove_ipc(s.ipc_of_user(uid))
        scratch.remove()


if __name__ == "__main__":
    main()
