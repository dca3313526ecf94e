#!/usr/bin/env python3
"""What LD_PRELOAD cannot reach, and that the launcher says so.

A statically linked program has no dynamic loader: nothing is preloaded.
A set-user-ID or set-group-ID program (to another user or group) and one
with file capabilities the user does not have run in the loader's secure
mode, which ignores LD_PRELOAD. All of them run unchecked, with their own results; the launcher
names the program and the reason before running it, and its summary says
that no process was checked. The same program linked dynamically is checked
(its race is found) and gets no warning.

Like the end-to-end driver, the script re-runs itself in private IPC and
mount namespaces when it can, and checks that nothing is left behind.

Usage: preload_limits_test.py [PreloadLimits.test_NAME ...]  (environment from ctest)
"""
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

LAUNCHER = os.environ.get("SHMCHECK_LAUNCHER", "")
RUNTIME = os.environ.get("SHMCHECK_RUNTIME", "")
BIN = os.environ.get("SHMCHECK_RELIABILITY_BIN", "")
SOURCE_DIR = os.environ.get("SHMCHECK_SOURCE_DIR", ".")
INSIDE = os.environ.get("SHMCHECK_PRELOAD_TEST_INSIDE") == "1"
REPORT_START = "WARNING: shmcheck: data race"
UNCHECKED = "shmcheck: no process was checked"

sys.path.insert(0, os.path.join(SOURCE_DIR, "tests", "e2e"))
from run_scenario import rerun_in_private_namespaces  # noqa: E402
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from other_user import NOBODY, as_nobody, reachable_copy  # noqa: E402


class PreloadLimits(unittest.TestCase):
    maxDiff = None

    def setUp(self):
        for path in (LAUNCHER, RUNTIME, BIN):
            self.assertTrue(os.path.exists(path), f"missing {path!r}: run from ctest")
        self.work = tempfile.mkdtemp(prefix="shmcheck-preload-")
        os.chmod(self.work, 0o755)
        self.addCleanup(self.check_leftovers)

    def check_leftovers(self):
        shutil.rmtree(self.work, ignore_errors=True)
        if not INSIDE:
            return
        problems = [f"left in /dev/shm: {n}" for n in os.listdir("/dev/shm")]
        for path in ("/proc/sysvipc/shm", "/proc/sysvipc/sem"):
            with open(path) as f:
                problems += [f"IPC object left: {line.split()[1]}" for line in list(f)[1:]]
        if problems:
            raise AssertionError("; ".join(problems))

    def env(self, **extra):
        env = dict(os.environ)
        for name in ("LD_PRELOAD", "SHMCHECK_OPTIONS"):
            env.pop(name, None)
        env.update(extra)
        return env

    def run_command(self, *command, env=None, user=None):
        return subprocess.run(list(command), env=env or self.env(), capture_output=True,
                              text=True, timeout=120, cwd=self.work,
                              preexec_fn=as_nobody if user == NOBODY else None)

    def copy_of(self, name):
        path = os.path.join(self.work, name)
        shutil.copy2(os.path.join(BIN, name), path)
        return path

    def launcher_for(self, user):
        """The launcher, runnable by `user`: for another user a copy (with the
        runtime beside it, where it looks for it), since the build directory
        may be closed to others."""
        if user != NOBODY:
            return LAUNCHER
        reachable_copy(RUNTIME, self.work, os.path.join("lib", "libshmcheck.so"))
        return reachable_copy(LAUNCHER, self.work, os.path.join("bin", "shmcheck"))

    def assert_named_and_unchecked(self, program, reason, shown=None, user=None):
        plain = self.run_command(program, "2000", user=user)
        result = self.run_command(self.launcher_for(user), "--", shown or program, "2000",
                                  user=user)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stdout, plain.stdout)
        self.assertNotIn(REPORT_START, result.stderr)
        warnings = [l for l in result.stderr.splitlines() if l.startswith("shmcheck: warning:")]
        self.assertEqual(warnings, [f"shmcheck: warning: '{shown or program}' {reason}; "
                                    "it runs unchecked"])
        self.assertIn(UNCHECKED, result.stderr)

    def need_root(self):
        if os.geteuid() != 0:
            self.skipTest("needs root to give the program away")

    def test_static_program_is_named_and_runs_unchecked(self):
        self.assert_named_and_unchecked(
            os.path.join(BIN, "static_counter"),
            "is statically linked: there is no dynamic loader to preload the runtime")

    def test_static_program_found_on_path(self):
        os.environ["PATH"] = BIN + os.pathsep + os.environ.get("PATH", "")
        try:
            self.assert_named_and_unchecked(
                os.path.join(BIN, "static_counter"),
                "is statically linked: there is no dynamic loader to preload the runtime",
                shown="static_counter")
        finally:
            os.environ["PATH"] = os.environ["PATH"].split(os.pathsep, 1)[1]

    def test_dynamic_program_is_checked_without_warning(self):
        result = self.run_command(LAUNCHER, "--", os.path.join(BIN, "dynamic_counter"), "2000")
        self.assertEqual(result.returncode, 66, result.stderr)
        self.assertIn(REPORT_START, result.stderr)
        self.assertNotIn("shmcheck: warning:", result.stderr)

    def test_preloading_a_static_program_changes_nothing(self):
        program = os.path.join(BIN, "static_counter")
        plain = self.run_command(program, "2000")
        preloaded = self.run_command(program, "2000", env=self.env(
            LD_PRELOAD=RUNTIME, SHMCHECK_OPTIONS=f"session=preload-{os.getpid()}"))
        self.assertEqual(preloaded.returncode, 0, preloaded.stderr)
        self.assertEqual(preloaded.stdout, plain.stdout)
        self.assertEqual(preloaded.stderr, "")

    def test_setuid_program_is_named_and_runs_unchecked(self):
        self.need_root()
        program = self.copy_of("dynamic_counter")
        os.chown(program, NOBODY, NOBODY)
        os.chmod(program, 0o4755)
        self.assert_named_and_unchecked(
            program, "is set-user-ID: the dynamic loader ignores LD_PRELOAD for it")

    def test_setgid_program_is_named_and_runs_unchecked(self):
        self.need_root()
        program = self.copy_of("dynamic_counter")
        os.chown(program, 0, NOBODY)
        os.chmod(program, 0o2755)
        self.assert_named_and_unchecked(
            program, "is set-group-ID: the dynamic loader ignores LD_PRELOAD for it")

    def test_program_with_file_capabilities_is_named_and_runs_unchecked(self):
        self.need_root()
        setcap = shutil.which("setcap") or "/usr/sbin/setcap"
        program = self.copy_of("dynamic_counter")
        if not os.path.exists(setcap) or subprocess.run(
                [setcap, "cap_net_bind_service+ep", program], capture_output=True).returncode:
            self.skipTest("setcap is not available here")
        # For another user it gains a capability: secure mode.
        self.assert_named_and_unchecked(
            program, "has file capabilities: the dynamic loader ignores LD_PRELOAD for it",
            user=NOBODY)
        # Root has it already: nothing changes, the program is checked.
        result = self.run_command(LAUNCHER, "--", program, "2000")
        self.assertEqual(result.returncode, 66, result.stderr)
        self.assertNotIn("shmcheck: warning:", result.stderr)


def main():
    # /dev/shm must be writable by nobody as well: the helper mounts it 1777.
    rerun_in_private_namespaces(__file__, "shmcheck-preload", "SHMCHECK_PRELOAD_TEST_INSIDE")
    unittest.main()


if __name__ == "__main__":
    main()
