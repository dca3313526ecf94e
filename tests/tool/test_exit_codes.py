"""shm-tidy's exit statuses (docs/ci.md): 0 clean or findings only, 1 a
finding promoted by --warnings-as-errors, 2 nothing trustworthy was analysed
(usage error, missing compilation database, translation unit that does not
parse) with one line that says what to do, never a crash dump."""

import glob
import os
import tempfile
import unittest

from harness import (INSECURE_SEGMENT, PRIVATE_SEGMENT, ToolTestCase,
                     diagnostics, error_lines, run)


class ExitStatus(ToolTestCase):
    def setUp(self):
        self.proj = self.project({"clean.c": PRIVATE_SEGMENT,
                                  "finding.c": INSECURE_SEGMENT,
                                  "broken.c": "int broken( {\n"})
        self.p = ["-p", str(self.proj.build)]

    def test_clean_file_exits_0(self):
        result = run([*self.p, str(self.proj.path("clean.c"))])
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(diagnostics(result.stdout), [])
        # One file is a compiler-style run: no summary line.
        self.assertEqual(result.stderr, "")
        both = run([*self.p, str(self.proj.path("clean.c")),
                    str(self.proj.path("clean.c"))])
        self.assertRegex(both.stderr, r"^shm-tidy: 2 files, 0 findings, ")

    def test_findings_alone_exit_0(self):
        result = run([*self.p, str(self.proj.path("finding.c"))])
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(diagnostics(result.stdout),
                         [("finding.c", 5, "warning", "shm-insecure-permissions")])

    def test_promoted_finding_exits_1(self):
        result = run([*self.p, "--warnings-as-errors=shm-*",
                      str(self.proj.path("finding.c")),
                      str(self.proj.path("clean.c"))])
        self.assertEqual(result.returncode, 1, result.stderr)
        self.assertIn("[shm-insecure-permissions,-warnings-as-errors]",
                      result.stdout)
        self.assertIn("1 treated as error", result.stderr)

    def test_promotion_of_other_checks_leaves_0(self):
        result = run([*self.p, "--warnings-as-errors=bugprone-*",
                      str(self.proj.path("finding.c"))])
        self.assertEqual(result.returncode, 0, result.stderr)

    def test_file_that_does_not_parse_exits_2(self):
        result = run([*self.p, str(self.proj.path("broken.c")),
                      str(self.proj.path("finding.c"))])
        self.assertEqual(result.returncode, 2, result.stderr)
        self.assertIn("[clang-diagnostic-error]", result.stdout)
        # The other file is still analysed and reported.
        self.assertIn(("finding.c", 5, "warning", "shm-insecure-permissions"),
                      diagnostics(result.stdout))
        line = self.assertFailsWithOneLine(result, "could not be analysed",
                                           "broken.c")
        self.assertIn("compile errors", line)

    def test_parse_failure_wins_over_promotion(self):
        result = run([*self.p, "--warnings-as-errors=*",
                      str(self.proj.path("broken.c")),
                      str(self.proj.path("finding.c"))])
        self.assertEqual(result.returncode, 2)

    def test_unknown_option_exits_2(self):
        line = self.assertFailsWithOneLine(
            run(["--no-such-option", str(self.proj.path("clean.c"))]),
            "--no-such-option", "--help")
        self.assertNotIn("\n", line)

    def test_bad_option_value_exits_2(self):
        self.assertFailsWithOneLine(run(["-j", "many", "x.c"]), "--help")
        self.assertFailsWithOneLine(run(["--format=xml", "x.c"]), "--help")

    def test_bad_shard_exits_2(self):
        for shard in ("0/2", "3/2", "1/0", "two"):
            self.assertFailsWithOneLine(
                run([*self.p, "--all-files", "--shard", shard]), "--shard")

    def test_no_input_exits_2(self):
        self.assertFailsWithOneLine(run([]), "no input files", "--all-files")

    def test_missing_file_exits_2(self):
        self.assertFailsWithOneLine(
            run([*self.p, str(self.proj.path("nowhere.c"))]), "nowhere.c")

    def test_missing_compile_database_exits_2(self):
        with tempfile.TemporaryDirectory() as empty:
            for args in ([*("-p", empty), str(self.proj.path("clean.c"))],
                         ["-p", empty, "--all-files"]):
                self.assertFailsWithOneLine(
                    run(args, cwd=empty), "compile_commands.json",
                    "CMAKE_EXPORT_COMPILE_COMMANDS")
            source = os.path.join(empty, "lonely.c")
            with open(source, "w") as f:
                f.write(PRIVATE_SEGMENT)
            # No -p and no "--": looked for above the file, as clang-tidy does.
            self.assertFailsWithOneLine(run([source], cwd=empty),
                                        "compile_commands.json")
            # Flags after "--" stand in for a database.
            self.assertEqual(run([source, "--"], cwd=empty).returncode, 0)

    def test_all_files_conflicts_exit_2(self):
        self.assertFailsWithOneLine(
            run([*self.p, "--all-files", str(self.proj.path("clean.c"))]),
            "--all-files")
        self.assertFailsWithOneLine(
            run(["--all-files", "--", "-std=c11"], cwd=self.proj.root),
            "--all-files")

    def test_invalid_configuration_exits_2(self):
        line = self.assertFailsWithOneLine(
            run([*self.p, "--config={Chekcs: 'shm-*'}",
                 str(self.proj.path("clean.c"))]),
            "Chekcs")
        self.assertIn("--config", line)
        self.assertFailsWithOneLine(
            run([*self.p, "--config-file=/nonexistent/tidy.yaml",
                 str(self.proj.path("clean.c"))]), "config-file")

    def test_no_checks_enabled_exits_2(self):
        self.assertFailsWithOneLine(
            run([*self.p, "--checks=-*", str(self.proj.path("clean.c"))]),
            "no shm-* check is enabled", "--checks")
        self.assertFailsWithOneLine(run(["--list-checks", "--checks=-*"]),
                                    "no checks enabled")
        self.assertFailsWithOneLine(
            run(["--dump-config", "--config={Chekcs: 'shm-*'}"]), "Chekcs")

    def test_unwritable_output_exits_2(self):
        self.assertFailsWithOneLine(
            run([*self.p, "--format=sarif", "--output=/nonexistent/dir/x.sarif",
                 str(self.proj.path("clean.c"))]), "--output")

    def test_crash_is_one_line_and_a_log(self):
        # '#pragma clang __debug crash' makes Clang's parser crash on purpose:
        # a real crash of a real worker, reported without a stack dump.
        crash = self.proj.path("crash.c")
        crash.write_text("#pragma clang __debug crash\nint x;\n")
        before = set(glob.glob(os.path.join(tempfile.gettempdir(),
                                            "shm-tidy-crash-*")))
        result = run([str(crash), str(self.proj.path("finding.c")), "--",
                      "-std=c11"])
        after = set(glob.glob(os.path.join(tempfile.gettempdir(),
                                           "shm-tidy-crash-*")))
        for log in after - before:
            self.addCleanup(os.remove, log)
        self.assertEqual(result.returncode, 2, result.stderr)
        self.assertNoCrashNoise(result)
        crash_lines = [l for l in error_lines(result.stderr) if "crashed" in l]
        self.assertEqual(len(crash_lines), 1, result.stderr)
        logs = list(after - before)
        self.assertEqual(len(logs), 1)
        self.assertIn(logs[0], crash_lines[0])
        with open(logs[0]) as f:
            self.assertIn("Stack dump", f.read())
        # The other file was still analysed.
        self.assertIn(("finding.c", 5, "warning", "shm-insecure-permissions"),
                      diagnostics(result.stdout))

    def test_help_and_version_exit_0(self):
        help_result = run(["--help"])
        self.assertEqual(help_result.returncode, 0)
        for option in ("--all-files", "--shard", "--format", "--output",
                       "--checks", "--warnings-as-errors"):
            self.assertIn(option, help_result.stdout)
        version = run(["--version"])
        self.assertEqual(version.returncode, 0)
        self.assertIn("shm-tidy", version.stdout)


if __name__ == "__main__":
    unittest.main()
