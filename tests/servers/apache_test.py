#!/usr/bin/env python3
"""Apache 2.4 (Debian's apache2, prefork MPM) under the shmcheck launcher.

The server runs as the unprivileged server user with its own minimal
configuration in a scratch directory, listening on a loopback port.

  apache_test.py requests   ab -n N -c 4: every request answered; mod_status
                            served (its scoreboard is shared memory)
  apache_test.py status-cpu mod_status's CPU fields (?auto: CPUUser,
                            CPUSystem, CPULoad...) have the same shape under
                            the runtime as natively and are not all zero

Environment: SHMCHECK_LAUNCHER (from ctest), SHMCHECK_AB_REQUESTS (default
400)."""
import os
import signal
import subprocess
import sys
import time
import urllib.request

sys.path.insert(0, os.path.dirname(__file__))
import server_support as s  # noqa: E402

APACHE = os.environ.get("APACHE_BINARY", "/usr/sbin/apache2")
MODULES = "/usr/lib/apache2/modules"
REQUESTS = int(os.environ.get("SHMCHECK_AB_REQUESTS", "400"))


def write_config(scratch, port):
    root = scratch.path
    htdocs = scratch.sub("htdocs")
    with open(os.path.join(htdocs, "index.html"), "w") as f:
        f.write("<html><body>" + "shmcheck " * 200 + "</body></html>\n")
    conf = os.path.join(root, "httpd.conf")
    with open(conf, "w") as f:
        f.write(f"""ServerRoot {root}
ServerName localhost
Listen 127.0.0.1:{port}
LoadModule mpm_prefork_module {MODULES}/mod_mpm_prefork.so
LoadModule authz_core_module {MODULES}/mod_authz_core.so
LoadModule mime_module {MODULES}/mod_mime.so
LoadModule dir_module {MODULES}/mod_dir.so
LoadModule status_module {MODULES}/mod_status.so
PidFile {root}/httpd.pid
ErrorLog {root}/error.log
LogLevel warn
Mutex file:{root} default
DefaultRuntimeDir {root}
TypesConfig /etc/mime.types
DocumentRoot {htdocs}
DirectoryIndex index.html
ExtendedStatus On
StartServers 2
MinSpareServers 2
MaxSpareServers 4
MaxRequestWorkers 8
MaxConnectionsPerChild 0
<Directory {htdocs}>
  Require all granted
</Directory>
<Location /server-status>
  SetHandler server-status
  Require all granted
</Location>
""")
    return conf


def fetch(port, path):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=60) as r:
        return r.status, r.read().decode()


def status_fields(text):
    fields = {}
    for line in text.splitlines():
        if ":" in line:
            key, value = line.split(":", 1)
            fields[key.strip()] = value.strip()
    return fields


class Server:
    """apache2 in the foreground, under the launcher or natively."""

    def __init__(self, scratch, checked):
        self.scratch = scratch
        self.port = s.free_port()
        self.conf = write_config(scratch, self.port)
        self.json = os.path.join(scratch.sub("out"), "run.json")
        cmd = [APACHE, "-f", self.conf, "-DFOREGROUND"]
        if checked:
            cmd = s.launcher_command(self.json) + cmd
        self.log = open(os.path.join(scratch.path, "launcher.log"), "w")
        self.process = subprocess.Popen(cmd, preexec_fn=s.as_user(scratch), env=s.user_env(),
                                        stdout=self.log, stderr=subprocess.STDOUT,
                                        cwd=scratch.path)

        def ready():
            if self.process.poll() is not None:
                return True
            try:
                return fetch(self.port, "/index.html")[0] == 200
            except OSError:
                return False
        s.wait_until(ready, 120, "Apache to answer")
        if self.process.poll() is not None:
            s.fail(f"apache2 ended at start (status {self.process.returncode}):\n"
                   + self.errors())

    def errors(self):
        text = ""
        for name in ("launcher.log", "error.log"):
            path = os.path.join(self.scratch.path, name)
            if os.path.exists(path):
                text += open(path).read()
        return text

    def ab(self, requests):
        out = subprocess.run(["ab", "-q", "-n", str(requests), "-c", "4",
                              f"http://127.0.0.1:{self.port}/index.html"],
                             capture_output=True, text=True, timeout=600)
        if out.returncode != 0:
            s.fail(f"ab exited {out.returncode}:\n{out.stdout}{out.stderr}")
        return out.stdout

    def stop(self):
        # Apache stops on SIGTERM to its parent; the launcher passes it on.
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=120)
        finally:
            s.stop_group(self.process)


