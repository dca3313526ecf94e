#!/usr/bin/env python3
"""The runtime without room for its state (docs/reliability.md, "Limits").

With /dev/shm full (any user can fill it), a checked program runs exactly as
it runs natively (same output, same status), the runtime says in one line
why it is not checking, and it leaves no object behind. A report log that
cannot be written is reported once, and the reports go to stderr.

The tests re-run themselves in private IPC and mount namespaces and mount
small tmpfs of their own there (on /dev/shm, or for the log), which they
fill; they need root for that and are skipped otherwise.

Usage: room_test.py [RoomTest.test_NAME ...]   (environment from ctest)
"""
import os
import subprocess
import sys
import tempfile
import unittest

RUNTIME = os.environ.get("SHMCHECK_RUNTIME", "")
BIN = os.environ.get("SHMCHECK_RELIABILITY_BIN", "")
SOURCE_DIR = os.environ.get("SHMCHECK_SOURCE_DIR", ".")
INSIDE = os.environ.get("SHMCHECK_ROOM_TEST_INSIDE") == "1"
REPORT_START = "WARNING: shmcheck: data race"

sys.path.insert(0, os.path.join(SOURCE_DIR, "tests", "e2e"))
from run_scenario import rerun_in_private_namespaces  # noqa: E402


class RoomTest(unittest.TestCase):
    maxDiff = None

    def setUp(self):
        for path in (RUNTIME, BIN):
            self.assertTrue(os.path.exists(path), f"missing {path!r}: run from ctest")
        if not INSIDE:
            self.skipTest("needs private mount namespaces (root) to fill a /dev/shm of its own")

    def run_counter(self, preload, options=""):
        env = dict(os.environ)
        env.pop("LD_PRELOAD", None)
        env["SHMCHECK_E2E_KEY"] = hex(0x5e5d0000 | ((os.getpid() & 0xfff) << 4))
        env["SHMCHECK_E2E_TOKEN"] = f"room-{os.getpid()}"
        env["SHMCHECK_OPTIONS"] = f"session=room-{os.getpid()}" + options
        if preload:
            env["LD_PRELOAD"] = RUNTIME
        return subprocess.run([os.path.join(BIN, "dynamic_counter"), "2000"], env=env,
                              capture_output=True, text=True, timeout=120)

    def fill(self, path):
        with open(path, "wb", buffering=0) as f:
            try:
                while True:
                    f.write(b"\0" * 4096)
            except OSError:
                pass

    def test_unwritable_log_is_reported_once(self):
        full = tempfile.mkdtemp(prefix="shmcheck-room-")
        subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "room-log", full], check=True)
        try:
            self.fill(os.path.join(full, "filler"))
            checked = self.run_counter(preload=True, options=f":log_path={full}/log")
            self.assertEqual(checked.returncode, 66, checked.stderr)
            self.assertIn(REPORT_START, checked.stderr, "the report went to stderr instead")
            complaints = [l for l in checked.stderr.splitlines() if "log" in l and
                          l.startswith("shmcheck: cannot")]
            self.assertEqual(len(complaints), 1, checked.stderr)
            self.assertRegex(complaints[0], r"^shmcheck: cannot (write to|open) log '.*': "
                                            r"No space left on device")
        finally:
            subprocess.run(["umount", full], check=False)
            os.rmdir(full)

    def test_full_dev_shm_leaves_the_program_unchecked_and_native(self):
        subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m,mode=1777", "room-full",
                        "/dev/shm"], check=True)
        try:
            self.fill("/dev/shm/filler")
            plain = self.run_counter(preload=False)
            checked = self.run_counter(preload=True)
            self.assertEqual(checked.returncode, plain.returncode, checked.stderr)
            self.assertEqual(checked.stdout, plain.stdout)
            self.assertNotIn(REPORT_START, checked.stderr)
            lines = checked.stderr.splitlines()
            self.assertEqual(len(lines), 1, checked.stderr)
            self.assertRegex(lines[0], r"^shmcheck: /dev/shm has no room for the shared state "
                                       r"\(\d+ MiB\); running unchecked$")
            self.assertEqual(os.listdir("/dev/shm"), ["filler"], "the runtime left an object")
        finally:
            subprocess.run(["umount", "/dev/shm"], check=False)


def main():
    rerun_in_private_namespaces(__file__, "shmcheck-room", "SHMCHECK_ROOM_TEST_INSIDE")
    unittest.main()


if __name__ == "__main__":
    main()
