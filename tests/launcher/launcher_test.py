#!/usr/bin/env python3
"""End-to-end tests of the shmcheck launcher (build/bin/shmcheck).

Real programs (the examples and tests/launcher/programs) run as real
processes under the real runtime. Each test checks the launcher's exit
status, its summary, the --json and --sarif files, and that nothing is left
behind: no System V segment or semaphore, nothing in /dev/shm, nothing in
the TMPDIR the launcher was given (its private directory is removed).

When it can (root, or unprivileged user namespaces), the script re-runs
itself in private IPC and mount namespaces with its own /dev/shm, so that
leftovers are checked exactly and removed by the kernel whatever happens.
Otherwise it checks what carries this test's sessions, and segments that
appeared during the test and that nobody has attached.

Usage: launcher_test.py [LauncherTest.test_NAME ...]   (environment from ctest)
"""
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

LAUNCHER = os.environ.get("SHMCHECK_LAUNCHER", "")
RUNTIME = os.environ.get("SHMCHECK_RUNTIME", "")
EXAMPLES = os.environ.get("SHMCHECK_EXAMPLES", "")
PROGRAMS = os.environ.get("SHMCHECK_LAUNCHER_PROGRAMS", "")
SOURCE_DIR = os.path.realpath(os.environ.get("SHMCHECK_SOURCE_DIR", "."))
VERSION = os.environ.get("SHMCHECK_VERSION", "")
SARIF_SCHEMA = os.environ.get("SARIF_SCHEMA", "")
INSIDE = os.environ.get("SHMCHECK_LAUNCHER_TEST_INSIDE") == "1"

RACE_SOURCE = "examples/counter_race.c"
REPORT_START = "WARNING: shmcheck: data race"


def line_of(path, text):
    """Line number of the first line of SOURCE_DIR/path containing text."""
    with open(os.path.join(SOURCE_DIR, path)) as f:
        for number, line in enumerate(f, 1):
            if text in line:
                return number
    raise AssertionError(f"{path}: no line contains {text!r}")


def ipc_objects():
    """{(kind, id): nattch} of every System V segment ('m') and semaphore set ('s')."""
    found = {}
    for kind, path in (("m", "/proc/sysvipc/shm"), ("s", "/proc/sysvipc/sem")):
        try:
            with open(path) as f:
                header = next(f).split()
                for line in f:
                    fields = dict(zip(header, line.split()))
                    nattch = int(fields.get("nattch", "0")) if kind == "m" else 0
                    found[(kind, int(fields[header[1]]))] = nattch
        except (OSError, StopIteration):
            pass
    return found


