#!/usr/bin/env python3
"""Runs one end-to-end scenario under libshmcheck.so and checks the outcome.

A scenario is a real program (or two independent ones) run as real processes
on real segments and semaphores. The driver checks the race reports (none, or
one naming given source lines, with the two accesses made by different
processes or threads), the exit status, optionally that the output is the
same as without the runtime, and that nothing is left behind: no segment, no
semaphore, no shared-state object.

When it can (root, or unprivileged user namespaces), the driver runs the
scenario in private IPC and mount namespaces with its own /dev/shm: leftovers
are then checked exactly ("ipcs -m -s" empty, /dev/shm empty) and the kernel
removes everything when the namespace ends, even after a crash or timeout.
Otherwise it checks and removes what carries this run's key range and names.
Every run also gets its own shmcheck session, so scenarios run in parallel.
"""
import argparse
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import time

REPORT_START = "WARNING: shmcheck: data race"
REPORT_RULE = "=================="


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--name", required=True)
    p.add_argument("--runtime", required=True, help="path to libshmcheck.so")
    p.add_argument("--source-root", default=".",
                   help="root that --race-at paths are relative to")
    p.add_argument("--expect", choices=["race", "clean"], required=True)
    p.add_argument("--race-at", action="append", default=[],
                   metavar="FILE:TEXT",
                   help="one report must name the line of FILE containing TEXT")
    p.add_argument("--report-regex", action="append", default=[],
                   help="the report must also match this regular expression "
                        "(repeatable), e.g. the object and offset it names")
    p.add_argument("--distinct", choices=["pids", "threads"],
                   help="the reported accesses come from two processes / two "
                        "threads of one process")
    p.add_argument("--exit", type=int, default=None,
                   help="expected exit status (default: 66 for a race, else 0)")
    p.add_argument("--same-output", action="store_true",
                   help="stdout equals that of a run without the runtime")
    p.add_argument("--stdout-regex", action="append", default=[],
                   help="stdout must match this regular expression "
                        "(repeatable)")
    p.add_argument("--stderr-regex", action="append", default=[],
                   help="stderr of the checked run must match this regular "
                        "expression (repeatable), e.g. the runtime's counters")
    p.add_argument("--stderr-absent", action="append", default=[],
                   help="stderr of the checked run must not match this "
                        "regular expression (repeatable)")
    p.add_argument("--companion", default=None,
                   help="a program started first, independently, that prints "
                        "a line when ready and ends when its stdin closes")
    p.add_argument("--options", default="",
                   help="extra SHMCHECK_OPTIONS (after session=...)")
    p.add_argument("--timeout", type=float, default=120)
    p.add_argument("--inside", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("command", nargs=argparse.REMAINDER)
    args = p.parse_args()
    if args.command and args.command[0] == "--":
        args.command = args.command[1:]
    if not args.command:
        p.error("no command")
    return args


def namespaces_usable():
    unshare = shutil.which("unshare")
    if unshare is None:
        return None
    probe = [unshare, "--ipc", "--mount", "--fork", "true"]
    for cmd in (probe, probe[:1] + ["--user", "--map-root-user"] + probe[1:]):
        try:
            if subprocess.run(cmd, capture_output=True, timeout=10).returncode == 0:
                return cmd[:-1]
        except (OSError, subprocess.TimeoutExpired):
            pass
    return None


def rerun_in_private_namespaces(script, tmpfs_name, inside_variable):
    """Re-executes `script` (with this process's arguments) in private IPC and
    mount namespaces with a fresh /dev/shm (mode 1777, so a second user can
    use it too), marking the child with inside_variable=1. Returns only when
    that is not possible or when already inside; otherwise exits with the
    child's status. The kernel removes everything the tests made when the
    namespaces end, even after a crash."""
    if os.environ.get(inside_variable) == "1":
        return
    wrapper = namespaces_usable()
    if wrapper is None:
        return
    shell = ("mount --make-rprivate / 2>/dev/null; "
             f"mount -t tmpfs -o mode=1777 {tmpfs_name} /dev/shm && "
             'exec "$0" "$@"')
    env = dict(os.environ, **{inside_variable: "1"})
    sys.exit(subprocess.run(wrapper + ["sh", "-c", shell, sys.executable,
                                       os.path.abspath(script)] + sys.argv[1:],
                            env=env).returncode)


class Run:
    def __init__(self, args):
        self.args = args
        self.token = f"{os.getpid()}-{int(time.time() * 1000) % 100000}"
        self.session = re.sub(r"[^A-Za-z0-9_.-]", "_",
                              f"e2e-{args.name}-{self.token}")[:48]
        # A key range of 16 per run; inside a private IPC namespace any
        # value would do.
        self.key_base = 0x5e000000 | ((os.getpid() & 0xffff) << 4)
        self.failures = []

    def env(self, with_runtime):
        env = dict(os.environ)
        env.pop("LD_PRELOAD", None)
        env["SHMCHECK_E2E_KEY"] = hex(self.key_base)
        env["SHMCHECK_E2E_TOKEN"] = self.token
        if with_runtime:
            env["LD_PRELOAD"] = self.args.runtime
            options = f"session={self.session}"
            if self.args.options:
                options += ":" + self.args.options
            env["SHMCHECK_OPTIONS"] = options
        return env

    def fail(self, message):
        self.failures.append(message)

    def run(self, with_runtime):
        """Returns (status, stdout, stderr) of the scenario."""
        env = self.env(with_runtime)
        companion = None
        deadline = time.monotonic() + self.args.timeout
        try:
            if self.args.companion:
                companion = subprocess.Popen(
                    shlex.split(self.args.companion), env=env,
                    stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE, text=True, start_new_session=True)
                ready = companion.stdout.readline()
                if not ready:
                    self.fail("companion ended before it was ready")
            main = subprocess.Popen(self.args.command, env=env,
                                    stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE, text=True,
                                    start_new_session=True)
            try:
                out, err = main.communicate(
                    timeout=max(1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(main.pid, signal.SIGKILL)
                out, err = main.communicate()
                self.fail(f"timed out after {self.args.timeout:.0f} s")
            status = main.returncode if main.returncode >= 0 \
                else 128 - main.returncode
            if companion is not None:
                try:
                    c_out, c_err = companion.communicate(
                        input="", timeout=max(1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    os.killpg(companion.pid, signal.SIGKILL)
                    c_out, c_err = companion.communicate()
                    self.fail("companion timed out")
                err = c_err + err
                if with_runtime:
                    # Either writer may see the race; the scenario's status
                    # is the worse of the two.
                    status = max(status, companion.returncode)
            return status, out, err
        finally:
            for proc in (companion,):
                if proc is not None and proc.poll() is None:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait()

    def check_reports(self, stderr):
        reports = []
        for block in stderr.split(REPORT_RULE):
            if REPORT_START in block:
                reports.append(block)
        if self.args.expect == "clean":
            if reports:
                self.fail(f"expected no report, got {len(reports)}")
            return
        if not reports:
            self.fail("expected a race report, got none")
            return
        wanted = [self.line_pattern(spec) for spec in self.args.race_at]
        wanted += self.args.report_regex
        matching = [r for r in reports if all(re.search(w, r) for w in wanted)]
        if not matching:
            self.fail("no report names all of: " +
                      ", ".join(self.args.race_at + self.args.report_regex))
            return
        if self.args.distinct:
            if not any(self.distinct_parties(r) for r in matching):
                self.fail(f"the reported accesses are not from distinct "
                          f"{self.args.distinct}")

    def line_pattern(self, spec):
        path, _, text = spec.partition(":")
        full = os.path.join(self.args.source_root, path)
        with open(full) as f:
            for number, line in enumerate(f, 1):
                if text in line:
                    return re.escape(os.path.basename(path)) + f":{number}\\b"
        raise SystemExit(f"{path}: no line contains {text!r}")

    def distinct_parties(self, report):
        parties = re.findall(r"by pid (\d+) thread (\d+)", report)
        if len(parties) < 2:
            return False
        (p1, t1), (p2, t2) = parties[0], parties[1]
        if self.args.distinct == "pids":
            return p1 != p2
        return p1 == p2 and t1 != t2

    # -- leftovers ---------------------------------------------------------
    def ipc_objects(self):
        """(kind, key, id) of every System V segment and semaphore set."""
        found = []
        for kind, path in (("m", "/proc/sysvipc/shm"), ("s", "/proc/sysvipc/sem")):
            try:
                with open(path) as f:
                    next(f)
                    for line in f:
                        fields = line.split()
                        found.append((kind, int(fields[0]), int(fields[1])))
            except OSError:
                pass
        return found

    def ours(self, key):
        return self.args.inside or self.key_base <= key < self.key_base + 16

    def shm_files(self):
        try:
            names = os.listdir("/dev/shm")
        except OSError:
            return []
        if self.args.inside:
            return names
        return [n for n in names if self.token in n or self.session in n]

    def check_and_remove_leftovers(self):
        left = [o for o in self.ipc_objects() if self.ours(o[1])]
        if left:
            self.fail("IPC objects left behind: " +
                      ", ".join(f"{k} key={key:#x} id={i}" for k, key, i in left))
            for kind, _, ident in left:
                subprocess.run(["ipcrm", f"-{kind}", str(ident)],
                               capture_output=True)
        files = self.shm_files()
        if files:
            self.fail("left in /dev/shm: " + ", ".join(sorted(files)))
            for name in files:
                try:
                    os.unlink(os.path.join("/dev/shm", name))
                except OSError:
                    pass


def main():
    args = parse_args()
    if not args.inside:
        wrapper = namespaces_usable()
        if wrapper is not None:
            # Re-run this driver inside fresh IPC and mount namespaces with a
            # private /dev/shm.
            script = ("mount --make-rprivate / 2>/dev/null; "
                      "mount -t tmpfs -o mode=1777 shmcheck-e2e /dev/shm && "
                      'exec "$0" "$@"')
            cmd = wrapper + ["sh", "-c", script, sys.executable,
                             os.path.abspath(__file__), "--inside"] + sys.argv[1:]
            sys.exit(subprocess.run(cmd).returncode)

    run = Run(args)
    status, out, err = run.run(with_runtime=True)
    expected_status = args.exit if args.exit is not None else \
        (66 if args.expect == "race" else 0)
    if status != expected_status:
        run.fail(f"exit status {status}, expected {expected_status}")
    run.check_reports(err)
    for pattern in args.stdout_regex:
        if not re.search(pattern, out):
            run.fail(f"stdout does not match {pattern!r}")
    for pattern in args.stderr_regex:
        if not re.search(pattern, err, re.MULTILINE):
            run.fail(f"stderr does not match {pattern!r}")
    for pattern in args.stderr_absent:
        if re.search(pattern, err, re.MULTILINE):
            run.fail(f"stderr matches {pattern!r}")
    run.check_and_remove_leftovers()
    if args.same_output:
        plain_status, plain_out, plain_err = run.run(with_runtime=False)
        if plain_out != out:
            run.fail("stdout differs from a run without the runtime:\n"
                     f"--- without\n{plain_out}--- with\n{out}")
        run.check_and_remove_leftovers()

    where = "in private namespaces" if args.inside else "in the host namespaces"
    if run.failures:
        print(f"FAIL {args.name} ({where})")
        for f in run.failures:
            print("  - " + f)
        print("---- stdout ----\n" + out + "---- stderr ----\n" + err)
        sys.exit(1)
    print(f"PASS {args.name} ({where}, session {run.session})")
    print("---- stdout ----\n" + out)


if __name__ == "__main__":
    main()