def check_requests(scratch):
    server = Server(scratch, checked=True)
    try:
        started = time.monotonic()
        out = server.ab(REQUESTS)
        took = time.monotonic() - started
        complete = [l for l in out.splitlines() if l.startswith("Complete requests:")]
        failed = [l for l in out.splitlines() if l.startswith("Failed requests:")]
        if complete != [f"Complete requests:      {REQUESTS}"] or \
                failed != ["Failed requests:        0"] or "Non-2xx" in out:
            s.fail(f"not every request was answered:\n{out}")
        code, text = fetch(server.port, "/server-status?auto")
        fields = status_fields(text)
        if code != 200 or "Total Accesses" not in fields or "Scoreboard" not in fields:
            s.fail(f"mod_status did not answer as expected ({code}):\n{text}")
        if int(fields["Total Accesses"]) < REQUESTS:
            s.fail(f"mod_status counted {fields['Total Accesses']} accesses, "
                   f"expected at least {REQUESTS}")
        print(f"ab -n {REQUESTS} -c 4: {took:.1f} s; mod_status: "
              f"{fields['Total Accesses']} accesses", flush=True)
        status = server.stop()
        run = s.read_json(server.json)
        expected = 66 if run["races"] else 0
        if status != expected:
            s.fail(f"launcher exited {status}, expected {expected}\n{server.errors()[-3000:]}")
        if len(run["processes"]) < 3:
            s.fail(f"only {len(run['processes'])} processes were checked")
        if not run["segments"]:
            s.fail("the scoreboard was not checked")
        for race in run["races"]:
            if "libc.so" in race["summary"] or "libshmcheck" in race["summary"]:
                s.fail(f"a race's summary does not name Apache's code: {race['summary']}")
        print(f"{len(run['processes'])} processes, {len(run['races'])} races", flush=True)
    finally:
        s.stop_group(server.process)


def cpu_fields(scratch, checked):
    server = Server(scratch, checked)
    try:
        server.ab(REQUESTS)
        # mod_status refreshes a child's CPU times when it finishes a request.
        fields = status_fields(fetch(server.port, "/server-status?auto")[1])
        return {k: v for k, v in fields.items() if k.startswith("CPU")}, server.errors()
    finally:
        server.stop()


def check_status_cpu(scratch):
    native, _ = cpu_fields(scratch, checked=False)
    checked, errors = cpu_fields(scratch, checked=True)
    print(f"natively: {native}\nunder the runtime: {checked}", flush=True)
    if sorted(native) != sorted(checked):
        s.fail(f"mod_status's CPU fields differ: {sorted(native)} vs {sorted(checked)}")
    if native and all(float(v) == 0 for v in checked.values()):
        s.fail("every CPU field is zero under the runtime (times() failed?)\n" + errors[-2000:])


def main():
    s.enter_private_namespaces(__file__)
    s.skip_unless(os.path.exists(APACHE) and os.path.exists(f"{MODULES}/mod_status.so"),
                  "Apache 2.4 (apache2) is not installed")
    mode = sys.argv[1] if len(sys.argv) > 1 else "requests"
    scratch = s.Scratch("shmcheck-apache-")
    try:
        if mode == "requests":
            check_requests(scratch)
        elif mode == "status-cpu":
            check_status_cpu(scratch)
        else:
            s.fail(f"unknown mode {mode}")
        left = s.runtime_leftovers()
        if left:
            s.fail(f"runtime state left in /dev/shm: {left}")
        ipc = s.ipc_of_user(scratch.uid)
        if ipc:
            s.remove_ipc(ipc)
            s.fail(f"System V objects left: {ipc}")
        print("PASS", flush=True)
    finally:
        s.remove_ipc(s.ipc_of_user(scratch.uid))
        scratch.remove()


if __name__ == "__main__":
    main()