class LauncherTest(unittest.TestCase):
    maxDiff = None

    def setUp(self):
        self.assertTrue(os.access(LAUNCHER, os.X_OK), "SHMCHECK_LAUNCHER is not set")
        self.work = tempfile.mkdtemp(prefix="shmcheck-launcher-test-")
        self.tmpdir = os.path.join(self.work, "tmp")
        os.mkdir(self.tmpdir)
        self.ipc_before = ipc_objects()
        self.sessions = []  # shared-state names this test's runs used
        self.addCleanup(self.check_and_remove_leftovers)

    # -- running ------------------------------------------------------------
    def env(self, **extra):
        env = dict(os.environ)
        for name in ("LD_PRELOAD", "SHMCHECK_OPTIONS"):
            env.pop(name, None)
        env["TMPDIR"] = self.tmpdir
        env.update(extra)
        return env

    def launch(self, *args, env=None, timeout=180):
        """Runs the launcher from the source directory; returns (status, out, err)."""
        proc = subprocess.Popen([LAUNCHER, *args], env=env or self.env(), cwd=SOURCE_DIR,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                start_new_session=True)
        self.sessions.append(f"-run-{proc.pid}-")
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            self.fail(f"the launcher timed out after {timeout} s")
        return proc.returncode, out, err

    def preloaded(self, *args, options=""):
        """Runs a program under LD_PRELOAD alone, in a session of its own."""
        session = f"lt-{os.getpid()}-{len(self.sessions)}"
        self.sessions.append(f"-{session}")
        opts = f"session={session}" + (":" + options if options else "")
        result = subprocess.run(list(args), env=self.env(LD_PRELOAD=RUNTIME, SHMCHECK_OPTIONS=opts),
                                cwd=SOURCE_DIR, capture_output=True, text=True, timeout=180)
        return result.returncode, result.stdout, result.stderr

    def file(self, name, text=""):
        path = os.path.join(self.work, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    def example(self, name):
        return os.path.join(EXAMPLES, name)

    def program(self, name):
        return os.path.join(PROGRAMS, name)

    # -- leftovers ----------------------------------------------------------
    def check_and_remove_leftovers(self):
        problems = []
        left_tmp = os.listdir(self.tmpdir)
        if left_tmp:
            problems.append(f"left in TMPDIR: {left_tmp}")
        now = ipc_objects()
        for (kind, ident), nattch in now.items():
            new = (kind, ident) not in self.ipc_before
            if INSIDE or (new and kind == "m" and nattch == 0):
                problems.append(f"IPC object left: -{kind} {ident}")
                subprocess.run(["ipcrm", f"-{kind}", str(ident)], capture_output=True)
        try:
            names = os.listdir("/dev/shm")
        except OSError:
            names = []
        for name in names:
            ours = INSIDE or any(s in name for s in self.sessions)
            if ours and name.startswith("shmcheck-"):
                problems.append(f"left in /dev/shm: {name}")
                try:
                    os.unlink(os.path.join("/dev/shm", name))
                except OSError:
                    pass
        shutil.rmtree(self.work, ignore_errors=True)
        if problems:
            raise AssertionError("; ".join(problems))

    # -- shared checks ------------------------------------------------------
    def assert_summary(self, err, processes, segments, races):
        what = "no data race" if races == 0 else \
            f"{races} data race" + ("" if races == 1 else "s")
        self.assertRegex(
            err, rf"(?m)^shmcheck: checked {processes} process(es)?, {segments} "
                 rf"segments?: {what}$")

    def assert_counter_race_summary(self, err):
        line = line_of(RACE_SOURCE, "the race: nothing orders")
        self.assert_summary(err, 2, 1, 1)
        self.assertIn(f"shmcheck:   1 race at {RACE_SOURCE}:{line} in increment_many\n", err)

    # -- the tests ----------------------------------------------------------
    def test_race_gives_66_summary_json_and_sarif(self):
        json_path = os.path.join(self.work, "races.json")
        sarif_path = os.path.join(self.work, "races.sarif")
        status, out, err = self.launch("--json", json_path, "--sarif", sarif_path, "--",
                                       self.example("counter_race"), "2000")
        self.assertEqual(status, 66, err)
        self.assertRegex(out, r"^expected 4000, actual \d+\n$")
        self.assertIn(REPORT_START, err)
        self.assert_counter_race_summary(err)
        line = line_of(RACE_SOURCE, "the race: nothing orders")

        tool = subprocess.run([sys.executable, "-m", "json.tool", json_path],
                              capture_output=True, text=True)
        self.assertEqual(tool.returncode, 0, tool.stderr)
        with open(json_path) as f:
            doc = json.load(f)
        self.assertEqual(doc["exit_status"], 66)
        self.assertEqual(doc["command"], [self.example("counter_race"), "2000"])
        self.assertEqual(len(doc["processes"]), 2)
        for p in doc["processes"]:
            self.assertEqual(os.path.basename(p["executable"]), "counter_race")
        self.assertEqual(len(doc["segments"]), 1)
        self.assertEqual(doc["segments"][0]["kind"], "sysv")
        self.assertEqual(doc["segments"][0]["size"], 8)
        self.assertEqual(len(doc["races"]), 1)
        race = doc["races"][0]
        self.assertEqual(race["segment"]["shmid"], doc["segments"][0]["shmid"])
        self.assertEqual(race["segment"]["key"], 0)
        self.assertEqual(race["offset"], 0)
        accesses = [race["current"], race["previous"]]
        self.assertNotEqual(accesses[0]["pid"], accesses[1]["pid"])
        self.assertIn("write", [a["access"] for a in accesses])
        pids = {p["pid"] for p in doc["processes"]}
        for a in accesses:
            self.assertTrue(a["known"])
            self.assertIn(a["access"], ("read", "write"))
            self.assertEqual(a["size"], 8)
            self.assertEqual(a["offset"], 0)
            self.assertIn(a["pid"], pids)
            self.assertIsInstance(a["thread"], int)
            self.assertEqual(a["locks"], [])
            top = a["stack"][0]
            self.assertEqual(top["function"], "increment_many")
            self.assertTrue(top["file"].endswith(RACE_SOURCE), top)
            self.assertEqual(top["line"], line)
            self.assertEqual(top["module"], "counter_race")
            self.assertEqual(a["stack"][1]["function"], "main")
        self.assertEqual(race["location"]["stack"][0]["function"], "main")
        self.assertEqual(race["summary"], f"{SOURCE_DIR}/{RACE_SOURCE}:{line} in increment_many")

        with open(sarif_path) as f:
            log = json.load(f)
        self.check_sarif_schema(log)
        self.assertEqual(log["version"], "2.1.0")
        self.assertIn("sarif-schema-2.1.0.json", log["$schema"])
        run = log["runs"][0]
        driver = run["tool"]["driver"]
        self.assertEqual(driver["name"], "shmcheck")
        self.assertEqual(driver["version"], VERSION)
        self.assertEqual([r["id"] for r in driver["rules"]], ["data-race"])
        for field in ("shortDescription", "fullDescription", "help"):
            self.assertTrue(driver["rules"][0][field]["text"])
        self.assertEqual(run["originalUriBaseIds"]["SRCROOT"]["uri"], f"file://{SOURCE_DIR}/")
        self.assertEqual(len(run["results"]), 1)
        result = run["results"][0]
        self.assertEqual(result["ruleId"], "data-race")
        self.assertEqual(result["ruleIndex"], 0)
        self.assertRegex(result["message"]["text"],
                         r"^data race: (read|write) of size 8 at segment shmid=\d+ key=0x0 "
                         r"offset 0x0 by pid \d+ thread \d+ \(locks: none\) is not ordered "
                         r"with a previous (read|write) of size 8 by pid \d+ thread \d+")
        physical = result["locations"][0]["physicalLocation"]
        self.assertEqual(physical["artifactLocation"],
                         {"uri": RACE_SOURCE, "uriBaseId": "SRCROOT"})
        self.assertEqual(physical["region"]["startLine"], line)
        previous = result["relatedLocations"][0]["physicalLocation"]
        self.assertEqual(previous["artifactLocation"]["uri"], RACE_SOURCE)
        self.assertEqual(previous["region"]["startLine"], line)
        self.assertEqual(len(result["stacks"]), 2)
        self.assertRegex(result["partialFingerprints"]["shmcheckRace/v1"], r"^[0-9a-f]{16}:1$")

    def check_sarif_schema(self, log):
        import jsonschema
        self.assertTrue(os.path.isfile(SARIF_SCHEMA),
                        "SARIF schema missing: run scripts/deps.sh")
        with open(SARIF_SCHEMA) as f:
            schema = json.load(f)
        validator = jsonschema.validators.validator_for(schema)(
            schema, format_checker=jsonschema.FormatChecker())
        self.assertEqual([f"{list(e.path)}: {e.message}" for e in validator.iter_errors(log)], [])

    def test_suppressions_file_silences_the_race(self):
        for text in ("# accepted for now\n\nrace:increment_many\n",
                     "race_top:^increment_many$\n",
                     f"race:*/{RACE_SOURCE}$\n"):
            with self.subTest(suppressions=text):
                supp = self.file("accepted.supp", text)
                json_path = os.path.join(self.work, "races.json")
                status, out, err = self.launch("--suppressions", supp, "--json", json_path,
                                               "--", self.example("counter_race"), "2000")
                self.assertEqual(status, 0, err)
                self.assertRegex(out, r"^expected 4000, actual \d+\n$")
                self.assertNotIn(REPORT_START, err)
                self.assert_summary(err, 2, 1, 0)
                self.assertRegex(err, r"(?m)^shmcheck: 1 race was suppressed$")
                with open(json_path) as f:
                    doc = json.load(f)
                self.assertEqual(doc["races"], [])
                self.assertEqual(doc["races_suppressed"], 1)

    def test_suppressions_from_shmcheck_options(self):
        supp = self.file("accepted.supp", "race:increment_many\n")
        status, _, err = self.launch(
            "--", self.example("counter_race"), "2000",
            env=self.env(SHMCHECK_OPTIONS=f"suppressions={supp}"))
        self.assertEqual(status, 0, err)
        self.assertNotIn(REPORT_START, err)
        # A file of the environment and one of the command line both apply.
        other = self.file("other.supp", "race:^nothing$\n")
        status, _, err = self.launch(
            "--suppressions", other, "--", self.example("counter_race"), "2000",
            env=self.env(SHMCHECK_OPTIONS=f"suppressions={supp}"))
        self.assertEqual(status, 0, err)

    def test_malformed_suppressions_are_a_usage_error(self):
        marker = os.path.join(self.work, "ran")
        supp = self.file("bad.supp", "race:fine\n# comment\nrace increment_many\n")
        status, out, err = self.launch("--suppressions", supp, "--", "touch", marker)
        self.assertEqual(status, 2)
        self.assertEqual(err, f"shmcheck: suppressions '{supp}' line 3: expected "
                              f"'race:PATTERN', got 'race increment_many'\n")
        bad_type = self.file("type.supp", "racy:increment_many\n")
        status, _, err = self.launch("--suppressions", bad_type, "--", "touch", marker)
        self.assertEqual(status, 2)
        self.assertEqual(err, f"shmcheck: suppressions '{bad_type}' line 1: unknown type "
                              f"'racy' (expected 'race' or 'race_top')\n")
        self.assertFalse(os.path.exists(marker), "the program must not run")

    def test_runtime_alone_honours_suppressions(self):
        supp = self.file("accepted.supp", "race:increment_many\n")
        status, _, err = self.preloaded(self.example("counter_race"), "2000",
                                        options=f"suppressions={supp}:verbosity=1")
        self.assertEqual(status, 0, err)
        self.assertNotIn(REPORT_START, err)
        self.assertRegex(err, r"(?m)^shmcheck: pid \d+ suppressed 1 race: "
                              r"race:increment_many \(1\)$")
        status, _, err = self.preloaded(self.example("counter_race"), "2000")
        self.assertEqual(status, 66, "and without the suppression, the race")
        self.assertIn(REPORT_START, err)

    def test_clean_program_keeps_output_and_status(self):
        plain = subprocess.run([self.example("counter_mutex"), "2000"], capture_output=True,
                               text=True, env=self.env(), timeout=180)
        self.assertEqual(plain.returncode, 0)
        status, out, err = self.launch("--", self.example("counter_mutex"), "2000")
        self.assertEqual(status, 0, err)
        self.assertEqual(out, plain.stdout)
        self.assertEqual(out, "expected 4000, actual 4000\n")
        self.assertNotIn(REPORT_START, err)
        self.assert_summary(err, 2, 1, 0)

    def test_program_status_passes_through(self):
        status, _, err = self.launch(
            "--", "sh", "-c", f'"{self.example("counter_mutex")}" 200 >/dev/null && exit 3')
        self.assertEqual(status, 3, err)
        self.assertRegex(err, r"(?m)^shmcheck: checked [2-9] processes, 1 segment: no data race$")

    def test_signal_death_is_128_plus_n(self):
        status, _, err = self.launch("--", "sh", "-c", "kill -TERM $$")
        self.assertEqual(status, 128 + signal.SIGTERM, err)
        self.assertIn("shmcheck: the program was killed by signal 15 (SIGTERM)\n", err)
        self.assert_summary(err, 1, 0, 0)

    def test_killed_processes_reports_are_collected(self):
        json_path = os.path.join(self.work, "races.json")
        status, _, err = self.launch("--json", json_path, "--", self.program("killed_racer"))
        self.assertEqual(status, 66, err)
        self.assertIn(REPORT_START, err)
        self.assertIn("shmcheck: the program was killed by signal 9 (SIGKILL)\n", err)
        self.assert_summary(err, 2, 1, 1)
        with open(json_path) as f:
            doc = json.load(f)
        self.assertEqual(doc["program_status"], 128 + signal.SIGKILL)
        self.assertEqual(doc["program_signal"], signal.SIGKILL)
        self.assertEqual([p["exited"] for p in doc["processes"]], [False, False])
        race = doc["races"][0]
        source = "tests/launcher/programs/killed_racer.c"
        self.assertEqual(race["current"]["stack"][0]["line"], line_of(source, "int seen = "))
        self.assertEqual(race["previous"]["stack"][0]["line"], line_of(source, "seg->value = 1"))
        # The shared state the two left behind is gone (checked in cleanup).

    def test_descendants_are_waited_for(self):
        # The program ends at once; its orphan races later and is still
        # waited for and reported.
        script = f'(sleep 1; exec "{self.example("counter_race")}" 500) & exit 0'
        status, out, err = self.launch("--", "sh", "-c", script)
        self.assertEqual(status, 66, err)
        self.assertRegex(out, r"expected 1000, actual \d+\n")
        self.assertRegex(err, rf"(?m)^shmcheck:   1 race at {RACE_SOURCE}:\d+ in increment_many$")

    def test_signals_reach_the_program(self):
        proc = subprocess.Popen([LAUNCHER, "--", "sleep", "120"], env=self.env(), cwd=self.work,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                start_new_session=True)
        self.sessions.append(f"-run-{proc.pid}-")
        try:
            children = f"/proc/{proc.pid}/task/{proc.pid}/children"
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                with open(children) as f:
                    if f.read().strip():
                        break
                time.sleep(0.05)
            time.sleep(0.2)  # past exec
            proc.send_signal(signal.SIGTERM)
            _, err = proc.communicate(timeout=60)
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.communicate()
        self.assertEqual(proc.returncode, 128 + signal.SIGTERM, err)
        self.assertIn("killed by signal 15 (SIGTERM)", err)

    def test_usage_errors_exit_2(self):
        marker = os.path.join(self.work, "ran")
        cases = [
            ([], {}, "shmcheck: no program to run (usage: shmcheck [options] -- PROGRAM "
                     "[ARGS...])\n"),
            (["--bogus", "--", "touch", marker], {},
             "shmcheck: unknown option '--bogus' (see 'shmcheck --help')\n"),
            (["--json"], {}, "shmcheck: option '--json' needs a file name\n"),
            (["--suppressions", "/nonexistent.supp", "--", "touch", marker], {},
             "shmcheck: cannot read suppressions '/nonexistent.supp': No such file or "
             "directory\n"),
            (["--json", "/nonexistent/dir/x.json", "--", "touch", marker], {},
             "shmcheck: cannot write '/nonexistent/dir/x.json': No such file or directory\n"),
            (["--", "touch", marker], {"SHMCHECK_OPTIONS": "exitcode=lots"},
             "shmcheck: bad option 'exitcode=lots' in SHMCHECK_OPTIONS: expected an "
             "integer\n"),
        ]
        for args, extra, expected in cases:
            with self.subTest(args=args, env=extra):
                status, out, err = self.launch(*args, env=self.env(**extra))
                self.assertEqual(status, 2)
                self.assertEqual(err, expected)
                self.assertEqual(out, "")
        self.assertFalse(os.path.exists(marker), "the program must not run")

    def test_missing_program_is_127(self):
        status, _, err = self.launch("--", "/nonexistent/program")
        self.assertEqual(status, 127)
        self.assertEqual(err, "shmcheck: cannot run '/nonexistent/program': No such file or "
                              "directory\n")
        status, _, err = self.launch("--", os.path.join(SOURCE_DIR, "CMakeLists.txt"))
        self.assertEqual(status, 126)
        self.assertIn("Permission denied", err)

    def test_hooks_in_the_program(self):
        # Options built into the program: its processes exit with 42.
        status, _, err = self.preloaded(self.program("hooked_race"), "2000")
        self.assertEqual(status, 42, err)
        self.assertIn(REPORT_START, err)
        # The launcher's own status stays 66 (SHMCHECK_OPTIONS sets it).
        status, _, err = self.launch("--", self.program("hooked_race"), "2000")
        self.assertEqual(status, 66, err)
        # Suppressions built into the program.
        status, out, err = self.launch("--", self.program("hooked_suppressed"), "2000")
        self.assertEqual(status, 0, err)
        self.assertRegex(out, r"^counted \d+ of 4000\n$")
        self.assertNotIn(REPORT_START, err)
        self.assertRegex(err, r"(?m)^shmcheck: 1 race was suppressed$")

    def test_help_and_version(self):
        status, out, err = self.launch("--help")
        self.assertEqual(status, 0, err)
        self.assertTrue(out.startswith("usage: shmcheck [options] [--] PROGRAM [ARGS...]\n"))
        for option in ("--json FILE", "--sarif FILE", "--suppressions FILE", "--version"):
            self.assertIn(option, out)
        status, out, _ = self.launch("--version")
        self.assertEqual((status, out), (0, f"shmcheck {VERSION}\n"))

    def test_environment_of_the_program(self):
        script = 'printf "%s\\n%s\\n" "$LD_PRELOAD" "$SHMCHECK_OPTIONS"'
        # A private session, records in the private directory; what the user
        # preloaded stays, after the runtime.
        status, out, err = self.launch("--", "sh", "-c", script,
                                       env=self.env(LD_PRELOAD="libm.so.6",
                                                    SHMCHECK_OPTIONS="verbosity=0"))
        self.assertEqual(status, 0, err)
        preload, options = out.splitlines()
        self.assertEqual(preload, os.path.realpath(RUNTIME) + ":libm.so.6")
        self.assertRegex(options, rf"^verbosity=0:session=run-\d+-[0-9a-f]{{8}}:"
                                  rf"report_json={re.escape(self.tmpdir)}/shmcheck-run-\w+/records$")
        # A session of the user's is kept.
        session = f"lt-own-{os.getpid()}"
        self.sessions.append(f"-{session}")
        status, out, err = self.launch("--", "sh", "-c", script,
                                       env=self.env(SHMCHECK_OPTIONS=f"session={session}"))
        self.assertEqual(status, 0, err)
        self.assertRegex(out.splitlines()[1],
                         rf"^session={session}:report_json=.*/records$")


def namespace_wrapper():
    """The unshare command that gives private IPC and mount namespaces, or None."""
    unshare = shutil.which("unshare")
    if unshare is None:
        return None
    for prefix in ([unshare], [unshare, "--user", "--map-root-user"]):
        cmd = prefix + ["--ipc", "--mount", "--fork"]
        try:
            if subprocess.run(cmd + ["true"], capture_output=True, timeout=10).returncode == 0:
                return cmd
        except (OSError, subprocess.TimeoutExpired):
            pass
    return None


def main():
    if not INSIDE:
        wrapper = namespace_wrapper()
        if wrapper is not None:
            script = ("mount --make-rprivate / 2>/dev/null; "
                      "mount -t tmpfs -o mode=1777 shmcheck-launcher-test /dev/shm && "
                      'exec "$0" "$@"')
            env = dict(os.environ, SHMCHECK_LAUNCHER_TEST_INSIDE="1")
            sys.exit(subprocess.run(wrapper + ["sh", "-c", script, sys.executable,
                                               os.path.abspath(__file__)] + sys.argv[1:],
                                    env=env).returncode)
    unittest.main(verbosity=2)


if __name__ == "__main__":
    main()
