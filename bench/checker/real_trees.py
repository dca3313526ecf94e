#!/usr/bin/env python3
"""shm-tidy on real trees: PostgreSQL 15, nginx and APR from Debian's source
packages, in whole-program mode.

For each tree: fetch it with `apt-get source` (adding a deb-src entry for
Debian's archive if there is none), configure it and record its compilation
database with bear, then time side by side, over the same files:

  - clang-19 -fsyntax-only, one process per file, -j N (the parse alone);
  - shm-tidy -p DIR --all-files -j N with an empty project index (both
    passes), and again with the index kept (one pass);

and print the ratios and the findings per check. Then the mutation test:
lock-guarded accesses are found by their library's lock calls
(LWLockAcquire/SpinLockAcquire, ngx_shmtx_lock, apr_*_mutex_lock followed
by `->` accesses before the matching release); each lock call in turn is
removed and the file checked again: the site counts as found when a new
shm-unguarded-access finding appears between the (removed) lock and its
release. Recall = found / sites.

    bench/checker/real_trees.py [--shm-tidy build/bin/shm-tidy] [--work DIR]
        [--trees postgresql,nginx,apr] [--subset PATH_PART] [-j 2]
        [--mutations 30]

--subset keeps only database entries whose file path contains PATH_PART
(e.g. src/backend/storage), for a first run on a busy machine. Needs root
for apt-get, plus bear and dpkg-dev (scripts/deps.sh).
"""

import argparse
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEB_SRC = Path("/etc/apt/sources.list.d/shmcheck-deb-src.sources")

TREES = {
    "postgresql": {
        "package": "postgresql-15",
        "configure": ["./configure", "CC=clang-19", "--without-readline",
                      "--without-zlib", "--without-icu", "--without-openssl"],
        # Generated headers first, then the server with bear.
        "prepare": [["make", "-C", "src/backend", "generated-headers"]],
        "build": ["make", "-k", "-C", "src/backend"],
        "lock": r"\b(LWLockAcquire|SpinLockAcquire)\s*\(\s*(?P<lock>[^,;]+?)\s*[,)]",
        "unlock": r"\b(LWLockRelease|SpinLockRelease)\s*\(\s*{lock}\s*\)",
    },
    "nginx": {
        "package": "nginx",
        "configure": ["./configure", "--with-cc=clang-19",
                      "--without-http_rewrite_module", "--without-http_gzip_module"],
        "prepare": [],
        "build": ["make", "-k"],
        "lock": r"\bngx_shmtx_lock\s*\(\s*(?P<lock>[^;]+?)\s*\)\s*;",
        "unlock": r"\bngx_shmtx_unlock\s*\(\s*{lock}\s*\)",
    },
    "apr": {
        "package": "apr",
        "configure": ["./configure", "CC=clang-19"],
        "prepare": [],
        "build": ["make", "-k"],
        "lock": r"\bapr_(?:proc|global)_mutex_lock\s*\(\s*(?P<lock>[^;]+?)\s*\)",
        "unlock": r"\bapr_(?:proc|global)_mutex_unlock\s*\(\s*{lock}\s*\)",
    },
}

SUMMARY = re.compile(r"shm-tidy: (\d+) files?, (\d+) findings?(?: \((.*?)\))?")


def sh(cmd, cwd=None, check=True, **kw):
    print("+", " ".join(map(str, cmd)), file=sys.stderr, flush=True)
    return subprocess.run(cmd, cwd=cwd, check=check, **kw)


def ensure_deb_src():
    has = subprocess.run("grep -rqs '^Types:.*deb-src\\|^deb-src' /etc/apt/sources.list /etc/apt/sources.list.d/",
                         shell=True).returncode == 0
    if has:
        return
    DEB_SRC.write_text("Types: deb-src\nURIs: http://deb.debian.org/debian\n"
                       "Suites: bookworm bookworm-updates\nComponents: main\n"
                       "Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg\n")
    sh(["apt-get", "update", "-qq", "-o", "DPkg::Lock::Timeout=900"])


def fetch(name, spec, work):
    tree_dir = work / name
    tree_dir.mkdir(parents=True, exist_ok=True)
    sources = [p for p in tree_dir.iterdir() if p.is_dir()]
    if not sources:
        ensure_deb_src()
        sh(["apt-get", "source", "-qq", spec["package"]], cwd=tree_dir)
        sources = [p for p in tree_dir.iterdir() if p.is_dir()]
    return sources[0]


def build_database(src, spec, jobs):
    db = src / "compile_commands.json"
    if db.exists() and db.stat().st_size > 2:
        return db
    if not (src / "Makefile").exists() and not (src / "objs" / "Makefile").exists():
        sh(spec["configure"], cwd=src, stdout=subprocess.DEVNULL)
    for step in spec["prepare"]:
        sh(step + [f"-j{jobs}"], cwd=src, stdout=subprocess.DEVNULL)
    # Each compile runs as clang-19 -fsyntax-only: bear records the real
    # command lines while nothing is compiled twice (links fail; -k goes on).
    sh(["bear", "--"] + spec["build"] + [f"-j{jobs}", "CC=clang-19 -fsyntax-only"],
       cwd=src, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return db


def subset_database(db, subset, out_dir):
    entries = json.loads(db.read_text())
    if subset:
        entries = [e for e in entries if subset in e["file"]]
    seen, unique = set(), []
    for e in entries:
        path = os.path.normpath(os.path.join(e["directory"], e["file"]))
        if path not in seen:
            seen.add(path)
            unique.append(e)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "compile_commands.json").write_text(json.dumps(unique, indent=1))
    return unique


