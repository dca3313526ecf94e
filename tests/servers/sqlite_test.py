#!/usr/bin/env python3
"""SQLite 3 in WAL mode under the shmcheck launcher: several sqlite3
processes insert into and read one database at once.

Run twice: with default options (the -shm wal-index is a MAP_SHARED
mapping of a regular file, not watched by default: docs/runtime.md) and
with shared_files=1, where the wal-index is watched. Either way every row
must be there and PRAGMA integrity_check must say ok; with shared_files=1
reports must name SQLite's code, not the C library's.

Environment: SHMCHECK_LAUNCHER (from ctest), SHMCHECK_SQLITE_WRITERS
(default 4), SHMCHECK_SQLITE_ROWS (per writer, default 40)."""
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
import server_support as s  # noqa: E402

WRITERS = int(os.environ.get("SHMCHECK_SQLITE_WRITERS", "4"))
ROWS = int(os.environ.get("SHMCHECK_SQLITE_ROWS", "40"))


def sqlite(scratch, db, sql, env=None, launcher=None):
    cmd = (launcher or []) + ["sqlite3", "-batch", db]
    out = subprocess.run(cmd, input=sql, capture_output=True, text=True, timeout=600,
                         preexec_fn=s.as_user(scratch), env=s.user_env(env), cwd=scratch.path)
    return out


def writer_script(scratch, writer):
    path = os.path.join(scratch.path, f"writer{writer}.sql")
    with open(path, "w") as f:
        f.write(".timeout 60000\n")
        for i in range(ROWS):
            f.write(f"insert into t values({writer}, {i}, randomblob(64));\n")
            f.write("select count(*) from t;\n")
    return path


def run_once(scratch, name, options):
    db = os.path.join(scratch.sub(name), "test.db")
    out = sqlite(scratch, db, "pragma journal_mode=wal;\n"
                 "create table t(writer integer, i integer, payload blob);\n")
    if out.returncode != 0 or out.stdout.strip() != "wal":
        s.fail(f"cannot create the database: {out.stdout}{out.stderr}")
    scripts = [writer_script(scratch, w) for w in range(WRITERS)]
    # One shell starts every writer at once and waits for them all.
    shell = " ".join(f"sqlite3 -batch {db} < {path} > {path}.out 2>&1 &" for path in scripts)
    shell += " wait; status=0; for f in " + " ".join(f"{p}.out" for p in scripts) + \
        "; do grep -q 'Error' $f && status=1; done; exit $status"
    json_path = os.path.join(scratch.sub(name + "-out"), "run.json")
    env = {"SHMCHECK_OPTIONS": options} if options else None
    started = time.monotonic()
    run = subprocess.run(s.launcher_command(json_path) + ["sh", "-c", shell],
                         capture_output=True, text=True, timeout=900,
                         preexec_fn=s.as_user(scratch), env=s.user_env(env), cwd=scratch.path)
    took = time.monotonic() - started
    report = s.read_json(json_path)
    expected = 66 if report["races"] else 0
    if run.returncode != expected:
        s.fail(f"[{name}] launcher exited {run.returncode}, expected {expected}:\n"
               f"{run.stderr[-3000:]}")
    # The shell is the top of the checked tree: 66 after a race in its session.
    if report["program_status"] != expected:
        s.fail(f"[{name}] a writer failed (status {report['program_status']}):\n" +
               "".join(open(p + ".out").read() for p in scripts))
    checks = sqlite(scratch, db, "select count(*), count(distinct writer || '.' || i) from t;\n"
                    "pragma integrity_check;\n")
    lines = checks.stdout.split()
    want = WRITERS * ROWS
    if checks.returncode != 0 or lines != [f"{want}|{want}", "ok"]:
        s.fail(f"[{name}] expected {want} distinct rows and integrity ok, got {lines} "
               f"{checks.stderr}")
    if len(report["processes"]) < WRITERS + 1:
        s.fail(f"[{name}] only {len(report['processes'])} processes were checked")
    for race in report["races"]:
        summary = race["summary"]
        if "libc.so" in summary or "libshmcheck" in summary or "libc_start" in summary:
            s.fail(f"[{name}] a race's summary does not name SQLite's code: {summary}")
    print(f"[{name}] {WRITERS} writers x {ROWS} rows: {took:.1f} s, "
          f"{len(report['segments'])} segments checked, {len(report['races'])} races"
          + (f", e.g. {report['races'][0]['summary']}" if report["races"] else ""), flush=True)
    return report


def main():
    s.enter_private_namespaces(__file__)
    s.skip_unless(subprocess.run(["sh", "-c", "command -v sqlite3"],
                                 capture_output=True).returncode == 0,
                  "sqlite3 is not installed")
    scratch = s.Scratch("shmcheck-sqlite-")
    try:
        run_once(scratch, "default", "")
        watched = run_once(scratch, "shared-files", "shared_files=1")
        if not watched["segments"]:
            s.fail("with shared_files=1 the wal-index was not checked")
        left = s.runtime_leftovers()
        if left:
            s.fail(f"runtime state left in /dev/shm: {left}")
        print("PASS", flush=True)
    finally:
        scratch.remove()


if __name__ == "__main__":
    main()
