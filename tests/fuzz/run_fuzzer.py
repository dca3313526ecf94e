#!/usr/bin/env python3
"""Runs one libFuzzer target for a bounded time on a copy of its seed corpus.

The seeds (tests/fuzz/corpus/<target>) are copied to a temporary directory,
so that what the run discovers never lands in the source tree; a crash,
leak, sanitizer finding or timeout writes its input under --artifacts (to
reproduce: run the fuzzer binary on that file) and fails the test.

Usage: run_fuzzer.py --fuzzer BIN --seeds DIR --seconds N --artifacts DIR
                     [--keep-corpus DIR]
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--fuzzer", required=True)
    p.add_argument("--seeds", required=True)
    p.add_argument("--seconds", type=int, default=20)
    p.add_argument("--artifacts", required=True)
    p.add_argument("--keep-corpus", default=None,
                   help="a corpus directory to grow across runs instead of a "
                        "temporary copy (bench/fuzz.sh)")
    args = p.parse_args()
    name = os.path.basename(args.fuzzer)
    if not os.access(args.fuzzer, os.X_OK):
        sys.exit(f"run_fuzzer: '{args.fuzzer}' is not built")
    os.makedirs(args.artifacts, exist_ok=True)
    work = None
    if args.keep_corpus:
        corpus = args.keep_corpus
        os.makedirs(corpus, exist_ok=True)
    else:
        work = tempfile.mkdtemp(prefix=f"shmcheck-{name}-")
        corpus = os.path.join(work, "corpus")
    try:
        if work is not None:
            shutil.copytree(args.seeds, corpus)
        else:
            for seed in os.listdir(args.seeds):
                shutil.copy(os.path.join(args.seeds, seed), corpus)
        command = [args.fuzzer, f"-max_total_time={args.seconds}", "-timeout=10",
                   "-rss_limit_mb=2048", "-max_len=4096", "-print_final_stats=1",
                   f"-artifact_prefix={os.path.join(args.artifacts, name)}-", corpus]
        try:
            result = subprocess.run(command, capture_output=True, text=True,
                                    errors="replace", timeout=args.seconds + 120)
        except subprocess.TimeoutExpired:
            sys.exit(f"run_fuzzer: {name} did not stop after {args.seconds} s")
        lines = result.stderr.splitlines()
        stats = [l for l in lines if l.startswith("stat::number_of_executed_units") or
                 l.startswith("stat::peak_rss_mb")]
        if result.returncode != 0:
            print("\n".join(lines[-80:]))
            sys.exit(f"run_fuzzer: {name} failed (status {result.returncode}); "
                     f"the input is under {args.artifacts}")
        print(f"run_fuzzer: {name}: {args.seconds} s, " +
              ", ".join(s.split("::")[1].replace(":", "").strip() for s in stats))
    finally:
        if work is not None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
