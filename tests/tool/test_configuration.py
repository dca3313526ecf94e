"""Check selection as clang-tidy users expect it: `Checks` from .clang-tidy
files, --config and --checks apply on top of shm-tidy's default `shm-*`, the
way clang-tidy applies them on top of its own default; a run in which no
shm-* check is left says so and exits 2."""

import re
import unittest

from harness import INSECURE_SEGMENT, ToolTestCase, diagnostics, run

# A lock leak (shm-lock-imbalance) next to a world-writable segment
# (shm-insecure-permissions).
TWO_FINDINGS = """\
#include <pthread.h>
#include <sys/ipc.h>
#include <sys/shm.h>

int make_segment(void) {
  return shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0666); /* PERMISSIONS */
}

int leak(pthread_mutex_t *m, int fail) {
  pthread_mutex_lock(m);
  if (fail)
    return -1; /* IMBALANCE */
  pthread_mutex_unlock(m);
  return 0;
}
"""


def listed_checks(stdout):
    return re.findall(r"^    (\S+)$", stdout, re.MULTILINE)


def checks_reported(stdout):
    return sorted({d[3] for d in diagnostics(stdout)})


class ChecksOnTopOfTheDefault(ToolTestCase):
    def setUp(self):
        self.proj = self.project({"two.c": TWO_FINDINGS})
        self.source = str(self.proj.path("two.c"))
        self.p = ["-p", str(self.proj.build)]

    def write_config(self, text, where=".clang-tidy"):
        self.proj.path(where).write_text(text)

    def assertReports(self, result, checks):
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(checks_reported(result.stdout), checks, result.stdout)

    def test_without_configuration_every_shm_check_runs(self):
        self.assertReports(run([*self.p, self.source]),
                           ["shm-insecure-permissions", "shm-lock-imbalance"])

    def test_config_file_disables_one_check(self):
        self.write_config("Checks: '-shm-lock-imbalance'\n")
        self.assertReports(run([*self.p, self.source]),
                           ["shm-insecure-permissions"])
        checks = listed_checks(run(["--list-checks", self.source]).stdout)
        self.assertIn("shm-insecure-permissions", checks)
        self.assertNotIn("shm-lock-imbalance", checks)

    def test_config_file_disabling_one_check_keeps_the_summary(self):
        self.write_config("Checks: '-shm-lock-imbalance'\n")
        result = run([*self.p, "--all-files"])
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertRegex(result.stderr, r"shm-tidy: 1 file, 1 finding")

    def test_command_line_disables_one_check(self):
        self.assertReports(run([*self.p, "--checks=-shm-lock-imbalance",
                                self.source]),
                           ["shm-insecure-permissions"])

    def test_config_option_disables_one_check(self):
        self.assertReports(run([*self.p, "--config={Checks: '-shm-lock-imbalance'}",
                                self.source]),
                           ["shm-insecure-permissions"])

    def test_config_file_adds_clang_tidy_checks_to_the_default(self):
        self.write_config("Checks: 'bugprone-assignment-in-if-condition'\n")
        checks = listed_checks(run(["--list-checks", self.source]).stdout)
        self.assertIn("bugprone-assignment-in-if-condition", checks)
        self.assertIn("shm-lock-imbalance", checks)
        self.assertFalse(any(c.startswith("clang-analyzer") for c in checks))

    def test_command_line_applies_after_the_config_file(self):
        self.write_config("Checks: '-shm-*'\n")
        self.assertReports(run([*self.p, "--checks=shm-lock-imbalance",
                                self.source]),
                           ["shm-lock-imbalance"])

    def test_inherited_configuration_applies_in_order(self):
        self.proj.path("sub").mkdir()
        self.proj.path("sub/two.c").write_text(TWO_FINDINGS)
        self.write_config("Checks: '-shm-insecure-permissions'\n")
        self.write_config("InheritParentConfig: true\n"
                          "Checks: 'shm-insecure-permissions,-shm-lock-imbalance'\n",
                          "sub/.clang-tidy")
        top = run(["--quiet", self.source, "--", "-std=c11"])
        self.assertReports(top, ["shm-lock-imbalance"])
        sub = run(["--quiet", str(self.proj.path("sub/two.c")), "--",
                   "-std=c11"])
        self.assertReports(sub, ["shm-insecure-permissions"])


class NoShmCheckLeft(ToolTestCase):
    def setUp(self):
        self.proj = self.project({"finding.c": INSECURE_SEGMENT})
        self.source = str(self.proj.path("finding.c"))
        self.p = ["-p", str(self.proj.build)]

    def test_config_file_switching_everything_off(self):
        self.proj.path(".clang-tidy").write_text(
            "Checks: '-*,readability-braces-around-statements'\n")
        line = self.assertFailsWithOneLine(run([*self.p, self.source]),
                                           "no shm-* check is enabled")
        self.assertIn("readability-braces-around-statements", line)

    def test_command_line_switching_shm_checks_off(self):
        self.assertFailsWithOneLine(run([*self.p, "--checks=-shm-*",
                                         "--all-files"]),
                                    "no shm-* check is enabled")

    def test_compiler_style_run_fails_too(self):
        self.assertFailsWithOneLine(run(["--checks=-shm-*", self.source,
                                         "--", "-std=c11"]),
                                    "no shm-* check is enabled")


if __name__ == "__main__":
    unittest.main()
