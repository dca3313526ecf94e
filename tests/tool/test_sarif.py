"""--format=sarif: a valid SARIF 2.1.0 log (checked against the standard's
JSON schema) with rules described by docs/checks/, results at repository-
relative locations, and fingerprints that survive unrelated edits."""

import json
import os
import re
import subprocess
import unittest

from harness import (INSECURE_SEGMENT, SHARED_HEADER, SOURCE_DIR,
                     ToolTestCase, marked_lines, run, unit_including_header)

SCHEMA = os.environ.get("SARIF_SCHEMA", "")

# shmat reports failure with (void *)-1, so this NULL test is wrong.
SHMAT_NULL_TEST = """\
#include <stddef.h>
#include <sys/ipc.h>
#include <sys/shm.h>

int attach_failed(int id) {
  void *p = shmat(id, NULL, 0);
  return p == NULL; /* FINDING */
}
"""


def first_paragraph(markdown):
    """The first prose paragraph below the page's title, as plain text."""
    lines = markdown.splitlines()
    body = [l for l in lines[1:]]
    paragraph = []
    for line in body:
        text = line.strip()
        if not text:
            if paragraph:
                break
            continue
        if not paragraph and text.startswith(("#", "```", "|", ">")):
            continue
        paragraph.append(text)
    text = " ".join(paragraph)
    text = re.sub(r"\[([^]]*)\]\([^)]*\)", r"\1", text)
    return text.replace("`", "").replace("**", "")


