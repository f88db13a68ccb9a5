"""Broken input gives a clear error naming file, line and column, and loses nothing."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from rdflib import Graph

from kzby_kg.errors import LoadError, UsageError
from kzby_kg.paths import find_root
from kzby_kg.rdf.load import add_file, load, parse_turtle

from ..conftest import FIXTURES

BROKEN = FIXTURES / "broken" / "unterminated-string.ttl"


def test_broken_turtle_names_file_line_and_column() -> None:
    with pytest.raises(LoadError) as info:
        parse_turtle(BROKEN)
    error = info.value
    assert error.path == BROKEN
    assert error.line == 5
    assert error.column is not None and error.column > 1
    assert str(error).startswith(f"{BROKEN}:5:")
    assert "bad Turtle syntax: " in str(error) and error.reason.split(": ", 1)[1]


def test_missing_file_is_a_load_error(tmp_path: Path) -> None:
    with pytest.raises(LoadError, match="cannot read file"):
        parse_turtle(tmp_path / "absent.ttl")


def test_failed_add_leaves_graph_unchanged(graph: Graph) -> None:
    copy = Graph()
    copy += graph
    before = len(copy)
    with pytest.raises(LoadError):
        add_file(copy, BROKEN)
    assert len(copy) == before


def test_broken_data_file_stops_load_with_its_name(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parents[2]
    shutil.copytree(root / "ontology", tmp_path / "ontology")
    shutil.copytree(root / "data", tmp_path / "data")
    shutil.copy(BROKEN, tmp_path / "data" / "zz-broken.ttl")
    with pytest.raises(LoadError) as info:
        load(tmp_path)
    assert info.value.path.name == "zz-broken.ttl"
    assert info.value.line == 5


def test_not_a_project_folder(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="not a kzby-kg project"):
        find_root(tmp_path)
