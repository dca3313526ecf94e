#!/usr/bin/env python3
"""Runs every case of syscall_cases natively and under libshmcheck.so and
requires the same behaviour: the same output (results, errno, data), the
same exit status or signal, and no race report.

Each case runs in its own process on its own segment (System V or POSIX, as
asked). The whole run happens in private IPC and mount namespaces when the
machine allows it (see tests/e2e/run_scenario.py): every segment, queue and
semaphore a case makes is then gone when the run ends, even after a crash.
The cases also remove their segments as soon as they are attached.
"""
import argparse
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "e2e"))
from run_scenario import rerun_in_private_namespaces  # noqa: E402


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runtime", required=True, help="path to libshmcheck.so")
    p.add_argument("--program", required=True, help="path to syscall_cases")
    p.add_argument("--kind", choices=["sysv", "posix"], required=True)
    p.add_argument("--case", action="append", default=[],
                   help="run only these cases (repeatable)")
    p.add_argument("--timeout", type=float, default=60)
    args = p.parse_args()
    args.runtime = os.path.abspath(args.runtime)
    args.program = os.path.abspath(args.program)
    return args


def run(args, case, with_runtime, session):
    env = dict(os.environ)
    env.pop("LD_PRELOAD", None)
    if with_runtime:
        env["LD_PRELOAD"] = os.path.abspath(args.runtime)
        env["SHMCHECK_OPTIONS"] = f"session=syscalls-{session}"
    try:
        p = subprocess.run([args.program, args.kind, case], env=env,
                           capture_output=True, text=True, cwd="/tmp",
                           timeout=args.timeout)
        return p.returncode, p.stdout, p.stderr
    except subprocess.TimeoutExpired as e:
        # What was read before the timeout comes as bytes, even in text mode.
        return ("timeout", *(o.decode(errors="replace") if isinstance(o, bytes) else o or ""
                             for o in (e.stdout, e.stderr)))


def describe(status):
    if status == "timeout":
        return "timed out"
    if status < 0:
        return f"killed by signal {-status}"
    return f"exit {status}"


def main():
    args = parse_args()
    rerun_in_private_namespaces(__file__, "shmcheck-syscalls",
                                "SHMCHECK_SYSCALLS_INSIDE")
    cases = args.case or subprocess.run(
        [args.program, "--list"], capture_output=True, text=True,
        check=True).stdout.split()
    failures = []
    for i, case in enumerate(cases):
        native = run(args, case, False, i)
        checked = run(args, case, True, i)
        problems = []
        if native[0] != checked[0]:
            problems.append(f"{describe(native[0])} natively, "
                            f"{describe(checked[0])} under the runtime")
        if native[1] != checked[1]:
            problems.append("output differs:\n--- native\n" + native[1] +
                            "--- under the runtime\n" + checked[1])
        if "shmcheck: data race" in checked[2]:
            problems.append("a race was reported:\n" + checked[2])
        if native[0] != 0:
            problems.append(f"the case itself fails natively "
                            f"({describe(native[0])}): {native[2]}")
        if problems:
            failures.append(case)
            print(f"FAIL {args.kind} {case}")
            for problem in problems:
                print("  " + problem.replace("\n", "\n    "))
            if checked[2]:
                print("  stderr under the runtime:\n    " +
                      checked[2].replace("\n", "\n    "))
        else:
            print(f"ok   {args.kind} {case}")
    print(f"{len(cases) - len(failures)}/{len(cases)} cases behave as "
          f"natively ({args.kind} segments)")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
