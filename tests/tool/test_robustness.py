"""shm-tidy on input that tries to break it (docs/reliability.md): code that
does not compile, missing headers, a huge generated file, a very long
function, macro-heavy code, and mutants of the fixtures. Every run ends with
diagnostics and exit status 0 or 1, or with status 2 and one line saying
what to do; never with a signal, a crash report, a stack dump or a worker
that "crashed"."""

import os
import shutil
import subprocess
import time
import unittest

import fixture_mutations
from harness import ToolTestCase, diagnostics, error_lines, run

CLANG = shutil.which("clang-19") or "/usr/lib/llvm-19/bin/clang"
RESOURCE_DIR = subprocess.run([CLANG, "-print-resource-dir"], capture_output=True,
                              text=True).stdout.strip()
# The fixtures' own flags (tests/checker/lit.cfg.py): GNU C, clang's headers.
FLAGS = ["--", f"-resource-dir={RESOURCE_DIR}"]
MUTANTS = int(os.environ.get("SHMTIDY_MUTANTS", "600"))
MUTANT_SEED = int(os.environ.get("SHMTIDY_MUTANT_SEED", "1"))

HEADERS = """\
#include <pthread.h>
#include <sys/ipc.h>
#include <sys/shm.h>

struct seg { pthread_mutex_t lock; long v[64]; };
"""