def syntax_only_command(entry):
    args = entry.get("arguments") or shlex.split(entry["command"])
    out, skip = ["clang-19", "-fsyntax-only", "-w"], False
    for a in args[1:]:
        if skip:
            skip = False
            continue
        if a in ("-c",):
            continue
        if a == "-o":
            skip = True
            continue
        out.append(a)
    return out


def time_clang(entries, jobs):
    def one(e):
        return subprocess.run(syntax_only_command(e), cwd=e["directory"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode

    start = time.monotonic()
    with ThreadPoolExecutor(jobs) as pool:
        failures = sum(1 for rc in pool.map(one, entries) if rc != 0)
    return time.monotonic() - start, failures


def run_shm_tidy(shm_tidy, db_dir, jobs, extra=()):
    start = time.monotonic()
    result = subprocess.run([shm_tidy, "-p", str(db_dir), "--all-files", f"-j{jobs}", *extra],
                            capture_output=True, text=True)
    return time.monotonic() - start, result


def findings_by_check(stderr):
    match = SUMMARY.search(stderr)
    if not match:
        return {}
    return {k: int(v) for k, v in re.findall(r"([\w-]+): (\d+)", match[3] or "")}


def unguarded(stdout, path):
    name = str(path)
    return {int(m[1]) for m in re.finditer(rf"^{re.escape(name)}:(\d+):\d+: warning: .*\[shm-unguarded-access\]",
                                           stdout, re.MULTILINE)}


def mutation_sites(entries, spec, limit_per_file=3):
    lock_re = re.compile(spec["lock"])
    sites = []
    for e in entries:
        path = Path(os.path.normpath(os.path.join(e["directory"], e["file"])))
        try:
            lines = path.read_text(errors="replace").splitlines()
        except OSError:
            continue
        taken = 0
        for i, line in enumerate(lines):
            m = lock_re.search(line)
            if not m or taken >= limit_per_file:
                continue
            unlock_re = re.compile(spec["unlock"].format(lock=re.escape(m["lock"])))
            for j in range(i + 1, min(i + 40, len(lines))):
                if unlock_re.search(lines[j]):
                    if any("->" in l for l in lines[i + 1:j]):
                        sites.append((path, i + 1, j + 1))
                        taken += 1
                    break
    return sites


def mutate(shm_tidy, db_dir, site):
    path, lock_line, unlock_line = site
    original = path.read_text(errors="replace")
    lines = original.splitlines(keepends=True)

    def check():
        r = subprocess.run([shm_tidy, "-p", str(db_dir), "--quiet",
                            "--checks=-*,shm-unguarded-access", str(path)],
                           capture_output=True, text=True)
        return {l for l in unguarded(r.stdout, path) if lock_line < l < unlock_line}

    before = check()
    lines[lock_line - 1] = re.sub(r"\S.*", "/* lock removed */ ;", lines[lock_line - 1].rstrip("\n")) + "\n"
    try:
        path.write_text("".join(lines))
        after = check()
    finally:
        path.write_text(original)
    return bool(after - before)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shm-tidy", default=str(ROOT / "build/bin/shm-tidy"))
    parser.add_argument("--work", default=str(Path.home() / ".cache/shmcheck-real-trees"))
    parser.add_argument("--trees", default="postgresql,nginx,apr")
    parser.add_argument("--subset", default="")
    parser.add_argument("-j", type=int, default=2)
    parser.add_argument("--mutations", type=int, default=30)
    args = parser.parse_args()
    work = Path(args.work)
    rows, sites_found, sites_total = [], 0, 0
    for name in args.trees.split(","):
        spec = TREES[name]
        src = fetch(name, spec, work)
        db = build_database(src, spec, args.j)
        db_dir = work / f"{name}-db"
        entries = subset_database(db, args.subset if name == "postgresql" else "", db_dir)
        if not entries:
            print(f"{name}: empty compilation database", file=sys.stderr)
            continue
        clang_s, clang_fail = time_clang(entries, args.j)
        shutil.rmtree(db_dir / ".shm-tidy-index", ignore_errors=True)
        cold_s, cold = run_shm_tidy(args.shm_tidy, db_dir, args.j)
        warm_s, _ = run_shm_tidy(args.shm_tidy, db_dir, args.j)
        (db_dir / "findings.txt").write_text(cold.stdout)
        rows.append((name, len(entries), clang_s, cold_s, warm_s, findings_by_check(cold.stderr), clang_fail))
        sites = mutation_sites(entries, spec)[: args.mutations]
        found = sum(mutate(args.shm_tidy, db_dir, s) for s in sites)
        sites_found += found
        sites_total += len(sites)
        print(f"{name}: mutations {found}/{len(sites)}", file=sys.stderr)

    print(f"{'tree':12} {'files':>6} {'clang -fsyntax-only':>20} {'shm-tidy cold':>14} {'ratio':>6}"
          f" {'shm-tidy warm':>14} {'ratio':>6}  findings")
    for name, files, clang_s, cold_s, warm_s, by_check, fails in rows:
        print(f"{name:12} {files:6} {clang_s:19.1f}s {cold_s:13.1f}s {cold_s / clang_s:6.2f}"
              f" {warm_s:13.1f}s {warm_s / clang_s:6.2f}  {by_check or 'none'}"
              + (f" ({fails} files clang could not parse)" if fails else ""))
    if sites_total:
        print(f"mutation recall: {sites_found}/{sites_total} = {sites_found / sites_total:.0%} (goal >= 90%)")


if __name__ == "__main__":
    main()
