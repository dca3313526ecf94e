"""shm-tidy keeps clang-tidy's command line and configuration: shm-* is the
default check set, configured Checks apply on top of it (test_configuration
covers those rules), and .clang-tidy files, --config, NOLINT comments, --fix, --list-checks and --dump-config
behave as in clang-tidy."""

import re
import unittest

from harness import INSECURE_SEGMENT, ToolTestCase, diagnostics, run

NOLINT_VARIANTS = """\
#include <sys/ipc.h>
#include <sys/shm.h>

int a(void) { return shmget(IPC_PRIVATE, 1, IPC_CREAT | 0666); } // NOLINT
int b(void) {
  // NOLINTNEXTLINE(shm-insecure-permissions)
  return shmget(IPC_PRIVATE, 1, IPC_CREAT | 0666);
}
// NOLINTBEGIN(shm-*)
int c(void) { return shmget(IPC_PRIVATE, 1, IPC_CREAT | 0666); }
// NOLINTEND(shm-*)
int d(void) { return shmget(IPC_PRIVATE, 1, IPC_CREAT | 0666); } /* FINDING */
"""

# readability-braces-around-statements has a fix-it; in a header that two
# translation units include, it must be applied once.
FIXABLE_HEADER = """\
static inline int sign(int x) {
  if (x < 0) return -1;
  return 1;
}
"""


def listed_checks(stdout):
    return re.findall(r"^    (\S+)$", stdout, re.MULTILINE)


class DefaultChecks(ToolTestCase):
    def setUp(self):
        self.proj = self.project({"finding.c": INSECURE_SEGMENT})
        self.source = str(self.proj.path("finding.c"))
        self.p = ["-p", str(self.proj.build)]

    def write_config(self, text):
        self.proj.path(".clang-tidy").write_text(text)

    def test_default_is_shm_checks_only(self):
        result = run(["--list-checks", self.source])
        checks = listed_checks(result.stdout)
        self.assertTrue(checks, result.stdout + result.stderr)
        self.assertTrue(all(c.startswith("shm-") for c in checks), checks)
        self.assertIn("shm-insecure-permissions", checks)

    def test_config_file_without_checks_keeps_the_default(self):
        self.write_config("WarningsAsErrors: 'shm-*'\n"
                          "CheckOptions:\n"
                          "  shm-insecure-permissions.AllowGroupWrite: true\n")
        checks = listed_checks(run(["--list-checks", self.source]).stdout)
        self.assertTrue(all(c.startswith("shm-") for c in checks), checks)
        result = run([*self.p, self.source])
        self.assertEqual(result.returncode, 1, result.stderr)
        self.assertIn("-warnings-as-errors]", result.stdout)

    def test_config_file_checks_can_replace_the_default(self):
        self.write_config("Checks: '-*,bugprone-assignment-in-if-condition'\n")
        checks = listed_checks(run(["--list-checks", self.source]).stdout)
        self.assertEqual(checks, ["bugprone-assignment-in-if-condition"])
        # ... but a run without any shm-* check is not a clean run.
        self.assertFailsWithOneLine(run([*self.p, self.source]),
                                    "no shm-* check is enabled")

    def test_command_line_checks_extend_the_config_file(self):
        self.write_config("Checks: '-*,bugprone-assignment-in-if-condition'\n")
        checks = listed_checks(run(["--list-checks", "--checks=shm-*",
                                    self.source]).stdout)
        self.assertIn("bugprone-assignment-in-if-condition", checks)
        self.assertIn("shm-insecure-permissions", checks)

    def test_config_option_without_checks_keeps_the_default(self):
        result = run([*self.p, "--config={WarningsAsErrors: 'shm-*'}",
                      self.source])
        self.assertEqual(result.returncode, 1, result.stderr)

    def test_dump_config_shows_shm_options(self):
        result = run(["--dump-config", self.source])
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertRegex(result.stdout, r"(?m)^\s+shm-[a-z-]+\.\w+:")

    def test_nolint_comments(self):
        self.proj.path("finding.c").write_text(NOLINT_VARIANTS)
        result = run([*self.p, self.source])
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(diagnostics(result.stdout),
                         [("finding.c", 12, "warning",
                           "shm-insecure-permissions")])


class Fixes(ToolTestCase):
    def test_fix_in_shared_header_applied_once(self):
        proj = self.project({
            "include/sign.h": FIXABLE_HEADER,
            "one.c": '#include "sign.h"\nint one(int v) { return sign(v); }\n',
            "two.c": '#include "sign.h"\nint two(int v) { return sign(v); }\n',
        })
        result = run(["-p", str(proj.build), "--all-files", "-j2", "--fix",
                      "--header-filter=.*",
                      "--checks=-*,readability-braces-around-statements,"
                      "shm-insecure-permissions"])
        self.assertEqual(result.returncode, 0, result.stderr)
        fixed = proj.path("include/sign.h").read_text()
        self.assertEqual(fixed.count("{"), 2, fixed)
        self.assertEqual(fixed.count("}"), 2, fixed)
        self.assertIn("applied", result.stderr)


if __name__ == "__main__":
    unittest.main()
