#!/usr/bin/env python3
"""PostgreSQL 15 under the shmcheck launcher with default options.

initdb as the unprivileged server user; the postmaster runs under the
launcher; pgbench -i and a fixed number of transactions from 2 clients
(pgbench itself runs natively: it shares no memory with the server);
balances must agree; the server stops cleanly; the launcher's JSON must list
the races with PostgreSQL's own functions at the top of their summaries and
nothing of the runtime may be left in /dev/shm.

Environment: SHMCHECK_LAUNCHER, SHMCHECK_RUNTIME (from ctest), optionally
PG_BINDIR (default /usr/lib/postgresql/15/bin) and SHMCHECK_PG_TRANSACTIONS
(per client, default 20)."""
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
import server_support as s  # noqa: E402

BINDIR = os.environ.get("PG_BINDIR", "/usr/lib/postgresql/15/bin")
TRANSACTIONS = int(os.environ.get("SHMCHECK_PG_TRANSACTIONS", "20"))
# pgbench -i -s 1 loads 100,000 rows; in trap mode every store into a shared
# buffer or the WAL buffers traps, so the load skips its VACUUM step and
# writes no WAL for the tables (unlogged), which keeps the test to minutes.
INIT_OPTIONS = os.environ.get("SHMCHECK_PG_INIT_OPTIONS", "-I dtgp --unlogged-tables").split()
CLIENTS = 2


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
        started = time.monotonic()
        log = open(log_path, "w")
        server = subprocess.Popen(
            s.launcher_command(json_path) +
            [pg("postgres"), "-D", data, "-k", sockets, "-p", port,
             "-c", "listen_addresses=", "-c", "fsync=off", "-c", "shared_buffers=16MB",
             "-c", "max_connections=10", "-c", "autovacuum=off"],
            preexec_fn=s.as_user(scratch), env=s.user_env(), stdout=log,
            stderr=subprocess.STDOUT, cwd=scratch.path)
        s.wait_until(lambda: subprocess.run(
            [pg("pg_isready"), "-q", *conn[:4]], capture_output=True).returncode == 0
            or server.poll() is not None, 180, "the server to accept connections")
        if server.poll() is not None:
            s.fail(f"the server ended at start (status {server.returncode}):\n"
                   + open(log_path).read())
        ready = time.monotonic()
        run_as_user(scratch, [pg("pgbench"), "-i", "-s", "1", "-q", *INIT_OPTIONS, *conn], 600)
        loaded = time.monotonic()
        run_as_user(scratch, [pg("pgbench"), "-n", "-c", str(CLIENTS), "-t", str(TRANSACTIONS),
                              *conn], 600)
        ran = time.monotonic()
        print(f"start {ready - started:.1f} s, pgbench -i -s 1 {loaded - ready:.1f} s, "
              f"{CLIENTS}x{TRANSACTIONS} transactions {ran - loaded:.1f} s", flush=True)

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

        run_as_user(scratch, [pg("pg_ctl"), "stop", "-D", data, "-m", "fast", "-w",
                              "-t", "300"], 330)
        status = server.wait(timeout=300)
        server_log = open(log_path).read()
        print(server_log[-4000:], flush=True)
        # (A fast stop ends the logical replication launcher with status 1:
        # that is PostgreSQL's own way.)
        for bad in ("exit code 66", "terminated by signal", "reinitializing",
                    "crash", "shutting down because"):
            if bad in server_log:
                s.fail(f"the server log says '{bad}'")
        if "database system is shut down" not in server_log:
            s.fail("the server did not shut down cleanly")
        run = s.read_json(json_path)
        races = run["races"]
        expected = 66 if races else 0
        if status != expected or run["exit_status"] != expected:
            s.fail(f"launcher exited {status} (JSON: {run['exit_status']}), expected {expected}")
        if run["program_status"] != 0:
            s.fail(f"the postmaster exited {run['program_status']}")
        if len(run["processes"]) < 5:
            s.fail(f"only {len(run['processes'])} processes were checked")
        if not races:
            s.fail("no race reported (PostgreSQL's spinlock releases are plain stores)")
        not_program = ("libc.so", "ld-linux", "libshmcheck", "<unknown>")
        for race in races:
            summary = race["summary"]
            if any(word in summary for word in not_program) or (
                    "(postgres+" not in summary and ".c:" not in summary):
                s.fail(f"a race's summary does not name PostgreSQL's code: {summary}")
        print(f"{len(races)} races, e.g. {races[0]['summary']}", flush=True)
        left = s.runtime_leftovers()
        if left:
            s.fail(f"runtime state left in /dev/shm: {left}")
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
