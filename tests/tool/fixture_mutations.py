"""Mutants of the checker fixtures (tests/checker/*.c) for robustness runs.

A mutant is a fixture with one to three small edits of the kinds a fuzzer
makes and an editor leaves behind half-way: a line deleted, duplicated or
swapped with the next, a run of characters deleted, a token inserted (a
brace, a parenthesis, a quote, a comment opener, a preprocessor line, a
lock or attach call cut short, bytes that are not UTF-8), an identifier
replaced by another of the file, or the file cut short. The same seed gives
the same mutants, so a failure can be reproduced.

Usage as a script: fixture_mutations.py OUT_DIR COUNT [SEED]
"""
import random
import re
import sys
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent.parent / "checker"

INSERTIONS = [
    "{", "}", "(", ")", ";", ",", "*", "&", "->", "[", "]", "\"", "'", "/*", "*/", "\\",
    "\n#define X(a) a##", "\n#if 1\n", "\n#endif\n", "\n#include \"", "pthread_mutex_lock(",
    "pthread_mutex_unlock(&", "shmat(", "shmdt(", "sem_wait(", "(void *)-1", "goto out;",
    "return;", "break;", "0x", "__attribute__((", "_Atomic", "volatile ", "struct {",
    "\udcff\udcfe", "\udc80", "\t\v\f",  # the first two: bytes that are not UTF-8
]
IDENTIFIER = re.compile(r"\b[A-Za-z_][A-Za-z0-9_]*\b")


def fixtures():
    return sorted(FIXTURES.glob("*.c"))


def mutate_once(text, rng):
    lines = text.split("\n")
    kind = rng.randrange(8)
    if kind == 0 and len(lines) > 1:
        del lines[rng.randrange(len(lines))]
    elif kind == 1:
        i = rng.randrange(len(lines))
        lines.insert(i, lines[i])
    elif kind == 2 and len(lines) > 2:
        i = rng.randrange(len(lines) - 1)
        lines[i], lines[i + 1] = lines[i + 1], lines[i]
    elif kind == 3 and text:
        start = rng.randrange(len(text))
        return text[:start] + text[start + rng.randint(1, 40):]
    elif kind == 4:
        at = rng.randrange(len(text) + 1)
        return text[:at] + rng.choice(INSERTIONS) + text[at:]
    elif kind == 5:
        names = IDENTIFIER.findall(text)
        if len(names) > 1:
            old, new = rng.choice(names), rng.choice(names)
            spots = [m.start() for m in re.finditer(r"\b%s\b" % re.escape(old), text)]
            at = rng.choice(spots)
            return text[:at] + new + text[at + len(old):]
    elif kind == 6 and text:
        return text[:rng.randrange(len(text))]
    else:
        # A line of one fixture dropped into another.
        other = fixtures()[rng.randrange(len(fixtures()))].read_text().split("\n")
        lines.insert(rng.randrange(len(lines) + 1), rng.choice(other))
    return "\n".join(lines)


def mutants(count, seed=1):
    """(name, text) of `count` mutants, the same for the same seed."""
    rng = random.Random(seed)
    sources = fixtures()
    for n in range(count):
        source = sources[n % len(sources)]
        text = source.read_text()
        for _ in range(rng.randint(1, 3)):
            text = mutate_once(text, rng)
        yield f"mutant-{n:05d}-{source.stem}.c", text


def main():
    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    for name, text in mutants(int(sys.argv[2]), int(sys.argv[3]) if len(sys.argv) > 3 else 1):
        (out / name).write_text(text, encoding="utf-8", errors="surrogateescape")


if __name__ == "__main__":
    main()