class Robustness(ToolTestCase):
    def assertSurvives(self, result, statuses=(0, 1, 2)):
        """Ended normally, with an allowed status and no crash noise."""
        self.assertGreaterEqual(result.returncode, 0, "ended by a signal")
        self.assertIn(result.returncode, statuses, result.stderr[-2000:])
        self.assertNoCrashNoise(result)
        crashed = [l for l in error_lines(result.stderr) if "crashed" in l]
        self.assertEqual(crashed, [])
        if result.returncode == 2:
            self.assertEqual(len([l for l in error_lines(result.stderr)
                                  if "could not be analysed" in l or "not found" in l
                                  or "no such file" in l.lower()]), 1, result.stderr[-2000:])

    def check_file(self, name, text, *extra):
        project = self.project({name: text})
        return run([*extra, str(project.path(name)), *FLAGS])

    def test_code_that_does_not_compile(self):
        broken = {
            "unbalanced.c": HEADERS + "void f(int id) { struct seg *s = shmat(id, 0, 0); {\n",
            "garbage.c": "\x01\x02 }}}{{{ #### ))) ;;; \"\n",
            "cpp_in_c.c": HEADERS + "template <class T> void f(T *s) { s->v[0]++; }\n",
            "wrong_arity.c": HEADERS + "void f(int id) { struct seg *s = shmat(id); "
                             "pthread_mutex_lock(); s->v[0] = 1; }\n",
            "unterminated.c": HEADERS + "void f(int id) { struct seg *s = shmat(id, 0, 0);\n"
                              "  /* never closed\n  s->v[0] = 1;\n",
            "dangling.c": HEADERS + "void f(int id) { char *p = shmat(id, 0, 0);\n"
                          "  if (p == (char *)-1 || q)\n}\n",
            "undeclared.c": HEADERS + "void f(void) { s->v[0] = 1; pthread_mutex_unlock(&s->lock); }\n",
        }
        for name, text in broken.items():
            with self.subTest(name):
                result = self.check_file(name, text)
                self.assertSurvives(result, statuses=(2,))
                self.assertIn("[clang-diagnostic-error]", result.stdout)
                self.assertFailsWithOneLine(result, "could not be analysed", name)

    def test_empty_and_trivial_files(self):
        for name, text in {"empty.c": "", "comment.c": "/* nothing */\n",
                           "lonely_hash.c": "#\n"}.items():
            with self.subTest(name):
                result = self.check_file(name, text)
                self.assertSurvives(result, statuses=(0,))
                self.assertEqual(diagnostics(result.stdout), [])

    def test_missing_headers(self):
        for include in ('"nowhere.h"', "<nowhere/shm.h>"):
            with self.subTest(include):
                result = self.check_file("missing.c", f"#include {include}\n" + HEADERS)
                self.assertSurvives(result, statuses=(2,))
                self.assertIn("file not found", result.stdout)
                self.assertFailsWithOneLine(result, "could not be analysed", "missing.c")

    def test_trivially_false_branches_in_an_attaching_function(self):
        # The CFG prunes edges that are never taken (null successors).
        text = HEADERS + """
int use(int id) {
  char *p = shmat(id, 0, 0);
  if (p == (char *)-1)
    return -1;
  if (0)
    p[0] = 1;
  while (1) {
    if (sizeof(int) == 4)
      break;
  }
  return p[1];
}
"""
        result = self.check_file("pruned.c", text)
        self.assertSurvives(result, statuses=(0,))

    def test_huge_generated_file(self):
        functions = 10000
        parts = [HEADERS]
        for i in range(functions):
            parts.append(f"""
void touch_{i}(int id) {{
  struct seg *s = shmat(id, 0, 0);
  if (s == (void *)-1)
    return;
  s->v[{i % 64}] = {i}; /* unguarded */
  pthread_mutex_lock(&s->lock);
  s->v[0]++;
  pthread_mutex_unlock(&s->lock);
  shmdt(s);
}}
""")
        text = "".join(parts)
        self.assertGreater(len(text), 2_000_000)
        started = time.monotonic()
        result = self.check_file("huge.c", text, "--checks=-*,shm-*")
        elapsed = time.monotonic() - started
        self.assertSurvives(result, statuses=(0,))
        found = [d for d in diagnostics(result.stdout) if d[3] == "shm-unguarded-access"]
        self.assertEqual(len(found), functions)
        self.assertLess(elapsed, 240, "a 2 MB file takes seconds, not minutes")

    def test_very_long_function(self):
        branches = 10000
        body = [HEADERS, "void long_one(int id, int x) {\n  struct seg *s = shmat(id, 0, 0);\n"
                         "  if (s == (void *)-1)\n    return;\n"]
        for i in range(branches):
            body.append(f"  if (x & {1 << (i % 30)}) {{\n    pthread_mutex_lock(&s->lock);\n"
                        f"    s->v[{i % 64}]++;\n    pthread_mutex_unlock(&s->lock);\n"
                        f"  }} else {{\n    s->v[{i % 64}] += 2;\n  }}\n")
        body.append("  shmdt(s);\n}\n")
        result = self.check_file("long.c", "".join(body), "--checks=-*,shm-*")
        self.assertSurvives(result, statuses=(0,))
        found = [d for d in diagnostics(result.stdout) if d[3] == "shm-unguarded-access"]
        self.assertEqual(len(found), branches, "one per unguarded else branch")

    def test_macro_heavy_file(self):
        fields = [f"f{i}" for i in range(40)]
        text = HEADERS.replace("long v[64];", "long v[64]; " +
                               " ".join(f"long {f};" for f in fields)) + f"""
#define FIELDS(X) {' '.join(f'X({f})' for f in fields)}
#define LOCKED(s, stmt) do {{ pthread_mutex_lock(&(s)->lock); stmt; \\
                           pthread_mutex_unlock(&(s)->lock); }} while (0)
#define BUMP(name) s->name++;
#define BUMP_LOCKED(name) LOCKED(s, s->name++);
#define CAT(a, b) a##b
#define FIELD(n) CAT(f, n)
#define TWICE(x) x x
#define DEEP1(x) TWICE(x)
#define DEEP2(x) DEEP1(DEEP1(x))
#define DEEP3(x) DEEP2(DEEP2(x))
#define ATTACH(type, id) ((type *)shmat((id), 0, 0))
#define APPLY(f, ...) f(__VA_ARGS__)

void unguarded(int id) {{
  struct seg *s = ATTACH(struct seg, id);
  if (s == (void *)-1)
    return;
  FIELDS(BUMP)
}}

void guarded(int id) {{
  struct seg *s = ATTACH(struct seg, id);
  if (s == (void *)-1)
    return;
  FIELDS(BUMP_LOCKED)
  LOCKED(s, DEEP3(s->FIELD(0) += 1;));
  APPLY(LOCKED, s, s->FIELD(1) = 2);
}}

void deep_unguarded(int id) {{
  struct seg *s = ATTACH(struct seg, id);
  if (s == (void *)-1)
    return;
  DEEP3(s->FIELD(2) += 1;)
}}
"""
        result = self.check_file("macros.c", text, "--checks=-*,shm-*")
        self.assertSurvives(result, statuses=(0,))
        found = diagnostics(result.stdout)
        lines = text.splitlines()
        unguarded_line = next(n for n, l in enumerate(lines, 1) if l.strip() == "FIELDS(BUMP)")
        deep_line = next(n for n, l in enumerate(lines, 1) if l.strip() == "DEEP3(s->FIELD(2) += 1;)")
        by_line = {}
        for _, line, _, check in found:
            by_line.setdefault((line, check), 0)
            by_line[(line, check)] += 1
        self.assertEqual(by_line.get((unguarded_line, "shm-unguarded-access"), 0), len(fields))
        self.assertGreaterEqual(by_line.get((deep_line, "shm-unguarded-access"), 0), 1)
        self.assertEqual(sum(count for (line, check), count in by_line.items()
                             if check == "shm-unguarded-access"
                             and line not in (unguarded_line, deep_line)), 0, found)

    def test_mutated_fixtures(self):
        files = dict(fixture_mutations.mutants(MUTANTS, MUTANT_SEED))
        project = self.project({})
        for name, text in files.items():
            project.path(name).write_text(text, encoding="utf-8", errors="surrogateescape")
        result = run(["-j", "2", *[str(project.path(name)) for name in sorted(files)], *FLAGS])
        crashed = [l for l in error_lines(result.stderr) if "crashed" in l]
        # Name the mutants that broke it, with their text, for reproduction.
        broken = [name for name in files if any(name in l for l in crashed)]
        self.assertEqual(broken, [], "\n\n".join(f"--- {n}\n{files[n]}" for n in broken[:3]))
        self.assertSurvives(result)


if __name__ == "__main__":
    unittest.main()
