"""Exports round-trip, are byte-for-byte deterministic, and never damage an existing file."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import Graph

from kzby_kg.errors import ExportError, UsageError
from kzby_kg.paths import ProjectPaths
from kzby_kg.rdf.write import FORMATS, export, serialize

from ..conftest import canonical_numbers, same_graph

RDFLIB_FORMAT = {"turtle": "turtle", "nt": "nt", "jsonld": "json-ld"}


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_export_round_trips(graph: Graph, fmt: str, tmp_path: Path) -> None:
    path = export(graph, fmt, tmp_path / f"out{FORMATS[fmt].suffix}")
    again = Graph().parse(path, format=RDFLIB_FORMAT[fmt])
    assert len(again) == len(graph)
    # numbers compared by value: rdflib writes the decimal 119 as 119.0 in Turtle
    assert same_graph(canonical_numbers(again), canonical_numbers(graph))


def test_exports_are_deterministic_across_processes(project: ProjectPaths, tmp_path: Path) -> None:
    """Different hash seeds, separate processes and loads: the same bytes in every format.
    One build runs here (this process's hash seed is random), one in a process with seed 1.
    On the article's graph; the slow tier repeats it on the full graph."""
    from kzby_kg.pipeline import build

    here = tmp_path / "here"
    build(project, here)
    there = tmp_path / "there"
    env = {**os.environ, "PYTHONHASHSEED": "1"}
    subprocess.run(
        [
            sys.executable,
            "-m",
            "kzby_kg",
            "build",
            "--root",
            str(project.root),
            "--out",
            str(there),
        ],
        check=True,
        env=env,
        capture_output=True,
    )
    outputs = [{p.name: p.read_bytes() for p in sorted(d.iterdir())} for d in (here, there)]
    assert outputs[0] == outputs[1]
    exports = sorted(f"kzby-kg{f.suffix}" for f in FORMATS.values())
    assert sorted(outputs[0]) == sorted([*exports, "validation.html"])  # and the report page
    assert all(len(data) > 10_000 for data in outputs[0].values())


def test_unknown_format_leaves_file_alone(graph: Graph, tmp_path: Path) -> None:
    target = tmp_path / "keep.ttl"
    target.write_text("previous content")
    with pytest.raises(UsageError, match="format"):
        export(graph, "rdfxml-please", target)
    assert target.read_text() == "previous content"


def test_failed_write_leaves_file_alone_and_no_temp(
    graph: Graph, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "keep.nt"
    target.write_text("previous content")

    def broken_replace(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(ExportError, match="No space left"):
        export(graph, "nt", target)
    assert target.read_text() == "previous content"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.nt"]


def test_unwritable_folder_is_a_clear_error(graph: Graph, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    with pytest.raises(ExportError, match="cannot write"):
        export(graph, "turtle", blocker / "sub" / "out.ttl")


def test_nt_lines_are_sorted(graph: Graph) -> None:
    lines = serialize(graph, "nt").decode().splitlines()
    assert lines == sorted(lines)
