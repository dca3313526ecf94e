#!/usr/bin/env python3
"""Runs a program built for instrumented mode and checks it against trap mode.

The instrumented build (compiled with -fsanitize=thread, linked with
libshmcheck.so) runs first: its race reports, exit status and output are
checked, and every process must say at exit (verbosity=1) that it trapped
no access at all. Then the same source built without
instrumentation runs under LD_PRELOAD (trap mode): it must give the same
verdict, report the same pairs of source lines, and have trapped accesses
(so that the comparison has two different front ends to compare). Without
the runtime the plain build must print the same output.

Like the end-to-end driver, it runs in private IPC and mount namespaces with
its own /dev/shm when it can, and checks that nothing is left behind.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import time

REPORT_START = "WARNING: shmcheck: data race"
RULE = "=================="
TRAP_COUNT = re.compile(r"shmcheck: pid (\d+) \((instrumented|page traps)\): "
                        r"accesses trapped (\d+)")
ACCESS_HEADER = re.compile(r"^  (Previous )?([A-Za-z ]+) (of size|at) ")
FRAME = re.compile(r"^\s+#\d+ \S+ (\S+?):(\d+)(?::\d+)? \(")


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--name", required=True)
    p.add_argument("--runtime", required=True, help="libshmcheck.so")
    p.add_argument("--source-root", required=True)
    p.add_argument("--expect", choices=["race", "clean"], required=True)
    p.add_argument("--access-at", action="append", default=[],
                   metavar="FILE:TEXT",
                   help="a reported access is at the line of FILE holding "
                        "TEXT (give one per access of the report)")
    p.add_argument("--instrumented", required=True)
    p.add_argument("--plain", required=True,
                   help="the uninstrumented build, for trap mode")
    p.add_argument("--expect-trap", choices=["race", "clean"],
                   help="trap mode's own verdict when it differs from "
                        "--expect (the instrumented one); the reported "
                        "lines are then not compared between the modes")
    p.add_argument("--trap-report-regex", action="append", default=[],
                   help="some trap mode report must match this regular "
                        "expression")
    p.add_argument("--trap-mode-differs", action="store_true",
                   help="trap mode is known to judge this program otherwise: "
                        "compare only the output of the plain build")
    p.add_argument("--exit", type=int, default=None,
                   help="expected exit status (default: 66 for a race, else 0)")
    p.add_argument("--stdout-regex", action="append", default=[])
    p.add_argument("--report-regex", action="append", default=[],
                   help="some report must match this regular expression")
    p.add_argument("--timeout", type=float, default=120)
    p.add_argument("--inside", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("arguments", nargs=argparse.REMAINDER)
    args = p.parse_args()
    if args.arguments and args.arguments[0] == "--":
        args.arguments = args.arguments[1:]
    return args


def namespace_wrapper():
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


def as_text(output):
    if isinstance(output, bytes):
        return output.decode(errors="replace")
    return output or ""


class Check:
    def __init__(self, args):
        self.args = args
        self.failures = []
        token = f"{os.getpid()}-{int(time.time() * 1000) % 100000}"
        self.session = re.sub(r"[^A-Za-z0-9_.-]", "_",
                              f"ins-{args.name}-{token}")[:48]
        self.token = token
        self.expected = sorted(self.line_of(spec) for spec in args.access_at)

    def fail(self, message):
        self.failures.append(message)

    def line_of(self, spec):
        path, _, text = spec.partition(":")
        with open(os.path.join(self.args.source_root, path)) as f:
            for number, line in enumerate(f, 1):
                if text in line:
                    return (os.path.basename(path), number)
        raise SystemExit(f"{path}: no line contains {text!r}")

    def run(self, program, preload, options=""):
        env = dict(os.environ)
        env.pop("LD_PRELOAD", None)
        env["SHMCHECK_OPTIONS"] = f"session={self.session}:verbosity=1{options}"
        env["SHMCHECK_E2E_TOKEN"] = self.token
        if preload:
            env["LD_PRELOAD"] = self.args.runtime
        elif preload is None:
            env.pop("SHMCHECK_OPTIONS")
        try:
            done = subprocess.run([program] + self.args.arguments, env=env,
                                  capture_output=True, text=True,
                                  timeout=self.args.timeout)
        except subprocess.TimeoutExpired as e:
            self.fail(f"{program} timed out")
            # What was read before the timeout comes as bytes, even in text mode.
            return 124, as_text(e.stdout), as_text(e.stderr)
        status = done.returncode if done.returncode >= 0 else 128 - done.returncode
        return status, done.stdout, done.stderr

    def own_frame(self, lines):
        """(file, line) of the first frame in the project's sources."""
        root = os.path.realpath(self.args.source_root)
        for line in lines:
            m = FRAME.match(line)
            if m and os.path.realpath(m.group(1)).startswith(root + os.sep):
                return (os.path.basename(m.group(1)), int(m.group(2)))
        return None

    def race_pairs(self, stderr):
        """The sorted pair of accessing lines of every report."""
        pairs = []
        for block in stderr.split(RULE):
            if REPORT_START not in block:
                continue
            sections, current = [], None
            for line in block.splitlines():
                if ACCESS_HEADER.match(line) and "Location is" not in line:
                    current = []
                    sections.append(current)
                elif not line.strip():
                    current = None
                elif current is not None:
                    current.append(line)
            frames = [self.own_frame(s) for s in sections[:2]]
            pairs.append(tuple(sorted(f for f in frames if f)))
        return sorted(pairs)

    def check_run(self, label, status, out, err, pairs, expect=None,
                  report_regex=()):
        expect = expect or self.args.expect
        wanted_status = self.args.exit if self.args.exit is not None \
            else 66 if expect == "race" else 0
        if status != wanted_status:
            self.fail(f"{label}: exit status {status}, expected {wanted_status}")
        if expect == "clean" and pairs:
            self.fail(f"{label}: expected no report, got {pairs}")
        if expect == "race":
            if not pairs:
                self.fail(f"{label}: expected a race report, got none")
            elif self.expected and tuple(self.expected) not in pairs:
                self.fail(f"{label}: no report names {self.expected}: {pairs}")
        for pattern in self.args.stdout_regex:
            if not re.search(pattern, out):
                self.fail(f"{label}: stdout does not match {pattern!r}")
        reports = [b for b in err.split(RULE) if REPORT_START in b]
        for pattern in list(self.args.report_regex) + list(report_regex):
            if not any(re.search(pattern, r) for r in reports):
                self.fail(f"{label}: no report matches {pattern!r}")

    def trap_counts(self, err, mode):
        counts = [(m.group(2), int(m.group(3))) for m in TRAP_COUNT.finditer(err)]
        if not counts:
            self.fail(f"{mode}: no process printed its trap count")
        return counts

    def leftovers(self):
        left = []
        for path in ("/proc/sysvipc/shm", "/proc/sysvipc/sem"):
            try:
                with open(path) as f:
                    next(f)
                    left += [line.split()[1] for line in f]
            except OSError:
                pass
        if self.args.inside and left:
            self.fail(f"IPC objects left behind: {left}")
        try:
            files = [n for n in os.listdir("/dev/shm")
                     if self.args.inside or self.session in n or self.token in n]
        except OSError:
            files = []
        if files:
            self.fail(f"left in /dev/shm: {sorted(files)}")
            for name in files:
                try:
                    os.unlink(os.path.join("/dev/shm", name))
                except OSError:
                    pass


