"""Shared pieces of the shm-tidy driver tests: where the binaries are, small
C projects with a compilation database, and running the tool."""

import json
import os
import re
import shutil
import subprocess
import tempfile
import unittest
from pathlib import Path

SHM_TIDY = os.environ["SHM_TIDY"]
SOURCE_DIR = Path(os.environ["SHMCHECK_SOURCE_DIR"])
PLUGIN = os.environ.get("SHMTIDY_PLUGIN", "")
CLANG_TIDY = os.environ.get("CLANG_TIDY", "clang-tidy-19")
CC = os.environ.get("CC_FOR_TESTS", "cc")

# A segment every user may write: shm-insecure-permissions reports the call.
INSECURE_SEGMENT = """\
#include <sys/ipc.h>
#include <sys/shm.h>

int make_segment(void) {
  return shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0666); /* FINDING */
}
"""

# The same segment, private to its owner: nothing to report.
PRIVATE_SEGMENT = """\
#include <sys/ipc.h>
#include <sys/shm.h>

int make_private_segment(void) {
  return shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
}
"""

# A header every translation unit includes, with a finding of its own.
SHARED_HEADER = """\
#include <sys/ipc.h>
#include <sys/shm.h>

static inline int make_shared_segment(void) {
  return shmget(IPC_PRIVATE, 64, IPC_CREAT | 0666); /* FINDING */
}
"""


def unit_including_header(name):
    return f"""\
#include "segment.h"

int use_{name}(void) {{ return make_shared_segment(); }}
"""


def marked_lines(text, marker="FINDING"):
    """1-based numbers of the lines carrying the marker comment."""
    return [i + 1 for i, line in enumerate(text.splitlines()) if marker in line]


class Project:
    """A directory of C files with a compile_commands.json in build/."""

    def __init__(self, files, flags=("-std=c11",)):
        self.root = Path(tempfile.mkdtemp(prefix="shmtidy-test-"))
        self.build = self.root / "build"
        self.build.mkdir()
        for name, text in files.items():
            path = self.root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
        include = self.root / "include"
        commands = []
        for name in sorted(files):
            if not name.endswith(".c"):
                continue
            source = self.root / name
            commands.append({
                "directory": str(self.build),
                "file": str(source),
                "arguments": [CC, *flags, f"-I{include}", "-c", str(source),
                              "-o", source.stem + ".o"],
            })
        (self.build / "compile_commands.json").write_text(
            json.dumps(commands, indent=1))

    def path(self, name):
        return self.root / name

    def remove(self):
        shutil.rmtree(self.root, ignore_errors=True)


def run(args, cwd=None, tool=None, **kwargs):
    """Runs shm-tidy (or tool) with args; returns the CompletedProcess."""
    command = [tool or SHM_TIDY, *args]
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True,
                          timeout=300, **kwargs)


DIAGNOSTIC = re.compile(
    r"^(?P<file>[^:\n]+):(?P<line>\d+):(?P<col>\d+): "
    r"(?P<level>warning|error): (?P<message>.*) \[(?P<check>[^\]]+)\]$",
    re.MULTILINE)


def diagnostics(stdout):
    """(file name, line, level, check) of every diagnostic in text output."""
    return [(Path(m["file"]).name, int(m["line"]), m["level"],
             m["check"].split(",")[0])
            for m in DIAGNOSTIC.finditer(stdout)]


def error_lines(stderr):
    return [l for l in stderr.splitlines() if l.startswith("shm-tidy: error:")]


class ToolTestCase(unittest.TestCase):
    maxDiff = None

    def project(self, files, **kwargs):
        project = Project(files, **kwargs)
        self.addCleanup(project.remove)
        return project

    def assertNoCrashNoise(self, result):
        for noise in ("Stack dump", "PLEASE submit", "LLVM ERROR",
                      "Traceback", "Segmentation fault"):
            self.assertNotIn(noise, result.stderr)
            self.assertNotIn(noise, result.stdout)

    def assertFailsWithOneLine(self, result, *words):
        """Exit status 2 and one 'shm-tidy: error: ...; <what to do>' line."""
        self.assertEqual(result.returncode, 2, result.stderr + result.stdout)
        lines = error_lines(result.stderr)
        self.assertEqual(len(lines), 1, result.stderr)
        self.assertIn("; ", lines[0], "the line says what to do")
        for word in words:
            self.assertIn(word, lines[0])
        self.assertNoCrashNoise(result)
        return lines[0]
