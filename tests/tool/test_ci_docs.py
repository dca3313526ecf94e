"""The examples in docs/ci.md work: their shell commands, CI steps and hook
are run here, as written, on a small CMake project."""

import json
import os
import re
import shutil
import subprocess
import tempfile
import unittest
from pathlib import Path

import yaml

from harness import (INSECURE_SEGMENT, PLUGIN, PRIVATE_SEGMENT, SHM_TIDY,
                     SOURCE_DIR, ToolTestCase, marked_lines)

DOC = SOURCE_DIR / "docs" / "ci.md"

SERVER = INSECURE_SEGMENT + "\nint main(void) { return make_segment() < 0; }\n"
CLEAN_SERVER = PRIVATE_SEGMENT + (
    "\nint main(void) { return make_private_segment() < 0; }\n")
PROJECT_CMAKE = """\
cmake_minimum_required(VERSION 3.20)
project(tiny C)
add_executable(server server.c)
"""


def code_blocks(section):
    """(language, text) of each fenced block under the '## section' heading."""
    text = DOC.read_text()
    match = re.search(rf"^## {re.escape(section)}\n(.*?)(?=^## |\Z)", text,
                      re.MULTILINE | re.DOTALL)
    assert match, f"docs/ci.md has no section '{section}'"
    return re.findall(r"^```(\w*)\n(.*?)^```", match.group(1),
                      re.MULTILINE | re.DOTALL)


