"""Whole-program mode: the project index is built from every file of the
compilation database, kept in the build directory, reused for files that did
not change (content, flags, included headers), and shared by --shard jobs."""

import json
import re
import unittest

from harness import ToolTestCase, diagnostics, run

HEADER = """\
struct seg { int ready; int count; };
extern struct seg *Seg;
struct seg *attach(int id);
"""

ATTACH = """\
#include <sys/shm.h>
#include "seg.h"

struct seg *Seg;

struct seg *attach(int id) {
  Seg = shmat(id, 0, 0);
  return Seg;
}
"""

USE = """\
#include "seg.h"

void bump(void) {
  Seg->count++; /* FINDING */
}
"""

OTHER = """\
int other(void) { return 0; }
"""


def index_line(stderr):
    match = re.search(r"project index: (\d+) files?, (\d+) summarised", stderr)
    return (int(match[1]), int(match[2])) if match else None


class WholeProgram(ToolTestCase):
    def setUp(self):
        self.proj = self.project({"include/seg.h": HEADER, "attach.c": ATTACH,
                                  "use.c": USE, "other.c": OTHER})
        self.p = ["-p", str(self.proj.build)]
        self.index = self.proj.build / ".shm-tidy-index"

    def findings(self, result):
        return [(d[0], d[1]) for d in diagnostics(result.stdout)
                if d[3] == "shm-unguarded-access"]

    def test_finds_the_access_through_a_global_of_another_file(self):
        result = run([*self.p, "--all-files"])
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(self.findings(result), [("use.c", 4)])
        self.assertEqual(index_line(result.stderr), (3, 3))
        merged = json.loads((self.index / "index.json").read_text())
        self.assertIn("Seg", merged["globals"])
        self.assertIn("attach", merged["functions"])

    def test_without_whole_program_mode_it_is_not_seen(self):
        result = run([*self.p, "--all-files", "--whole-program=false"])
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(self.findings(result), [])
        self.assertFalse(self.index.exists())

    def test_a_named_file_is_checked_with_the_whole_index(self):
        result = run([*self.p, str(self.proj.path("use.c"))])
        self.assertEqual(self.findings(result), [("use.c", 4)])

    def test_unchanged_files_are_not_summarised_again(self):
        self.assertEqual(index_line(run([*self.p, "--index-only"]).stderr), (3, 3))
        self.assertEqual(index_line(run([*self.p, "--index-only"]).stderr), (3, 0))
        # A changed file, and a changed header every file reads.
        self.proj.path("other.c").write_text(OTHER + "int more(void) { return 1; }\n")
        self.assertEqual(index_line(run([*self.p, "--index-only"]).stderr), (3, 1))
        self.proj.path("include/seg.h").write_text(HEADER + "int unused;\n")
        self.assertEqual(index_line(run([*self.p, "--index-only"]).stderr), (3, 2))

    def test_changed_flags_summarise_again(self):
        run([*self.p, "--index-only"])
        database = self.proj.build / "compile_commands.json"
        commands = json.loads(database.read_text())
        commands[0]["arguments"].insert(1, "-DEXTRA=1")
        database.write_text(json.dumps(commands))
        self.assertEqual(index_line(run([*self.p, "--index-only"]).stderr), (3, 1))

    def test_shards_share_one_index(self):
        built = run([*self.p, "--index-only"])
        self.assertEqual(built.returncode, 0, built.stderr)
        found = []
        for shard in ("1/3", "2/3", "3/3"):
            result = run([*self.p, "--all-files", "--shard", shard])
            self.assertEqual(result.returncode, 0, result.stderr)
            self.assertIsNone(index_line(result.stderr), "index reused")
            found += self.findings(result)
        self.assertEqual(found, [("use.c", 4)])

    def test_index_dir_option(self):
        elsewhere = self.proj.root / "shared-index"
        result = run([*self.p, "--all-files", f"--index-dir={elsewhere}"])
        self.assertEqual(self.findings(result), [("use.c", 4)])
        self.assertTrue((elsewhere / "index.json").exists())
        self.assertFalse(self.index.exists())

    def test_index_only_needs_a_database(self):
        self.assertFailsWithOneLine(
            run(["--index-only", str(self.proj.path("use.c")), "--", "-std=c11"]),
            "--index-only")

    def test_flags_after_dashes_keep_single_file_behaviour(self):
        result = run([str(self.proj.path("use.c")), "--",
                      f"-I{self.proj.root / 'include'}"])
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(self.findings(result), [])


if __name__ == "__main__":
    unittest.main()
