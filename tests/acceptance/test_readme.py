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

from ..readme_examples import README, ROOT, cli_examples, matches, python_blocks


@pytest.mark.parametrize("code", python_blocks(), ids=lambda c: c.splitlines()[0][:40])
def test_python_example_runs(
    code: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, served: str
) -> None:
    monkeypatch.chdir(tmp_path)  # examples that write files write them here
    monkeypatch.setenv("KZBY_KG_ROOT", str(ROOT))
    namespace: dict[str, Any] = {}
    exec(compile(code.replace("http://127.0.0.1:8000", served), "README.md", "exec"), namespace)


def _examples() -> list[Any]:
    """The full build (vendored tables, 41k triples, three canonical exports: about 20 s) runs
    in the slow tier; every other example here."""
    return [
        pytest.param(c, e, marks=pytest.mark.slow) if c.split()[1] == "build" else (c, e)
        for c, e in cli_examples()
    ]


@pytest.mark.parametrize(("command", "expected"), _examples(), ids=lambda v: str(v)[:50])
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
