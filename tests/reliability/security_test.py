#!/usr/bin/env python3
"""The runtime's security promises, tried against real processes, a real
second user and real shared-memory objects (docs/reliability.md).

- The shared state and the shadows are regular files of the user, mode
  0600 whatever the umask, named after the user id.
- Another user cannot open them, and runs in an object of its own.
- An object or a symlink planted at the state's name by another user: the
  state moves to a private name (state_location.h) and the program is
  checked; nothing planted is followed, written or removed.
- A corrupt object or a symlink of our own at the state's name: one clear
  line, the program runs unchecked and computes what it computes without the
  runtime.
- A hostile process of the same user writing garbage into the live state:
  the checked program neither crashes nor computes anything else.

The second user is "nobody" (65534), reached with setuid in a forked child;
those tests need root and are skipped otherwise. Like the end-to-end driver,
the script re-runs itself in private IPC and mount namespaces with its own
/dev/shm when it can, and checks that nothing is left behind.

Usage: security_test.py [SecurityTest.test_NAME ...]   (environment from ctest)
"""
import hashlib
import os
import stat
import struct
import subprocess
import sys
import tempfile
import time
import unittest

RUNTIME = os.environ.get("SHMCHECK_RUNTIME", "")
BIN = os.environ.get("SHMCHECK_RELIABILITY_BIN", "")
E2E_BIN = os.environ.get("SHMCHECK_E2E_BIN", "")
SOURCE_DIR = os.environ.get("SHMCHECK_SOURCE_DIR", ".")
INSIDE = os.environ.get("SHMCHECK_SECURITY_TEST_INSIDE") == "1"
STATE_MAGIC = 0x3154534B43484D53  # "SHMCKST1", runtime/core/shared_layout.h
REPORT_START = "WARNING: shmcheck: data race"

sys.path.insert(0, os.path.join(SOURCE_DIR, "tests", "e2e"))
from run_scenario import rerun_in_private_namespaces  # noqa: E402
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from other_user import NOBODY, as_nobody, reachable_copy  # noqa: E402


def digest(path):
    """What must not change about a planted file: owner, mode, size, bytes."""
    st = os.lstat(path)
    data = b""
    if stat.S_ISREG(st.st_mode):
        with open(path, "rb") as f:
            data = f.read()
    return (st.st_uid, st.st_mode, st.st_size, hashlib.sha256(data).hexdigest())


