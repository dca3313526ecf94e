"""Whole-project runs: shm-tidy -p BUILD --all-files -j N analyses every
translation unit of the compilation database in parallel, reports a header's
diagnostics once, ends with one summary line, and --shard K/N splits the
files between CI jobs."""

import os
import pty
import re
import subprocess
import unittest

from harness import (INSECURE_SEGMENT, PRIVATE_SEGMENT, SHARED_HEADER,
                     SHM_TIDY, ToolTestCase, diagnostics, run,
                     unit_including_header)

UNITS = 7


class WholeProject(ToolTestCase):
    def setUp(self):
        files = {"include/segment.h": SHARED_HEADER,
                 "src/own_finding.c": INSECURE_SEGMENT,
                 "src/clean.c": PRIVATE_SEGMENT}
        for i in range(UNITS):
            files[f"src/unit{i}.c"] = unit_including_header(f"unit{i}")
        self.proj = self.project(files)
        self.all_files = ["-p", str(self.proj.build), "--all-files",
                          "--header-filter=.*"]

    def test_every_unit_analysed_and_header_reported_once(self):
        result = run([*self.all_files, "-j2"])
        self.assertEqual(result.returncode, 0, result.stderr)
        found = diagnostics(result.stdout)
        self.assertEqual(found.count(
            ("segment.h", 5, "warning", "shm-insecure-permissions")), 1, found)
        self.assertIn(("own_finding.c", 5, "warning",
                       "shm-insecure-permissions"), found)
        self.assertEqual(len(found), 2, found)
        summary = result.stderr.strip().splitlines()[-1]
        self.assertRegex(
            summary,
            rf"^shm-tidy: {UNITS + 2} files, 2 findings "
            r"\(shm-insecure-permissions: 2\), [0-9.]+ s$")

    def test_output_does_not_depend_on_parallelism(self):
        serial = run([*self.all_files, "-j1"])
        parallel = run([*self.all_files, "-j", "3"])
        self.assertEqual(serial.returncode, 0, serial.stderr)
        self.assertEqual(serial.stdout, parallel.stdout)

    def test_shards_split_the_files(self):
        everything = diagnostics(run([*self.all_files, "-j2"]).stdout)
        seen_files = []
        for k in (1, 2, 3):
            result = run([*self.all_files, "--shard", f"{k}/3"])
            self.assertEqual(result.returncode, 0, result.stderr)
            match = re.search(r"shm-tidy: (\d+) files?,", result.stderr)
            seen_files.append(int(match.group(1)))
            own = [d for d in diagnostics(result.stdout) if d[0] != "segment.h"]
            for d in own:
                self.assertIn(d, everything)
        self.assertEqual(sum(seen_files), UNITS + 2)
        self.assertLessEqual(max(seen_files) - min(seen_files), 1)

    def test_shard_beyond_the_files_is_a_clean_run(self):
        result = run(["-p", str(self.proj.build),
                      str(self.proj.path("src/clean.c")), "--shard", "2/2"])
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("shm-tidy: 0 files, 0 findings", result.stderr)

    def test_text_report_to_a_file(self):
        report = self.proj.path("report.txt")
        result = run([*self.all_files, f"--output={report}"])
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stdout, "")
        self.assertEqual(len(diagnostics(report.read_text())), 2)

    def test_no_progress_line_in_logs(self):
        result = run([*self.all_files, "-j2"])
        self.assertNotIn("\r", result.stderr)
        self.assertNotIn("\x1b", result.stderr)

    def test_progress_on_a_terminal(self):
        # stderr on a pseudo-terminal, as in an interactive shell.
        main, secondary = pty.openpty()
        process = subprocess.Popen(
            [SHM_TIDY, *self.all_files, "-j2"], stdout=subprocess.DEVNULL,
            stderr=secondary, stdin=subprocess.DEVNULL)
        os.close(secondary)
        shown = b""
        while True:
            try:
                chunk = os.read(main, 4096)
            except OSError:
                break
            if not chunk:
                break
            shown += chunk
        os.close(main)
        self.assertEqual(process.wait(timeout=300), 0)
        text = shown.decode(errors="replace")
        self.assertIn(f"/{UNITS + 2}] ", text)
        self.assertIn("\r", text)
        self.assertIn(f"shm-tidy: {UNITS + 2} files", text)

    def test_export_fixes_merges_workers(self):
        exported = self.proj.path("fixes.yaml")
        result = run([*self.all_files, "-j2", f"--export-fixes={exported}"])
        self.assertEqual(result.returncode, 0, result.stderr)
        text = exported.read_text()
        self.assertEqual(text.count("DiagnosticName:"), 2, text)


if __name__ == "__main__":
    unittest.main()
