"""build/lib/ShmTidyPlugin.so loaded into Debian's clang-tidy-19 gives the
same diagnostics as shm-tidy."""

import unittest
from pathlib import Path

from harness import (CLANG_TIDY, INSECURE_SEGMENT, PLUGIN, SOURCE_DIR,
                     ToolTestCase, diagnostics, run)

BUILD_DIR = Path(PLUGIN).parent.parent


class PluginParity(ToolTestCase):
    def both(self, args):
        tidy = run([f"--load={PLUGIN}", "--checks=-*,shm-*", *args],
                   tool=CLANG_TIDY)
        # The plugin sees one file at a time: compare with that mode.
        ours = run(["--checks=-*,shm-*", "--whole-program=false", *args])
        return tidy, ours

    def assertSameDiagnostics(self, args):
        tidy, ours = self.both(args)
        self.assertNotIn("not found", tidy.stderr)
        self.assertEqual(tidy.returncode, ours.returncode,
                         tidy.stderr + ours.stderr)
        self.assertEqual(tidy.stdout, ours.stdout)
        return diagnostics(ours.stdout)

    def test_same_checks_listed(self):
        tidy, ours = self.both(["--list-checks"])
        self.assertEqual(tidy.returncode, 0, tidy.stderr)
        self.assertEqual(tidy.stdout, ours.stdout)
        self.assertIn("shm-unguarded-access", ours.stdout)

    def test_examples(self):
        found = {}
        for example in sorted((SOURCE_DIR / "examples").glob("*.c")):
            with self.subTest(example=example.name):
                found[example.name] = self.assertSameDiagnostics(
                    ["-p", str(BUILD_DIR), str(example)])
        # The seed race: the unguarded increment is reported.
        self.assertIn("shm-unguarded-access",
                      [d[3] for d in found["counter_race.c"]])

    def test_fixture_with_fix_its_and_promotion(self):
        proj = self.project({"finding.c": INSECURE_SEGMENT})
        found = self.assertSameDiagnostics(
            ["-p", str(proj.build), "--warnings-as-errors=shm-*",
             str(proj.path("finding.c"))])
        self.assertEqual(found, [("finding.c", 5, "error",
                                  "shm-insecure-permissions")])


if __name__ == "__main__":
    unittest.main()