def reexec_in_namespaces(args, script_path):
    """Runs `script_path` again, with the same arguments plus --inside, in
    private IPC and mount namespaces with a private /dev/shm, when possible,
    and exits with its status."""
    if args.inside:
        return
    wrapper = namespace_wrapper()
    if wrapper is None:
        return
    script = ("mount --make-rprivate / 2>/dev/null; "
              "mount -t tmpfs -o mode=1777 shmcheck-ins /dev/shm && "
              'exec "$0" "$@"')
    cmd = wrapper + ["sh", "-c", script, sys.executable,
                     os.path.abspath(script_path), "--inside"] + sys.argv[1:]
    sys.exit(subprocess.run(cmd).returncode)


def main():
    args = parse_args()
    reexec_in_namespaces(args, __file__)
    check = Check(args)
    status, out, err = check.run(args.instrumented, preload=False)
    pairs = check.race_pairs(err)
    check.check_run("instrumented", status, out, err, pairs)
    for mode, count in check.trap_counts(err, "instrumented"):
        if mode != "instrumented" or count != 0:
            check.fail(f"instrumented: a process ran with {mode}, "
                       f"{count} accesses trapped")
    check.leftovers()
    log = [("instrumented", out, err)]

    if not args.trap_mode_differs:
        p_status, p_out, p_err = check.run(args.plain, preload=True)
        p_pairs = check.race_pairs(p_err)
        check.check_run("trap mode", p_status, p_out, p_err, p_pairs,
                        args.expect_trap, args.trap_report_regex)
        if not args.expect_trap and sorted(set(p_pairs)) != sorted(set(pairs)):
            check.fail(f"reported lines differ: instrumented {pairs}, "
                       f"trap mode {p_pairs}")
        if not any(c > 0 for _, c in check.trap_counts(p_err, "trap mode")):
            check.fail("trap mode trapped nothing: nothing was compared")
        check.leftovers()
        log.append(("trap mode", p_out, p_err))
    if args.expect == "clean" or args.expect_trap == "clean":
        n_status, n_out, _ = check.run(args.plain, preload=None)
        if args.expect != "clean":
            out, status = p_out, p_status  # the clean run to compare with
        if n_out != out or n_status != status:
            check.fail("output differs from a run without the runtime:\n"
                       f"--- without\n{n_out}--- instrumented\n{out}")
        check.leftovers()

    where = "private namespaces" if args.inside else "host namespaces"
    if check.failures:
        print(f"FAIL {args.name} ({where})")
        for f in check.failures:
            print("  - " + f)
        for label, o, e in log:
            print(f"---- {label} stdout ----\n{o}---- {label} stderr ----\n{e}")
        sys.exit(1)
    print(f"PASS {args.name} ({where}): {pairs or 'no report'}")
    for label, o, _ in log:
        print(f"---- {label} stdout ----\n{o}")


if __name__ == "__main__":
    main()