class Sarif(ToolTestCase):
    def setUp(self):
        self.proj = self.project({
            "include/segment.h": SHARED_HEADER,
            "src/one.c": unit_including_header("one"),
            "src/two.c": unit_including_header("two"),
            "src/insecure.c": INSECURE_SEGMENT,
            "src/attach.c": SHMAT_NULL_TEST,
        })
        (self.proj.root / ".git").mkdir()  # the source root SARIF uses
        self.out = self.proj.path("shm-tidy.sarif")

    def sarif(self, *extra, expect=0):
        result = run(["-p", str(self.proj.build), "--all-files",
                      "--header-filter=.*", "--format=sarif",
                      f"--output={self.out}", *extra], cwd=self.proj.root)
        self.assertEqual(result.returncode, expect, result.stderr)
        return json.loads(self.out.read_text()), result

    def test_valid_against_the_sarif_2_1_0_schema(self):
        import jsonschema
        self.assertTrue(os.path.isfile(SCHEMA),
                        "SARIF schema missing: run scripts/deps.sh")
        with open(SCHEMA) as f:
            schema = json.load(f)
        log, _ = self.sarif()
        validator = jsonschema.validators.validator_for(schema)(
            schema, format_checker=jsonschema.FormatChecker())
        errors = [f"{list(e.path)}: {e.message}"
                  for e in validator.iter_errors(log)]
        self.assertEqual(errors, [])
        self.assertEqual(log["version"], "2.1.0")

    def test_tool_and_rules_come_from_the_check_pages(self):
        log, _ = self.sarif()
        driver = log["runs"][0]["tool"]["driver"]
        self.assertEqual(driver["name"], "shm-tidy")
        self.assertRegex(driver["version"], r"^\d+\.\d+\.\d+")
        if "informationUri" in driver:
            self.assertTrue(driver["informationUri"].startswith("https://"))
        rules = {r["id"]: r for r in driver["rules"]}

        listed = run(["--list-checks", "--checks=-*,shm-*"])
        checks = re.findall(r"^    (shm-\S+)$", listed.stdout, re.MULTILINE)
        pages = sorted(p.stem for p in (SOURCE_DIR / "docs/checks").glob("*.md"))
        self.assertEqual(sorted(checks), pages,
                         "every check has exactly one docs/checks page")
        for check in checks:
            with self.subTest(check=check):
                page = (SOURCE_DIR / "docs/checks" / f"{check}.md").read_text()
                rule = rules[check]
                paragraph = first_paragraph(page)
                self.assertEqual(rule["fullDescription"]["text"], paragraph)
                self.assertTrue(paragraph.startswith(
                    rule["shortDescription"]["text"].rstrip(".")))
                self.assertIn(page.splitlines()[2], rule["help"]["markdown"])
                self.assertTrue(rule["help"]["text"])

    def test_results_are_relative_located_and_unique(self):
        log, _ = self.sarif()
        run_ = log["runs"][0]
        root = run_["originalUriBaseIds"]["SRCROOT"]["uri"]
        self.assertEqual(root, self.proj.root.resolve().as_uri() + "/")
        rules = run_["tool"]["driver"]["rules"]
        places = []
        for result in run_["results"]:
            self.assertEqual(rules[result["ruleIndex"]]["id"], result["ruleId"])
            self.assertEqual(result["level"], "warning")
            self.assertTrue(result["message"]["text"])
            location = result["locations"][0]["physicalLocation"]
            self.assertEqual(location["artifactLocation"]["uriBaseId"],
                             "SRCROOT")
            places.append((result["ruleId"],
                           location["artifactLocation"]["uri"],
                           location["region"]["startLine"]))
            self.assertGreaterEqual(location["region"]["startColumn"], 1)
            self.assertTrue(result["partialFingerprints"])
        expected = [
            ("shm-shmat-result", "src/attach.c",
             marked_lines(SHMAT_NULL_TEST)[0]),
            ("shm-insecure-permissions", "include/segment.h",
             marked_lines(SHARED_HEADER)[0]),
            ("shm-insecure-permissions", "src/insecure.c",
             marked_lines(INSECURE_SEGMENT)[0]),
        ]
        self.assertEqual(sorted(places), sorted(expected))
        invocation = run_["invocations"][0]
        self.assertTrue(invocation["executionSuccessful"])
        self.assertEqual(invocation["exitCode"], 0)

    def test_fingerprints_survive_moved_lines(self):
        first, _ = self.sarif()
        path = self.proj.path("src/insecure.c")
        path.write_text("/* a new comment */\n\n" + path.read_text())
        second, _ = self.sarif()

        def prints(log):
            return sorted(
                (r["ruleId"], json.dumps(r["partialFingerprints"]))
                for r in log["runs"][0]["results"])
        self.assertEqual(prints(first), prints(second))
        lines = sorted(r["locations"][0]["physicalLocation"]["region"]
                       ["startLine"] for r in second["runs"][0]["results"])
        self.assertNotEqual(lines, sorted(
            r["locations"][0]["physicalLocation"]["region"]["startLine"]
            for r in first["runs"][0]["results"]))

    def test_promoted_findings_are_errors(self):
        log, _ = self.sarif("--warnings-as-errors=shm-insecure-permissions",
                            expect=1)
        levels = {r["ruleId"]: r["level"] for r in log["runs"][0]["results"]}
        self.assertEqual(levels["shm-insecure-permissions"], "error")
        self.assertEqual(levels["shm-shmat-result"], "warning")
        self.assertEqual(log["runs"][0]["invocations"][0]["exitCode"], 1)

    def test_unparsed_file_makes_the_run_unsuccessful(self):
        self.proj.path("src/broken.c").write_text("int broken( {\n")
        commands = json.loads(
            (self.proj.build / "compile_commands.json").read_text())
        commands.append(dict(commands[0], file=str(self.proj.path("src/broken.c")),
                             arguments=["cc", "-c", str(self.proj.path("src/broken.c"))]))
        (self.proj.build / "compile_commands.json").write_text(json.dumps(commands))
        log, _ = self.sarif(expect=2)
        invocation = log["runs"][0]["invocations"][0]
        self.assertFalse(invocation["executionSuccessful"])
        notified = [n["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                    for n in invocation["toolExecutionNotifications"]]
        self.assertEqual(notified, ["src/broken.c"])

    def test_sarif_on_stdout_is_pure_json(self):
        result = run(["-p", str(self.proj.build), "--format=sarif",
                      str(self.proj.path("src/insecure.c"))],
                     cwd=self.proj.root)
        self.assertEqual(result.returncode, 0, result.stderr)
        log = json.loads(result.stdout)
        self.assertEqual(len(log["runs"][0]["results"]), 1)

    def test_text_still_printed_beside_a_sarif_file(self):
        _, result = self.sarif()
        self.assertIn("[shm-insecure-permissions]", result.stdout)


if __name__ == "__main__":
    unittest.main()
