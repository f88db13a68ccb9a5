"""The README is executed: its Python examples run, its command-line examples print what it
shows, and the figures in its prose are the graph's. Drift ("32 stored questions" when there
are 36) fails here, not in a reader's hands."""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import pytest

import kzby_kg
from kzby_kg.cli.main import main

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")
BLOCK = re.compile(r"^```(\w*)\n(.*?)^```", re.M | re.S)
#: commands that change the checkout, need a server, or need a network peer: the slow tier or
#: their own tests run them (tests/slow/test_importing_slow.py, tests/acceptance/test_serving.py)
NOT_HERE = ("import", "serve", "push")
WILDCARD = {"...", "…"}


def python_blocks() -> list[str]:
    return [code for lang, code in BLOCK.findall(README) if lang == "python"]


def cli_examples() -> list[tuple[str, list[str]]]:
    """Each ``$ kzby-kg …`` line of a plain block, with the lines it is shown to print."""
    examples = []
    for lang, code in BLOCK.findall(README):
        if lang:
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
    return [(c, e) for c, e in examples if shlex.split(c)[1] not in NOT_HERE]


def matches(expected: list[str], actual: list[str]) -> bool:
    """Line by line; a line that is only "..." or "…" stands for any number of lines."""
    if not expected:
        return not actual
    head, rest = expected[0].rstrip(), expected[1:]
    if head in WILDCARD:
        return any(matches(rest, actual[i:]) for i in range(len(actual) + 1))
    return bool(actual) and actual[0].rstrip() == head and matches(rest, actual[1:])


@pytest.mark.parametrize("code", python_blocks(), ids=lambda c: c.splitlines()[0][:40])
def test_python_example_runs(
    code: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, served: str
) -> None:
    monkeypatch.chdir(tmp_path)  # examples that write files write them here
    monkeypatch.setenv("KZBY_KG_ROOT", str(ROOT))
    namespace: dict[str, Any] = {}
    exec(compile(code.replace("http://127.0.0.1:8000", served), "README.md", "exec"), namespace)


@pytest.mark.parametrize(("command", "expected"), cli_examples(), ids=lambda v: str(v)[:50])
def test_cli_example_prints_what_the_readme_shows(
    command: str,
    expected: list[str],
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    argv = shlex.split(command)[1:]
    monkeypatch.chdir(ROOT)
    if argv[0] == "build":
        argv += ["--out", str(tmp_path)]  # never write into the checkout
    main(argv)
    captured = capsys.readouterr()
    actual = (captured.out + captured.err).splitlines()
    if argv[0] == "build":
        actual = [line.replace(str(tmp_path), "dist") for line in actual]
    assert matches(expected, actual), "\n".join(actual)


def figure(pattern: str) -> tuple[int, ...]:
    match = re.search(pattern, README)
    assert match is not None, f"the README no longer says {pattern!r}"
    return tuple(int(g.replace(",", "")) for g in match.groups())


def test_prose_figures_are_the_graphs(graph: Any) -> None:
    assert figure(r"holds ([\d,]+) stored questions") == (len(kzby_kg.catalogue()),)
    entities = kzby_kg.to_networkx(graph)
    full = kzby_kg.to_networkx(graph, view="full")
    assert figure(r"entity view \(([\d,]+) nodes, ([\d,]+) edges\)") == (
        entities.number_of_nodes(),
        entities.number_of_edges(),
    )
    assert figure(r"full view\s+\(([\d,]+) nodes, ([\d,]+) edges\)") == (
        full.number_of_nodes(),
        full.number_of_edges(),
    )