class SecurityTest(unittest.TestCase):
    maxDiff = None

    def setUp(self):
        for path in (RUNTIME, BIN, E2E_BIN):
            self.assertTrue(os.path.exists(path), f"missing {path!r}: run from ctest")
        self.session = f"sec-{os.getpid()}-{self._testMethodName[5:30]}"
        self.key = 0x5e5c0000 | ((os.getpid() & 0xfff) << 4)
        self.uid = os.geteuid()
        self.work = tempfile.mkdtemp(prefix="shmcheck-security-")
        os.chmod(self.work, 0o755)
        self.addCleanup(self.check_and_remove_leftovers)

    # -- running ------------------------------------------------------------
    def env(self, options="", preload=True):
        env = dict(os.environ)
        env.pop("LD_PRELOAD", None)
        env["SHMCHECK_E2E_KEY"] = hex(self.key)
        env["SHMCHECK_E2E_TOKEN"] = self.session
        env["SHMCHECK_OPTIONS"] = f"session={self.session}" + (":" + options if options else "")
        # Where the runtime keeps its key for private state names.
        env["HOME"] = self.work
        env.pop("XDG_RUNTIME_DIR", None)
        if preload:
            env["LD_PRELOAD"] = RUNTIME
        return env

    def run_program(self, *command, preload=True, options="", user=None, timeout=120):
        env = self.env(options, preload)
        if user == NOBODY:
            # The build directory may be closed to other users.
            command = (reachable_copy(command[0], self.work),) + command[1:]
            if preload:
                env["LD_PRELOAD"] = reachable_copy(RUNTIME, self.work)
        return subprocess.run(list(command), env=env, capture_output=True,
                              text=True, errors="replace", timeout=timeout, cwd=self.work,
                              preexec_fn=as_nobody if user == NOBODY else None)

    def state_path(self, uid=None):
        return f"/dev/shm/shmcheck-{self.uid if uid is None else uid}-{self.session}"

    def session_objects(self, uid=None):
        prefix = os.path.basename(self.state_path(uid))
        return sorted(n for n in os.listdir("/dev/shm") if n == prefix or n.startswith(prefix + "@"))

    def start_holder(self, umask=None):
        """A checked process that keeps the session's state alive (with one
        attached segment, so a shadow exists) until its stdin closes."""
        def setup():
            if umask is not None:
                os.umask(umask)
        holder = subprocess.Popen([os.path.join(E2E_BIN, "key_writer"), "1"], env=self.env(),
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True, preexec_fn=setup)
        self.assertEqual(holder.stdout.readline(), "written\n")
        return holder

    def stop_holder(self, holder):
        out, err = holder.communicate(input="", timeout=60)
        self.assertEqual(holder.returncode, 0, err)
        # key_writer leaves its segment to the second writer; there is none.
        subprocess.run(["ipcrm", "-M", str(self.key)], capture_output=True)
        return err

    def counter(self, preload=True, user=None):
        return self.run_program(os.path.join(BIN, "dynamic_counter"), "2000", preload=preload,
                                user=user)

    def assert_runs_unchecked(self, fragment):
        """One line naming the state object, and the plain run's result."""
        plain = self.counter(preload=False)
        checked = self.counter()
        self.assertEqual(checked.returncode, 0, checked.stderr)
        self.assertEqual(checked.stdout, plain.stdout)
        self.assertNotIn(REPORT_START, checked.stderr)
        lines = checked.stderr.splitlines()
        self.assertEqual(len(lines), 1, checked.stderr)
        self.assertTrue(lines[0].startswith(f"shmcheck: "), lines[0])
        self.assertIn(f"'/{os.path.basename(self.state_path())}'", lines[0])
        self.assertIn(fragment, lines[0])

    def plant_as_nobody(self, action):
        """Runs action() in a child that became nobody; fails on its failure."""
        pid = os.fork()
        if pid == 0:
            status = 1
            try:
                as_nobody()
                action()
                status = 0
            except BaseException as error:  # reported through the status
                sys.stderr.write(f"as nobody: {error!r}\n")
            os._exit(status)
        _, status = os.waitpid(pid, 0)
        self.assertEqual(status, 0, "the action as nobody failed")

    def need_root(self):
        if os.geteuid() != 0:
            self.skipTest("needs root to act as another user")

    # -- leftovers ------------------------------------------------------------
    def check_and_remove_leftovers(self):
        problems = []
        for kind, path in (("m", "/proc/sysvipc/shm"), ("s", "/proc/sysvipc/sem")):
            with open(path) as f:
                next(f)
                for line in f:
                    fields = line.split()
                    key, ident = int(fields[0]), int(fields[1])
                    if INSIDE or (key & ~0xf) == self.key:
                        problems.append(f"IPC object left: -{kind} {ident}")
                        subprocess.run(["ipcrm", f"-{kind}", str(ident)], capture_output=True)
        for name in os.listdir("/dev/shm"):
            if INSIDE or self.session in name:
                problems.append(f"left in /dev/shm: {name}")
                path = os.path.join("/dev/shm", name)
                if os.path.isdir(path) and not os.path.islink(path):
                    os.rmdir(path)
                else:
                    os.unlink(path)
        subprocess.run(["rm", "-rf", self.work])
        if problems:
            raise AssertionError("; ".join(problems))

    def remove(self, path):
        if os.path.isdir(path) and not os.path.islink(path):
            os.rmdir(path)
        elif os.path.lexists(path):
            os.unlink(path)

    # -- the promises -----------------------------------------------------------
    def test_state_objects_are_private_and_named_by_the_uid(self):
        holder = self.start_holder(umask=0)
        try:
            names = self.session_objects()
            self.assertGreaterEqual(len(names), 2, "the state and one shadow")
            self.assertEqual(names[0], f"shmcheck-{self.uid}-{self.session}")
            for name in names:
                st = os.lstat(os.path.join("/dev/shm", name))
                self.assertTrue(stat.S_ISREG(st.st_mode), name)
                self.assertEqual(st.st_uid, self.uid, name)
                self.assertEqual(stat.S_IMODE(st.st_mode), 0o600, f"{name} with umask 0")
        finally:
            self.stop_holder(holder)
        self.assertEqual(self.session_objects(), [], "the last process removes them")

    def test_another_user_can_neither_open_nor_join_our_state(self):
        self.need_root()
        holder = self.start_holder()
        try:
            objects = [os.path.join("/dev/shm", n) for n in self.session_objects()]
            before = {path: digest(path) for path in objects}

            def try_to_open():
                for path in objects:
                    for flags in (os.O_RDONLY, os.O_RDWR):
                        try:
                            os.close(os.open(path, flags))
                        except PermissionError:
                            continue
                        raise AssertionError(f"nobody opened {path}")
            self.plant_as_nobody(try_to_open)

            # The same session name, run by nobody: an object of its own,
            # and its race is found there.
            theirs = self.counter(user=NOBODY)
            self.assertEqual(theirs.returncode, 66, theirs.stderr)
            self.assertIn(REPORT_START, theirs.stderr)
            self.assertNotIn("shared state", theirs.stderr)
            self.assertEqual(self.session_objects(NOBODY), [], "nobody's run removed its own")
            for path in objects:
                self.assertEqual(digest(path)[:2], before[path][:2], path)
        finally:
            self.stop_holder(holder)

    def assert_runs_checked_under_a_private_name(self):
        """The race is found in a state of a name nobody else could predict,
        said in one line; nothing of the session is left afterwards but what
        was planted."""
        checked = self.counter()
        self.assertEqual(checked.returncode, 66, checked.stderr)
        self.assertIn(REPORT_START, checked.stderr)
        plain = os.path.basename(self.state_path())
        self.assertIn(f"shmcheck: '/{plain}' in /dev/shm belongs to another user; checking "
                      "under a private name instead", checked.stderr)
        self.assertEqual(self.session_objects(), [plain])
        self.assertEqual([n for n in os.listdir("/dev/shm") if n.startswith(plain + "~")], [])
        key = os.lstat(os.path.join(self.work, ".shmcheck-state-key"))
        self.assertEqual((key.st_uid, stat.S_IMODE(key.st_mode)), (self.uid, 0o600))

    def test_state_planted_by_another_user_moves_to_a_private_name(self):
        self.need_root()
        state = self.state_path()
        for mode in (0o666, 0o600):
            def plant():
                fd = os.open(state, os.O_RDWR | os.O_CREAT | os.O_EXCL, mode)
                os.fchmod(fd, mode)
                os.write(fd, b"SHMCKST1" + os.urandom(4088))
                os.close(fd)
            self.plant_as_nobody(plant)
            planted = digest(state)
            self.assertEqual(planted[0], NOBODY)
            self.assert_runs_checked_under_a_private_name()
            self.assertEqual(digest(state), planted, "the planted object was touched")
            self.remove(state)

    def test_unrelated_processes_meet_under_the_private_name(self):
        # Two writers started separately, not related by fork: both compute
        # the same private name, so the race between them is found.
        self.need_root()
        state = self.state_path()
        self.plant_as_nobody(lambda: os.close(os.open(state, os.O_RDWR | os.O_CREAT, 0o666)))
        self.addCleanup(self.remove, state)
        holder = self.start_holder()
        try:
            second = subprocess.run([os.path.join(E2E_BIN, "key_writer"), "2"],
                                    env=self.env(), input="", capture_output=True, text=True,
                                    errors="replace", timeout=120)
        finally:
            _, err = holder.communicate(input="", timeout=60)
            subprocess.run(["ipcrm", "-M", str(self.key)], capture_output=True)
        # The writer that reports the race ends with the runtime's status.
        self.assertIn(66, (second.returncode, holder.returncode), second.stderr + err)
        self.assertTrue({second.returncode, holder.returncode} <= {0, 66}, second.stderr + err)
        self.assertIn(REPORT_START, second.stderr + err)
        self.assertIn("checking under a private name instead", err)
        self.assertNotIn("private name", second.stderr)

    def test_symlink_planted_at_the_state_path_is_not_followed(self):
        self.need_root()
        precious = os.path.join(self.work, "precious")
        with open(precious, "w") as f:
            f.write("must stay as it is\n")
        os.chmod(precious, 0o644)
        never = os.path.join(self.work, "never-created")
        state = self.state_path()
        for target in (precious, never):
            self.plant_as_nobody(lambda: os.symlink(target, state))
            before = digest(precious)
            self.assert_runs_checked_under_a_private_name()
            self.assertEqual(digest(precious), before)
            self.assertFalse(os.path.lexists(never), "created through the link")
            self.assertTrue(os.path.islink(state))
            self.remove(state)

    def test_symlink_of_our_own_at_the_state_path_is_not_followed(self):
        # Not planted by anyone else: the state refuses it and runs unchecked.
        precious = os.path.join(self.work, "precious")
        with open(precious, "w") as f:
            f.write("must stay as it is\n")
        state = self.state_path()
        os.symlink(precious, state)
        before = digest(precious)
        self.assert_runs_unchecked("shared state")
        self.assertEqual(digest(precious), before)
        self.remove(state)

    def test_corrupt_or_strange_state_objects_run_unchecked(self):
        state = self.state_path()
        holder = self.start_holder()
        size = os.stat(state).st_size
        self.stop_holder(holder)

        def regular(content, mode=0o600):
            def make():
                fd = os.open(state, os.O_RDWR | os.O_CREAT | os.O_EXCL, mode)
                os.fchmod(fd, mode)
                os.write(fd, content)
                os.close(fd)
            return make
        cases = [
            ("random bytes of the right size", regular(os.urandom(size)),
             "is corrupt or from another version"),
            ("our magic, another layout version",
             regular(struct.pack("<QIIQII", STATE_MAGIC, 999, 1, size, 1, self.uid) +
                     bytes(size - 32)), "is corrupt or from another version"),
            ("our magic, another owner inside", regular(struct.pack(
                "<QIIQII", STATE_MAGIC, 2, 1, size, 1, self.uid + 1) + bytes(size - 32)),
             "is corrupt or from another version"),
            ("too small", regular(os.urandom(4096)), "has the wrong size"),
            ("readable by others", regular(os.urandom(size), 0o644),
             "is not a private object of this user"),
            ("a directory", lambda: os.mkdir(state, 0o700), "shared state"),
            ("a FIFO", lambda: os.mkfifo(state, 0o600), "is not a private object of this user"),
        ]
        for what, make, fragment in cases:
            with self.subTest(what):
                make()
                before = digest(state)
                self.assert_runs_unchecked(fragment)
                self.assertEqual(digest(state), before, f"{what}: touched")
                self.remove(state)

    def test_half_created_state_of_a_dead_creator_is_replaced(self):
        # Our own object, never finished by a creator that is gone: junk
        # that the next process removes and replaces; it runs checked.
        state = self.state_path()
        holder = self.start_holder()
        size = os.stat(state).st_size
        self.stop_holder(holder)
        fd = os.open(state, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
        os.write(fd, struct.pack("<QIIQII", STATE_MAGIC, 2, 0, size, 0, self.uid))
        os.ftruncate(fd, size)
        os.close(fd)
        checked = self.counter()
        self.assertEqual(checked.returncode, 66, checked.stderr)
        self.assertIn(REPORT_START, checked.stderr)
        self.assertFalse(os.path.lexists(state), "removed by the last process")

    def test_hostile_writes_into_the_live_state_never_crash_the_program(self):
        scribbler = subprocess.Popen([os.path.join(BIN, "state_scribbler"), "4", "7"],
                                     env=self.env(preload=False), stderr=subprocess.PIPE,
                                     text=True)
        try:
            # exitcode=0: reports made from garbage must not change statuses,
            # so that the program's own result is what is compared.
            result = self.run_program(os.path.join(BIN, "load_counter"), "guarded", "4", "2",
                                      "20000", options="exitcode=0")
        finally:
            _, scribbled = scribbler.communicate(timeout=60)
        self.assertEqual(scribbler.returncode, 0, scribbled)
        self.assertRegex(scribbled, r"state_scribbler: [1-9][0-9]* writes")
        self.assertEqual(result.returncode, 0, result.stderr[-3000:])
        self.assertEqual(result.stdout, "guarded: count 160000 of 160000, 0 failures\n")
        for noise in ("Segmentation fault", "Bus error", "Aborted"):
            self.assertNotIn(noise, result.stderr)
        # Garbage in the process table can leave the state behind; it is
        # this test's, not a leftover of the runtime.
        for name in self.session_objects():
            os.unlink(os.path.join("/dev/shm", name))


def main():
    # /dev/shm must be writable by nobody as well: the helper mounts it 1777.
    rerun_in_private_namespaces(__file__, "shmcheck-security", "SHMCHECK_SECURITY_TEST_INSIDE")
    unittest.main()


if __name__ == "__main__":
    main()
