"""Reading the README's examples, for the tests that run them (acceptance/test_readme.py and
slow/test_readme_imports.py)."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
BLOCK = re.compile(r"^```(\w*)\n(.*?)^```", re.M | re.S)
#: commands that change the checkout or need a server: their own tests run them
#: (tests/slow/test_readme_imports.py, tests/acceptance/test_serving.py, tests/slow/test_push.py)
NOT_HERE = ("import", "serve", "push")
WILDCARD = {"...", "…"}


def python_blocks() -> list[str]:
    return [code for lang, code in BLOCK.findall(README) if lang == "python"]


def cli_examples(imports: bool = False) -> list[tuple[str, list[str]]]:
    """Each ``$ kzby-kg …`` line of a plain block, with the lines it is shown to print.

    Blocks that import a table (and the questions after it, which need its data) are left to
    the slow tier, which runs them on a copy of the project; ``imports=True`` gives those.
    """
    examples: list[tuple[str, list[str]]] = []
    for lang, code in BLOCK.findall(README):
        if lang or (" import " in code) != imports:
            continue
        command: str | None = None
        expected: list[str] = []
        for line in [*code.splitlines(), "$ end"]:
            if line.startswith("$ "):
                if command is not None:
                    while expected and not expected[-1].strip():
                        expected.pop()
                    examples.append((command, expected))
                command, expected = line[2:].strip(), []
            elif command is not None:
                expected.append(line)
        examples = [(c, e) for c, e in examples if c != "end"]
    if imports:
        return examples
    return [(c, e) for c, e in examples if shlex.split(c)[1] not in NOT_HERE]


def matches(expected: list[str], actual: list[str]) -> bool:
    """Line by line; a line that is only "..." or "…" stands for any number of lines."""
    if not expected:
        return not actual
    head, rest = expected[0].rstrip(), expected[1:]
    if head in WILDCARD:
        return any(matches(rest, actual[i:]) for i in range(len(actual) + 1))
    return bool(actual) and actual[0].rstrip() == head and matches(rest, actual[1:])
