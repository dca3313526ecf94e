#!/usr/bin/env python3
"""Checks that the trap budget samples hot pages and keeps checking cold ones.

Two scenarios, each run under LD_PRELOAD with trap_budget and with full
checking, which must report the same races and print the same output.

hot_and_cold (tests/trap_budget/programs/hot_and_cold.c), with the budget:
  - each worker saw the hot page unprotected before its racy phase (so the
    hot race can only have been recorded in a sampled window);
  - each worker's hot page was unprotected, protected again and unprotected
    again (sampling windows really alternated);
  - the race on the hot page and the race on the cold page are reported.

spinlock_pages (programs/spinlock_pages.c), with the budget: no report (the
spinlock's page is never sampled, so its edges are never lost), although
pages were left unprotected.
"""
import argparse
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "instrumented"))
import run_modes  # noqa: E402

SUMMARY = re.compile(r"shmcheck: pid (\d+): trap budget (\d+)%: .* units "
                     r"unprotected (\d+) times, protected again (\d+) times")
SEEN = re.compile(r"^(parent|child): hot page unprotected during the guarded "
                  r"phase: (yes|no)$", re.M)


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runtime", required=True)
    p.add_argument("--source-root", required=True)
    p.add_argument("--program", required=True)
    p.add_argument("--budget", type=int, default=20)
    p.add_argument("--scenario", choices=["hot_and_cold", "spinlock_pages"],
                   required=True)
    p.add_argument("--hot-at", metavar="FILE:TEXT")
    p.add_argument("--cold-at", metavar="FILE:TEXT")
    p.add_argument("--timeout", type=float, default=120)
    p.add_argument("--inside", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("arguments", nargs=argparse.REMAINDER)
    args = p.parse_args()
    if args.arguments and args.arguments[0] == "--":
        args.arguments = args.arguments[1:]
    # What run_modes.Check expects besides.
    args.name = args.scenario
    args.access_at = []
    return args


def main():
    args = parse_args()
    run_modes.reexec_in_namespaces(args, __file__)
    check = run_modes.Check(args)
    # The budget is under test: patched sites would take the hot loop out of
    # trapping before the budget has anything to do.
    status, out, err = check.run(args.program, preload=True,
                                 options=f":trap_budget={args.budget}:patch_sites=0")
    check.leftovers()
    pairs = sorted(set(check.race_pairs(err)))
    summaries = SUMMARY.findall(err)
    if args.scenario == "hot_and_cold":
        hot = check.line_of(args.hot_at)
        cold = check.line_of(args.cold_at)
        wanted = sorted([(hot, hot), (cold, cold)])
        if status != 66:
            check.fail(f"with the budget: exit status {status}, expected 66")
        if pairs != wanted:
            check.fail(f"with the budget: reported {pairs}, expected {wanted}")
        seen = dict(SEEN.findall(err))
        if seen != {"parent": "yes", "child": "yes"}:
            check.fail("a worker did not see its hot page unprotected before "
                       f"the racy phase: {seen}")
        sampled = [s for s in summaries if int(s[2]) >= 2 and int(s[3]) >= 1]
        if len(sampled) < 2:
            check.fail("the hot page was not unprotected, protected again and "
                       f"unprotected again in both workers: {summaries}")
    else:
        if status != 0 or pairs:
            check.fail(f"with the budget: exit status {status}, reports {pairs}")
        if not any(int(s[2]) >= 1 for s in summaries):
            check.fail(f"no page was ever left unprotected: {summaries}")

    f_status, f_out, f_err = check.run(args.program, preload=True)
    check.leftovers()
    f_pairs = sorted(set(check.race_pairs(f_err)))
    if f_status != status or f_pairs != pairs or f_out != out:
        check.fail("full checking gives other results: status "
                   f"{f_status}, reports {f_pairs}, stdout {f_out!r} "
                   f"(with the budget: {status}, {pairs}, {out!r})")

    if check.failures:
        print(f"FAIL {args.scenario}")
        for f in check.failures:
            print("  - " + f)
        print(f"---- budget stdout ----\n{out}---- budget stderr ----\n{err}")
        print(f"---- full stdout ----\n{f_out}---- full stderr ----\n{f_err}")
        sys.exit(1)
    print(f"PASS {args.scenario}: {pairs or 'no report'}")
    print("\n".join(line for line in err.splitlines()
                    if "trap budget" in line or "hot page" in line))


if __name__ == "__main__":
    main()