class CiDocs(ToolTestCase):
    def setUp(self):
        self.dir = Path(tempfile.mkdtemp(prefix="shmtidy-ci-"))
        self.addCleanup(shutil.rmtree, self.dir, ignore_errors=True)
        # $SHMCHECK as the docs use it: a shmcheck build with the tool and
        # the plugin at their fixed paths.
        self.shmcheck = self.dir / "shmcheck"
        (self.shmcheck / "build" / "bin").mkdir(parents=True)
        (self.shmcheck / "build" / "lib").mkdir(parents=True)
        os.symlink(SHM_TIDY, self.shmcheck / "build/bin/shm-tidy")
        os.symlink(PLUGIN, self.shmcheck / "build/lib/ShmTidyPlugin.so")
        self.env = dict(os.environ, SHMCHECK=str(self.shmcheck),
                        PATH=f"{self.shmcheck / 'build/bin'}:{os.environ['PATH']}")

    def make_project(self, source=SERVER, name="project"):
        project = self.dir / name
        project.mkdir()
        (project / "CMakeLists.txt").write_text(PROJECT_CMAKE)
        (project / "server.c").write_text(source)
        return project

    def sh(self, script, cwd, env=None):
        return subprocess.run(["bash", "-e", "-c", script], cwd=cwd,
                              env=env or self.env, capture_output=True,
                              text=True, timeout=600)

    def test_whole_project_and_sarif_commands(self):
        project = self.make_project()
        for section in ("Analysing a whole project", "SARIF"):
            for language, script in code_blocks(section):
                self.assertEqual(language, "sh")
                result = self.sh(script, project)
                self.assertEqual(result.returncode, 0,
                                 result.stdout + result.stderr)
                self.assertIn("[shm-insecure-permissions]", result.stdout)
        log = json.loads((project / "shm-tidy.sarif").read_text())
        self.assertEqual(len(log["runs"][0]["results"]), 1)

    def test_github_workflow_steps(self):
        (language, text), *_ = code_blocks("GitHub Actions")
        self.assertEqual(language, "yaml")
        workflow = yaml.safe_load(text)
        job = workflow["jobs"]["shm-tidy"]
        self.assertEqual(job["permissions"]["security-events"], "write")
        steps = {step.get("name", step.get("uses")): step
                 for step in job["steps"]}
        upload = steps["Upload SARIF"]
        self.assertTrue(upload["uses"].startswith(
            "github/codeql-action/upload-sarif@"))
        self.assertIn("failure()", upload["if"])  # uploads failing runs too

        for source, status in ((CLEAN_SERVER, 0), (SERVER, 1)):
            project = self.make_project(source, name=f"gh{status}")
            for name in ("Configure the project", "Analyse with shm-tidy"):
                result = self.sh(steps[name]["run"], project)
            self.assertEqual(result.returncode, status, result.stderr)
            log = json.loads(
                (project / upload["with"]["sarif_file"]).read_text())
            self.assertEqual(len(log["runs"][0]["results"]), status)

    def test_gitlab_job_script(self):
        (language, text), *_ = code_blocks("GitLab CI")
        self.assertEqual(language, "yaml")
        job = yaml.safe_load(text)["shm-tidy"]
        total = job["parallel"]
        files = {"CMakeLists.txt": PROJECT_CMAKE.replace(
            "add_executable(server server.c)",
            "\n".join(f"add_library(part{i} OBJECT part{i}.c)"
                      for i in range(6)))}
        for i in range(6):
            files[f"part{i}.c"] = INSECURE_SEGMENT.replace(
                "make_segment", f"make_segment{i}")
        project = self.dir / "gitlab"
        project.mkdir()
        for name, content in files.items():
            (project / name).write_text(content)

        found = []
        for index in range(1, total + 1):
            env = dict(self.env, CI_NODE_INDEX=str(index),
                       CI_NODE_TOTAL=str(total), CI_PROJECT_DIR=str(project))
            result = self.sh("\n".join(job["script"]), project, env)
            self.assertIn(result.returncode, (0, 1), result.stderr)
            log = json.loads(
                (project / f"shm-tidy-{index}.sarif").read_text())
            found += [r["locations"][0]["physicalLocation"]
                      ["artifactLocation"]["uri"]
                      for r in log["runs"][0]["results"]]
        self.assertEqual(sorted(found), [f"part{i}.c" for i in range(6)])
        self.assertEqual(job["artifacts"]["paths"], ["shm-tidy-*.sarif"])

    def test_pre_commit_hook(self):
        (language, hook), (config_language, config) = code_blocks(
            "Pre-commit hook")
        self.assertEqual(language, "sh")
        repo = self.make_project(CLEAN_SERVER, name="repo")
        env = dict(self.env, GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@t",
                   GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@t")
        setup = self.sh("git init -q . && "
                        "cmake -S . -B build -DCMAKE_EXPORT_COMPILE_COMMANDS=ON",
                        repo, env)
        self.assertEqual(setup.returncode, 0, setup.stderr)
        hook_path = repo / ".git" / "hooks" / "pre-commit"
        hook_path.write_text(hook)
        hook_path.chmod(0o755)
        (repo / ".gitignore").write_text("build/\n")

        clean = self.sh("git add -A && git commit -q -m clean", repo, env)
        self.assertEqual(clean.returncode, 0, clean.stderr)
        (repo / "server.c").write_text(SERVER)
        refused = self.sh("git add -A && git commit -q -m racy", repo, env)
        self.assertNotEqual(refused.returncode, 0)
        # git shows a hook's stdout on stderr.
        self.assertIn("shm-insecure-permissions", refused.stderr)
        self.assertIn("pre-commit: shm-tidy found problems", refused.stderr)

        self.assertEqual(config_language, "yaml")
        hooks = yaml.safe_load(config)["repos"][0]["hooks"]
        self.assertTrue(hooks[0]["entry"].startswith("shm-tidy "))

    def test_cmake_clang_tidy_variables(self):
        blocks = code_blocks("CMake")
        commands = [text for language, text in blocks if language == "sh"]
        self.assertEqual(len(commands), 3)
        expected_status = (0, 1, 0)  # plain, --warnings-as-errors, plugin
        for number, (script, status) in enumerate(zip(commands,
                                                      expected_status)):
            with self.subTest(snippet=number):
                project = self.make_project(name=f"cmake{number}")
                result = self.sh(script, project)
                output = result.stdout + result.stderr
                self.assertEqual(result.returncode != 0, status != 0, output)
                line = marked_lines(SERVER)[0]
                self.assertIn(f"server.c:{line}:", output)
                self.assertIn("shm-insecure-permissions", output)

        [(language, snippet)] = [b for b in blocks if b[0] == "cmake"]
        project = self.make_project(name="cmake-target")
        with open(project / "CMakeLists.txt", "a") as f:
            f.write(snippet)
        result = self.sh("cmake -S . -B build && cmake --build build",
                         project)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("shm-insecure-permissions",
                      result.stdout + result.stderr)


if __name__ == "__main__":
    unittest.main()
