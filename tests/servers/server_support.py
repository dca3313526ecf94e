"""What the server tests share: the unprivileged user servers run as, a
scratch directory that user owns, the launcher's command line, and the
checks that nothing was left behind.

Each test re-runs itself in private IPC and mount namespaces (a fresh
/dev/shm) when it can, like the end-to-end scenarios, so that whatever a
failing server leaves is removed with the namespaces; it also removes its
own objects itself."""
import atexit
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "e2e"))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "reliability"))
import run_scenario  # noqa: E402
import other_user as reliability_other_user  # noqa: E402

LAUNCHER = os.environ.get("SHMCHECK_LAUNCHER", "")
RUNTIME = os.environ.get("SHMCHECK_RUNTIME", "")
# PostgreSQL refuses to run as root, and Apache's children drop to a user:
# the servers run as this system user, created when missing.
SERVER_USER = os.environ.get("SHMCHECK_SERVER_USER", "shmcheck-srv")


def enter_private_namespaces(script):
    run_scenario.rerun_in_private_namespaces(script, "shmcheck-servers",
                                             "SHMCHECK_SERVERS_INSIDE")


def fail(message):
    print(f"FAIL: {message}", flush=True)
    sys.exit(1)


def skip_unless(condition, message):
    if not condition:
        print(f"SKIP: {message}", flush=True)
        sys.exit(0)


def server_user():
    """The unprivileged user (uid, gid), created if missing. As root only:
    otherwise the servers run as the current user."""
    if os.getuid() != 0:
        return os.getuid(), os.getgid()
    try:
        entry = pwd.getpwnam(SERVER_USER)
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home",
                        "--shell", "/usr/sbin/nologin", SERVER_USER], check=True)
        entry = pwd.getpwnam(SERVER_USER)
    return entry.pw_uid, entry.pw_gid


class Scratch:
    """A temporary directory owned by the server user, removed at the end."""

    def __init__(self, prefix):
        self.uid, self.gid = server_user()
        self.path = tempfile.mkdtemp(prefix=prefix)
        os.chmod(self.path, 0o755)
        os.chown(self.path, self.uid, self.gid)

    def sub(self, name):
        path = os.path.join(self.path, name)
        os.makedirs(path, exist_ok=True)
        os.chown(path, self.uid, self.gid)
        return path

    def remove(self):
        shutil.rmtree(self.path, ignore_errors=True)


def as_user(scratch):
    """preexec_fn that drops to the server user (a no-op when not root)."""
    def drop():
        if os.getuid() == 0:
            os.setgroups([])
            os.setgid(scratch.gid)
            os.setuid(scratch.uid)
        os.setsid()
    return drop


def user_env(extra=None):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("LD_PRELOAD", "SHMCHECK_OPTIONS"))}
    env["HOME"] = "/nonexistent"
    env.update(extra or {})
    return env


_reachable = {}


def reachable_launcher():
    """The launcher, copied with the runtime beside it (bin/, lib/, as the
    launcher looks for it) into a directory the server user can enter: the
    build directory may sit in one only its owner can (a 0700 checkout)."""
    if "path" not in _reachable:
        work = tempfile.mkdtemp(prefix="shmcheck-servers-bin-")
        os.chmod(work, 0o755)
        atexit.register(shutil.rmtree, work, ignore_errors=True)
        runtime = RUNTIME or os.path.join(os.path.dirname(LAUNCHER), "..", "lib",
                                          "libshmcheck.so")
        _reachable["path"] = reliability_other_user.reachable_copy(LAUNCHER, work,
                                                                   "bin/shmcheck")
        reliability_other_user.reachable_copy(runtime, work, "lib/libshmcheck.so")
    return _reachable["path"]


def launcher_command(json_path):
    return [reachable_launcher(), "--json", json_path, "--"]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def session_members(sid):
    """Pids of the processes in session `sid` (the launcher may put the
    program in a process group of its own, but not in another session)."""
    members = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[3]) == sid:
            members.append(int(entry))
    return members


def stop_group(process, timeout=30):
    """Ends a server started with as_user (its own session) and everything
    left in that session: SIGTERM, then SIGKILL."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        members = session_members(process.pid)
        if not members:
            break
        for pid in members:
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and session_members(process.pid):
            if process.poll() is None:
                try:
                    process.wait(timeout=0.5)
                except subprocess.TimeoutExpired:
                    pass
            else:
                time.sleep(0.5)
    if process.poll() is None:
        process.wait(timeout=timeout)


def runtime_leftovers():
    return sorted(n for n in os.listdir("/dev/shm") if n.startswith("shmcheck"))


def ipc_of_user(uid):
    """System V objects owned by `uid` (ipcs -m -s -q as the kernel keeps them)."""
    found = []
    for kind, path in (("m", "/proc/sysvipc/shm"), ("s", "/proc/sysvipc/sem"),
                       ("q", "/proc/sysvipc/msg")):
        with open(path) as f:
            header = f.readline().split()
            for line in f:
                fields = dict(zip(header, line.split()))
                if int(fields.get("uid", -1)) == uid:
                    found.append((kind, int(fields["key"]), int(fields.get("shmid") or
                                  fields.get("semid") or fields.get("msqid"))))
    return found


def remove_ipc(objects):
    for kind, _key, ident in objects:
        subprocess.run(["ipcrm", f"-{kind}", str(ident)], capture_output=True)


def read_json(path):
    with open(path) as f:
        return json.load(f)


def wait_until(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.5)
    fail(f"timed out waiting for {what}")
