"""Exports round-trip, are byte-for-byte deterministic, and never damage an existing file."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import Graph
from rdflib.compare import isomorphic

from kzby_kg.errors import ExportError, UsageError
from kzby_kg.export import FORMATS, export, serialize

RDFLIB_FORMAT = {"turtle": "turtle", "nt": "nt", "jsonld": "json-ld"}


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_export_round_trips(graph: Graph, fmt: str, tmp_path: Path) -> None:
    path = export(graph, fmt, tmp_path / f"out{FORMATS[fmt][1]}")
    again = Graph().parse(path, format=RDFLIB_FORMAT[fmt])
    assert len(again) == len(graph)
    assert isomorphic(again, graph)


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_export_is_deterministic_across_processes(fmt: str, tmp_path: Path) -> None:
    """Different hash seeds, separate loads: the same bytes."""
    outputs = []
    for seed in ("1", "2"):
        target = tmp_path / f"{seed}{FORMATS[fmt][1]}"
        env = {**os.environ, "PYTHONHASHSEED": seed}
        subprocess.run(
            [sys.executable, "-m", "kzby_kg", "export", "--format", fmt, "-o", str(target)],
            check=True,
            env=env,
            capture_output=True,
        )
        outputs.append(target.read_bytes())
    assert outputs[0] == outputs[1]
    assert len(outputs[0]) > 10_000


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
